"""What a resident can do now: each package names what of its own is open today (a vote to
cast, the call for proposals, a forum to join), and the home page and 내 마당 list them with
one button each. The schedule says which phase the year is in; this says what is actually
open, which is what a resident came for (a vote may run during intake).

Packages register a source in their ``setup(app)``; core imports none of them.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class OpenNow:
    kind: str            # "vote", "proposal", "forum": also the order they are listed in
    title: str           # what it is, in the reader's language or as its organizer wrote it
    action: str          # the one button: "투표하기", "의제 제안하기", "토론회 참가"
    url: str
    until: date | datetime | None = None
    done: str | None = None  # what this person already did there, if anything


Source = Callable[..., list[OpenNow]]
_SOURCES: dict[str, Source] = {}
_ORDER = ("vote", "proposal", "forum")


def register(name: str, source: Source) -> None:
    """Add (or replace, for an app created again) a package's source.

    ``source(district, cycle, user, today)`` returns what is open; ``user`` is None for a
    visitor who has not signed in."""
    _SOURCES[name] = source


def open_now(district, cycle, user, today: date) -> list[OpenNow]:
    found = [thing for source in _SOURCES.values() for thing in source(district, cycle, user,
                                                                        today)]
    return sorted(found, key=lambda thing: _ORDER.index(thing.kind)
                  if thing.kind in _ORDER else len(_ORDER))


def for_reader(district, cycle, today: date) -> list[OpenNow]:
    """``open_now`` for whoever is reading the page; templates call it as ``open_now``."""
    from flask_login import current_user

    if district is None:
        return []
    user = current_user if current_user.is_authenticated else None
    return open_now(district, cycle, user, today)


def init_app(app) -> None:
    app.jinja_env.globals["open_now"] = for_reader
