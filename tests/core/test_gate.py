"""Requests take turns at the app: a few at once per process, the others in arrival order,
for a bounded time; under gevent as under threads."""

import io
import threading
import time

import pytest

from core import gate as request_gate
from core.gate import RequestGate, TakeTurns
from core.tenancy import DistrictPaths


def _wait_for(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_no_more_than_the_slots_run_at_once():
    turns, lock = TakeTurns(3), threading.Lock()
    running, most = [0], [0]

    def work():
        for _ in range(20):
            turns.enter()
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            time.sleep(0.001)
            with lock:
                running[0] -= 1
            turns.leave()

    threads = [threading.Thread(target=work) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert most[0] == 3 and running[0] == 0


def test_a_freed_slot_goes_to_the_longest_waiter():
    turns, order = TakeTurns(1), []
    turns.enter()

    def wait_then_note(n):
        turns.enter()
        order.append(n)
        turns.leave()

    threads = []
    for n in range(5):
        threads.append(threading.Thread(target=wait_then_note, args=(n,)))
        threads[-1].start()
        _wait_for(lambda n=n: turns.waiting == n + 1)
    turns.leave()
    for thread in threads:
        thread.join(timeout=5)
    assert order == [0, 1, 2, 3, 4]


def test_a_gate_needs_a_slot():
    with pytest.raises(ValueError):
        TakeTurns(0)


def _environ(path: str, body: bytes = b"", stream=None) -> dict:
    return {"PATH_INFO": path, "CONTENT_LENGTH": str(len(body)) if body else "",
            "wsgi.input": stream or io.BytesIO(body)}


def test_a_streamed_response_holds_no_slot_while_it_streams():
    release = threading.Event()

    def app(environ, start_response):
        start_response("200 OK", [])
        if environ["PATH_INFO"] == "/stream":
            def updates():
                yield b"snapshot"
                release.wait(5)
                yield b"update"
            return updates()
        return [b"ok"]

    gate = RequestGate(app, slots=1, body_limit=lambda environ: 1024, wait_seconds=5,
                       retry_after=5)
    stream = gate(_environ("/stream"), lambda *args: None)
    assert next(iter(stream)) == b"snapshot"
    answered = []
    other = threading.Thread(target=lambda: answered.append(
        gate(_environ("/page"), lambda *args: None)))
    other.start()
    other.join(timeout=5)
    release.set()
    assert answered == [[b"ok"]]


class SlowBody(io.RawIOBase):
    """A request body that arrives in pieces, noting when the last piece was read."""

    def __init__(self, body: bytes) -> None:
        self.body, self.done = io.BytesIO(body), threading.Event()

    def read(self, size=-1):
        time.sleep(0.01)
        piece = self.body.read(min(size, 3) if size and size > 0 else 3)
        if self.body.tell() == len(self.body.getvalue()):
            self.done.set()
        return piece


def test_the_body_is_read_before_the_request_waits_for_its_turn():
    seen = []

    def app(environ, start_response):
        seen.append(environ["wsgi.input"].read())
        start_response("200 OK", [])
        return [b"ok"]

    gate = RequestGate(app, slots=1, body_limit=lambda environ: 1024, wait_seconds=5,
                       retry_after=5)
    gate.turns.enter()  # another request holds the only slot
    sent = b"item=1&item=2&definition=abc"
    body = SlowBody(sent)
    request = threading.Thread(target=gate, args=(_environ("/cast", sent, body),
                                                  lambda *args: None))
    request.start()
    # The whole body arrives while the slot is still taken.
    assert body.done.wait(5)
    _wait_for(lambda: gate.turns.waiting == 1)
    assert seen == []
    gate.turns.leave()
    request.join(timeout=5)
    assert seen == [sent]


def test_a_body_over_the_limit_is_left_to_the_app_to_refuse():
    body = b"x" * 2048
    stream = io.BytesIO(body)
    received = []

    def app(environ, start_response):
        received.append(environ["wsgi.input"])
        start_response("413 Request Entity Too Large", [])
        return [b""]

    RequestGate(app, slots=1, body_limit=lambda environ: 1024, wait_seconds=5,
                       retry_after=5)(_environ("/upload", body, stream),
                                               lambda *args: None)
    assert received == [stream] and stream.tell() == 0


def test_a_request_still_waiting_at_the_deadline_is_answered_503_with_retry_after():
    ran = []

    def app(environ, start_response):
        ran.append(environ["PATH_INFO"])
        start_response("200 OK", [])
        return [b"ok"]

    gate = RequestGate(app, slots=1, body_limit=lambda environ: 1024, wait_seconds=0.2,
                       retry_after=7)
    gate.turns.enter()  # another request holds the only slot
    answers = []
    began = time.monotonic()
    body = gate(_environ("/votes"), lambda status, headers: answers.append((status, headers)))
    assert 0.2 <= time.monotonic() - began < 5
    status, headers = answers[0]
    assert status.startswith("503") and ("Retry-After", "7") in headers
    assert "다시 시도" in b"".join(body).decode()
    assert ran == [] and gate.turns.waiting == 0
    # The slot it never took is not lost: once freed, the next request runs at once.
    gate.turns.leave()
    assert gate(_environ("/votes"), lambda *args: None) == [b"ok"]


def test_the_health_check_and_static_files_never_wait():
    def app(environ, start_response):
        start_response("200 OK", [])
        return [b"ok"]

    gate = RequestGate(app, slots=1, body_limit=lambda environ: 1024, wait_seconds=5,
                       retry_after=5)
    gate.turns.enter()
    for path in ("/healthz", "/static/css/site.css"):
        assert gate(_environ(path), lambda *args: None) == [b"ok"]
    assert gate.turns.waiting == 0


def test_a_body_is_read_ahead_only_up_to_what_its_route_accepts(app):
    from plans import photos

    limit = request_gate.route_body_limit(app)
    upload = limit({"PATH_INFO": "/plans/projects/1/progress", "REQUEST_METHOD": "POST",
                    "SERVER_NAME": "localhost", "SERVER_PORT": "80", "wsgi.url_scheme": "http"})
    form = limit({"PATH_INFO": "/signin", "REQUEST_METHOD": "POST",
                  "SERVER_NAME": "localhost", "SERVER_PORT": "80", "wsgi.url_scheme": "http"})
    assert upload >= photos.MAX_BYTES > form == app.config["MAX_CONTENT_LENGTH"]


def test_only_gunicorn_puts_the_gate_in_front_of_the_app(app, monkeypatch):
    """create_app (flask run, the tests) leaves the app as it is; gunicorn.conf.py installs
    the gate, unless REQUESTS_AT_ONCE is 0."""
    paths = app.wsgi_app
    assert isinstance(paths, DistrictPaths)
    plain = paths.wsgi_app
    assert not isinstance(plain, RequestGate)
    monkeypatch.setitem(app.config, "REQUESTS_AT_ONCE", 0)
    request_gate.install(app)
    assert app.wsgi_app is paths and paths.wsgi_app is plain
    monkeypatch.setitem(app.config, "REQUESTS_AT_ONCE", 2)
    request_gate.install(app)
    try:
        # Beneath the district paths: it sees /static/... of /gangdong/static/...
        assert app.wsgi_app is paths
        assert isinstance(paths.wsgi_app, RequestGate) and paths.wsgi_app.wsgi_app is plain
    finally:
        paths.wsgi_app = plain


UNDER_GEVENT = """
from gevent import monkey

monkey.patch_all()

import json

import gevent

from core.gate import RequestGate

running, most, order = [0], [0], []


def app(environ, start_response):
    running[0] += 1
    most[0] = max(most[0], running[0])
    gevent.sleep(0.05)
    running[0] -= 1
    order.append(environ["PATH_INFO"])
    start_response("200 OK", [])
    return [b"ok"]


gate = RequestGate(app, slots=2, body_limit=lambda environ: 1024, wait_seconds=0.5,
                   retry_after=5)
statuses = {}


def request(n):
    def start_response(status, headers):
        statuses[n] = status[:3]
    gate({"PATH_INFO": f"/{n}", "CONTENT_LENGTH": "", "wsgi.input": None}, start_response)


greenlets = []
for n in range(30):
    greenlets.append(gevent.spawn(request, n))
    gevent.sleep(0)
gevent.joinall(greenlets, timeout=10)
print(json.dumps({"most": most[0], "order": order, "statuses": statuses}))
"""


def test_under_gevent_greenlets_take_turns_in_arrival_order_until_the_deadline():
    """gunicorn runs gevent workers: with the standard library patched, two slots, 30
    requests of 50 ms arriving at once and a 0.5 s deadline, at most two run at once, they
    run in arrival order, and those that cannot start within the deadline get 503."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    done = subprocess.run([sys.executable, "-c", UNDER_GEVENT], capture_output=True,
                          text=True, check=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[2])
    seen = json.loads(done.stdout)
    served = [int(path[1:]) for path in seen["order"]]
    refused = sorted(int(n) for n, status in seen["statuses"].items() if status == "503")
    assert seen["most"] == 2
    assert served == sorted(served) and served[:2] == [0, 1]
    # 0.5 s of waiting at two 50 ms requests at a time serves about 20 (fewer on a busy
    # machine); the rest are refused rather than served late, and none is left unanswered.
    assert 2 <= len(served) < 30 and len(served) + len(refused) == 30 and refused[-1] == 29
