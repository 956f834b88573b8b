import json
import threading
import time

import pytest

from core import realtime
from tests.conftest import require_service


@pytest.fixture(params=["local", "redis"])
def broker_app(request, app):
    if request.param == "redis":
        url = require_service("TEST_REDIS_URL", "Redis")
        app.extensions["madang_broker"] = realtime.RedisBroker(url)
    else:
        app.extensions["madang_broker"] = realtime.LocalBroker()
    with app.app_context():
        yield app
    realtime.init_app(app)


def test_published_messages_reach_every_subscriber(broker_app):
    first = realtime.subscribe("poll:1", timeout=0.2, district_id=1)
    second = realtime.subscribe("poll:1", timeout=0.2, district_id=1)
    other = realtime.subscribe("poll:2", timeout=0.2, district_id=1)
    time.sleep(0.1)
    realtime.publish("poll:1", {"version": 1, "counts": {"가": 3}}, district_id=1)
    assert _next_message(first) == {"version": 1, "counts": {"가": 3}}
    assert _next_message(second) == {"version": 1, "counts": {"가": 3}}
    assert _next_message(other, tries=2) is None


def test_a_channel_of_one_district_is_not_heard_in_another(broker_app):
    """Poll ids are shared by one database, yet a district's screens listen under its own
    name: the same channel of another district carries nothing to them, nor its throttle."""
    here = realtime.subscribe("forums:poll:1", timeout=0.2, district_id=1)
    there = realtime.subscribe("forums:poll:1", timeout=0.2, district_id=2)
    time.sleep(0.1)
    realtime.publish("forums:poll:1", {"version": 7}, district_id=1)
    assert _next_message(here) == {"version": 7}
    assert _next_message(there, tries=2) is None
    assert realtime.admit("forums:poll:1", 5, district_id=1) == 0.0
    assert realtime.admit("forums:poll:1", 5, district_id=2) == 0.0


def test_quiet_channel_yields_keep_alive_markers(broker_app):
    messages = realtime.subscribe("quiet", timeout=0.05, district_id=1)
    assert next(messages) is None


def test_event_stream_sends_snapshot_then_updates(broker_app):
    stream = realtime.sse_stream("poll:9", snapshot=lambda: {"version": 4, "counts": {}},
                                 district_id=1)
    assert next(stream) == 'id: 4\ndata: {"version": 4, "counts": {}}\n\n'

    def later():
        time.sleep(0.2)
        with broker_app.app_context():
            realtime.publish("poll:9", {"version": 5, "counts": {"예": 1}}, district_id=1)

    threading.Thread(target=later).start()
    chunk = next(chunk for chunk in stream if not chunk.startswith(":"))
    assert chunk.startswith("id: 5\n")
    assert json.loads(chunk.split("data: ", 1)[1]) == {"version": 5, "counts": {"예": 1}}


def test_closing_the_broker_ends_open_streams_within_a_second(broker_app):
    stream = realtime.sse_stream("poll:3", snapshot=lambda: {"version": 1, "counts": {}},
                                 district_id=1)
    assert next(stream).startswith("id: 1\n")
    finished = threading.Event()

    def follow():
        for _chunk in stream:
            pass
        finished.set()

    threading.Thread(target=follow, daemon=True).start()
    time.sleep(0.1)
    assert not finished.is_set()
    started = time.monotonic()
    realtime.close_streams(broker_app)
    assert finished.wait(timeout=3)
    assert time.monotonic() - started < realtime.CLOSE_CHECK_SECONDS + 0.5


def _next_message(messages, tries: int = 20):
    for _ in range(tries):
        message = next(messages)
        if message is not None:
            return message
    return None


def test_a_process_follows_more_screens_than_a_default_redis_pool_allows(app):
    """Each open stream holds a Redis subscription; one gevent worker may hold hundreds."""
    url = require_service("TEST_REDIS_URL", "Redis")
    app.extensions["madang_broker"] = realtime.RedisBroker(url, subscriptions=150)
    try:
        with app.app_context():
            screens = [realtime.subscribe("poll:many", timeout=0.5, district_id=1)
                       for _ in range(150)]
            time.sleep(0.2)
            realtime.publish("poll:many", {"version": 1}, district_id=1)
            assert all(_next_message(screen) == {"version": 1} for screen in screens)
            for screen in screens:
                screen.close()
    finally:
        realtime.init_app(app)


def test_the_broker_allows_a_subscription_per_open_connection(app, monkeypatch):
    url = require_service("TEST_REDIS_URL", "Redis")
    monkeypatch.setitem(app.config, "REDIS_URL", url)
    monkeypatch.setitem(app.config, "WORKER_CONNECTIONS", 700)
    realtime.init_app(app)
    try:
        pool = app.extensions["madang_broker"]._redis.connection_pool
        assert pool.max_connections == 700 + realtime.PUBLISHING_CONNECTIONS
    finally:
        monkeypatch.undo()
        realtime.init_app(app)


def test_a_broker_whose_redis_is_away_skips_pushes_and_opens_the_gate(app, caplog):
    """Publishing and coalescing both fail over to "skipped, logged" in the broker, the one
    place a push meets an outage: nothing raises into a request that committed."""
    from tests.faults.servers import free_port

    app.extensions["madang_broker"] = realtime.RedisBroker(f"redis://127.0.0.1:{free_port()}/0")
    try:
        with app.app_context(), caplog.at_level("WARNING", logger="core.realtime"):
            assert realtime.publish("poll:1", {"version": 1}, district_id=1) == 0
            assert realtime.admit("poll:1", 0.25, district_id=1) == 0.0
            assert realtime.admit("poll:1", 0.25, district_id=1) == 0.0
    finally:
        realtime.init_app(app)
    assert caplog.text.count("skipped, Redis unavailable") == 3


def test_the_gate_lets_one_push_through_per_interval(broker_app):
    assert realtime.admit("poll:gate", 0.3, district_id=1) == 0.0
    wait = realtime.admit("poll:gate", 0.3, district_id=1)
    assert 0 < wait <= 0.3
    time.sleep(wait + 0.05)
    assert realtime.admit("poll:gate", 0.3, district_id=1) == 0.0
