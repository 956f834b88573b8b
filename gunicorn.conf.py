"""gunicorn settings. Threads let one worker hold many long-lived event streams
(live results on the big screen) while still answering ordinary requests."""

import multiprocessing
import os
import signal

bind = f"0.0.0.0:{os.environ.get('PORT', '5000')}"
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# Each open event stream holds a thread for its whole life (a big screen or a phone following
# a poll), and answers need threads of their own meanwhile: 300 streams plus a room answering
# at once fit in five workers of 128 threads with room to spare. Waiting threads cost little
# memory and no database connection (streams return theirs after the first snapshot).
threads = int(os.environ.get("GUNICORN_THREADS", "128"))
# A worker takes a new connection only while it has a free thread for it: with gunicorn's
# default of 1,000, a worker whose threads all hold streams keeps accepting (bursts of
# connections land mostly on one worker), and what it took waits behind the streams while
# other workers sit idle. Idle keep-alive connections count too; they still work (gunicorn's
# start-up warning that none can be kept predates its event loop), they only make a busy
# worker leave the next connection to another.
worker_connections = threads
# Event streams stay open; keep-alives are sent every few seconds, so a long timeout is safe.
timeout = 120
graceful_timeout = 30
keepalive = 5
accesslog = "-"
raw_env = ["FLASK_APP=app:create_app"]


def _close_streams(worker) -> None:
    from core import realtime

    realtime.close_streams(worker.wsgi)


def worker_int(worker):
    """Quick shutdown (SIGINT, SIGQUIT): end the event streams so the worker can exit."""
    _close_streams(worker)


def post_worker_init(worker):
    """Graceful shutdown (SIGTERM) waits for open requests; event streams never finish on
    their own, so end them too, and browsers reconnect to a worker that stays."""
    previous = signal.getsignal(signal.SIGTERM)

    def graceful(signum, frame):
        _close_streams(worker)
        previous(signum, frame)

    signal.signal(signal.SIGTERM, graceful)
