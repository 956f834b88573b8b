from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from agenda.models import FIELD_LABELS
from plans.council_models import (
    CHOICE_LABELS,
    GENDER_LABELS,
    MEMBER_TYPE_LABELS,
    MOTION_KIND_LABELS,
    SEAT_LABELS,
)
from plans.inputs import MAX_BUDGET
from plans.models import (
    CATEGORY_LABELS,
    FINDING_LABELS,
    FUNDING_LABELS,
    OUTCOME_LABELS,
    PERIOD_LABELS,
    PROGRESS_LABELS,
    SEVERITY_LABELS,
)

REQUIRED = _l("이 항목을 입력하세요.")
NOT_NEGATIVE = _l("0 이상이어야 합니다.")
PERCENT = _l("0~100 사이여야 합니다.")


def _choices(labels, blank=None):
    options = [SelectChoice("", blank)] if blank is not None else []
    return options + [SelectChoice(key.value, label) for key, label in labels.items()]


def _won(label):
    return IntegerField(label, validators=[InputRequired(REQUIRED),
                                           NumberRange(0, MAX_BUDGET, NOT_NEGATIVE)])


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class BuildForm(FlaskForm):
    item_ids = CheckboxList(_l("선정 의제 (득표순)"), coerce=int,
                            validators=[DataRequired(_l("의제를 하나 이상 고르세요."))])
    total_budget = _won(_l("총 예산 (원)"))
    source_label = StringField(_l("근거 (주민투표 결과)"), validators=[Length(max=200)])


class VoteBuildForm(FlaskForm):
    vote_id = SelectField(_l("결과가 확정된 투표"), coerce=int,
                          validators=[DataRequired(_l("투표를 고르세요."))])
    total_budget = _won(_l("총 예산 (원)"))


class VoteAmendForm(FlaskForm):
    vote_id = SelectField(_l("결과가 확정된 투표"), coerce=int,
                          validators=[DataRequired(_l("투표를 고르세요."))])


class ProjectForm(FlaskForm):
    title = StringField(_l("사업명"), validators=[DataRequired(REQUIRED), Length(max=200)])
    budget = _won(_l("예산 (원)"))
    category = SelectField(_l("사업 유형"), choices=_choices(CATEGORY_LABELS))
    funding_source = SelectField(_l("재원"), choices=_choices(FUNDING_LABELS))
    field = SelectField(_l("분야"), choices=_choices(FIELD_LABELS, _l("선택 안 함")))
    dong = StringField(_l("대상 동"), validators=[Length(max=40)])
    department = StringField(_l("담당 부서"), validators=[Length(max=100)])
    team = StringField(_l("담당 팀"), validators=[Length(max=100)])
    civil_partners = StringField(_l("민간 파트너 (워킹그룹)"), validators=[Length(max=300)])
    fusion_tags = StringField(_l("융합 분야 태그 (쉼표로 구분)"), validators=[Length(max=300)])
    starts_on = DateField(_l("시작일"), validators=[Optional()])
    ends_on = DateField(_l("종료일"), validators=[Optional()])
    summary = TextAreaField(_l("사업 내용"), validators=[Length(max=5000)])


class MilestoneForm(FlaskForm):
    title = StringField(_l("추진 일정"), validators=[DataRequired(REQUIRED), Length(max=200)])
    due_on = DateField(_l("날짜"), validators=[InputRequired(REQUIRED)])


class NoteForm(FlaskForm):
    note = TextAreaField(_l("내용"), validators=[DataRequired(REQUIRED), Length(max=5000)])


class CommentForm(FlaskForm):
    severity = SelectField(_l("구분"), choices=_choices(SEVERITY_LABELS))
    title = StringField(_l("의견 제목"), validators=[DataRequired(REQUIRED), Length(max=200)])
    body = TextAreaField(_l("의견 내용"), validators=[DataRequired(REQUIRED), Length(max=5000)])


class AnswerForm(FlaskForm):
    answer = TextAreaField(_l("구의 답변 (반영 내용)"),
                           validators=[DataRequired(REQUIRED), Length(max=5000)])


class DecisionForm(FlaskForm):
    outcome = SelectField(_l("결정"), choices=_choices(OUTCOME_LABELS))
    note = TextAreaField(_l("결정 의견"), validators=[Length(max=5000)],
                         description=_l("재협의를 요청할 때는 까닭을 적으세요."))


class MemberForm(FlaskForm):
    name = StringField(_l("이름"), validators=[DataRequired(REQUIRED), Length(max=60)])
    affiliation = StringField(_l("소속"), validators=[Length(max=100)])
    member_type = SelectField(_l("위원 구분"), choices=_choices(MEMBER_TYPE_LABELS))
    gender = SelectField(_l("성별"), choices=_choices(GENDER_LABELS))
    seat = SelectField(_l("위촉직·당연직"), choices=_choices(SEAT_LABELS))
    term_starts_on = DateField(_l("임기 시작일"), validators=[InputRequired(REQUIRED)])
    term_ends_on = DateField(_l("임기 종료일 (위촉직, 비우면 2년)"), validators=[Optional()])


