"""Requests take turns at the app: a few at once per process, the others in arrival order."""

import io
import threading
import time

import pytest

from core.gate import RequestGate, TakeTurns


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

    gate = RequestGate(app, slots=1, body_limit=1024)
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

    gate = RequestGate(app, slots=1, body_limit=1024)
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

    RequestGate(app, slots=1, body_limit=1024)(_environ("/upload", body, stream),
                                               lambda *args: None)
    assert received == [stream] and stream.tell() == 0


def test_the_app_takes_turns_with_room_for_the_largest_upload(app):
    from plans import photos

    gate = app.wsgi_app
    assert isinstance(gate, RequestGate)
    assert gate.body_limit >= photos.MAX_BYTES
    assert gate.body_limit >= app.config["MAX_CONTENT_LENGTH"]
