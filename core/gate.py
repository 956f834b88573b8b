"""How many requests of one gunicorn process run the app at once, and in what order the
others wait.

A process runs Python one greenlet at a time. Past a few requests at once, more add no
throughput: they take turns at the interpreter, and each holds a database transaction open
meanwhile, so every request finishes later and the database works harder (every cast holds a
share lock on its vote). So a request takes one of a few slots for its work, and requests
wait for a slot in the order they came, for at most ``REQUEST_WAIT_SECONDS``: a request
still waiting then is answered 503 with ``Retry-After`` (its client has most likely given up
by then). Measured by bench/bench_request_path.py (casting through gunicorn, with and without
the gate in the same run).

``/healthz`` and static files never wait: a load balancer's check must tell a busy process
from a dead one, and files are served without the database. An event stream holds a slot
only while its view runs: Flask hands the stream back before sending it.

Installed by gunicorn.conf.py only: ``flask run`` and the tests run the app as it is.
"""

import io
import tempfile
import threading
from collections import deque
from collections.abc import Callable

from werkzeug.exceptions import HTTPException

# A request body up to this size waits for its turn in memory, a larger one on disk.
BODY_IN_MEMORY = 256 * 1024
_CHUNK = 64 * 1024
BUSY = ("잠시 후 다시 시도해 주세요. 요청이 많아 지금은 처리할 수 없습니다.\n"
        "Please try again in a moment: too many requests are waiting.\n").encode()


class TakeTurns:
    """A count of slots that gives a freed slot to the request waiting longest.

    ``threading.Semaphore`` lets a request that just arrived take a slot before the waiter
    woken for it, and that waiter queues again at the back: under load some requests then
    wait many times longer than others.
    """

    def __init__(self, slots: int) -> None:
        if slots < 1:
            raise ValueError("a gate needs at least one slot")
        self._free = slots
        self._waiting: deque[threading.Lock] = deque()
        self._lock = threading.Lock()

    def enter(self, timeout: float = -1) -> bool:
        """Take a slot, waiting behind everyone who came earlier, for at most ``timeout``
        seconds (for ever when negative); whether a slot was taken."""
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return True
            turn = threading.Lock()
            turn.acquire()
            self._waiting.append(turn)
        # Released by ``leave``, which passes its slot straight to this waiter.
        if turn.acquire(timeout=timeout):
            return True
        with self._lock:
            if turn in self._waiting:
                self._waiting.remove(turn)
                return False
        # ``leave`` handed this waiter the slot just as its time ran out: take it.
        turn.acquire()
        return True

    def leave(self) -> None:
        """Give the slot back: to the longest waiter, or to the free count."""
        with self._lock:
            if self._waiting:
                self._waiting.popleft().release()
            else:
                self._free += 1

    @property
    def waiting(self) -> int:
        return len(self._waiting)


class RequestGate:
    """WSGI middleware: at most ``slots`` requests run the app at once; the others wait in
    the order they came, for at most ``wait_seconds``, then get 503 with ``Retry-After``.

    A request's body, up to ``body_limit(environ)`` bytes (what its route accepts), is read
    before the request waits for its slot, so a phone sending a form slowly cannot hold a slot
    that others wait for. A larger body is left to the app, which refuses it unread.
    """

    def __init__(self, wsgi_app, slots: int, body_limit: Callable[[dict], int],
                 wait_seconds: float, retry_after: int) -> None:
        self.wsgi_app = wsgi_app
        self.turns = TakeTurns(slots)
        self.body_limit = body_limit
        self.wait_seconds = wait_seconds
        self.retry_after = retry_after

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/healthz" or path.startswith("/static/"):
            return self.wsgi_app(environ, start_response)
        body = _read_body_first(environ, self.body_limit(environ))
        if not self.turns.enter(self.wait_seconds):
            if body is not None:
                body.close()
            start_response("503 Service Unavailable", [
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Length", str(len(BUSY))), ("Retry-After", str(self.retry_after))])
            return [BUSY]
        try:
            return self.wsgi_app(environ, start_response)
        finally:
            self.turns.leave()
            # Views read their request's body while they run, never while a response streams.
            if body is not None:
                body.close()


def _read_body_first(environ, limit: int):
    """Read the request's body into memory (or a temporary file when large) in place of the
    connection, and return it; None when there is none, or it is over ``limit``."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if not 0 < length <= limit:
        return None
    source = environ["wsgi.input"]
    body = io.BytesIO() if length <= BODY_IN_MEMORY else tempfile.TemporaryFile()  # noqa: SIM115
    remaining = length
    while remaining:
        chunk = source.read(min(remaining, _CHUNK))
        if not chunk:
            break
        body.write(chunk)
        remaining -= len(chunk)
    body.seek(0)
    environ["wsgi.input"] = body
    return body


def route_body_limit(app) -> Callable[[dict], int]:
    """The body size the route a request goes to accepts: its upload limit
    (``core.security.accepts_uploads``), else ``MAX_CONTENT_LENGTH``; the latter too when no
    route matches, since the app then reads no body."""
    default = app.config["MAX_CONTENT_LENGTH"]

    def limit(environ) -> int:
        try:
            endpoint, _arguments = app.url_map.bind_to_environ(environ).match()
        except HTTPException:
            return default
        return getattr(app.view_functions.get(endpoint), "upload_limit", None) or default

    return limit


def install(app) -> None:
    """Put the gate in front of ``app`` (gunicorn.conf.py does, once the worker has loaded
    it); ``REQUESTS_AT_ONCE`` 0 leaves the app without one. It goes beneath the district
    paths (``core.tenancy.DistrictPaths``), so it sees the path within the district:
    ``/gangdong/static/...`` is a static file, and a route's upload limit is found."""
    from core.tenancy import DistrictPaths

    slots = app.config["REQUESTS_AT_ONCE"]
    if not slots:
        return
    outer = app.wsgi_app if isinstance(app.wsgi_app, DistrictPaths) else app
    outer.wsgi_app = RequestGate(outer.wsgi_app, slots, route_body_limit(app),
                                 app.config["REQUEST_WAIT_SECONDS"],
                                 app.config["REQUEST_RETRY_AFTER"])
