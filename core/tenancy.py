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
        slug = current_app.config.get("MADANG_DISTRICT")
        g.district = (db.session.scalars(_DISTRICT_BY_SLUG, {"slug": slug}) if slug
                      else db.session.scalars(_FIRST_DISTRICT)).first()
    return g.district


# Every request asks; built once (see ``accounts.services.user_for_session``).
_DISTRICT_BY_SLUG = select(District).where(District.slug == bindparam("slug"))
_FIRST_DISTRICT = select(District).order_by(District.id).limit(1)


def district_or_404() -> District:
    """The current district for a page that cannot exist without one."""
    district = current_district()
    if district is None:
        abort(404)
    return district


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
