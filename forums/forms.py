import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from core.errors import DomainError
from core.inputs import record_id
from forums.models import (
    AGE_BAND_LABELS,
    AGE_BANDS,
    GENDER_LABELS,
    KEYWORD_MAX,
    KIND_LABELS,
    SEATING_LABELS,
    SUMMARY_MAX,
    QuestionKind,
    Seating,
)

NOT_SAYING = SelectChoice("", _l("응답하지 않음"))


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class ForumForm(FlaskForm):
    title = StringField(_l("제목"), validators=[DataRequired(), Length(max=200)])
    held_on = DateField(_l("날짜"), validators=[DataRequired()])
    venue = StringField(_l("장소"), validators=[Optional(), Length(max=200)])
    expected_participants = IntegerField(_l("예상 참가자 수"),
                                         validators=[InputRequired(), NumberRange(0, 5000)])
    table_count = IntegerField(_l("테이블 수"), validators=[InputRequired(), NumberRange(1, 60)])
    seating = SelectField(_l("좌석 배정"),
                          choices=[SelectChoice(s.value, SEATING_LABELS[s]) for s in Seating])


class TopicEditForm(FlaskForm):
    title = StringField(_l("주제"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("설명"), validators=[Optional(), Length(max=2000)])


class TopicForm(TopicEditForm):
    agenda_item = SelectField(_l("다루는 의제 (선택)"), choices=[], validate_choice=False)


class AgendaRankingForm(FlaskForm):
    text = StringField(_l("순위 질문"), validators=[DataRequired(), Length(max=300)],
                       default=_l("우선 실행해야 할 의제의 순위를 매겨 주세요."))


class QuestionEditForm(FlaskForm):
    """A question's wording and options; its kind is chosen once, when it is added."""

    text = StringField(_l("질문"), validators=[DataRequired(), Length(max=300)])
    options = TextAreaField(_l("선택지 (한 줄에 하나)"),
                            description=_l("척도 질문은 비워 두면 5점 척도가 들어갑니다."),
                            validators=[Length(max=3000)])
    max_choices = IntegerField(_l("최대 선택 개수 (여러 개 고르기)"),
                               validators=[Optional(), NumberRange(1, 12)])

    def labels(self) -> list[str]:
        return _lines(self.options.data)


class QuestionForm(QuestionEditForm):
    kind = SelectField(_l("질문 유형"),
                       choices=[SelectChoice(k.value, KIND_LABELS[k]) for k in QuestionKind])


class LivePollForm(QuestionForm):
    pass


class JoinForm(FlaskForm):
    code = StringField(_l("참가 코드"), validators=[DataRequired(), Length(max=20)],
                       description=_l("화면이나 테이블 카드에 있는 여섯 글자"))
    ticket = StringField(_l("좌석표 코드 (받았으면)"), validators=[Optional(), Length(max=20)],
                         description=_l("좌석표에 적힌 여덟 글자(XXXX-XXXX). 사전·사후 설문에 "
                                        "답하려면 필요합니다."))


class TicketForm(FlaskForm):
    ticket = StringField(_l("좌석표 코드"), validators=[DataRequired(), Length(max=20)],
                         description=_l("좌석표에 적힌 여덟 글자(XXXX-XXXX)"))


class IssueTicketsForm(FlaskForm):
    count = IntegerField(_l("발급할 좌석표 수"), validators=[InputRequired(),
                                                        NumberRange(1, 300)])


class DemographicsForm(FlaskForm):
    consent = BooleanField(_l("통계 목적으로 아래 정보를 저장하는 데 동의합니다"),
                           description=_l("연령대, 성별, 동은 참여자 구성 통계에만 쓰며 "
                                          "답하지 않아도 참여할 수 있습니다."))
    age_band = SelectField(_l("연령대"), choices=[NOT_SAYING] + [
        SelectChoice(band, AGE_BAND_LABELS[band]) for band in AGE_BANDS])
    gender = SelectField(_l("성별"), choices=[NOT_SAYING] + [
        SelectChoice(value, label) for value, label in GENDER_LABELS.items()])
    dong = SelectField(_l("사는 동"))


class ChooseTableForm(FlaskForm):
    number = IntegerField(_l("테이블 번호"), validators=[InputRequired(), NumberRange(1, 200)],
                          description=_l("테이블 위 카드에 적힌 번호"))


class TableOutputsForm(FlaskForm):
    obstacle = StringField(_l("걸림돌 키워드"),
                           validators=[DataRequired(), Length(max=KEYWORD_MAX)])
    stepping_stone = StringField(_l("디딤돌 키워드"),
                                 validators=[DataRequired(), Length(max=KEYWORD_MAX)])
    summary = TextAreaField(_l("테이블 토론 요약"),
                            validators=[Optional(), Length(max=SUMMARY_MAX)])


class StepForm(FlaskForm):
    step = RadioField(_l("현재 단계"), coerce=int)


def _number(text: str) -> int:
    """A question, option or rank number in an answer; ValueError past what a column holds."""
    number = record_id(text)
    if number is None:
        raise ValueError(text)
    return number


ANSWER_FIELD = re.compile(r"^q(\d+)$")
RANK_FIELD = re.compile(r"^q(\d+)_r(\d+)$")


def answers_from_form(formdata) -> dict[int, list[int]]:
    """Answers posted by the poll form: ``q<question>`` holds option ids (one or several),
    ``q<question>_r<option>`` holds that option's rank. Returns option ids per question,
    in rank order for rankings. Non-numbers and rank gaps are refused here; whether the
    ids belong to the poll is the service's check."""
    answers: dict[int, list[int]] = {}
    ranks: dict[int, list[tuple[int, int]]] = {}
    try:
        for key in formdata:
            if match := ANSWER_FIELD.match(key):
                values = [v for v in formdata.getlist(key) if v != ""]
                answers[_number(match.group(1))] = [_number(v) for v in values]
            elif match := RANK_FIELD.match(key):
                value = formdata.get(key, "")
                if value != "":
                    ranks.setdefault(_number(match.group(1)), []).append(
                        (_number(value), _number(match.group(2))))
    except ValueError:
        raise DomainError(_l("선택지에 없는 답입니다.")) from None
    for question_id, pairs in ranks.items():
        if sorted(rank for rank, _ in pairs) != list(range(1, len(pairs) + 1)):
            raise DomainError(_l("모든 항목에 서로 다른 순위를 매기세요."))
        answers[question_id] = [option_id for _, option_id in sorted(pairs)]
    return answers


def population_form(dimension: str, categories: tuple[str, ...], formdata=None,
                    residents: dict[str, int] | None = None):
    """One number field per category of a demographic dimension (residents per group)."""
    labels = {"age_band": AGE_BAND_LABELS, "gender": GENDER_LABELS}.get(dimension, {})

    class PopulationForm(FlaskForm):
        pass

    for index, category in enumerate(categories):
        setattr(PopulationForm, f"c{index}", IntegerField(
            labels.get(category, category),
            validators=[Optional(), NumberRange(min=0, max=10_000_000,
                                                message=_l("0 이상 1천만 이하로 입력하세요."))],
        ))
    form = PopulationForm(formdata=formdata, prefix=dimension)
    if formdata is None and residents:
        for index, category in enumerate(categories):
            form[f"c{index}"].data = residents.get(category)
    form.categories = categories
    return form


def population_values(form) -> dict[str, int | None]:
    return {category: form[f"c{index}"].data for index, category in enumerate(form.categories)}
