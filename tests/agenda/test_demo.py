from sqlalchemy import func, select

from agenda import services
from agenda.models import AgendaItem, Support
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
    assert len(services.sources_of(fused)) == 3
    ballot = services.shortlisted_items(fused.cycle_id)
    assert 6 <= len(ballot) <= 8
    assert all(item.estimated_cost and item.estimated_cost > 0 for item in ballot)
    assert services.support_count(fused.id) > 0
