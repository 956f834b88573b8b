"""Publish/subscribe for live screens: Redis pub/sub, or an in-process broker.

Redis carries messages between gunicorn workers and machines. The in-process broker
serves the embedded single-process mode. Pub/sub may drop a message (a subscriber that
reconnects misses what was sent meanwhile), so live screens must also be able to load
a full snapshot; this module only moves messages.
"""

import json
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator

from flask import current_app

log = logging.getLogger(__name__)

KEEPALIVE_SECONDS = 15
# Yielded by a subscription whose broker connection was re-established: whatever was
# published in between is lost, so the stream must send a fresh snapshot.
MISSED = object()


class Unavailable(Exception):
    """The broker cannot be reached (Redis is down or restarting)."""
# How often a waiting subscription checks whether the process is shutting down.
CLOSE_CHECK_SECONDS = 1.0


class Broker:
    """What both brokers share: subscriptions end once the broker is closed."""

    def __init__(self) -> None:
        self._closing = threading.Event()

    def close(self) -> None:
        self._closing.set()

    def _waiting(self, receive: Callable[[float], str | None],
                 timeout: float) -> Iterator[str | None]:
        """Messages from ``receive(seconds)``, ``None`` after ``timeout`` seconds of quiet,
        until the broker closes. Waits in short slices so a closing process is noticed."""
        quiet_since = time.monotonic()
        while not self._closing.is_set():
            remaining = timeout - (time.monotonic() - quiet_since)
            if remaining <= 0:
                quiet_since = time.monotonic()
                yield None
                continue
            message = receive(min(remaining, CLOSE_CHECK_SECONDS))
            if message is not None:
                quiet_since = time.monotonic()
                yield message


class LocalBroker(Broker):
    """Fan-out to subscribers in this process."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._subscribers: dict[str, set[queue.Queue]] = {}

    def publish(self, channel: str, message: str) -> int:
        with self._lock:
            targets = list(self._subscribers.get(channel, ()))
        for target in targets:
            target.put(message)
        return len(targets)

    def subscribe(self, channel: str, timeout: float) -> Iterator[str | None]:
        inbox: queue.Queue = queue.Queue()
        with self._lock:
            self._subscribers.setdefault(channel, set()).add(inbox)

        def receive(seconds: float) -> str | None:
            try:
                return inbox.get(timeout=seconds)
            except queue.Empty:
                return None

        def messages():
            try:
                yield from self._waiting(receive, timeout)
            finally:
                with self._lock:
                    subscribers = self._subscribers.get(channel)
                    if subscribers is not None:
                        subscribers.discard(inbox)
                        if not subscribers:
                            del self._subscribers[channel]

        return messages()


# Connections a process's broker may open besides one per subscription: publishing borrows one.
PUBLISHING_CONNECTIONS = 50


class RedisBroker(Broker):
    """Redis pub/sub: every process subscribed to a channel receives each message.

    Each subscription (an open event stream) holds a connection of its own, so the pool
    allows as many as the process may have streams (``subscriptions``), and then some to
    publish with; redis-py's default of 100 would refuse the 101st screen."""

    def __init__(self, url: str, subscriptions: int = 1000) -> None:
        from redis import Redis

        super().__init__()
        # Bounded waits: a publish to a Redis that is away fails within seconds (and is
        # skipped, see ``skipped_on_failure``) instead of holding the request.
        self._redis = Redis.from_url(url, decode_responses=True,
                                     max_connections=subscriptions + PUBLISHING_CONNECTIONS,
                                     socket_connect_timeout=2, socket_timeout=5)

    def publish(self, channel: str, message: str) -> int:
        from redis.exceptions import ConnectionError, TimeoutError

        # Called after the commit: the answer is stored, and a screen that misses this
        # message reloads the snapshot when its stream comes back, so Redis being away
        # must not turn the participant's saved answer into an error page.
        try:
            return self._redis.publish(channel, message)
        except (ConnectionError, TimeoutError) as error:
            log.warning("live message on %s not sent, Redis unavailable: %s", channel, error)
            return 0

    def subscribe(self, channel: str, timeout: float) -> Iterator[str | None]:
        from redis.exceptions import RedisError

        # Subscribe confirmations are kept: redis-py reconnects and resubscribes by itself
        # after Redis restarts, and the confirmation that follows is the only sign that
        # messages were lost meanwhile.
        pubsub = self._redis.pubsub()
        try:
            pubsub.subscribe(channel)
        except RedisError as error:
            pubsub.close()
            raise Unavailable(str(error)) from error
        confirmations = 0

        def receive(seconds: float) -> str | None:
            nonlocal confirmations
            try:
                item = pubsub.get_message(timeout=seconds)
            except RedisError as error:
                raise Unavailable(str(error)) from error
            if item is None:
                return None
            if item["type"] == "subscribe":
                confirmations += 1
                return MISSED if confirmations > 1 else None
            return item["data"]

        def messages():
            try:
                yield from self._waiting(receive, timeout)
            except Unavailable as error:
                # Ending the subscription ends the stream: the browser reconnects and
                # reloads the snapshot, instead of listening on a connection that is gone.
                log.warning("subscription to %s lost: %s", channel, error)
            finally:
                pubsub.close()

        return messages()


