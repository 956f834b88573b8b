"""Forms for organizers and staff. Ballots themselves are read from the posted fields by the
views, since their fields depend on the vote's items."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    FloatField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from core.tenancy import SEOUL
from voting.labels import (
    BALLOT_TYPE_LABELS,
    CHANNEL_LABELS,
    COMPLETION_LABELS,
    ELECTORATE_LABELS,
    GENDER_LABELS,
    METHOD_LABELS,
    method_unfit,
)
from voting.rules import METHODS_BY_TYPE, BallotType, Channel, Electorate

REQUIRED = _l("이 항목을 입력하세요.")

GENDERS = [SelectChoice("", _l("선택 안 함")),
           *(SelectChoice(value, label) for value, label in GENDER_LABELS.items())]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def seoul_datetime(value: datetime | None) -> datetime | None:
    """A time typed on the form is Seoul time (the form has no time zone of its own)."""
    return value.replace(tzinfo=SEOUL) if value is not None else None


class VoteForm(FlaskForm):
    title = StringField(_l("투표 제목"), validators=[
        DataRequired(REQUIRED), Length(max=200, message=_l("제목은 %(max)d자 이하로 입력하세요."))])
    description = TextAreaField(_l("안내문"), validators=[
        Length(max=5000, message=_l("안내문은 %(max)d자 이하로 입력하세요."))])
    ballot_type = SelectField(
        _l("투표 방식"), validators=[InputRequired(REQUIRED)],
        choices=[SelectChoice(t.value, BALLOT_TYPE_LABELS[t]) for t in BallotType])
    items = MultiCheckboxField(_l("투표 대상 의제(최종 후보)"), coerce=int,
                               validators=[DataRequired(_l("의제를 고르세요."))])
    min_choices = IntegerField(_l("최소 선택 수(m)"), default=1, validators=[
        InputRequired(REQUIRED), NumberRange(min=0, max=100)])
    max_choices = IntegerField(
        _l("최대 선택·순위 수(k)"), validators=[Optional(), NumberRange(min=1, max=100)],
        description=_l("순위 투표는 k위까지, 찬성 투표는 k개까지 고릅니다. 비우면 제한 없음."))
    budget_limit = IntegerField(_l("예산 한도(원)"), validators=[
        Optional(), NumberRange(min=1, max=100_000_000_000)],
        description=_l("예산 배분 투표: 고른 의제의 예상 비용 합계 한도이자 집계할 예산."))
    points_total = IntegerField(_l("배분할 점수(P)"), validators=[
        Optional(), NumberRange(min=1, max=1000)])
    opens_at = DateTimeLocalField(_l("시작(서울 시각)"), format="%Y-%m-%dT%H:%M",
                                  validators=[InputRequired(REQUIRED)])
    closes_at = DateTimeLocalField(_l("마감(서울 시각)"), format="%Y-%m-%dT%H:%M",
                                   validators=[InputRequired(REQUIRED)])
    electorate = SelectField(
        _l("온라인 투표 참여 자격"), default=Electorate.EMAIL.value,
        choices=[SelectChoice(e.value, ELECTORATE_LABELS[e]) for e in Electorate],
        description=_l("이메일 인증은 새로 만든 계정으로 표를 늘리는 일을 막습니다. 종이·현장 "
                       "투표는 직원이 본인을 확인하므로 어느 자격에서나 받습니다."))
    min_age = IntegerField(_l("최소 나이(연 나이)"), validators=[
        Optional(), NumberRange(min=0, max=120)])
    dongs = MultiCheckboxField(_l("참여할 수 있는 동(비우면 구 전체)"), coerce=int)
    results_live = BooleanField(_l("투표 중에도 결과 공개"),
                                description=_l("끄면 마감 전에는 운영자에게도 결과가 보이지 "
                                               "않습니다."))
    # Choices grouped by ballot type, built per request (``__init__``): the group names are
    # in the reader's language.
    method = SelectField(_l("집계 방법"), validators=[InputRequired(REQUIRED)])
    compare_methods = MultiCheckboxField(
        _l("함께 보여 줄 집계 방법"),
        choices=[SelectChoice(m, label) for m, label in METHOD_LABELS.items()])
    seats = IntegerField(_l("선정할 의제 수"), default=1, validators=[
        InputRequired(REQUIRED), NumberRange(min=1, max=100)],
        description=_l("즉석 결선으로 여러 의제를 고르면 순차 즉석 결선(한 의제를 선정할 때마다 "
                       "빼고 다시 집계)으로 정합니다. 예산 배분 투표는 예산이 정하므로 1로 "
                       "둡니다."))
    mes_completion = SelectField(
        _l("MES의 남은 예산 처리"), default="add1",
        choices=[SelectChoice(value, label) for value, label in COMPLETION_LABELS.items()],
        description=_l("균등 분배 방식(MES)으로 집계하거나 비교할 때만 씁니다."))
    weight_vote = IntegerField(_l("종합 점수: 주민투표 가중치(%)"), default=100, validators=[
        InputRequired(REQUIRED), NumberRange(min=0, max=100)])
    weight_forum = IntegerField(_l("종합 점수: 공론장 투표 가중치(%)"), default=0, validators=[
        InputRequired(REQUIRED), NumberRange(min=0, max=100)])
    weight_review = IntegerField(_l("종합 점수: 위원회 심사 가중치(%)"), default=0, validators=[
        InputRequired(REQUIRED), NumberRange(min=0, max=100)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.method.choices = {
            str(BALLOT_TYPE_LABELS[kind]): [SelectChoice(m, METHOD_LABELS[m]) for m in methods]
            for kind, methods in METHODS_BY_TYPE.items()}

    def _ballot_type(self) -> BallotType | None:
        return BallotType(self.ballot_type.data) if self.ballot_type.data in set(
            BallotType) else None

    def validate_method(self, field) -> None:
        kind = self._ballot_type()
        if kind is not None and field.data not in METHODS_BY_TYPE[kind]:
            raise ValidationError(method_unfit(kind))

    def validate_compare_methods(self, field) -> None:
        kind = self._ballot_type()
        if kind is not None and any(m not in METHODS_BY_TYPE[kind] for m in field.data or []):
            raise ValidationError(method_unfit(kind))


class EntryForm(FlaskForm):
    """Who the paper or forum ballot belongs to; the choices are read by the view."""

    channel = SelectField(_l("투표 경로"), choices=[
        SelectChoice(c.value, CHANNEL_LABELS[c]) for c in (Channel.PAPER, Channel.FORUM)])
    paper_serial = StringField(_l("종이 투표지 일련번호"), validators=[Length(max=40)])
    email = EmailField(_l("계정 이메일(있으면)"), validators=[Optional(), Length(max=254)])
    name = StringField(_l("이름"), validators=[Optional(), Length(max=60)])
    birth_date = DateField(_l("생년월일"), validators=[Optional()])
    dong = SelectField(_l("사는 동"), coerce=int, validators=[Optional()])
    consent = BooleanField(_l("참여 통계(연령대·성별·동) 이용에 동의함"))
    gender = SelectField(_l("성별"), choices=GENDERS, default="")


class RollForm(FlaskForm):
    name = StringField(_l("이름"), validators=[DataRequired(REQUIRED), Length(max=60)])
    birth_date = DateField(_l("생년월일"), validators=[InputRequired(REQUIRED)])
    dong = SelectField(_l("사는 동"), coerce=int, validators=[InputRequired(REQUIRED)])
    email = EmailField(_l("계정 이메일(있으면)"), validators=[Optional(), Length(max=254)])


class ResetForm(FlaskForm):
    reason = StringField(_l("초기화 사유"), validators=[DataRequired(REQUIRED),
                                                    Length(max=500)])


class WindowForm(FlaskForm):
    """Opening or closing a vote now: no fields, only its CSRF token (the page asked first)."""


class ConfirmForm(FlaskForm):
    """The organizer's confirmation of a closed vote's result: no fields, only its CSRF token."""


class ReceiptForm(FlaskForm):
    code = StringField(_l("영수증 코드"), validators=[DataRequired(REQUIRED), Length(max=40)],
                       description=_l("예: ABCD-EFGH-JKLM"))


def review_field(label: str) -> FloatField:
    return FloatField(label, validators=[Optional(), NumberRange(min=0, max=100)])
