"""Staff pages of intake's other channels: entering a proposal on behalf of the channel it
came through, and the register of existing projects the duplicate check reads. The URL
map is at the end of ``agenda.views``."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice

from accounts import units
from agenda import channels, intake, register
from agenda.forms import OnBehalfForm, RegisterProjectForm, area_choices
from agenda.proposals import Proposal
from core.auth import Role, role_required
from core.inputs import record_id
from core.lifecycle import on_error
from core.tenancy import district_or_404, seoul_today


def _proposal(form: OnBehalfForm) -> Proposal:
    return Proposal(title=form.title.data or "", description=form.description.data or "",
                    field=form.field.data, kind=form.kind.data,
                    dong_id=record_id(form.area.data or ""),
                    estimated_cost=form.estimated_cost.data,
                    proposing_group=form.proposing_group.data or "")


@role_required(Role.ORGANIZER)
def enter_on_behalf():
    district = district_or_404()
    form = OnBehalfForm()
    form.area.choices = area_choices(district)
    cycle, year_round = intake.intake_cycle(district, seoul_today())

    def page(checked=False):
        title, description = form.title.data or "", form.description.data or ""
        return render_template(
            "agenda/on_behalf.html", form=form, cycle=cycle, year_round=year_round,
            checked=checked,
            similar=intake.similar_items(district.id, cycle.id if cycle else None, title,
                                         description) if checked else [],
            similar_projects=register.similar_projects(district.id, title, description)
            if checked else [])

    if request.method == "POST" and "check_similar" in request.form:
        return page(checked=True)
    if not form.validate_on_submit():
        return page(), 422 if form.is_submitted() else 200
    on_error(page, form=form, field="title")
    item = channels.enter_on_behalf(district, current_user, _proposal(form),
                                    form.channel.data, seoul_today())
    flash(_l("다른 경로로 들어온 제안을 등록했습니다."), "success")
    return redirect(url_for("agenda.item_page", item_id=item.id))


def _register_page(district, form: RegisterProjectForm, status: int = 200):
    form.unit.choices = [SelectChoice("", _l("모름"))] + [
        SelectChoice(str(unit.id), unit.name) for unit in units.units_of(district.id)]
    return render_template("agenda/register.html", form=form,
                           projects=register.existing_projects(district.id)), status


@role_required(Role.ORGANIZER)
def register_page():
    return _register_page(district_or_404(), RegisterProjectForm(formdata=None))


@role_required(Role.ORGANIZER)
def register_project():
    district = district_or_404()
    form = RegisterProjectForm()
    if not form.validate_on_submit():
        return _register_page(district, form, 422)
    on_error(lambda: _register_page(district, form), form=form, field="title")
    raw = (form.unit.data or "").strip()
    # A value naming no id is passed on as one no unit has: refused as not found.
    unit_id = None if not raw else (record_id(raw) or 0)
    register.register_project(district.id, form.title.data, form.description.data or "",
                              unit_id, current_user)
    flash(_l("기존 사업 등록부에 올렸습니다."), "success")
    return redirect(url_for("agenda.register_page"))