def init_app(app) -> None:
    url = app.config.get("REDIS_URL")
    # Redis pub/sub channels are shared by every database number on a server, so each
    # deployment (and each test run) names its channels under its own namespace.
    app.config.setdefault("REALTIME_NAMESPACE", "madang")
    app.extensions["madang_broker"] = (RedisBroker(url, app.config["WORKER_CONNECTIONS"])
                                       if url else LocalBroker())


def broker():
    return current_app.extensions["madang_broker"]


def close_streams(app) -> None:
    """End every subscription (and so every event stream) of this process within a second:
    the server is shutting down. Browsers reconnect to another process and reload the
    snapshot, so a stream ending loses nothing, while one left open would hold the
    shutdown until it is killed."""
    app.extensions["madang_broker"].close()


def _qualified(channel: str) -> str:
    return f"{current_app.config['REALTIME_NAMESPACE']}:{channel}"


def publish(channel: str, payload: dict) -> int:
    """Send ``payload`` (JSON-serialisable) to everyone subscribed to ``channel``."""
    return broker().publish(_qualified(channel), json.dumps(payload, ensure_ascii=False))


def skipped_on_failure(push: Callable[[], None], what: str) -> Callable[[], None]:
    """``push`` made harmless for the request that committed: a live message that cannot be
    sent (Redis away) is logged and skipped, never raised. The data is stored already, and
    screens catch up from the snapshot they load when they reconnect."""

    def guarded() -> None:
        try:
            push()
        except Exception as error:
            log.warning("live push of %s skipped: %s", what, error)

    return guarded


def subscribe(channel: str, timeout: float = KEEPALIVE_SECONDS) -> Iterator[dict | None]:
    """Subscribe now and return an iterator of payloads sent to ``channel`` from here on;
    it yields ``None`` after ``timeout`` seconds of quiet, so a stream can send a
    keep-alive and notice a closed connection, ``MISSED`` when messages may have been
    lost, and ends when the process shuts down or the broker connection is lost.
    Raises ``Unavailable`` when the broker cannot be reached."""
    messages = broker().subscribe(_qualified(channel), timeout)
    return (message if message is None or message is MISSED else json.loads(message)
            for message in messages)


def sse_stream(channel: str, snapshot: Callable[[], dict]) -> Iterator[str]:
    """Server-sent events for ``channel``: the snapshot first, then updates, a heartbeat
    in quiet times (which the browser watches to notice a dead connection), and the
    snapshot again whenever the broker reconnected and updates may have been lost.

    Subscribes at once (raising ``Unavailable``), before the snapshot is read, so no
    update falls between them."""
    messages = subscribe(channel)

    def events():
        yield _sse(snapshot())
        for payload in messages:
            if payload is None:
                yield f": keep-alive\nevent: heartbeat\ndata: {KEEPALIVE_SECONDS}\n\n"
            elif payload is MISSED:
                yield _sse(snapshot())
            else:
                yield _sse(payload)

    return events()


def _sse(payload: dict) -> str:
    data = json.dumps(payload, ensure_ascii=False)
    event_id = payload.get("version")
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}data: {data}\n\n"
