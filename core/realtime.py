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
from typing import TypeVar

from flask import current_app

log = logging.getLogger(__name__)

T = TypeVar("T")

KEEPALIVE_SECONDS = 15
# Yielded by a subscription whose broker connection was re-established: whatever was
# published in between is lost, so the stream must send a fresh snapshot.
MISSED = object()


class Unavailable(Exception):
    """The broker cannot be reached (Redis is down or restarting)."""
# How often a waiting subscription checks whether the process is shutting down.
CLOSE_CHECK_SECONDS = 1.0


class Broker:
    """What both brokers share: subscriptions end once the broker is closed.

    ``publish`` sends a message, ``admit`` lets one push per key through per interval (live
    screens coalesce many changes into one snapshot). Both run after a commit and neither
    raises when the transport is away: the data is stored, and screens catch up from the
    snapshot they load when they reconnect."""

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
        self._closed_until: dict[str, float] = {}

    def publish(self, channel: str, message: str) -> int:
        with self._lock:
            targets = list(self._subscribers.get(channel, ()))
        for target in targets:
            target.put(message)
        return len(targets)

    def admit(self, key: str, interval: float) -> float:
        """0 when the caller may push now; else seconds until the throttle lets the next through."""
        now = time.monotonic()
        with self._lock:
            reopens = self._closed_until.get(key, 0.0)
            if now >= reopens:
                self._closed_until[key] = now + interval
                return 0.0
            return reopens - now

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
        # Bounded waits: a push to a Redis that is away fails within seconds (and is
        # skipped, see ``_unless_away``) instead of holding the request.
        self._redis = Redis.from_url(url, decode_responses=True,
                                     max_connections=subscriptions + PUBLISHING_CONNECTIONS,
                                     socket_connect_timeout=2, socket_timeout=5)

    def _unless_away(self, what: str, push: Callable[[], T], fallback: T) -> T:
        """``push()``, or ``fallback`` (logged) when Redis fails it: the one place a live push
        meets an outage. Called after the commit, so Redis being away must not turn a
        participant's saved answer into an error page."""
        from redis.exceptions import RedisError

        try:
            return push()
        except RedisError as error:
            log.warning("live %s skipped, Redis unavailable: %s", what, error)
            return fallback

    def publish(self, channel: str, message: str) -> int:
        return self._unless_away(f"message on {channel}",
                                 lambda: self._redis.publish(channel, message), 0)

    def admit(self, key: str, interval: float) -> float:
        """The same push throttle shared by every process (SET NX PX). Without Redis there is
        nothing to coalesce across processes, and the push that follows is skipped as well."""
        name = f"push-throttle:{key}"
        milliseconds = max(1, int(interval * 1000))

        def throttle() -> float:
            if self._redis.set(name, 1, px=milliseconds, nx=True):
                return 0.0
            return max(self._redis.pttl(name), 1) / 1000

        return self._unless_away(f"push throttle {key}", throttle, 0.0)

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


def _qualified(channel: str, district_id: int) -> str:
    """The channel's name on the broker: the deployment's namespace, then the district, so
    no district's screens hear another's, whatever a channel's own name says."""
    return f"{current_app.config['REALTIME_NAMESPACE']}:district-{district_id}:{channel}"


def publish(channel: str, payload: dict, *, district_id: int) -> int:
    """Send ``payload`` (JSON-serialisable) to everyone subscribed to ``channel`` of the
    district; 0 when the broker is away (logged, never raised)."""
    return broker().publish(_qualified(channel, district_id),
                            json.dumps(payload, ensure_ascii=False))


def admit(key: str, interval: float, *, district_id: int) -> float:
    """0 when a push for ``key`` may go now (the throttle then holds the next one back for
    ``interval`` seconds, across processes with Redis); else seconds until it may go. Open when the
    broker is away."""
    return broker().admit(_qualified(key, district_id), interval)


def subscribe(channel: str, timeout: float = KEEPALIVE_SECONDS, *,
              district_id: int) -> Iterator[dict | None]:
    """Subscribe now and return an iterator of payloads sent to ``channel`` of the district
    from here on; it yields ``None`` after ``timeout`` seconds of quiet, so a stream can send a
    keep-alive and notice a closed connection, ``MISSED`` when messages may have been
    lost, and ends when the process shuts down or the broker connection is lost.
    Raises ``Unavailable`` when the broker cannot be reached."""
    messages = broker().subscribe(_qualified(channel, district_id), timeout)
    return (message if message is None or message is MISSED else json.loads(message)
            for message in messages)


def sse_stream(channel: str, snapshot: Callable[[], dict], *, district_id: int,
               per_connection: Callable[[dict], dict] | None = None) -> Iterator[str]:
    """Server-sent events for ``channel``: the snapshot first, then updates, a heartbeat
    in quiet times (which the browser watches to notice a dead connection), and the
    snapshot again whenever the broker reconnected and updates may have been lost.
    ``per_connection`` turns each payload into what this connection sends (a phone's polls).

    Subscribes at once (raising ``Unavailable``), before the snapshot is read, so no
    update falls between them."""
    messages = subscribe(channel, district_id=district_id)
    shown = per_connection or (lambda payload: payload)

    def events():
        yield _sse(shown(snapshot()))
        for payload in messages:
            if payload is None:
                yield f": keep-alive\nevent: heartbeat\ndata: {KEEPALIVE_SECONDS}\n\n"
            elif payload is MISSED:
                yield _sse(shown(snapshot()))
            else:
                yield _sse(shown(payload))

    return events()


def _sse(payload: dict) -> str:
    data = json.dumps(payload, ensure_ascii=False)
    event_id = payload.get("version")
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}data: {data}\n\n"
