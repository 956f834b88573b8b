"""The demo forum reproduces the seed forum's published shifts through the real analysis."""

import json

from scipy import stats
from sqlalchemy import func, select

from core.db import db
from forums.models import Answer, Forum, SeatTicket


def _seed(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return result


def test_demo_forum_reproduces_the_published_shifts(app, ctx):
    output = _seed(app).output
    forum = db.session.scalars(select(Forum)).one()
    assert f"join code {forum.join_code}" in output
    assert len(forum.participants) == 91 and len(forum.tables) == 8
    assert all(t.facilitator_id for t in forum.tables)
    # Every participant answered the counted polls with a seat ticket of their own.
    holders = db.session.scalars(select(SeatTicket.participant_id)).all()
    assert sorted(holders) == sorted(p.id for p in forum.participants)
    result = app.test_cli_runner().invoke(args=["forum-report", str(forum.id), "--json"])
    assert result.exit_code == 0, result.output
    built = json.loads(result.output)
    first, second = built["topics"]
    governance = first["questions"][0]["options"][2]
    autonomy = second["questions"][0]["options"][0]
    assert governance["label"] == "주민 스스로의 거버넌스 의식 부족"
    assert (governance["pre"]["percent"], governance["post"]["percent"]) == (12, 23)
    assert autonomy["label"] == "주민자치 및 마을공동체 강화"
    assert (autonomy["pre"]["percent"], autonomy["post"]["percent"]) == (27, 50)
    question = second["questions"][0]
    assert (question["pre_n"], question["post_n"], question["paired_n"]) == (91, 88, 88)
    assert (autonomy["moved_in"], autonomy["moved_out"]) == (24, 4)
    expected = stats.binomtest(4, 28, 0.5).pvalue
    assert abs(autonomy["test"]["p_value"] - expected) < 1e-15
    text = app.test_cli_runner().invoke(args=["forum-report", str(forum.id)]).output
    assert "27% → 50%" in text and "12% → 23%" in text


def test_seed_demo_twice_changes_nothing(app, ctx):
    _seed(app)
    counts = (db.session.scalar(select(func.count(Forum.id))),
              db.session.scalar(select(func.count(Answer.id))))
    _seed(app)
    db.session.expire_all()
    assert (db.session.scalar(select(func.count(Forum.id))),
            db.session.scalar(select(func.count(Answer.id)))) == counts
    assert counts == (1, 91 * 3 + 88 * 3)
