from sqlalchemy import select

from core.db import commit, db
from core.jobs import enqueue
from core.models import District
from tests.conftest import require_service
from tests.core.jobs_under_test import ensure_district


def _slugs():
    db.session.expire_all()
    return set(db.session.scalars(select(District.slug)))


def _start_transaction():
    db.session.add(District(slug="trigger", name_ko="t", name_en="t"))
    db.session.flush()


def test_inline_job_runs_only_after_commit(ctx):
    _start_transaction()
    enqueue(ensure_district, "after-commit")
    assert "after-commit" not in _slugs()
    commit()
    assert "after-commit" in _slugs()


def test_inline_job_is_dropped_on_rollback(ctx):
    _start_transaction()
    enqueue(ensure_district, "rolled-back")
    db.session.rollback()
    commit()
    assert "rolled-back" not in _slugs()


def test_job_is_safe_to_run_twice(ctx):
    enqueue(ensure_district, "twice")
    enqueue(ensure_district, "twice")
    commit()
    assert db.session.query(District).filter_by(slug="twice").count() == 1


def test_threaded_inline_job_runs_after_commit_while_the_request_goes_on(ctx):
    """Without Redis a threaded job (an export whose page follows it) starts at commit on
    its own thread: commit returns while the job still waits, and it finishes after."""
    from core.jobs import wait_for_threads
    from tests.core import jobs_under_test

    jobs_under_test.GATE.clear()
    _start_transaction()
    enqueue(jobs_under_test.ensure_district_at_the_gate, "threaded", threaded=True)
    assert "threaded" not in _slugs()
    try:
        commit()
        assert "threaded" not in _slugs()
    finally:
        jobs_under_test.GATE.set()
    wait_for_threads()
    # The test's read began before the job's commit: a fresh one sees it.
    db.session.rollback()
    assert "threaded" in _slugs()


def test_threaded_inline_job_is_dropped_on_rollback(ctx):
    from core.jobs import wait_for_threads
    from tests.core.jobs_under_test import GATE, ensure_district_at_the_gate

    GATE.set()
    _start_transaction()
    enqueue(ensure_district_at_the_gate, "threaded-rolled-back", threaded=True)
    db.session.rollback()
    commit()
    wait_for_threads()
    assert "threaded-rolled-back" not in _slugs()


def test_rq_job_is_enqueued_after_commit_and_run_by_a_worker(app, ctx):
    from redis import Redis

    from core.jobs import rq_queue, work

    url = require_service("TEST_REDIS_URL", "Redis")
    Redis.from_url(url).flushdb()
    app.config["REDIS_URL"] = url
    try:
        queue = rq_queue(url)
        _start_transaction()
        enqueue(ensure_district, "through-rq")
        assert queue.count == 0
        commit()
        assert queue.count == 1
        work(app, burst=True)
        assert queue.count == 0
    finally:
        app.config["REDIS_URL"] = None
    assert "through-rq" in _slugs()
