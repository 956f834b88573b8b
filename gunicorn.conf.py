"""gunicorn settings. Threads let one worker hold many long-lived event streams
(live results on the big screen) while still answering ordinary requests."""

import multiprocessing
import os
import signal

bind = f"0.0.0.0:{os.environ.get('PORT', '5000')}"
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "16"))
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
