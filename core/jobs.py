"""Background jobs: RQ when Redis is configured, inline otherwise, always after commit.

Jobs are addressed by dotted path and take plain values (mostly ids), so a worker process
on another machine can run them, and running one twice must be harmless.

The database is the truth of a job's state; Redis only carries it to a worker. Redis may
forget a job (flushed, restarted, unreachable when it was enqueued) and a worker may die in
the middle of one, so ``flask worker`` reconciles every ``JOB_RECONCILE_SECONDS``: each
package that keeps jobs in a table registers a pass that sends what Redis lost again.
"""

import importlib
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import partial

from flask import current_app

from core.db import after_commit, background, commit, db

log = logging.getLogger(__name__)

QUEUE_NAME = "madang"

# How long a finished job's record stays in Redis.
RESULT_TTL = 24 * 3600

_reconcilers: list[Callable[[], int]] = []


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


def enqueue(fn, *args, job_id: str | None = None, description: str | None = None,
            retry=None, result_ttl: int = RESULT_TTL, failure_ttl: int | None = None,
            on_unqueued: Callable[[], None] | None = None, threaded: bool = False) -> None:
    """Schedule ``fn(*args)`` to run after the current transaction commits.

    When Redis cannot take the job, the request that committed its work still succeeds: the
    failure is logged and ``on_unqueued`` runs; a job recorded in a table is sent again by
    the reconciler. ``description`` replaces the arguments in RQ's records and logs, for
    jobs whose arguments must not be logged.

    Without Redis a job runs inline, at the end of the request, unless it is ``threaded``:
    then it runs on a thread of its own and the request answers at once. That is for long
    jobs whose page follows their progress, which a job finished before the page is sent
    could never show.
    """
    path = job_path(fn)
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        options = {"job_id": job_id, "description": description or f"{path}{args}",
                   "retry": retry, "result_ttl": result_ttl, "failure_ttl": failure_ttl}

        def send():
            if not enqueue_now(redis_url, path, args, **options) and on_unqueued:
                on_unqueued()

        after_commit(send)
    else:
        app = current_app._get_current_object()

        def run_inline():
            with app.app_context(), background():
                run_job(path, *args)

        after_commit(partial(start_thread, run_inline, path) if threaded else run_inline)


_threads: set[threading.Thread] = set()
_threads_lock = threading.Lock()


def start_thread(work: Callable[[], None], name: str) -> threading.Thread:
    """Run an inline job on its own thread. A daemon: stopping the server does not wait for
    an export; the job's row then stops beating and its page offers to run it again."""

    def run():
        try:
            work()
        except Exception:
            log.exception("inline job %s failed", name)
        finally:
            with _threads_lock:
                _threads.discard(thread)

    thread = threading.Thread(target=run, name=f"job {name}", daemon=True)
    with _threads_lock:
        _threads.add(thread)
    thread.start()
    return thread


def wait_for_threads(timeout: float | None = None) -> None:
    """Wait until the inline jobs running on threads have finished (tests, shutdown)."""
    while True:
        with _threads_lock:
            running = [thread for thread in _threads if thread.is_alive()]
        if not running:
            return
        for thread in running:
            thread.join(timeout)
        if timeout is not None:
            return


def enqueue_now(redis_url: str, path: str, args: tuple, **options) -> bool:
    """Put the job on the queue now; False (logged) when Redis cannot take it."""
    from redis.exceptions import RedisError

    description = options.get("description") or f"{path}{args}"
    try:
        rq_queue(redis_url).enqueue(run_job, path, *args, **options)
    except RedisError:
        log.warning("%s not enqueued: Redis is unavailable; it is sent again once Redis "
                    "is back", description, exc_info=True)
        return False
    log.info("enqueued %s", description)
    return True


def rq_queue(redis_url: str):
    from rq import Queue

    from core.connections import redis_client

    return Queue(QUEUE_NAME, connection=redis_client(redis_url))


class Transport(StrEnum):
    """What Redis knows of a job a table says is waiting or running."""

    MISSING = "missing"  # forgotten: never enqueued, flushed, or expired
    WAITING = "waiting"  # on the queue (or scheduled for a retry)
    RUNNING = "running"  # taken by a worker that is alive
    ORPHANED = "orphaned"  # taken by a worker that stopped beating
    ENDED = "ended"  # finished, failed or cancelled


