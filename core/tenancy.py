"""Which district a request serves, and what day it is in Seoul."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import abort, current_app, g
from sqlalchemy import bindparam, select

from core.db import db
from core.models import Cycle, District

SEOUL = ZoneInfo("Asia/Seoul")


def seoul_now() -> datetime:
    return datetime.now(SEOUL)


def seoul_today() -> date:
    return seoul_now().date()


def current_district() -> District | None:
    """The district this deployment serves: ``MADANG_DISTRICT`` (a slug) or the first one."""
    if "district" not in g:
        district_id = current_district_id()
        g.district = None if district_id is None else db.session.get(District, district_id)
    return g.district


_SERVED_DISTRICT = "madang_district_id"
_DISTRICT_BY_SLUG = select(District.id).where(District.slug == bindparam("slug"))
_FIRST_DISTRICT = select(District.id).order_by(District.id).limit(1)


def current_district_id() -> int | None:
    """The id of the district this deployment serves, looked up once per app: every request
    asks, a deployment serves one district, and a district's id never changes. Until the
    district exists every request looks again."""
    district_id = current_app.extensions.get(_SERVED_DISTRICT)
    if district_id is None:
        slug = current_app.config.get("MADANG_DISTRICT")
        district_id = (db.session.scalar(_DISTRICT_BY_SLUG, {"slug": slug}) if slug
                       else db.session.scalar(_FIRST_DISTRICT))
        if district_id is not None:
            current_app.extensions[_SERVED_DISTRICT] = district_id
    return district_id


def forget_district(app) -> None:
    """Look the district up again on the next request (after its tables were emptied)."""
    app.extensions.pop(_SERVED_DISTRICT, None)


def district_or_404() -> District:
    """The current district for a page that cannot exist without one."""
    district = current_district()
    if district is None:
        abort(404)
    return district


def district_id_or_404() -> int:
    """The current district's id, for a view that needs no more of it (no query once known)."""
    district_id = current_district_id()
    if district_id is None:
        abort(404)
    return district_id


def current_cycle(district: District | None = None) -> Cycle | None:
    """The cycle running today, else the next one to start, else the most recent."""
    district = district or current_district()
    if district is None:
        return None
    today = seoul_today()
    cycles = list(district.cycles)
    running = [c for c in cycles if c.phase_on(today) is not None]
    if running:
        return running[0]
    upcoming = [c for c in cycles if c.phases and c.phases[0].starts_on > today]
    if upcoming:
        return min(upcoming, key=lambda c: c.phases[0].starts_on)
    return cycles[0] if cycles else None
