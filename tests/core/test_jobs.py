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
