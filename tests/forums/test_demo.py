"""The demo forum reproduces the seed forum's published shifts through the real analysis."""

import json
import math

import pytest
from scipy import stats
from sqlalchemy import func, select
from statsmodels.stats.proportion import proportion_confint

from core.db import db
from forums import analysis
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
    assert "Stuart–Maxwell" in text and "Wilcoxon signed-rank" in text
    assert "e-0" not in text and "e-1" not in text


def test_seed_000_governance_awareness_shift_is_published_with_its_interval(app, ctx):
    """Seed 000 §I.3 (제1토론): '주민들의 협치인식 부족' rose from 12% to 23% after
    deliberation; among the 88 who answered both polls it is 10 → 20 people (11% → 23%)."""
    _seed(app)
    forum = db.session.scalars(select(Forum)).one()
    result = app.test_cli_runner().invoke(args=["forum-report", str(forum.id), "--json"])
    built = json.loads(result.output)
    question = built["topics"][0]["questions"][0]
    governance = question["options"][2]
    assert (governance["paired_pre"]["percent"], governance["paired_post"]["percent"]) == (11, 23)
    # 13 moved in, 3 moved out: the exact McNemar test on those 16 people.
    assert governance["test"]["discordant"] == {"no_to_yes": 13, "yes_to_no": 3}
    assert governance["test"]["p_value"] == stats.binomtest(3, 16, 0.5).pvalue
    assert governance["test"]["p_text"] == "p = 0.021"
    assert governance["test"]["family"] == "options"
    # Newcombe's paired interval, independently from statsmodels' Wilson margins: the
    # table is both 7, no→yes 13, yes→no 3, neither 65.
    low_after, high_after = proportion_confint(20, 88, method="wilson")
    low_before, high_before = proportion_confint(10, 88, method="wilson")
    phi = (7 * 65 - 13 * 3 - 44) / math.sqrt(20 * 68 * 10 * 78)
    after, before = 20 / 88, 10 / 88
    low = after - before - math.sqrt((after - low_after) ** 2 + (high_before - before) ** 2
                                     - 2 * phi * (after - low_after) * (high_before - before))
    high = after - before + math.sqrt((before - low_before) ** 2 + (high_after - after) ** 2
                                      - 2 * phi * (before - low_before) * (high_after - after))
    shift = governance["shift"]
    assert shift["difference"] == pytest.approx(10 / 88)
    assert shift["ci"] == pytest.approx([low, high])
    assert 0 < shift["ci"][0] < shift["difference"] < shift["ci"][1]
    assert governance["pre"]["ci"] == pytest.approx(list(proportion_confint(11, 91,
                                                                            method="wilson")))
    assert question["summary"]["ko"] == (
        "토론 전과 후에 모두 답한 88명 가운데 ‘주민 스스로의 거버넌스 의식 부족’을 고른 사람이 "
        f"11%에서 23%로 늘었습니다(변화의 95% 신뢰구간 +{round(low * 100)}~"
        f"+{round(high * 100)}%p).")
    assert "rose from 11% to 23%" in question["summary"]["en"]
    # The stated families: one overall test per question across the forum, and the options
    # within their question.
    families = {f["name"]: f for f in built["multiplicity"]["families"]}
    assert families["overall"]["tests"] == 3 and built["multiplicity"]["method"] == "Holm"
    overall = [q["overall"] for t in built["topics"] for q in t["questions"]]
    assert [o["name"] for o in overall] == ["Stuart–Maxwell", "Stuart–Maxwell",
                                            "Wilcoxon signed-rank"]
    assert all(o["family"] == "overall" for o in overall)
    options = [o["test"]["p_value"] for o in question["options"]]
    assert [o["test"]["p_holm"] for o in question["options"]] == analysis.holm(options)
    assert [o["p_holm"] for o in overall] == analysis.holm([o["p_value"] for o in overall])
    assert overall[2]["effect"]["name"] == "rank-biserial"


def test_seed_demo_twice_changes_nothing(app, ctx):
    _seed(app)
    counts = (db.session.scalar(select(func.count(Forum.id))),
              db.session.scalar(select(func.count(Answer.id))))
    _seed(app)
    db.session.expire_all()
    assert (db.session.scalar(select(func.count(Forum.id))),
            db.session.scalar(select(func.count(Answer.id)))) == counts
    assert counts == (1, 91 * 3 + 88 * 3)
