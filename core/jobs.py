"""Background jobs: RQ when Redis is configured, inline otherwise, always after commit.

Jobs are addressed by dotted path and take ids only, so a worker process on another
machine can run them, and running one twice must be harmless.
"""

import importlib
import logging

from flask import current_app

from core.db import after_commit, background, commit, db

log = logging.getLogger(__name__)

QUEUE_NAME = "madang"


def job_path(fn) -> str:
    return f"{fn.__module__}:{fn.__qualname__}"


def run_job(path: str, *ids):
    """Import and run a job function with a clean session, committing its work once."""
    module_name, _, name = path.partition(":")
    fn = getattr(importlib.import_module(module_name), name)
    try:
        result = fn(*ids)
        commit()
        return result
    except Exception:
        db.session.rollback()
        raise
    finally:
        db.session.remove()


def enqueue(fn, *ids, job_id: str | None = None) -> None:
    """Schedule ``fn(*ids)`` to run after the current transaction commits."""
    path = job_path(fn)
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        after_commit(lambda: _enqueue_rq(redis_url, path, ids, job_id))
    else:
        app = current_app._get_current_object()

        def run_inline():
            with app.app_context(), background():
                run_job(path, *ids)

        after_commit(run_inline)


def _enqueue_rq(redis_url: str, path: str, ids: tuple, job_id: str | None) -> None:
    queue = rq_queue(redis_url)
    queue.enqueue(run_job, path, *ids, job_id=job_id, result_ttl=24 * 3600)
    log.info("enqueued %s%s", path, ids)


def rq_queue(redis_url: str):
    from rq import Queue

    from core.connections import redis_client

    return Queue(QUEUE_NAME, connection=redis_client(redis_url))


def work(app, burst: bool = False) -> None:
    """Run an RQ worker inside the app context (the ``flask worker`` command)."""
    from redis import Redis
    from rq import SimpleWorker

    redis_url = app.config.get("REDIS_URL")
    if not redis_url:
        raise RuntimeError("REDIS_URL is not set: jobs run inline, no worker is needed")
    connection = Redis.from_url(redis_url)
    with app.app_context():
        # SimpleWorker runs jobs in this process, which holds the app context; a forking
        # worker would share database connections across the fork.
        SimpleWorker([QUEUE_NAME], connection=connection).work(burst=burst)
