"""The secrecy rule: a vote that publishes its results after closing keeps them from everyone
until then.

"결과는 마감 후 공개" means what it says: while such a vote is open nobody reads any number
of it by item, not a resident, not an organizer, not an admin, and not an operator at the
command line: no support, score, rank, selection, combined score or counting round, and no
ballot and no choice. ``results_visible`` is the rule and ``check_results_readable`` the
refusal. Every reader asks one of them: the results page and API, ``flask tally``, the
counting job, each export of a vote (when it is requested, when its job runs and when its
file is fetched), the cycle export's vote sheets, open data and the plan's what-if.
``voting.stored_ballots`` and ``voting.results`` ask again wherever ballots are read or a
result is counted or served from its cache, so a reader that forgets to ask still gets nothing.

What the rule leaves readable, on purpose:

- Turnout, how many ballots were cast: it says nothing about any item, residents and
  organizers follow it through the window (it is what a campaign to get out the vote
  watches), and hiding it would not protect the result. It is shown while results are
  hidden, as a total only: its figures by day, channel and group travel with the result
  and stay hidden with it.
- A voter's own ballot (their ballot screen, the receipt they check): it is theirs.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from core.db import utcnow
from core.errors import Forbidden

RESULTS_HIDDEN = _l("이 투표의 결과는 투표가 마감된 뒤 공개됩니다. 마감 전에는 운영자와 "
                    "관리자도 결과와 투표지를 볼 수 없습니다.")


class ResultsHidden(Forbidden):
    """A read of a vote's results or ballots while they are hidden (403)."""

    def __init__(self) -> None:
        super().__init__(RESULTS_HIDDEN)


def results_visible(vote, now: datetime | None = None) -> bool:
    """Whether anyone may read ``vote``'s results and ballots now: once it has closed, or at
    any time when it shows live results. The same answer for every role."""
    now = now or utcnow()
    return vote.results_live or vote.status_at(now) == "closed"


def check_results_readable(vote, now: datetime | None = None) -> None:
    """Raise ``ResultsHidden`` unless ``results_visible(vote, now)``."""
    if not results_visible(vote, now):
        raise ResultsHidden
