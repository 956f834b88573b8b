"""The call for proposals, for the home page and 내 마당 (see ``core.now``)."""

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from agenda.models import AgendaItem
from core.db import db
from core.i18n import lazy_message
from core.models import Phase
from core.now import OpenNow


def open_call(district, cycle, user, today) -> list[OpenNow]:
    """Proposals are welcome all year (연중 수시 제안), but they are invited during the
    cycle's intake phase: that is when the home page offers the button."""
    if cycle is None:
        return []
    intake = next((p for p in cycle.phases if p.phase == Phase.INTAKE.value), None)
    if intake is None or not intake.starts_on <= today <= intake.ends_on:
        return []
    done = None
    if user is not None:
        mine = db.session.scalar(select(func.count(AgendaItem.id)).where(
            AgendaItem.district_id == district.id, AgendaItem.cycle_id == cycle.id,
            AgendaItem.author_id == user.id, AgendaItem.is_draft.is_(False)))
        if mine:
            done = str(lazy_message("이번 주기에 의제 %(n)d건을 제안했습니다.", n=mine))
    return [OpenNow(kind="proposal", title=str(_l("의제 제안 받는 중")),
                    action=str(_l("의제 제안하기")), url=url_for("agenda.propose"),
                    until=intake.ends_on, done=done)]
