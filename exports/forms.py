from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField
from wtforms.validators import InputRequired

from .labels import FORMAT_LABELS
from .registry import FORMATS


class ExportForm(FlaskForm):
    target = SelectField(_l("내보낼 자료"), validators=[InputRequired()])
    format = SelectField(_l("형식"), validators=[InputRequired()],
                         choices=[SelectChoice(f, FORMAT_LABELS[f]) for f in FORMATS])
    include_personal = BooleanField(
        _l("개인정보 포함 (제안자 이름·연락처, 참가자 인구통계 등)"),
        description=_l("꼭 필요할 때만 선택하세요. 내려받은 기록이 남습니다. "
                       "투표지와 투표한 사람은 어떤 경우에도 연결되지 않습니다."))

    def set_targets(self, targets) -> None:
        self.target.choices = [
            SelectChoice(f"{kind.name}:{scope_id}", f"{kind.label} — {title}")
            for kind, scope_id, title in targets]

    def chosen(self) -> tuple[str, int]:
        kind, _, scope = self.target.data.partition(":")
        return kind, int(scope)
