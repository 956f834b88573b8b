"""The many-districts benchmark builds what it says it measures: districts added through the
``create-district`` service, each with its own open vote and voters who are members of it
alone, served by gunicorn; a short run cast at each district's path leaves in every
district exactly the ballots its voters sent there. Its check of that finds a ballot in the
wrong district; the city's board lists every district's plan in review. Needs PostgreSQL
and Redis (TEST_DATABASE_URL, TEST_REDIS_URL): the benchmark makes its own database next
to the test database."""

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench import bench_districts
from bench.bench_districts import deployment, misplaced, sent_ballots, stored_ballots
from tests.conftest import require_service

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

DISTRICTS = 3
VOTERS = 6
CASTS_PER_VOTER = 3


def test_each_district_holds_the_ballots_cast_at_its_path(monkeypatch, tmp_path):
    test_database = make_url(require_service("TEST_DATABASE_URL", "PostgreSQL").replace(
        "postgresql://", "postgresql+psycopg://", 1))
    redis_url = require_service("TEST_REDIS_URL", "Redis")
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    server_url = test_database.set(database="postgres").render_as_string(hide_password=False)

    with deployment("districts", server_url, f"{test_database.database}_bench", redis_url,
                    DISTRICTS, VOTERS) as served:
        phase = served.cast_round(0, seconds=60, requests_per_voter=CASTS_PER_VOTER)
        # The city's reviewer reads a board with every district's plan in review (it raises
        # when a district is missing from it).
        monkeypatch.setattr(bench_districts, "BOARD_READS", 2)
        board, _met = bench_districts.board_line(served)
        engine = create_engine(served.database_url)
        with engine.connect() as connection:
            districts = dict(connection.execute(text(
                "SELECT slug, name_ko FROM district")).all())
            ballots = dict(connection.execute(text(
                "SELECT district.slug, count(ballot.id) FROM district"
                " JOIN vote ON vote.district_id = district.id"
                " LEFT JOIN ballot ON ballot.vote_id = vote.id GROUP BY district.slug")).all())
            memberships = connection.execute(text(
                "SELECT user_account.email, district.slug FROM membership"
                " JOIN user_account ON user_account.id = membership.user_id"
                " JOIN district ON district.id = membership.district_id"
                " WHERE user_account.email LIKE 'voter%'")).all()
        engine.dispose()
        found = misplaced(sent_ballots(served), stored_ballots(served.database_url))

    assert districts == {"gangdong": "강동구", "gangnam": "강남구", "gangbuk": "강북구"}
    assert phase.failures == [] and phase.served == [CASTS_PER_VOTER] * VOTERS
    # Two voters each, cast at /<slug>/votes/<id>/ballot; one ballot a voter, however often
    # it changed.
    assert {voter.base for voter in served.voters} == {f"/{slug}" for slug in districts}
    assert ballots == dict.fromkeys(districts, VOTERS // DISTRICTS)
    # voterN@<slug>.bench.kr belongs to <slug> and to no other district.
    assert len(memberships) == VOTERS
    assert all(email.split("@")[1] == f"{slug}.bench.kr" for email, slug in memberships)
    assert found == []
    assert "city board of 3 districts: p95" in board


def test_a_ballot_in_another_district_is_found():
    sent = {"gangdong": {"a": frozenset({1}), "b": frozenset({2})},
            "songpa": {"c": frozenset({7})}}
    stored = {"gangdong": {"a": frozenset({1})},
              "songpa": {"b": frozenset({2}), "c": frozenset({8})}}

    assert misplaced(sent, sent) == []
    assert misplaced(sent, stored) == [
        "gangdong: 1 stored for 2 sent (1 missing, 0 not sent there, 0 with other choices)",
        "songpa: 2 stored for 1 sent (0 missing, 1 not sent there, 1 with other choices)",
    ]
