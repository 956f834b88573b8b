"""Vote exports: anonymised ballots, results, and PrefLib/Pabulib files that re-count with
``python -m voting.tally`` to exactly the platform's result."""

import io
import json
import subprocess
import sys

from openpyxl import load_workbook
from sqlalchemy import select

from core.db import db
from tests.exports.conftest import close_hidden_votes, export_bytes


def _demo_votes(demo):
    from voting.models import Vote

    return db.session.scalars(select(Vote).where(Vote.cycle_id == demo.cycle.id)
                              .order_by(Vote.id)).all()


def _counted_votes(demo):
    """The demo's votes, every one readable: those that hide their results are closed."""
    close_hidden_votes(demo.cycle.id)
    return _demo_votes(demo)


def _recount(path, data: bytes) -> dict:
    """Run the recount command the file itself carries (PrefLib's RECOUNT line, Pabulib's
    META comment)."""
    for line in data.decode().splitlines():
        if line.startswith(("# RECOUNT: ", "comment;")):
            command = line.removeprefix("# RECOUNT: ").removeprefix("comment;").split()
            break
    assert command[:3] == ["python", "-m", "voting.tally"]
    argv = [sys.executable, *command[1:]]
    argv[argv.index("FILE")] = str(path)
    done = subprocess.run(argv, capture_output=True, check=True, text=True)
    return json.loads(done.stdout)


def test_research_files_recount_to_the_platform_result(demo, tmp_path):
    from voting.results import current_result
    from voting.rules import BallotType

    votes = _counted_votes(demo)
    assert {v.type for v in votes} >= {BallotType.RANKED}
    checked = 0
    for vote in votes:
        platform, _ = current_result(vote, allow_job=False)
        fmt = "preflib" if vote.type == BallotType.RANKED else "pabulib"
        extension, data = export_bytes("ballots", fmt, demo.district.id, vote.id)
        path = tmp_path / f"vote-{vote.id}.{extension}"
        path.write_bytes(data)
        recount = _recount(path, data)
        if fmt == "preflib":
            # Alternative k stands for the item named in the header.
            names = {}
            for line in data.decode().splitlines():
                if line.startswith("# ALTERNATIVE NAME"):
                    number, _, rest = line.removeprefix("# ALTERNATIVE NAME ").partition(": ")
                    names[number] = rest.rsplit("(agenda ", 1)[1].rstrip(")")
            recount["winners"] = [names[w] for w in recount["winners"]]
            recount["ranking"] = [[names[c] for c in group] for group in recount["ranking"]]
            recount["by_lot"] = [names[w] for w in recount["by_lot"]]
        assert recount["ballots"] == platform["ballots"]
        assert recount["winners"] == platform["winners"]
        assert recount["by_lot"] == platform["by_lot"]
        assert recount["ranking"] == platform["ranking"]
        checked += 1
    assert checked == len(votes) >= 1


def test_ballots_are_anonymous_distinct_ballots_with_counts(demo):
    from voting.models import Ballot

    vote = _counted_votes(demo)[0]
    _, data = export_bytes("ballots", "json", demo.district.id, vote.id)
    tables = {t["name"]: t for t in json.loads(data)["tables"]}
    ballots = tables["ballots"]
    keys = {c["key"] for c in ballots["columns"]}
    assert "count" in keys and not keys & {"id", "voter_key", "channel", "cast_at", "age_band",
                                           "gender", "dong", "receipt"}
    total = db.session.scalar(select(db.func.count(Ballot.id)).where(Ballot.vote_id == vote.id))
    assert sum(row["count"] for row in ballots["rows"]) == total
    assert tables["vote"]["rows"][0]["tie_seed"] == vote.tie_seed


def test_results_carry_the_explanation_and_open_once_published(demo, client):
    from voting.secrecy import results_visible

    hidden = [v for v in _demo_votes(demo) if not results_visible(v)]
    assert hidden
    for vote in hidden:
        assert client.get(f"/api/v1/open-data/results/{vote.id}.json").status_code == 403
    vote = _counted_votes(demo)[0]
    extension, data = export_bytes("results", "xlsx", demo.district.id, vote.id)
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    assert workbook.sheetnames == ["주민투표", "투표 대상 의제", "투표 결과", "집계 과정",
                                   "집계 방법 비교"]
    response = client.get(f"/api/v1/open-data/results/{vote.id}.json")
    assert response.status_code == 200
    assert response.get_json()["tables"][2]["rows"][0]["place"] == 1


def test_wrong_research_format_for_the_ballot_type_is_refused(demo):
    import pytest

    from core.errors import DomainError
    from voting.rules import BallotType

    ranked = next(v for v in _counted_votes(demo) if v.type == BallotType.RANKED)
    with pytest.raises(DomainError, match="PrefLib"):
        export_bytes("ballots", "pabulib", demo.district.id, ranked.id)


def test_the_database_folds_ballots_exactly_as_each_ballot_reads(demo):
    """``distinct_ballots`` (folded by the database, streamed) gives each ballot as its stored
    choices say, with how many people cast it, for every ballot type."""
    from voting.counting import FoldedBallots
    from voting.models import BallotChoice
    from voting.stored_ballots import distinct_ballot_count, distinct_ballots

    votes = _counted_votes(demo)
    assert len({v.type for v in votes}) == 4
    for vote in votes:
        position = {item.id: index for index, item in enumerate(vote.items)}
        stored = db.session.execute(select(BallotChoice.ballot_id, BallotChoice.vote_item_id,
                                           BallotChoice.value)
                                    .where(BallotChoice.vote_id == vote.id)).all()
        expected = FoldedBallots.from_choices(vote.type, len(position), [
            (ballot, position[item], value) for ballot, item, value in stored])
        folded = list(distinct_ballots(vote))
        assert dict(folded) == {tuple(int(v) for v in row): int(n) for row, n in
                                zip(expected.matrix, expected.counts, strict=True)}
        assert len(folded) == len(expected.counts) == distinct_ballot_count(vote) >= 2
        by_count = [n for _, n in distinct_ballots(vote, most_cast_first=True)]
        assert by_count == sorted(by_count, reverse=True) and sum(by_count) == expected.total
