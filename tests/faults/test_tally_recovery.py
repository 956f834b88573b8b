"""A vote's background count is never stuck because Redis forgot it or its worker died, and
the count that finally runs gives exactly the result a clean count gives.

Real processes, as in test_jobs_recovery: `flask worker` subprocesses against a Redis server
of the test's own and the test's database.
"""

import json
import os
import signal
import sqlite3
import time
from itertools import permutations

import pytest
from sqlalchemy import create_engine, text

from core.db import commit, db
from tests.faults.servers import wait_until
from tests.faults.test_jobs_recovery import (  # noqa: F401 (fixtures)
    RECOVERY_TIMEOUT,
    environment,
    mail_server,
    workers,
)
from tests.voting import conftest as vote_fixtures
from tests.voting.conftest import item_ids
from voting import casting, results
from voting.models import VoteResult

shortlist, make_vote = vote_fixtures.shortlist, vote_fixtures.make_vote

VOTERS = 30


@pytest.fixture
def counted_vote(app, ctx, environment, make_vote, make_user, district, monkeypatch):  # noqa: F811
    """A ranked vote with live results and varied ballots, large enough (for this test) to
    be counted by a worker."""
    vote = make_vote("ranked", results_live=True)
    orders = list(permutations(item_ids(vote), 3))
    for index in range(VOTERS):
        ranking = orders[(index * 7) % len(orders)]
        casting.cast_online(district.id, vote.id, make_user(),
                            [(item, rank) for rank, item in enumerate(ranking, 1)])
        commit()
    monkeypatch.setitem(app.config, "TALLY_JOB_THRESHOLD", 1)
    return vote


def _ask_count(vote) -> None:
    result, record = results.current_result(vote)
    assert result is None and record.status == "running"
    commit()


def _record(vote_id: int) -> VoteResult:
    db.session.rollback()
    return db.session.get(VoteResult, vote_id)


def _clean_count(vote_id: int) -> dict:
    # Through JSON, as the stored result went.
    return json.loads(json.dumps(results.compute_result(vote_id)))


def _wait_counted(vote_id: int, workers):  # noqa: F811
    try:
        return wait_until(lambda: (record := _record(vote_id)).status == "done" and record,
                          RECOVERY_TIMEOUT, f"the count of vote {vote_id}")
    except pytest.fail.Exception:
        print(workers.logs())
        raise


class ProgressHeld:
    """Holds the vote's result row so that a count's first progress write waits: a worker
    that started the count stays midway, its ballots read and folded, until released."""

    def __init__(self, database_url: str, vote_id: int) -> None:
        self.database_url = database_url
        self.vote_id = vote_id
        self.engine = None
        self.connection = None

    def __enter__(self):
        if self.database_url.startswith("postgresql"):
            self.engine = create_engine(self.database_url)
            self.connection = self.engine.connect()
            self.connection.execute(text(
                "SELECT vote_id FROM vote_result WHERE vote_id = :vote FOR UPDATE"),
                {"vote": self.vote_id})
        else:
            path = self.database_url.removeprefix("sqlite:///")
            self.connection = sqlite3.connect(path, isolation_level=None)
            self.connection.execute("BEGIN IMMEDIATE")
        return self

    def worker_waits(self) -> bool:
        """Whether a count waits on the held row (PostgreSQL shows it; SQLite cannot, so
        there the worker is given a moment to reach its first write)."""
        if self.engine is None:
            return True
        with self.engine.connect() as observer:
            return bool(observer.scalar(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND query LIKE 'UPDATE vote_result%'")))

    def __exit__(self, *_exc):
        self.connection.rollback() if self.engine else self.connection.execute("ROLLBACK")
        self.connection.close()
        if self.engine is not None:
            self.engine.dispose()


def test_count_whose_worker_was_killed_midway_is_run_again_to_the_same_result(
        app, counted_vote, workers):  # noqa: F811
    vote = counted_vote
    _ask_count(vote)
    with ProgressHeld(app.config["SQLALCHEMY_DATABASE_URI"], vote.id) as held:
        first = workers.start()
        wait_until(held.worker_waits, RECOVERY_TIMEOUT, "the worker to reach the count's "
                   "first progress write")
        # The RQ job is taken (the worker's log says so) before the count begins.
        wait_until(lambda: "tally-" in workers.logs(), RECOVERY_TIMEOUT,
                   "the worker to take the count")
        time.sleep(1)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    killed = _record(vote.id)
    assert killed.status == "running" and killed.progress == 0 and killed.attempts == 1
    workers.start()
    record = _wait_counted(vote.id, workers)
    assert record.attempts == 2
    assert record.result == _clean_count(vote.id)


def test_count_flushed_from_redis_is_sent_again_and_counted_once(
        app, counted_vote, redis_server, workers, monkeypatch):  # noqa: F811
    from core.jobs import rq_queue

    vote = counted_vote
    _ask_count(vote)
    redis_server.flush()
    # The row is the truth: once past the grace a fresh request gets, one pass sends the
    # count again, and a second pass finds it on the queue and leaves it.
    monkeypatch.setitem(app.config, "JOB_WORKER_DEAD_SECONDS", 0)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["reconcile-jobs"])
    assert first.exit_code == 0 and first.output.startswith("1 "), first.output
    again = runner.invoke(args=["reconcile-jobs"])
    assert again.exit_code == 0 and again.output.startswith("0 "), again.output
    [job_id] = rq_queue(redis_server.url).job_ids
    assert job_id.startswith(f"tally-{vote.id}-") and job_id.endswith("-2")
    workers.start()
    record = _wait_counted(vote.id, workers)
    assert record.result == _clean_count(vote.id)


def test_count_asked_while_redis_is_down_runs_once_redis_is_back(
        app, counted_vote, redis_server, workers):  # noqa: F811
    vote = counted_vote
    redis_server.stop()
    _ask_count(vote)
    assert _record(vote.id).status == "running"
    redis_server.start()
    workers.start()
    record = _wait_counted(vote.id, workers)
    assert record.result == _clean_count(vote.id)
