from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from accounts.models import UnitKind
from accounts.services import MIN_PASSWORD_LENGTH
from core.auth import Role
from core.i18n import lazy_message
from core.models import PHASE_LABELS, PHASE_ORDER

REQUIRED = _l("이 항목을 입력하세요.")

NOT_SAYING = SelectChoice("", _l("선택 안 함"))

GENDERS = [NOT_SAYING, SelectChoice("female", _l("여성")), SelectChoice("male", _l("남성")),
           SelectChoice("other", _l("기타"))]

OCCUPATIONS = [
    NOT_SAYING,
    SelectChoice("student", _l("학생")),
    SelectChoice("employee", _l("직장인")),
    SelectChoice("self_employed", _l("자영업")),
    SelectChoice("public_sector", _l("공공부문")),
    SelectChoice("civic_group", _l("시민사회·단체 활동가")),
    SelectChoice("homemaker", _l("가사")),
    SelectChoice("retired", _l("은퇴")),
    SelectChoice("other", _l("기타")),
]

ROLE_CHOICES = [
    SelectChoice(Role.FACILITATOR.value, _l("퍼실리테이터")),
    SelectChoice(Role.ORGANIZER.value, _l("운영자")),
    SelectChoice(Role.CITY_REVIEWER.value, _l("서울시 협의조정 검토자")),
    SelectChoice(Role.ADMIN.value, _l("관리자")),
    SelectChoice(Role.DEPARTMENT.value, _l("부서 담당자")),
    SelectChoice(Role.WORKING_GROUP.value, _l("분과원")),
]

UNIT_KIND_CHOICES = [
    SelectChoice(UnitKind.DEPARTMENT.value, _l("부서")),
    SelectChoice(UnitKind.WORKING_GROUP.value, _l("분과")),
]


def email_field():
    return EmailField(
        _l("이메일"),
        validators=[
            DataRequired(REQUIRED),
            Length(max=254, message=_l("이메일은 %(max)d자 이하로 입력하세요.")),
            Email(message=_l("올바른 이메일 주소를 입력하세요."), check_deliverability=False),
        ],
    )


def new_password_field():
    return PasswordField(
        _l("비밀번호"),
        validators=[
            DataRequired(REQUIRED),
            Length(min=MIN_PASSWORD_LENGTH, max=200,
                   message=_l("비밀번호는 %(min)d자 이상 %(max)d자 이하로 정하세요.")),
        ],
        description=lazy_message("%(n)d자 이상", n=MIN_PASSWORD_LENGTH),
    )


def confirm_field():
    return PasswordField(
        _l("비밀번호 확인"),
        validators=[DataRequired(REQUIRED),
                    EqualTo("password", message=_l("두 비밀번호가 다릅니다."))],
    )


class SignUpForm(FlaskForm):
    display_name = StringField(
        _l("이름(별칭)"),
        validators=[DataRequired(REQUIRED),
                    Length(max=60, message=_l("이름은 %(max)d자 이하로 입력하세요."))],
    )
    email = email_field()
    password = new_password_field()
    confirm = confirm_field()


class SignInForm(FlaskForm):
    email = email_field()
    password = PasswordField(
        _l("비밀번호"), validators=[DataRequired(REQUIRED), Length(max=200)]
    )


class ResetRequestForm(FlaskForm):
    email = email_field()


class ResetPasswordForm(FlaskForm):
    password = new_password_field()
    confirm = confirm_field()


class DemographicsForm(FlaskForm):
    consent = BooleanField(
        _l("인구통계 정보 수집·이용에 동의합니다."),
        description=_l(
            "참여 통계(연령대·성별·동별 참여율)에만 쓰이며 언제든 삭제할 수 있습니다. "
            "투표 내용과 연결되어 공개되지 않습니다."
        ),
    )
    birth_year = IntegerField(
        _l("출생 연도"),
        validators=[
            Optional(),
            NumberRange(min=1900, max=2025, message=_l("출생 연도를 1900~2025 사이로 입력하세요.")),
        ],
    )
    gender = SelectField(_l("성별"), choices=GENDERS, default="")
    dong = SelectField(_l("사는 동"), choices=[], default="")
    occupation = SelectField(_l("직업"), choices=OCCUPATIONS, default="")


class GrantRoleForm(FlaskForm):
    email = email_field()
    role = SelectField(_l("역할"), choices=ROLE_CHOICES,
                       validators=[InputRequired(REQUIRED)])
    # Choices are the district's units, set by the view; a unit of another district or of
    # the wrong kind is refused by the service with its own message.
    unit = SelectField(_l("부서·분과"), choices=[], validate_choice=False, default="",
                       description=_l("부서 담당자와 분과원만 고릅니다. 그 부서·분과가 맡은 "
                                      "실행사업의 추진 실적을 보고할 수 있습니다."))