class RetireForm(FlaskForm):
    """A seated member leaving; the member's choices come from the view (today's roster)."""

    member_id = SelectField(_l("위원"), coerce=int)
    retired_on = DateField(_l("퇴임일"), validators=[InputRequired(REQUIRED)])
    reason = StringField(_l("퇴임 사유"), validators=[DataRequired(REQUIRED), Length(max=500)])
    # Retiring cannot be undone: the box is the confirmation.
    confirm = BooleanField(_l("이 위원의 퇴임을 기록합니다 (되돌릴 수 없습니다)"),
                           validators=[DataRequired(_l("퇴임을 확인하는 칸에 표시하세요."))])


class ReplaceForm(RetireForm):
    """The member who leaves (date and reason) and the one who takes the seat that day."""

    name = StringField(_l("새 위원 이름"), validators=[DataRequired(REQUIRED), Length(max=60)])
    affiliation = StringField(_l("새 위원 소속"), validators=[Length(max=100)])
    member_type = SelectField(_l("새 위원 구분"), choices=_choices(MEMBER_TYPE_LABELS))
    gender = SelectField(_l("새 위원 성별"), choices=_choices(GENDER_LABELS))
    term_ends_on = DateField(_l("새 위원 임기 종료일 (위촉직, 비우면 2년)"),
                             validators=[Optional()])


class MeetingForm(FlaskForm):
    title = StringField(_l("회의 이름"), validators=[DataRequired(REQUIRED), Length(max=200)])
    held_on = DateField(_l("회의 날짜"), validators=[InputRequired(REQUIRED)])


class AttendanceForm(FlaskForm):
    member_ids = CheckboxList(_l("출석 위원"), coerce=int)


class MotionForm(FlaskForm):
    title = StringField(_l("안건"), validators=[DataRequired(REQUIRED), Length(max=200)])
    kind = SelectField(_l("의결 기준"), choices=_choices(MOTION_KIND_LABELS))
    approves_plan = BooleanField(_l("이 안건이 가결되면 실행계획을 승인합니다"))


VOTE_CHOICES = _choices(CHOICE_LABELS, _l("표결 안 함"))


class MinutesForm(FlaskForm):
    minutes = TextAreaField(_l("회의록"), validators=[DataRequired(REQUIRED),
                                                    Length(max=20_000)])
    publish = BooleanField(_l("회의록 공개"))


class ProgressForm(FlaskForm):
    reported_on = DateField(_l("보고일"), validators=[InputRequired(REQUIRED)])
    status = SelectField(_l("추진 상태"), choices=_choices(PROGRESS_LABELS))
    percent = IntegerField(_l("추진율 (%)"), validators=[InputRequired(REQUIRED),
                                                     NumberRange(0, 100, PERCENT)])
    spent = _won(_l("집행액 (원)"))
    reporter = StringField(_l("보고 부서"), validators=[Length(max=100)])
    notes = TextAreaField(_l("추진 실적"), validators=[Length(max=5000)])
    photo = FileField(_l("사진 (선택)"),
                      description=_l("JPEG, PNG, WebP, 10MB까지. 위치 정보 등 사진 속 부가 정보는 "
                                     "지우고 공개 계획 페이지에 싣습니다."))
    photo_alt = StringField(_l("사진 설명"), validators=[Length(max=200)],
                            description=_l("사진에 무엇이 보이는지 한 문장으로 (사진을 올릴 때 "
                                           "꼭 적으세요)"))


class UnitChoiceForm(FlaskForm):
    # Choices are the district's units, set by the view; another district's unit is refused
    # by the service as not found.
    unit = SelectField(_l("담당 부서·분과"), choices=[], validate_choice=False, default="",
                       description=_l("이 부서·분과의 담당자와 분과원이 이 사업의 추진 실적을 "
                                      "보고합니다."))


class EvaluationForm(FlaskForm):
    period = SelectField(_l("평가 시기"), choices=_choices(PERIOD_LABELS))
    evaluator = StringField(_l("평가자"), validators=[Length(max=100)])
    self_evaluation = TextAreaField(_l("자체평가"), validators=[Length(max=5000)])
    satisfaction = IntegerField(_l("주민 만족도 (%)"), validators=[Optional(),
                                                            NumberRange(0, 100, PERCENT)])
    respondents = IntegerField(_l("설문 응답자 수"), default=0,
                               validators=[InputRequired(REQUIRED),
                                           NumberRange(0, None, NOT_NEGATIVE)])


