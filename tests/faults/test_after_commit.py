"""Side effects queued for after the commit (mail, jobs, live messages) run exactly once when
the request or job commits, even if a savepoint rolled back on the way, and never after the
whole transaction rolled back."""

import pytest
from sqlalchemy.exc import IntegrityError

from core.db import after_commit, commit, db
from core.jobs import enqueue, job_path, run_job
from core.models import District

ran: list[str] = []


@pytest.fixture(autouse=True)
def _fresh_log():
    ran.clear()
    yield
    ran.clear()


def _add_district(slug: str) -> None:
    db.session.add(District(slug=slug, name_ko=slug, name_en=slug))
    db.session.flush()


def _refused_in_savepoint(slug: str) -> None:
    """What services do with ``begin_nested``: try a row, and carry on when the database
    refuses it."""
    try:
        with db.session.begin_nested():
            _add_district(slug)
    except IntegrityError:
        pass


def test_callback_queued_before_a_rolled_back_savepoint_runs_once_at_commit(ctx):
    _add_district("first")
    after_commit(lambda: ran.append("mail"))
    _refused_in_savepoint("first")
    commit()
    assert ran == ["mail"]
    commit()
    assert ran == ["mail"]


def test_callback_queued_inside_a_rolled_back_savepoint_is_dropped(ctx):
    _add_district("first")
    after_commit(lambda: ran.append("kept"))
    try:
        with db.session.begin_nested():
            after_commit(lambda: ran.append("dropped"))
            _add_district("first")
    except IntegrityError:
        pass
    commit()
    assert ran == ["kept"]


def test_callback_queued_in_a_released_savepoint_runs_at_commit(ctx):
    _add_district("first")
    with db.session.begin_nested():
        _add_district("second")
        after_commit(lambda: ran.append("push"))
    _refused_in_savepoint("second")
    commit()
    assert ran == ["push"]


def test_outer_rollback_drops_queued_callbacks(ctx):
    _add_district("first")
    after_commit(lambda: ran.append("mail"))
    _refused_in_savepoint("first")
    db.session.rollback()
    commit()
    assert ran == []
    assert db.session.query(District).filter_by(slug="first").count() == 0


def notifying_job(slug: str) -> None:
    """A job that changes data and queues a side effect for after its own commit."""
    _add_district(slug)
    after_commit(lambda: ran.append(f"after {slug}"))


def test_a_jobs_commit_runs_its_callbacks(ctx):
    run_job(job_path(notifying_job), "from-job")
    assert ran == ["after from-job"]
    assert db.session.query(District).filter_by(slug="from-job").count() == 1


def test_an_inline_job_queued_by_a_request_runs_its_own_callbacks(ctx):
    _add_district("request")
    enqueue(notifying_job, "inline")
    _refused_in_savepoint("request")
    commit()
    assert ran == ["after inline"]


def failing_job(slug: str) -> None:
    notifying_job(slug)
    raise RuntimeError("the job failed")


def test_a_failed_job_runs_no_callbacks(ctx):
    with pytest.raises(RuntimeError):
        run_job(job_path(failing_job), "failed")
    assert ran == []
    assert db.session.query(District).filter_by(slug="failed").count() == 0