class UnitForm(FlaskForm):
    kind = SelectField(_l("종류"), choices=UNIT_KIND_CHOICES,
                       validators=[InputRequired(REQUIRED)])
    name = StringField(_l("이름"), validators=[
        DataRequired(REQUIRED), Length(max=100, message=_l("이름은 %(max)d자 이하로 입력하세요."))])


class CycleForm(FlaskForm):
    year = IntegerField(
        _l("연도"),
        validators=[
            InputRequired(REQUIRED),
            NumberRange(min=2000, max=2100, message=_l("연도를 2000~2100 사이로 입력하세요.")),
        ],
    )
    title = StringField(
        _l("제목"),
        validators=[DataRequired(REQUIRED),
                    Length(max=200, message=_l("제목은 %(max)d자 이하로 입력하세요."))],
    )
    description = TextAreaField(
        _l("설명"), validators=[Length(max=5000, message=_l("설명은 %(max)d자 이하로 입력하세요."))]
    )

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for phase in PHASE_ORDER:
            start = getattr(self, f"{phase.value}_start")
            end = getattr(self, f"{phase.value}_end")
            if bool(start.data) != bool(end.data):
                (end if start.data else start).errors.append(
                    _l("시작일과 종료일을 함께 입력하세요.")
                )
                ok = False
            elif start.data and end.data < start.data:
                end.errors.append(_l("종료일이 시작일보다 빠릅니다."))
                ok = False
        return ok

    def phase_dates(self) -> dict:
        return {
            phase: (getattr(self, f"{phase.value}_start").data,
                    getattr(self, f"{phase.value}_end").data)
            for phase in PHASE_ORDER
            if getattr(self, f"{phase.value}_start").data
        }


for _phase in PHASE_ORDER:
    setattr(CycleForm, f"{_phase.value}_start",
            DateField(lazy_message("%(phase)s 시작", phase=PHASE_LABELS[_phase]),
                      validators=[Optional()]))
    setattr(CycleForm, f"{_phase.value}_end",
            DateField(lazy_message("%(phase)s 종료", phase=PHASE_LABELS[_phase]),
                      validators=[Optional()]))


class AuditFilterForm(FlaskForm):
    """The audit trail's filters, read from the query string (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    action = StringField(_l("작업 코드"), validators=[Optional(), Length(max=60)],
                         description=_l("앞부분만 적어도 됩니다. 예: vote. 또는 role.grant"))
    actor = StringField(_l("한 사람(이름 일부)"), validators=[Optional(), Length(max=60)])
    object_kind = StringField(_l("대상 종류"), validators=[Optional(), Length(max=40)],
                              description=_l("예: vote, agenda_item, forum, plan, membership"))
    object_id = IntegerField(_l("대상 번호"), validators=[Optional(), NumberRange(min=1)])
    since = DateField(_l("시작일"), validators=[Optional()])
    until = DateField(_l("종료일"), validators=[Optional()])

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("종료일은 시작일보다 앞설 수 없습니다."))


class DistrictForm(FlaskForm):
    """A new district: its path (slug), names and dongs; ``core.districts`` checks the slug."""

    slug = StringField(_l("주소 이름 (영문)"), validators=[DataRequired(REQUIRED), Length(max=40)],
                       description=_l("예: seongdong. 자치구는 /seongdong/ 주소에서 열립니다. "
                                      "영문 소문자, 숫자, 하이픈(-)만 쓸 수 있습니다."))
    name_ko = StringField(_l("자치구 이름"), validators=[DataRequired(REQUIRED), Length(max=40)],
                          description=_l("예: 성동구"))
    name_en = StringField(_l("영문 이름"), validators=[Optional(), Length(max=80)],
                          description=_l("예: Seongdong-gu. 비우면 자치구 이름을 씁니다."))
    dongs = TextAreaField(_l("행정동"), validators=[Optional(), Length(max=4000)],
                          description=_l("한 줄에 동 이름 하나씩 적습니다."))
    first_admin = StringField(_l("첫 관리자 (가입한 계정의 이메일)"),
                              validators=[Optional(), Length(max=254)],
                              description=_l("이 사람이 새 자치구의 운영자와 역할을 정합니다. "
                                             "비우면 본인이 첫 관리자가 됩니다."))