class FindingForm(FlaskForm):
    kind = SelectField(_l("종류"), choices=_choices(FINDING_LABELS))
    title = StringField(_l("환류 과제"), validators=[DataRequired(REQUIRED), Length(max=200)])
    body = TextAreaField(_l("내용"), validators=[Length(max=5000)])


class CarryForm(FlaskForm):
    cycle_id = SelectField(_l("넘길 주기"), coerce=int)


class ResultsForm(FlaskForm):
    held_on = DateField(_l("성과공유회 날짜"), validators=[InputRequired(REQUIRED)])
    summary = TextAreaField(_l("성과 요약"), validators=[DataRequired(REQUIRED),
                                                     Length(max=5000)])


class SettingsForm(FlaskForm):
    foundation_share_percent = IntegerField(_l("기반구축 사업 최소 비율 (총 예산의 %)"),
                                            validators=[InputRequired(REQUIRED),
                                                        NumberRange(0, 100, PERCENT)])
    council_max_members = SelectField(_l("협치회의 정원"), coerce=int,
                                      choices=[SelectChoice(30, "30"), SelectChoice(50, "50")])
    civil_share_percent = IntegerField(_l("민간위원 비율 기준 (%, 이 비율을 넘어야 함)"),
                                       validators=[InputRequired(REQUIRED),
                                                   NumberRange(0, 100, PERCENT)])
    gender_max_percent = IntegerField(_l("위촉직 위원의 특정 성별 최대 비율 (%)"),
                                      validators=[InputRequired(REQUIRED),
                                                  NumberRange(0, 100, PERCENT)])
    low_rating_percent = IntegerField(_l("낮은 평가 기준 (%)"),
                                      validators=[InputRequired(REQUIRED),
                                                  NumberRange(0, 100, PERCENT)])
    mandatory_titles = TextAreaField(_l("필수 사업 (한 줄에 하나)"),
                                     validators=[Length(max=2000)])
    reason = TextAreaField(_l("조례와 다른 기준을 두는 사유 (관리자)"),
                           validators=[Length(max=1000)])


class BudgetLimitForm(FlaskForm):
    """A floor and/or cap for one field or dong; the target's choices come from the view
    (the fields, and the district's dongs)."""

    target = SelectField(_l("분야 또는 동"), choices=[])
    floor = IntegerField(_l("최소 금액 (원)"), validators=[
        Optional(), NumberRange(0, MAX_BUDGET, NOT_NEGATIVE)])
    cap = IntegerField(_l("최대 금액 (원)"), validators=[
        Optional(), NumberRange(0, MAX_BUDGET, NOT_NEGATIVE)])

    def scoped(self) -> tuple[str, str]:
        scope, _, name = (self.target.data or "").partition(":")
        return scope, name


def limit_targets(dong_names: list[str]) -> list[SelectChoice]:
    """Every field, then every dong, grouped, as ``scope:name`` values."""
    fields = [SelectChoice(f"field:{key.value}", label, optgroup=_l("분야"))
              for key, label in FIELD_LABELS.items()]
    return fields + [SelectChoice(f"dong:{name}", name, optgroup=_l("동"))
                     for name in dong_names]


class CriterionForm(FlaskForm):
    name = StringField(_l("평가 항목"), validators=[DataRequired(REQUIRED), Length(max=100)])
    max_score = IntegerField(_l("배점"), validators=[InputRequired(REQUIRED),
                                                   NumberRange(1, 100, _l("1~100점"))])


def _count_field(label):
    return IntegerField(label, validators=[Optional(), NumberRange(min=0, message=NOT_NEGATIVE)])


class RecordedParticipationForm(FlaskForm):
    """A past year's participation as a district recorded it; every count is optional, the
    source is not (``plans.participation.save_recorded`` checks the rest)."""

    year = IntegerField(_l("연도"), validators=[InputRequired(REQUIRED)])
    voters = _count_field(_l("주민투표 참여자 (명)"))
    voting_days = _count_field(_l("투표 기간 (일)"))
    online_voters = _count_field(_l("온라인 참여자 (명)"))
    paper_voters = _count_field(_l("종이 투표 참여자 (명)"))
    forum_voters = _count_field(_l("공론장 현장 투표 참여자 (명)"))
    forums = _count_field(_l("공론장 (회)"))
    forum_participants = _count_field(_l("공론장 참가자 (명)"))
    proposals = _count_field(_l("제안 (건)"))
    source = StringField(_l("출처 (문서와 절)"),
                         validators=[DataRequired(REQUIRED), Length(max=300)])
    note = TextAreaField(_l("메모"), validators=[Length(max=1000)])


class RemoveRecordedForm(FlaskForm):
    confirm = BooleanField(_l("이 해의 기록된 수치를 지웁니다"),
                           validators=[DataRequired(_l("지우려면 확인란을 선택하세요."))])
