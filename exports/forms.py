from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, ValidationError
from wtforms.validators import InputRequired

from core.i18n import lazy_message

from .labels import FORMAT_LABELS
from .registry import FORMATS, KINDS


class ExportForm(FlaskForm):
    """What to export and in which format. Each target names the formats its kind offers
    (``data-formats``), and the format list offers only those of the chosen target: the
    script follows the target as it changes; without it the list holds the formats of the
    target shown, and a format the target does not offer is refused beside the field."""

    target = SelectField(_l("내보낼 자료"), validators=[InputRequired()])
    format = SelectField(_l("형식"), validators=[InputRequired()],
                         choices=[SelectChoice(f, FORMAT_LABELS[f]) for f in FORMATS])
    include_personal = BooleanField(
        _l("개인정보 포함 (제안자 이름·연락처, 참가자 인구통계 등)"),
        description=_l("꼭 필요할 때만 선택하세요. 내려받은 기록이 남습니다. "
                       "투표지와 투표한 사람은 어떤 경우에도 연결되지 않습니다."))

    def set_targets(self, targets) -> None:
        self.target.choices = [
            SelectChoice(f"{kind.name}:{scope_id}", f"{kind.label} — {title}",
                         render_kw={"data-formats": " ".join(kind.formats_for(scope_id))})
            for kind, scope_id, title in targets]
        shown = self.target.data
        if shown not in {choice.value for choice in self.target.choices}:
            shown = self.target.choices[0].value if self.target.choices else ""
        offered = self._offered(shown) or FORMATS
        self.format.choices = [
            SelectChoice(f, FORMAT_LABELS[f],
                         render_kw={} if f in offered else {"disabled": True, "hidden": True})
            for f in FORMATS]

    @staticmethod
    def _offered(target: str) -> tuple[str, ...]:
        """The formats a target (``kind:id``) offers; () for one that is not a target."""
        name, _, scope = (target or "").partition(":")
        kind = KINDS.get(name)
        return kind.formats_for(int(scope)) if kind is not None and scope.isdigit() else ()

    def validate_format(self, field) -> None:
        if self.target.data not in {choice.value for choice in self.target.choices}:
            return
        offered = self._offered(self.target.data)
        if field.data not in offered:
            kind = KINDS[self.target.data.partition(":")[0]]
            raise ValidationError(lazy_message(
                "‘%(kind)s’은(는) %(format)s 형식으로 내보낼 수 없습니다. 가능한 형식: %(formats)s",
                kind=kind.label, format=FORMAT_LABELS.get(field.data, ""),
                formats=", ".join(str(FORMAT_LABELS[f]) for f in offered)))

    def chosen(self) -> tuple[str, int]:
        kind, _, scope = self.target.data.partition(":")
        return kind, int(scope)