def transport(job_id: str) -> Transport:
    """Where Redis has the RQ job ``job_id``; raises RedisError when Redis is unreachable."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job, JobStatus

    connection = rq_queue(current_app.config["REDIS_URL"]).connection
    try:
        job = Job.fetch(job_id, connection=connection)
    except NoSuchJobError:
        return Transport.MISSING
    status = job.get_status(refresh=False)
    if status in (JobStatus.QUEUED, JobStatus.DEFERRED, JobStatus.SCHEDULED):
        return Transport.WAITING
    if status == JobStatus.STARTED:
        return Transport.RUNNING if worker_alive(connection, job.worker_name) \
            else Transport.ORPHANED
    return Transport.ENDED


def worker_alive(connection, name: str | None) -> bool:
    """A worker is alive while its registration stands and its heartbeat is recent."""
    from rq import Worker

    if not name:
        return False
    worker = Worker.find_by_key(Worker.redis_worker_namespace_prefix + name, connection)
    if worker is None or worker.last_heartbeat is None:
        return False
    silence = timedelta(seconds=current_app.config["JOB_WORKER_DEAD_SECONDS"])
    return datetime.now(UTC) - worker.last_heartbeat.replace(tzinfo=UTC) < silence


def reconciler(fn: Callable[[], int]) -> Callable[[], int]:
    """Register a pass that re-sends the jobs of one table that Redis lost; it returns how
    many it sent again (or ended) and only flushes."""
    if fn not in _reconcilers:
        _reconcilers.append(fn)
    return fn


def reconcile(app) -> int:
    """One pass of every registered reconciler, each committed on its own."""
    from redis.exceptions import RedisError

    if not app.config.get("REDIS_URL"):
        # Without Redis jobs run inline at commit: nothing can be waiting in a queue.
        return 0
    handled = 0
    with app.app_context():
        for fn in list(_reconcilers):
            try:
                handled += fn()
                commit()
            except RedisError:
                db.session.rollback()
                log.warning("reconciling %s waits for Redis", job_path(fn), exc_info=True)
            finally:
                db.session.remove()
    return handled


def _duties(app, worker, stop: threading.Event) -> None:
    """Beside the jobs, on a thread of the worker: keep its heartbeat while a long job runs
    (a dead worker is recognised by its silence), put jobs whose retry is due back on the
    queue, and reconcile periodically. RQ's own scheduler would fork this process, threads
    and open connections included."""
    from redis.exceptions import RedisError
    from rq.scheduler import RQScheduler

    scheduler = RQScheduler([QUEUE_NAME], connection=worker.connection)
    every = app.config["JOB_RECONCILE_SECONDS"]
    beat = max(0.5, app.config["JOB_WORKER_DEAD_SECONDS"] / 4)

    def keep_alive():
        if worker.connection.exists(worker.key):
            worker.heartbeat()

    def release_due_retries():
        # One worker at a time moves due retries; the lock passes on if it dies.
        scheduler.acquire_locks()
        if scheduler.acquired_locks:
            scheduler.enqueue_scheduled_jobs()

    def reconcile_now():
        reconcile(app)

    next_pass = clock = 0.0
    while not stop.is_set():
        duties = [keep_alive, release_due_retries]
        if clock >= next_pass:
            next_pass = clock + every
            duties.append(reconcile_now)
        for duty in duties:
            try:
                duty()
            except RedisError:
                log.warning("worker duties wait for Redis", exc_info=True)
                break
            except Exception:
                log.exception("worker duty %s failed", duty.__name__)
        stop.wait(beat)
        clock += beat
    try:
        scheduler.release_locks()
    except RedisError:
        log.warning("scheduler lock left to expire", exc_info=True)


def work(app, burst: bool = False) -> None:
    """Run an RQ worker inside the app context (the ``flask worker`` command)."""
    from redis import Redis
    from rq import SimpleWorker

    redis_url = app.config.get("REDIS_URL")
    if not redis_url:
        raise RuntimeError("REDIS_URL is not set: jobs run inline, no worker is needed")
    connection = Redis.from_url(redis_url)
    # SimpleWorker runs jobs in this process, which holds the app context; a forking
    # worker would share database connections across the fork.
    worker = SimpleWorker([QUEUE_NAME], connection=connection)
    if burst:
        reconcile(app)
        with app.app_context():
            # Burst mode moves due retries once, without forking a scheduler.
            worker.work(burst=True, with_scheduler=True)
        return
    stop = threading.Event()
    duties = threading.Thread(target=_duties, args=(app, worker, stop), daemon=True,
                              name="job-duties")
    duties.start()
    try:
        with app.app_context():
            worker.work()
    finally:
        stop.set()
        duties.join(timeout=5)
