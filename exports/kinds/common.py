"""Helpers the kinds share: scope lookups that respect the district, Seoul time, labels."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from core.db import db
from core.errors import NotFound
from core.models import Cycle
from core.tenancy import SEOUL
from exports.registry import register_scope


def seoul(moment: datetime | None) -> datetime | None:
    return moment.astimezone(SEOUL) if moment is not None else None


def label(labels: dict, value) -> str:
    return str(labels[value]) if value in labels else (value or "")


def find_cycle(district_id: int, cycle_id: int) -> Cycle:
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None or cycle.district_id != district_id:
        raise NotFound(_l("이 자치구에 그런 연차 계획 주기가 없습니다."))
    return cycle


def counter(query):
    """A ``count()`` for a table: the number of rows ``query`` would give."""

    def count() -> int:
        return db.session.scalar(select(func.count()).select_from(query.order_by(None)
                                                                  .subquery())) or 0

    return count


def streamed(query, per: int = 2000):
    """Rows of ``query`` fetched in batches, so large tables never sit in memory at once."""
    return db.session.execute(query.execution_options(yield_per=per))


def cycles_of(district_id: int) -> list[tuple[int, str]]:
    return [(c.id, c.title) for c in db.session.scalars(
        select(Cycle).where(Cycle.district_id == district_id).order_by(Cycle.year.desc()))]


register_scope("cycle", cycles_of)
