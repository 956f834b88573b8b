from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from agenda.markup import contains_markup
from agenda.models import (
    CHANNEL_LABELS,
    DESCRIPTION_MAX,
    FIELD_LABELS,
    KIND_LABELS,
    MAX_ESTIMATED_COST,
    STATUS_LABELS,
    TITLE_MAX,
    Channel,
    Status,
)
from agenda.proposals import COMMENT_MAX, REASON_MAX
from core.i18n import lazy_message

REQUIRED = _l("이 항목을 입력하세요.")
DISTRICT_WIDE = SelectChoice("", _l("구 전체"))


def no_markup(form, field):
    if contains_markup(field.data):
        raise ValidationError(
            _l("HTML 태그는 쓸 수 없습니다. 서식이 필요하면 마크다운(**굵게**, - 목록)을 쓰세요.")
        )


def field_choices():
    return [SelectChoice(value.value, label) for value, label in FIELD_LABELS.items()]


def kind_choices():
    return [SelectChoice(value.value, label) for value, label in KIND_LABELS.items()]


def area_choices(district):
    return [DISTRICT_WIDE] + [SelectChoice(str(d.id), d.label) for d in district.dongs]


def title_field(label=None):
    return StringField(
        label or _l("제목"),
        validators=[DataRequired(REQUIRED),
                    Length(max=TITLE_MAX, message=_l("제목은 %(max)d자 이하로 입력하세요.")),
                    no_markup],
    )


def description_field():
    return TextAreaField(
        _l("설명"),
        validators=[Length(max=DESCRIPTION_MAX,
                           message=_l("설명은 %(max)d자 이하로 입력하세요.")), no_markup],
        description=_l("어떤 문제인지, 누구와 어떻게 풀고 싶은지 적어 주세요. "
                       "마크다운(**굵게**, - 목록, [링크](https://…))을 쓸 수 있습니다."),
    )


def cost_field():
    return IntegerField(
        _l("예상 비용(원)"),
        validators=[Optional(),
                    NumberRange(min=0, max=MAX_ESTIMATED_COST,
                                message=lazy_message(
                                    "예상 비용은 0원 이상 %(max)s원 이하로 입력하세요.",
                                    max=f"{MAX_ESTIMATED_COST:,}"))],
        description=_l("모르면 비워 두세요. 숫자만 입력합니다 (예: 15000000)."),
    )


def reason_field(label=None, required=True, id=None):
    """A reason textarea; ``id`` keeps ids unique where several forms share one page."""
    validators = [Length(max=REASON_MAX, message=_l("%(max)d자 이하로 입력하세요.")), no_markup]
    validators.insert(0, DataRequired(REQUIRED) if required else Optional())
    return TextAreaField(label or _l("사유"), validators=validators, id=id)


class ProposalForm(FlaskForm):
    title = title_field()
    description = description_field()
    field = SelectField(_l("분야"), choices=field_choices(), validators=[InputRequired(REQUIRED)])
    kind = SelectField(_l("의제 유형"), choices=kind_choices(),
                       validators=[InputRequired(REQUIRED)],
                       description=_l("문제해결형: 생활 속 문제를 민관이 함께 해결 / "
                                      "정책실행형: 구의 정책을 민관이 함께 실행"))
    area = SelectField(_l("지역"), choices=[], default="")
    estimated_cost = cost_field()
    proposing_group = StringField(
        _l("제안 단체 (선택)"),
        validators=[Length(max=100, message=_l("%(max)d자 이하로 입력하세요.")), no_markup],
    )


class OnBehalfForm(ProposalForm):
    # Not validated against the choices here: the service refuses an unknown channel with a
    # message that lists the five (``agenda.channels.check_channel``).
    channel = SelectField(_l("접수 경로"), choices=[
        SelectChoice(channel.value, label) for channel, label in CHANNEL_LABELS.items()],
        validate_choice=False, default=Channel.PARTICIPATORY_BUDGET.value)
    proposing_group = StringField(
        _l("제안한 곳"),
        validators=[DataRequired(REQUIRED),
                    Length(max=100, message=_l("%(max)d자 이하로 입력하세요.")), no_markup],
        description=_l("제안이 나온 부서, 동, 위원회 (예: 주민참여예산위원회, 천호3동 "
                       "주민자치회, 기후환경과)"),
    )


class RegisterProjectForm(FlaskForm):
    title = StringField(_l("사업 이름"), validators=[
        DataRequired(REQUIRED), Length(max=TITLE_MAX, message=_l("%(max)d자 이하로 입력하세요.")),
        no_markup])
    description = TextAreaField(_l("사업 내용 (선택)"), validators=[
        Length(max=5000, message=_l("%(max)d자 이하로 입력하세요.")), no_markup])
    # Choices are the district's units, set by the view.
    unit = SelectField(_l("담당 부서·분과"), choices=[], validate_choice=False, default="")


class FusedForm(ProposalForm):
    title = title_field(_l("통합 의제 제목"))
    item_ids = SelectMultipleField(_l("통합할 의제"), choices=[], coerce=int,
                                   widget=ListWidget(prefix_label=False),
                                   option_widget=CheckboxInput())
    reason = reason_field(_l("통합 사유"))


class CommentForm(FlaskForm):
    body = TextAreaField(
        _l("댓글"),
        validators=[DataRequired(_l("댓글 내용을 입력하세요.")),
                    Length(max=COMMENT_MAX, message=_l("%(max)d자 이하로 입력하세요.")),
                    no_markup],
    )
    parent_id = HiddenField()


class ReportForm(FlaskForm):
    reason = reason_field(_l("신고 사유"), id="report-reason")
    comment_id = HiddenField()


class ReasonForm(FlaskForm):
    reason = reason_field()


STATUS_TARGETS = [Status.UNDER_REVIEW, Status.PROPOSED, Status.DECLINED, Status.IN_VOTE,
                  Status.SELECTED, Status.NOT_SELECTED, Status.IN_PLAN]


class StatusForm(FlaskForm):
    status = SelectField(_l("새 상태"),
                         choices=[SelectChoice(s.value, STATUS_LABELS[s]) for s in STATUS_TARGETS],
                         validators=[InputRequired(REQUIRED)])
    reason = reason_field(_l("사유 (채택 안 됨은 필수, 공개됨)"), required=False,
                          id="status-reason")


class ShortlistForm(FlaskForm):
    for_forum = BooleanField(_l("공론장(원탁토론회) 의제로"))
    for_vote = BooleanField(_l("주민투표 후보로"))
    reason = reason_field(_l("선정 사유 (공개)"), id="shortlist-reason")


class AssignForm(FlaskForm):
    department = StringField(
        _l("담당 부서"),
        validators=[Length(max=100, message=_l("%(max)d자 이하로 입력하세요.")), no_markup])
    civil_partners = StringField(
        _l("민간 파트너"),
        validators=[Length(max=300, message=_l("%(max)d자 이하로 입력하세요.")), no_markup])


class DuplicateForm(FlaskForm):
    project = StringField(
        _l("중복되는 기존 사업"),
        validators=[DataRequired(REQUIRED),
                    Length(max=300, message=_l("%(max)d자 이하로 입력하세요.")), no_markup])
    reason = reason_field(id="duplicate-reason")
