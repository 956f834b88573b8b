"""Pushing poll results to screens, coalesced.

Every answer bumps the poll's version in the database. After the commit, the new
snapshot is published at most once per interval per poll (across all processes when
Redis is configured): the first change in a quiet poll goes out at once, later ones wait
for the interval to end and go out together. The snapshot carries the whole truth, so
skipping the ones in between loses nothing, and screens drop any older version.
"""

import threading

from flask import current_app

from core import realtime
from core.db import after_commit, db
from forums.models import Forum, Poll

DEFAULT_INTERVAL = 0.25


def channel(poll_id: int) -> str:
    return f"forums:poll:{poll_id}"


def forum_channel(forum_id: int) -> str:
    return f"forums:forum:{forum_id}"


def init_app(app) -> None:
    app.config.setdefault("FORUMS_PUSH_INTERVAL", DEFAULT_INTERVAL)
    app.extensions["forums_trailing"] = set()
    app.extensions["forums_trailing_lock"] = threading.Lock()


def poll_changed(poll_id: int) -> None:
    """Publish the poll's snapshot once the current transaction has committed."""
    app = current_app._get_current_object()
    # The service that changed the poll holds it and its forum: no query.
    district_id = db.session.get(Poll, poll_id).forum.district_id
    after_commit(lambda: _push(app, district_id, poll_id))


def _push(app, district_id: int, poll_id: int) -> None:
    interval = app.config["FORUMS_PUSH_INTERVAL"]
    with app.app_context():
        wait = realtime.admit(channel(poll_id), interval, district_id=district_id)
    if wait == 0:
        _publish(app, district_id, poll_id)
        return
    pending, lock = app.extensions["forums_trailing"], app.extensions["forums_trailing_lock"]
    with lock:
        if poll_id in pending:
            return  # a trailing publish is already due after this commit; it will carry it
        pending.add(poll_id)
    timer = threading.Timer(wait, _trailing, args=(app, district_id, poll_id))
    timer.daemon = True
    timer.start()


def _trailing(app, district_id: int, poll_id: int) -> None:
    with app.extensions["forums_trailing_lock"]:
        app.extensions["forums_trailing"].discard(poll_id)
    # The throttle may still hold it back: the timer can fire within the last millisecond of the
    # Redis key's life, or another process got through. Waiting again costs at most one
    # extra snapshot; giving up could leave the screen without the last answers.
    _push(app, district_id, poll_id)


def _publish(app, district_id: int, poll_id: int) -> None:
    from forums.services import poll_snapshot

    with app.app_context():
        snapshot = poll_snapshot(poll_id)
        db.session.remove()
        if snapshot is not None:
            realtime.publish(channel(poll_id), snapshot, district_id=district_id)


def forum_changed(forum_id: int, reseated: list[int] | None = None) -> None:
    """Tell big screens and phones, after commit, that polls opened or closed, a table
    reported, or the organizer seated participants (``reseated``, whose phones then show
    their table). Rare events, so no coalescing."""
    app = current_app._get_current_object()
    district_id = db.session.get(Forum, forum_id).district_id

    def push():
        from forums.services import screen_state

        with app.app_context():
            state = screen_state(forum_id)
            db.session.remove()
            if reseated:
                state["reseated"] = reseated
            realtime.publish(forum_channel(forum_id), state, district_id=district_id)

    after_commit(push)
