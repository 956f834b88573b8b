"""Which district a request serves, and what day it is in Seoul."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import abort, current_app, g
from sqlalchemy import select

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
        query = select(District)
        query = query.where(District.slug == slug) if slug else query.order_by(District.id)
        g.district = db.session.scalars(query.limit(1)).first()
    return g.district


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
