"""Export fixtures: the whole demo (agenda, forum, plan)."""

import pytest


@pytest.fixture
def ctx(app):
    """A request context: refusals carry lazily translated messages."""
    with app.test_request_context():
        yield app


@pytest.fixture
def demo(ctx, monkeypatch):
    """The demo district with agenda, forum and plan; returns a namespace of handles.

    Live pushes to forum screens are switched off while seeding: exports never read them,
    and their delayed background reads would race the tables being emptied after the test.
    """
    from types import SimpleNamespace

    from forums import live

    monkeypatch.setattr(live, "poll_changed", lambda poll_id: None)
    monkeypatch.setattr(live, "forum_changed", lambda forum_id, reseated=None: None)

    import demo as whole_demo
    from accounts import demo as accounts_demo
    from core.db import commit
    from forums import demo as forums_demo

    whole_demo.seed()
    commit()
    district = accounts_demo.seed_district()
    cycle = next(c for c in district.cycles if c.year == 2027)
    forum = forums_demo.db_forum(cycle)
    return SimpleNamespace(district=district, cycle=cycle, forum=forum,
                           organizer="organizer@demo.madang.kr",
                           organizer_password="demo-organizer-2027")  # noqa: S106



def export_bytes(kind: str, fmt: str, district_id: int, scope_id: int, **options) -> tuple[
        str, bytes]:
    import io

    from exports.registry import ExportContext, run_export

    out = io.BytesIO()
    extension = run_export(kind, fmt, ExportContext(district_id, scope_id, **options), out)
    return extension, out.getvalue()


def close_hidden_votes(cycle_id: int) -> None:
    """Close the cycle's open votes that hide their results until closing: before, nothing of
    their results or ballots may be exported (tests/security/test_secrecy.py)."""
    from datetime import timedelta

    from sqlalchemy import select

    from core.db import commit, db, utcnow
    from voting.models import Vote
    from voting.secrecy import results_visible

    for vote in db.session.scalars(select(Vote).where(Vote.cycle_id == cycle_id)):
        if not results_visible(vote):
            vote.closes_at = utcnow() - timedelta(minutes=1)
    commit()
