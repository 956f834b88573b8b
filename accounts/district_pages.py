"""The admin's page of the deployment's districts: each with its dongs and its organizers,
and a form to add a district (served at its own path from then on) with its first admin."""

from flask import flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from accounts import services
from accounts.forms import DistrictForm
from accounts.models import Membership, User
from core import districts
from core.auth import Role, role_required
from core.db import db
from core.lifecycle import on_error
from core.models import District

# Whom the page lists under each district: the people who run its cycle.
STAFF_ROLES = (Role.ADMIN.value, Role.ORGANIZER.value)


def district_overview() -> list[dict]:
    """Every district with its dongs, its base URL and its organizers and admins (by name;
    their addresses are theirs), in three queries whatever the number of districts."""
    listed = db.session.scalars(select(District).options(selectinload(District.dongs))
                                .order_by(District.id)).all()
    staff: dict[int, list[tuple[str, str]]] = {}
    rows = db.session.execute(
        select(Membership.district_id, Membership.role, User.display_name)
        .join(User, User.id == Membership.user_id)
        .where(Membership.role.in_(STAFF_ROLES))
        .order_by(Membership.role, User.display_name))
    for district_id, role, name in rows:
        staff.setdefault(district_id, []).append((role, name))
    return [{"district": d, "base_url": districts.base_url(d), "staff": staff.get(d.id, [])}
            for d in listed]


def _page(form: DistrictForm):
    return render_template("accounts/districts.html", form=form, overview=district_overview())


@role_required(Role.ADMIN)
def district_list():
    return _page(DistrictForm(formdata=None))


@role_required(Role.ADMIN)
def add_district():
    form = DistrictForm()
    if not form.validate_on_submit():
        return _page(form), 422
    on_error(lambda: _page(form), form=form, field="slug")
    district = districts.create_district(
        form.slug.data.strip(), form.name_ko.data, form.name_en.data or "",
        districts.dong_names(form.dongs.data or ""), actor=current_user)
    services.grant_first_admin(district.id, form.first_admin.data, current_user)
    flash(_l("자치구를 추가했습니다."), "success")
    return redirect(url_for("accounts.district_list", _anchor=f"district-{district.slug}"))
