"""The district's published rules: thresholds, budget limits and the evaluation rubric."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core.auth import role_required
from core.lifecycle import on_error
from core.tenancy import district_or_404
from plans import settings
from plans.console import INVALID, STAFF
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
    if not form.validate_on_submit():
        return _settings_page(district, 422, INVALID, form=form)
    on_error(lambda: _settings_page(district, form=form))
    settings.save_settings(
        district.id, foundation_share_percent=form.foundation_share_percent.data,
        council_max_members=form.council_max_members.data,
        civil_share_percent=form.civil_share_percent.data,
        gender_max_percent=form.gender_max_percent.data,
        low_rating_percent=form.low_rating_percent.data,
        mandatory_titles=(form.mandatory_titles.data or "").splitlines(),
        actor=current_user, reason=form.reason.data or "")
    flash(_l("규칙을 저장했습니다. 공개 계획 페이지에 바로 보입니다."), "success")
    return redirect(url_for("plans.settings_page"))


@role_required(*STAFF)
def set_budget_limit():
    district = district_or_404()
    form = BudgetLimitForm()
    form.target.choices = limit_targets([dong.name for dong in district.dongs])
    if not form.validate_on_submit():
        return _settings_page(district, 422, INVALID, limit_form=form)
    on_error(lambda: _settings_page(district, limit_form=form))
    settings.set_budget_limit(district.id, *form.scoped(), form.floor.data, form.cap.data)
    flash(_l("예산 한도를 저장했습니다. 계획의 규칙 점검에 바로 쓰입니다."), "success")
    return redirect(url_for("plans.settings_page") + "#limits-title")


@role_required(*STAFF)
def remove_budget_limit(limit_id: int):
    settings.remove_budget_limit(district_or_404().id, limit_id)
    flash(_l("예산 한도를 지웠습니다."), "success")
    return redirect(url_for("plans.settings_page") + "#limits-title")


@role_required(*STAFF)
def add_criterion():
    district = district_or_404()
    form = CriterionForm()
    if not form.validate_on_submit():
        return _settings_page(district, 422, INVALID, criterion_form=form)
    on_error(lambda: _settings_page(district, criterion_form=form))
    settings.add_criterion(district.id, form.name.data, form.max_score.data)
    flash(_l("평가 항목을 추가했습니다."), "success")
    return redirect(url_for("plans.settings_page"))
