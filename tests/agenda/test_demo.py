from sqlalchemy import func, select

from agenda import proposals, supporters
from agenda.models import AgendaItem, AgendaLogEntry, LogAction, Support
from core.db import db


def test_demo_agenda_is_seeded_once_with_a_fused_item_and_a_shortlist(app, ctx):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    counts = (db.session.scalar(select(func.count()).select_from(AgendaItem)),
              db.session.scalar(select(func.count()).select_from(Support)))
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    db.session.expire_all()
    assert (db.session.scalar(select(func.count()).select_from(AgendaItem)),
            db.session.scalar(select(func.count()).select_from(Support))) == counts
    fused = db.session.scalars(select(AgendaItem).where(
        AgendaItem.title == "공동육아 공간과 돌봄 공동체 만들기")).one()
    assert len(proposals.sources_of(fused)) == 3
    # The demo's votes and plan have since moved the shortlist on (in_vote, then selected or
    # not, then in_plan): the shortlist is read from the items' history.
    ballot = list(db.session.scalars(select(AgendaItem).join(
        AgendaLogEntry, AgendaLogEntry.item_id == AgendaItem.id).where(
        AgendaItem.cycle_id == fused.cycle_id, AgendaItem.shortlisted_for_vote.is_(True),
        AgendaLogEntry.action == LogAction.SHORTLISTED.value)))
    assert 6 <= len(ballot) <= 8
    assert all(item.estimated_cost and item.estimated_cost > 0 for item in ballot)
    assert {item.status for item in ballot} == {"in_plan", "not_selected"}
    assert supporters.support_count(fused.id) > 0
