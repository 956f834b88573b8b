import hashlib
from datetime import date, datetime, time, timedelta

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from wtforms import SelectChoice

from accounts import district_pages, services, units
from accounts.forms import (
    NOT_SAYING,
    AuditFilterForm,
    CycleForm,
    DemographicsForm,
    GrantRoleForm,
    ResetPasswordForm,
    ResetRequestForm,
    SignInForm,
    SignUpForm,
    UnitForm,
)
from core import audit
from core.auth import Role, public, role_required, signed_in
from core.i18n import lazy_message
from core.inputs import record_id
from core.lifecycle import on_error
from core.security import client_address, limiter, rate_limited
from core.tenancy import SEOUL, current_cycle, district_or_404, seoul_today
from core.views import safe_next_url

bp = Blueprint("accounts", __name__)


def _render_invalid(template: str, form, **context):
    """A form with errors is re-shown with a 4xx, so clients and tests see the refusal."""
    status = 422 if form.is_submitted() else 200
    return render_template(template, form=form, **context), status


def _email_signing_up() -> str | None:
    # Keyed on a digest: the rate-limit store need not hold the addresses themselves.
    email = (request.form.get("email") or "").strip().lower()
    return "signup:" + hashlib.sha256(email.encode()).hexdigest() if email else None


@bp.route("/signup", methods=["GET", "POST"])
@rate_limited("SIGNUP", person=_email_signing_up, per="EMAIL")
@public
def sign_up():
    district = district_or_404()
    form = SignUpForm()
    if form.validate_on_submit():
        on_error(lambda: render_template("accounts/sign_up.html", form=form), form=form,
                 field="password")
        services.sign_up(form.email.data, form.password.data, form.display_name.data,
                         district.id, str(get_locale()))
        # The same answer for a new and a known address; the mail tells them apart.
        flash(lazy_message("%(email)s(으)로 메일을 보냈습니다. 메일의 링크로 이메일 인증을 마친 "
                           "뒤 로그인하세요.", email=form.email.data.strip().lower()), "info")
        return redirect(url_for("accounts.sign_in"))
    return _render_invalid("accounts/sign_up.html", form)


@bp.route("/verify-email/<token>")
@public
def verify_email(token: str):
    on_error(lambda: render_template("accounts/verify_invalid.html"))
    services.verify_email(token)
    flash(_l("이메일 인증을 마쳤습니다."), "success")
    return redirect(url_for("accounts.my_page" if current_user.is_authenticated
                            else "accounts.sign_in"))


@bp.route("/me/verify-email", methods=["POST"])
@rate_limited("VERIFICATION_MAIL")
@signed_in
def resend_verification():
    district = district_or_404()
    on_error(lambda: _my_page(district, _demographics_form(district, current_user)))
    services.resend_verification_mail(current_user, str(get_locale()))
    flash(_l("인증 메일을 보냈습니다. 메일의 링크를 누르세요."), "success")
    return redirect(url_for("accounts.my_page"))


def _start_session(user) -> None:
    # A fresh session at every sign-in: nothing from before (a fixated id included) survives.
    session.clear()
    services.open_session(user)
    login_user(user)


@bp.route("/signin", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SIGNIN_RATE_LIMIT"], methods=["POST"],
               key_func=client_address,
               error_message=_l("로그인 시도가 너무 많습니다. 잠시 후 다시 시도하세요."))
@public
def sign_in():
    form = SignInForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            # The same words for an unknown email and a wrong password.
            form.password.errors.append(_l("이메일 또는 비밀번호가 맞지 않습니다."))
            return render_template("accounts/sign_in.html", form=form), 401
        _start_session(user)
        return redirect(safe_next_url(request.args.get("next")) or url_for("core.home"))
    return _render_invalid("accounts/sign_in.html", form)


