"""How many requests of one process run the app at once, and in what order the others wait.

A process runs Python one thread (or greenlet) at a time. Past a few requests at once, more
add no throughput: they take turns at the interpreter, and each holds a database transaction
open meanwhile, so every request finishes later and the database works harder (every cast
holds a share lock on its vote). A process still keeps many connections open: an event
stream (a big screen, a phone following a poll) lasts as long as the screen stays open.

So a request takes one of a few slots for its work, and requests wait for a slot in the order
they came. An event stream holds a slot only while its view runs: Flask hands the stream back
before sending it, and the stream sends its updates without one.
"""

import io
import tempfile
import threading
from collections import deque

# A request body up to this size waits for its turn in memory, a larger one on disk.
BODY_IN_MEMORY = 256 * 1024
_CHUNK = 64 * 1024


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

    def enter(self) -> None:
        """Take a slot, waiting behind everyone who came earlier."""
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return
            turn = threading.Lock()
            turn.acquire()
            self._waiting.append(turn)
        # Released by ``leave``, which passes its slot straight to this waiter.
        turn.acquire()

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
    the order they came.

    A request's body (up to ``body_limit`` bytes, the most any route accepts) is read before
    the request waits for its slot, so a phone sending a form slowly cannot hold a slot that
    others wait for. A larger body is left to the app, which refuses it unread.
    """

    def __init__(self, wsgi_app, slots: int, body_limit: int) -> None:
        self.wsgi_app = wsgi_app
        self.turns = TakeTurns(slots)
        self.body_limit = body_limit

    def __call__(self, environ, start_response):
        body = _read_body_first(environ, self.body_limit)
        self.turns.enter()
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


def init_app(app) -> None:
    """Put the gate in front of the app; after the blueprints, whose upload routes may take
    bodies above ``MAX_CONTENT_LENGTH``."""
    limits = [getattr(view, "upload_limit", 0) for view in app.view_functions.values()]
    app.wsgi_app = RequestGate(app.wsgi_app, app.config["REQUESTS_AT_ONCE"],
                               max([app.config["MAX_CONTENT_LENGTH"], *limits]))
