"""Pushing poll results to screens, coalesced.

Every answer bumps the poll's version in the database. After the commit, the new
snapshot is published at most once per interval per poll (across all processes when
Redis is configured): the first change in a quiet poll goes out at once, later ones wait
for the interval to end and go out together. The snapshot carries the whole truth, so
skipping the ones in between loses nothing, and screens drop any older version.
"""

import threading
import time

from flask import current_app

from core import realtime
from core.db import after_commit, db

DEFAULT_INTERVAL = 0.25


def channel(poll_id: int) -> str:
    return f"forums:poll:{poll_id}"


def forum_channel(forum_id: int) -> str:
    return f"forums:forum:{forum_id}"


class LocalThrottle:
    """Lets one publish per key through per interval, within this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._closed_until: dict[str, float] = {}

    def try_pass(self, key: str, interval: float) -> float:
        """0 when the caller may publish now; else seconds until the next publish may go."""
        now = time.monotonic()
        with self._lock:
            reopens = self._closed_until.get(key, 0.0)
            if now >= reopens:
                self._closed_until[key] = now + interval
                return 0.0
            return reopens - now


class RedisThrottle:
    """The same throttle shared by every process through Redis (SET NX PX)."""

    def __init__(self, url: str) -> None:
        from redis import Redis

        self._redis = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)

    def try_pass(self, key: str, interval: float) -> float:
        from redis.exceptions import ConnectionError, TimeoutError

        milliseconds = max(1, int(interval * 1000))
        try:
            if self._redis.set(f"madang:push-throttle:{key}", 1, px=milliseconds, nx=True):
                return 0.0
            remaining = self._redis.pttl(f"madang:push-throttle:{key}")
        except (ConnectionError, TimeoutError):
            # Without Redis there is nothing to coalesce across processes, and the publish
            # that follows is skipped (and logged) by the broker: the answer stays saved.
            return 0.0
        return max(remaining, 1) / 1000


def init_app(app) -> None:
    app.config.setdefault("FORUMS_PUSH_INTERVAL", DEFAULT_INTERVAL)
    url = app.config.get("REDIS_URL")
    app.extensions["forums_push_throttle"] = RedisThrottle(url) if url else LocalThrottle()
    app.extensions["forums_trailing"] = set()
    app.extensions["forums_trailing_lock"] = threading.Lock()


def poll_changed(poll_id: int) -> None:
    """Publish the poll's snapshot once the current transaction has committed."""
    app = current_app._get_current_object()
    after_commit(realtime.skipped_on_failure(lambda: _push(app, poll_id), f"poll {poll_id}"))


def _push(app, poll_id: int) -> None:
    interval = app.config["FORUMS_PUSH_INTERVAL"]
    wait = app.extensions["forums_push_throttle"].try_pass(channel(poll_id), interval)
    if wait == 0:
        _publish(app, poll_id)
        return
    pending, lock = app.extensions["forums_trailing"], app.extensions["forums_trailing_lock"]
    with lock:
        if poll_id in pending:
            return  # a trailing publish is already due after this commit; it will carry it
        pending.add(poll_id)
    timer = threading.Timer(wait, realtime.skipped_on_failure(
        lambda: _trailing(app, poll_id), f"poll {poll_id}"))
    timer.daemon = True
    timer.start()


def _trailing(app, poll_id: int) -> None:
    with app.extensions["forums_trailing_lock"]:
        app.extensions["forums_trailing"].discard(poll_id)
    # The throttle may still hold the poll back: the timer can fire within the last
    # millisecond of the Redis key's life, or another process got through. Waiting again
    # costs at most one extra snapshot; giving up could leave the screen without the last
    # answers.
    _push(app, poll_id)


def _publish(app, poll_id: int) -> None:
    from forums.services import poll_snapshot

    with app.app_context():
        snapshot = poll_snapshot(poll_id)
        db.session.remove()
        if snapshot is not None:
            realtime.publish(channel(poll_id), snapshot)


def forum_changed(forum_id: int) -> None:
    """Tell big screens, after commit, that polls opened or closed or a table reported.
    Rare events, so no coalescing."""
    app = current_app._get_current_object()

    def push():
        from forums.services import screen_state

        with app.app_context():
            state = screen_state(forum_id)
            db.session.remove()
            realtime.publish(forum_channel(forum_id), state)

    after_commit(realtime.skipped_on_failure(push, f"forum {forum_id}"))