@bp.route("/signout", methods=["POST"])
@signed_in
def sign_out():
    services.close_session(current_user.get_id())
    logout_user()
    session.clear()
    flash(_l("로그아웃했습니다."), "info")
    return redirect(url_for("core.home"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RESET_RATE_LIMIT"], methods=["POST"],
               key_func=client_address,
               error_message=_l("요청이 너무 많습니다. 잠시 후 다시 시도하세요."))
@public
def forgot_password():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data, str(get_locale()))
        flash(_l("가입된 이메일이라면 재설정 링크를 보냈습니다. 메일함을 확인하세요."), "info")
        return redirect(url_for("accounts.sign_in"))
    return _render_invalid("accounts/forgot_password.html", form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    on_error(lambda: render_template("accounts/reset_invalid.html"))
    services.user_for_reset_token(token)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        on_error(lambda: render_template("accounts/reset_password.html", form=form), form=form,
                 field="password")
        services.reset_password(token, form.password.data)
        flash(_l("비밀번호를 바꿨습니다. 새 비밀번호로 로그인하세요."), "success")
        return redirect(url_for("accounts.sign_in"))
    return _render_invalid("accounts/reset_password.html", form)


def _demographics_form(district, user) -> DemographicsForm:
    record = user.demographics
    form = DemographicsForm(obj=record) if record and request.method == "GET" else (
        DemographicsForm())
    if record and request.method == "GET":
        form.consent.data = True
    form.dong.choices = [NOT_SAYING] + [SelectChoice(d.name, d.label) for d in district.dongs]
    return form


@bp.route("/me", methods=["GET", "POST"])
@signed_in
def my_page():
    district = district_or_404()
    form = _demographics_form(district, current_user)
    if form.validate_on_submit():
        on_error(lambda: _my_page(district, form), form=form, field="consent")
        services.save_demographics(
            current_user, form.consent.data, form.birth_year.data, form.gender.data,
            form.dong.data, form.occupation.data,
        )
        flash(_l("인구통계 정보를 저장했습니다."), "success")
        return redirect(url_for("accounts.my_page"))
    return _my_page(district, form), 422 if form.is_submitted() else 200


def _my_page(district, form) -> str:
    return render_template(
        "accounts/my_page.html", form=form, district=district, cycle=current_cycle(district),
        roles=current_user.roles_in(district.id), today=seoul_today(),
    )


@bp.route("/me/demographics/delete", methods=["POST"])
@signed_in
def delete_demographics():
    services.delete_demographics(current_user)
    flash(_l("인구통계 정보를 삭제했습니다."), "success")
    return redirect(url_for("accounts.my_page"))


@bp.route("/organize")
@role_required(Role.ORGANIZER)
def organizer_page():
    return _organizer_page(district_or_404(), GrantRoleForm())


def _organizer_page(district, grant_form: GrantRoleForm,
                    unit_form: UnitForm | None = None) -> str:
    district_units = units.units_of(district.id)
    grant_form.unit.choices = [SelectChoice("", _l("없음"))] + [
        SelectChoice(str(unit.id), unit.name) for unit in district_units]
    return render_template(
        "accounts/organizer.html", district=district, cycle=current_cycle(district),
        members=services.members_of(district.id), grant_form=grant_form, today=seoul_today(),
        units=district_units, unit_form=unit_form or UnitForm(formdata=None),
    )


def _chosen_unit(raw: str | None) -> int | None:
    """The unit id the grant form names: none when left empty, an id that is no unit's
    (refused by the service as not found) when the value is not a number."""
    raw = (raw or "").strip()
    if not raw:
        return None
    unit_id = record_id(raw)
    return unit_id if unit_id is not None else 0


@bp.route("/organize/members", methods=["POST"])
@role_required(Role.ORGANIZER)
def grant_role():
    district = district_or_404()
    form = GrantRoleForm()
    if not form.validate_on_submit():
        return _organizer_page(district, form), 422
    on_error(lambda: _organizer_page(district, form), form=form, field="email")
    services.grant_role(district.id, form.email.data, Role(form.role.data), current_user,
                        _chosen_unit(form.unit.data))
    flash(_l("역할을 부여했습니다."), "success")
    return redirect(url_for("accounts.organizer_page"))


@bp.route("/organize/units", methods=["POST"])
@role_required(Role.ORGANIZER)
def add_unit():
    district = district_or_404()
    form = UnitForm()
    if not form.validate_on_submit():
        return _organizer_page(district, GrantRoleForm(formdata=None), form), 422
    on_error(lambda: _organizer_page(district, GrantRoleForm(formdata=None), form), form=form,
             field="name")
    units.add_unit(district.id, form.kind.data, form.name.data, current_user)
    flash(_l("부서·분과를 추가했습니다."), "success")
    return redirect(url_for("accounts.organizer_page"))


@bp.route("/organize/members/<int:membership_id>/revoke", methods=["POST"])
@role_required(Role.ORGANIZER)
def revoke_role(membership_id: int):
    district = district_or_404()
    on_error(lambda: _organizer_page(district, GrantRoleForm()))
    services.revoke_role(district.id, membership_id, current_user)
    flash(_l("역할을 회수했습니다."), "success")
    return redirect(url_for("accounts.organizer_page"))


@bp.route("/organize/cycles/new", methods=["GET", "POST"])
@bp.route("/organize/cycles/<int:cycle_id>", methods=["GET", "POST"])
@role_required(Role.ORGANIZER)
def edit_cycle(cycle_id: int | None = None):
    district = district_or_404()
    cycle = None if cycle_id is None else services.cycle_of_district(district.id, cycle_id)
    form = CycleForm(obj=cycle)
    if cycle is not None and request.method == "GET":
        for scheduled in cycle.phases:
            getattr(form, f"{scheduled.phase}_start").data = scheduled.starts_on
            getattr(form, f"{scheduled.phase}_end").data = scheduled.ends_on
    if form.validate_on_submit():
        on_error(lambda: render_template("accounts/cycle_form.html", form=form, cycle=cycle),
                 form=form, field="year")
        services.save_cycle(district.id, form.year.data, form.title.data,
                            form.description.data or "", form.phase_dates(), cycle_id,
                            current_user)
        flash(_l("연차 계획 주기를 저장했습니다."), "success")
        return redirect(url_for("accounts.organizer_page"))
    return _render_invalid("accounts/cycle_form.html", form, cycle=cycle)


@bp.route("/admin/audit")
@role_required(Role.ADMIN)
def audit_log():
    district = district_or_404()
    form = AuditFilterForm(request.args)
    status = 200
    filters = {}
    if request.args and not form.validate():
        status = 422
    else:
        filters = {
            "action": (form.action.data or "").strip(), "actor": (form.actor.data or "").strip(),
            "object_kind": (form.object_kind.data or "").strip(),
            "object_id": form.object_id.data,
            # Dates are Seoul days: from the first day's start to the end of the last.
            "since": _seoul_midnight(form.since.data),
            "until": _seoul_midnight(form.until.data + timedelta(days=1)
                                     if form.until.data else None),
        }
    page = request.args.get("page", 1, type=int)
    entries = audit.entries(district.id, **filters, page=max(page, 1))
    return render_template("accounts/audit.html", form=form, entries=entries), status


def _seoul_midnight(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time.min, SEOUL)


bp.add_url_rule("/admin/districts", "district_list", district_pages.district_list)
bp.add_url_rule("/admin/districts", "add_district", district_pages.add_district,
                methods=["POST"])
