"""gunicorn settings: one gevent worker per core.

A worker serves each connection in a greenlet, so an event stream (a big screen, a phone
following a poll) costs a little memory and no thread while it waits for updates. Requests
take turns at the app a few at a time (``core.gate``, ``REQUESTS_AT_ONCE``, installed here):
Python runs one greenlet at a time anyway, and the others wait in the order they came, up to
``REQUEST_WAIT_SECONDS``, instead of all holding database transactions at once. The database
driver (psycopg 3) and Redis client yield to other greenlets while they wait for their servers.

Heavy work (counting large votes, exports) runs in the job worker, not here: a greenlet
computing for a long time holds up every other request of its worker.
"""

import gc
import multiprocessing
import os
import signal

bind = f"0.0.0.0:{os.environ.get('PORT', '5000')}"
worker_class = "gevent"
# More processes than cores only take turns on the cores (the database needs some too).
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
# Open connections per worker: event streams plus phones between requests (keep-alive). The
# app reads the same variable to allow a Redis subscription for each (core.realtime).
worker_connections = int(os.environ.get("WORKER_CONNECTIONS", "1000"))
# Each worker listens on a socket of its own (SO_REUSEPORT), and the kernel spreads new
# connections over them; on one shared socket the worker that wakes first takes most of a
# burst of connections (a room joining a forum), and keeps them, while the others idle.
reuse_port = True
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
    """Requests take turns at the app (``core.gate``).

    Graceful shutdown (SIGTERM) waits for open requests; event streams never finish on
    their own, so end them too, and browsers reconnect to a worker that stays.

    The app is loaded by now: what the imports built lives as long as the worker, so the
    cyclic garbage collector is told to leave it alone instead of walking its 200,000
    objects again on every full collection during requests."""
    from core import gate

    gate.install(worker.wsgi)
    gc.collect()
    gc.freeze()
    previous = signal.getsignal(signal.SIGTERM)

    def graceful(signum, frame):
        _close_streams(worker)
        previous(signum, frame)

    signal.signal(signal.SIGTERM, graceful)
