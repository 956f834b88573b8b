"""Polls pushed to participants' phones with the event that opens them.

When a poll opens, every phone in the hall must show it at once. Were each phone to ask
for its list of polls when told, a thousand phones would ask in the same second, and the
last would wait for the server to draw the list a thousand times. Instead the poll is drawn
once per process and language, as every phone shows it before answering, and sent down
each phone's event stream with the news; the phone keeps the polls it already shows (with
the answer given, or being chosen) and adds the new ones. Only a reopened poll, which may
hold a person's earlier answer, is left for the phone to ask for, as before.
"""

import threading

from flask import current_app, get_template_attribute
from flask_babel import get_locale
from markupsafe import Markup

from core.db import db
from forums import services
from forums.models import PHASE_LABELS

# Where each phone's own CSRF token goes in the shared drawing. User text is escaped when
# drawn, so a raw "<" can only be this mark.
CSRF_MARK = "<csrf-token>"
# Drawings kept per process: far more than a forum's open polls in both languages.
DRAWINGS_KEPT = 256
NOT_DRAWN = object()


class PollDrawings:
    """Each open poll drawn once per opening and language, shared by every stream of the
    process (a cache: any of them may be dropped and drawn again)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._drawn: dict[tuple, tuple[str, bool] | None] = {}

    def get(self, forum_id: int, poll_id: int, opened: float, language: str):
        """``(html, answered)`` for the poll as opened at ``opened``, or None when it is no
        longer open. The first stream to ask draws it while the others wait, so a room's
        streams woken by one opening draw it once."""
        key = (forum_id, poll_id, opened, language)
        drawn = self._drawn.get(key, NOT_DRAWN)
        if drawn is not NOT_DRAWN:
            return drawn
        with self._lock:
            if key not in self._drawn:
                if len(self._drawn) >= DRAWINGS_KEPT:
                    self._drawn.clear()
                self._drawn[key] = _draw(forum_id, poll_id)
            return self._drawn[key]


def _draw(forum_id: int, poll_id: int) -> tuple[str, bool] | None:
    try:
        poll, answered = services.poll_to_draw(forum_id, poll_id)
        if poll is None:
            return None
        phone_poll = get_template_attribute("forums/_poll.html", "phone_poll")
        mark = Markup(CSRF_MARK)  # noqa: S704 (our constant, no user text)
        html = str(phone_poll(poll.forum, poll, PHASE_LABELS, {}, token=mark))
        return html, answered
    finally:
        db.session.remove()


def _drawings() -> PollDrawings:
    return current_app.extensions.setdefault("forums_poll_drawings", PollDrawings())


def polls_of(state: dict, table_id: int | None) -> list[int]:
    """The open polls a participant at ``table_id`` answers, in the order the phone lists
    them: the room's and their table's."""
    at_table = [int(entry.split("@")[0]) for entry in state["table_polls"]
                if table_id is not None and entry.split("@")[1] == str(table_id)]
    return sorted(state["open_polls"] + at_table)


def phone_presenter(forum_id: int, participant_id: int, table_id: int | None, token: str):
    """What one phone's stream sends for each forum state: the state; the participant's
    table when the organizer seated them elsewhere (the phone then shows its new seat); and
    when the polls the phone answers changed, each of them drawn (``fresh`` when nobody has
    answered it, so the drawing is what this person's own list would show)."""
    drawings = _drawings()
    language = str(get_locale())
    sent: list[int] | None = None

    def present(state: dict) -> dict:
        nonlocal sent, table_id
        reseated = state.get("reseated", ())
        # Who else was seated is none of this phone's business.
        state = {name: value for name, value in state.items() if name != "reseated"}
        if participant_id in reseated:
            table_id = services.table_of_participant(participant_id)
            db.session.remove()
            state["table"] = table_id
        polls = polls_of(state, table_id)
        if polls == sent:
            return state
        sent = polls
        drawn = []
        for poll_id in polls:
            drawing = drawings.get(forum_id, poll_id, state["opened"].get(str(poll_id), 0),
                                   language)
            if drawing is not None:
                html, answered = drawing
                drawn.append({"id": poll_id, "html": html.replace(CSRF_MARK, token),
                              "fresh": not answered})
        return {**state, "polls": drawn}

    return present
