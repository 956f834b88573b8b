"""The district's published rules: thresholds, budget limits and the evaluation rubric."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core.auth import role_required
from core.db import commit, db
from core.errors import DomainError, NotFound
from core.tenancy import district_or_404
from plans import settings
from plans.console import STAFF, attempt
from plans.forms import BudgetLimitForm, CriterionForm, SettingsForm, limit_targets
from plans.models import ORDINANCE_THRESHOLDS


def _settings_page(district, status=200, error=None, **forms):
    published_rules = settings.settings_for(district.id)
    form = forms.get("form")
    if form is None:
        form = SettingsForm(formdata=None, obj=published_rules)
        form.mandatory_titles.data = "\n".join(published_rules.mandatory_titles or [])
    limit_form = forms.get("limit_form") or BudgetLimitForm(formdata=None)
    dong_names = [dong.name for dong in district.dongs]
    limit_form.target.choices = limit_targets(dong_names)
    targets = {choice.value: choice.label for choice in limit_form.target.choices}
    return render_template(
        "plans/settings.html", form=form, settings=published_rules,
        ordinance=ORDINANCE_THRESHOLDS,
        error=error, criterion_form=forms.get("criterion_form") or CriterionForm(formdata=None),
        criteria=settings.rubric(district.id), limit_form=limit_form,
        limits=[(limit, targets.get(f"{limit.scope}:{limit.name}", limit.name))
                for limit in settings.budget_limits(district.id)]), status


@role_required(*STAFF)
def settings_page():
    district = district_or_404()
    form = SettingsForm()
    if request.method == "GET":
        return _settings_page(district)
    status, error = 200, None
    if form.validate_on_submit():
        try:
            settings.save_settings(
                district.id, foundation_share_percent=form.foundation_share_percent.data,
                council_max_members=form.council_max_members.data,
                civil_share_percent=form.civil_share_percent.data,
                gender_max_percent=form.gender_max_percent.data,
                low_rating_percent=form.low_rating_percent.data,
                mandatory_titles=(form.mandatory_titles.data or "").splitlines(),
                actor=current_user, reason=form.reason.data or "")
            commit()
        except DomainError as exc:
            db.session.rollback()
            status, error = exc.status, exc.message
        else:
            flash(_l("규칙을 저장했습니다. 공개 계획 페이지에 바로 보입니다."), "success")
            return redirect(url_for("plans.settings_page"))
    elif form.is_submitted():
        status, error = 422, _l("입력을 확인하세요.")
    return _settings_page(district, status, error, form=form)


@role_required(*STAFF)
def set_budget_limit():
    district = district_or_404()
    form = BudgetLimitForm()
    form.target.choices = limit_targets([dong.name for dong in district.dongs])
    done, (error, status) = attempt(form, lambda: settings.set_budget_limit(
        district.id, *form.scoped(), form.floor.data, form.cap.data),
        _l("예산 한도를 저장했습니다. 계획의 규칙 점검에 바로 쓰입니다."),
        url_for("plans.settings_page") + "#limits-title")
    if done is not None:
        return done
    return _settings_page(district, status, error, limit_form=form)


@role_required(*STAFF)
def remove_budget_limit(limit_id: int):
    district = district_or_404()
    try:
        settings.remove_budget_limit(district.id, limit_id)
        commit()
    except NotFound:
        abort(404)
    flash(_l("예산 한도를 지웠습니다."), "success")
    return redirect(url_for("plans.settings_page") + "#limits-title")


@role_required(*STAFF)
def add_criterion():
    district = district_or_404()
    form = CriterionForm()
    done, (error, status) = attempt(form, lambda: settings.add_criterion(
        district.id, form.name.data, form.max_score.data), _l("평가 항목을 추가했습니다."),
        url_for("plans.settings_page"))
    if done is not None:
        return done
    return _settings_page(district, status, error, criterion_form=form)
