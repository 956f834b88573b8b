"""The results PDF and sheet read like the results page: every candidate with its numbers,
the method's score where it has one, and words rather than codes."""

import io
import json
import subprocess

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core.db import commit, db
from tests.exports.conftest import close_hidden_votes, export_bytes

# Codes of methods and channels that must never reach a Korean reader.
CODES = ("greedy", "borda", "schulze", "irv", "mes", "approval", "points", "online",
         "paper", "forum", "ranked-pairs", "copeland")


def _votes(demo):
    from voting.models import Vote

    close_hidden_votes(demo.cycle.id)
    return db.session.scalars(select(Vote).where(Vote.cycle_id == demo.cycle.id)
                              .order_by(Vote.id)).all()


def _sheet(demo, vote) -> list[dict]:
    _, data = export_bytes("results", "xlsx", demo.district.id, vote.id)
    rows = list(load_workbook(io.BytesIO(data), read_only=True)["투표 결과"].values)
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def _pdf_text(demo, vote) -> str:
    _, pdf = export_bytes("results", "pdf", demo.district.id, vote.id)
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()


def _figures_from_ballots(demo, vote) -> dict[int, int]:
    """Each item's approvals or points, summed here from the anonymous ballots export: an
    oracle apart from the counting engine."""
    _, data = export_bytes("ballots", "json", demo.district.id, vote.id)
    ballots = {t["name"]: t for t in json.loads(data)["tables"]}["ballots"]["rows"]
    totals = {item.agenda_item_id: 0 for item in vote.items}
    for row in ballots:
        for item in totals:
            totals[item] += (row[f"item_{item}"] or 0) * row["count"]
    return totals


def test_every_candidate_with_its_score_in_the_sheet(demo):
    from voting.rules import BallotType

    votes = _votes(demo)
    assert {v.type for v in votes} >= {BallotType.POINTS, BallotType.APPROVAL,
                                       BallotType.BUDGET, BallotType.RANKED}
    for vote in votes:
        rows = _sheet(demo, vote)
        assert sorted(r["의제 번호"] for r in rows) == sorted(i.agenda_item_id
                                                          for i in vote.items), vote.method
        if vote.type in (BallotType.POINTS, BallotType.APPROVAL, BallotType.BUDGET):
            expected = _figures_from_ballots(demo, vote)
            assert {r["의제 번호"]: r["점수"] for r in rows} == expected, vote.method
            assert all(r["점수 기준"] for r in rows)
        else:
            # IRV decides by rounds: no score, and the sheet says nothing rather than 0.
            assert vote.method == "irv"
            assert all(r["점수"] is None and not r["점수 기준"] for r in rows)
        assert sum(r["선정"] == "예" for r in rows) >= 1


def test_mes_lists_the_items_it_leaves_unranked(demo):
    """MES ranks only what it funds; the sheet and the report still list every item."""
    from voting.rules import BallotType

    vote = next(v for v in _votes(demo) if v.type == BallotType.BUDGET)
    vote.method = "mes"
    commit()
    rows = _sheet(demo, vote)
    assert len(rows) == len(vote.items)
    unplaced = [r for r in rows if r["순위"] is None]
    assert unplaced and all(r["선정"] == "아니오" for r in unplaced)
    assert [r["순위"] for r in rows if r["순위"] is not None] == list(
        range(1, len(rows) - len(unplaced) + 1))
    text = _pdf_text(demo, vote)
    for item in vote.items:
        assert item.title.split()[0] in text, item.title
    assert "균등 분배 방식(MES)" in text


@pytest.mark.parametrize("method", ["greedy", "irv", "points", "approval"])
def test_report_lists_every_candidate_in_words_not_codes(demo, method):
    vote = next(v for v in _votes(demo) if v.method == method)
    text = _pdf_text(demo, vote)
    for item in vote.items:
        assert item.title.split()[0] in text, item.title
    words = set(text.replace("(", " ").replace(")", " ").replace("·", " ").split())
    assert not words & set(CODES), words & set(CODES)
    assert "온라인" in text and "종이 투표" in text
