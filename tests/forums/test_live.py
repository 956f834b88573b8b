"""Live results: coalesced pushes through Redis or in-process, and the event stream."""

import json
import queue
import threading
import time

import pytest

from core import realtime
from core.db import commit
from forums import live, services
from forums.models import PollState
from tests.conftest import sign_in
from tests.forums.conftest import seat


@pytest.fixture
def interval(app):
    def set_interval(seconds: float):
        app.config["FORUMS_PUSH_INTERVAL"] = seconds

    yield set_interval
    app.config["FORUMS_PUSH_INTERVAL"] = live.DEFAULT_INTERVAL


class StreamReader:
    """Reads an event stream from the test client on its own thread, as a browser would,
    so the stream's request context never mixes with the test's."""

    def __init__(self, client, path: str, channel: str, district_id: int,
                 last_message: dict | None = None) -> None:
        self.channel, self.district_id = channel, district_id
        self.last_message = last_message or {"closing": True}
        self.chunks: queue.Queue = queue.Queue()
        self._stop = threading.Event()
        self.status = None
        self._thread = threading.Thread(target=self._read, args=(client, path), daemon=True)
        self._thread.start()

    def _read(self, client, path: str) -> None:
        response = client.get(path, buffered=False)
        self.status = (response.status_code, response.mimetype)
        try:
            for chunk in response.response:
                self.chunks.put(chunk.decode())
                if self._stop.is_set():
                    break
        finally:
            response.close()

    def next_event(self, timeout: float = 3.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            chunk = self.chunks.get(timeout=max(0.01, deadline - time.monotonic()))
            if not chunk.startswith(":"):
                return chunk

    def stop(self) -> None:
        # Wake the reader with one more message so it closes the stream before the test ends.
        self._stop.set()
        realtime.publish(self.channel, self.last_message, district_id=self.district_id)
        self._thread.join(timeout=3)
        assert not self._thread.is_alive()


def _data(chunk: str) -> dict:
    return json.loads(chunk.split("data: ", 1)[1])


def _open_pre(forum):
    poll = next(p for p in forum.polls if p.phase == "pre")
    services.set_poll_state(forum, poll.id, PollState.OPEN)
    commit()
    return poll


def _collect(messages, seconds: float) -> list[dict]:
    found, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        message = next(messages)
        if message is not None:
            found.append(message)
    return found


THROTTLE = 1.0


def test_a_burst_of_answers_is_coalesced_and_the_last_push_has_the_truth(broker, interval,
                                                                          forum):
    interval(THROTTLE)
    poll = _open_pre(forum)
    time.sleep(THROTTLE + 0.05)  # let the opening's own push pass the throttle
    messages = realtime.subscribe(live.channel(poll.id), timeout=0.05,
                                  district_id=forum.district_id)
    next(messages)
    question = poll.questions[0]
    started = time.monotonic()
    for _ in range(12):
        participant, _ = seat(forum)
        services.submit_answers(forum, poll.id, participant,
                                {question.id: [question.options[0].id]})
        commit()
    received = _collect(messages, 2 * THROTTLE)
    elapsed = time.monotonic() - started
    assert received, "no push reached the subscriber"
    # The first answer goes out at once; the rest at most once per interval.
    assert len(received) <= elapsed / THROTTLE + 1
    # A burst of twelve commits takes far less than the ten intervals this allows, even on a
    # busy machine, so some of them must have been coalesced.
    assert len(received) < 12
    final = received[-1]
    assert final["version"] == 13  # opened once, then twelve answers
    assert final["questions"][0]["options"][0]["count"] == 12
    assert [m["version"] for m in received] == sorted(m["version"] for m in received)


def test_a_trailing_push_the_throttle_holds_back_waits_again(app, broker, interval, forum):
    interval(0.2)
    poll = _open_pre(forum)
    time.sleep(0.25)  # let the opening's own push pass the throttle
    messages = realtime.subscribe(live.channel(poll.id), timeout=0.05,
                                  district_id=forum.district_id)
    next(messages)
    # The trailing timer fires while the throttle still holds the poll back (a timer a hair
    # early, or another process that got through without this change).
    assert realtime.admit(live.channel(poll.id), 0.2, district_id=forum.district_id) == 0
    live._trailing(app, forum.district_id, poll.id)
    received = _collect(messages, 0.8)
    assert len(received) == 1 and received[0]["version"] == 1


def test_first_answer_reaches_the_screen_within_a_second(broker, interval, forum):
    interval(0.25)
    poll = _open_pre(forum)
    time.sleep(0.3)
    messages = realtime.subscribe(live.channel(poll.id), timeout=0.05,
                                  district_id=forum.district_id)
    next(messages)
    participant, _ = seat(forum)
    question = poll.questions[0]
    sent = time.monotonic()
    services.submit_answers(forum, poll.id, participant, {question.id: [question.options[1].id]})
    commit()
    while time.monotonic() - sent < 1.0:
        message = next(messages)
        if message is not None:
            break
    assert message is not None and time.monotonic() - sent < 1.0
    assert message["questions"][0]["options"][1]["count"] == 1


def test_event_stream_sends_a_versioned_snapshot_then_updates(broker, interval, app, client,
                                                              organizer, forum):
    interval(0.0)
    poll = _open_pre(forum)
    participant, _ = seat(forum)
    question = poll.questions[0]
    services.submit_answers(forum, poll.id, participant, {question.id: [question.options[0].id]})
    commit()
    sign_in(client, organizer.email)
    reader = StreamReader(client, f"/forums/{forum.id}/polls/{poll.id}/stream",
                          live.channel(poll.id), forum.district_id)
    try:
        first = reader.next_event()
        assert reader.status == (200, "text/event-stream")
        assert first.startswith("id: 2\n")  # opened, one answer: a reconnecting screen starts here
        assert _data(first)["questions"][0]["options"][0]["count"] == 1
        time.sleep(0.2)
        other, _ = seat(forum)
        services.submit_answers(forum, poll.id, other, {question.id: [question.options[2].id]})
        commit()
        update = _data(reader.next_event())
        assert update["version"] == 3
        assert [o["count"] for o in update["questions"][0]["options"]] == [1, 0, 1]
    finally:
        reader.stop()


def test_an_open_stream_leaves_the_app_to_other_requests(broker, app, client, organizer, forum):
    """A screen following a poll holds no turn at the app while it waits for updates: with a
    single slot, other requests are still answered."""
    from core.gate import RequestGate

    poll = _open_pre(forum)
    commit()
    sign_in(client, organizer.email)
    plain = app.wsgi_app
    app.wsgi_app = RequestGate(plain, slots=1, body_limit=lambda environ: 0, wait_seconds=5,
                               retry_after=5)
    reader = StreamReader(client, f"/forums/{forum.id}/polls/{poll.id}/stream",
                          live.channel(poll.id), forum.district_id)
    try:
        reader.next_event()
        answered = []
        page = threading.Thread(target=lambda: answered.append(
            app.test_client().get("/").status_code))
        page.start()
        page.join(timeout=5)
        assert answered == [200]
    finally:
        reader.stop()
        app.wsgi_app = plain


def test_stream_of_another_tables_poll_is_refused(client, forum, facilitators):
    first, second = facilitators
    poll = services.launch_live_poll(forum, second, forum.tables[1].id, "single", "질문?",
                                     ["예", "아니오"])
    commit()
    sign_in(client, first.email)
    assert client.get(f"/forums/{forum.id}/polls/{poll.id}/stream").status_code == 403
    assert client.get(f"/forums/{forum.id}/polls/9999/stream").status_code == 404


def test_screen_stream_announces_opened_polls(broker, interval, app, client, organizer,
                                              forum):
    interval(0.0)
    sign_in(client, organizer.email)
    reader = StreamReader(client, f"/forums/{forum.id}/screen/stream",
                          live.forum_channel(forum.id), forum.district_id)
    try:
        assert _data(reader.next_event())["open_polls"] == []
        time.sleep(0.2)
        poll = _open_pre(forum)
        assert _data(reader.next_event())["open_polls"] == [poll.id]
    finally:
        reader.stop()
