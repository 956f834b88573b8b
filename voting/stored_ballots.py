"""Reading stored ballots: how many, one ballot's choices, and the vote's ballots folded by
the database into distinct ballots with how many people cast each, for counting and export.

Every read of ballots for counting (``_ballot_signatures``) asks the secrecy rule
(``voting.secrecy``) first: a vote's hidden results cannot leave through here.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from sqlalchemy import String, cast, func, literal, select

from core.db import db, on_postgresql
from voting.counting import FoldedBallots
from voting.models import Ballot, BallotChoice, Vote
from voting.rules import BallotType, Entries
from voting.secrecy import check_results_readable


def ballot_count(vote_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Ballot).where(
        Ballot.vote_id == vote_id)) or 0


def _ballot_signatures(vote: Vote, channels: tuple[str, ...] | None):
    """One row per ballot of the vote (from ``channels`` only, if given): its choices as
    text, ``"<vote item id>:<value>"`` in item order joined by commas, so identical ballots
    have identical text. Refused while the vote's results are hidden."""
    check_results_readable(vote)
    choice = BallotChoice.__table__
    pair = cast(choice.c.vote_item_id, String) + literal(":") + cast(choice.c.value, String)
    joined = func.aggregate_strings(pair, ",")
    if on_postgresql():
        per_ballot = select(joined.aggregate_order_by(choice.c.vote_item_id).label("sig")) \
            .group_by(choice.c.ballot_id)
    else:
        # SQLite before 3.44 has no ORDER BY inside an aggregate; as a window function over
        # the whole ballot, group_concat meets the choices in the window's order.
        per_ballot = select(choice.c.ballot_id, joined.over(
            partition_by=choice.c.ballot_id, order_by=choice.c.vote_item_id,
            rows=(None, None)).label("sig")).distinct()
    per_ballot = per_ballot.where(choice.c.vote_id == vote.id)
    if channels is not None:
        per_ballot = per_ballot.where(choice.c.ballot_id.in_(select(Ballot.id).where(
            Ballot.vote_id == vote.id, Ballot.channel.in_(channels))))
    return per_ballot.subquery()


def _signature_order(column):
    # Byte order, the same on both databases whatever the server's locale.
    return column.collate("C") if on_postgresql() else column


def distinct_ballots(vote: Vote, *, most_cast_first: bool = False,
                     channels: tuple[str, ...] | None = None
                     ) -> Iterator[tuple[tuple[int, ...], int]]:
    """The vote's distinct ballots with how many people cast each, folded and ordered by the
    database and read in batches, so the memory used stays flat however many ballots there
    are. Each ballot is in the engine's encoding (``FoldedBallots``): ranks from 0 with -1
    for unranked, 1 for chosen and 0 for not, or points. Ordered by content, or by count and
    then content: never by anything that tells when or how a ballot was cast."""
    signatures = _ballot_signatures(vote, channels)
    people = func.count().label("people")
    content = _signature_order(signatures.c.sig)
    query = select(signatures.c.sig, people).group_by(signatures.c.sig).order_by(
        *((people.desc(), content) if most_cast_first else (content,)))
    position = {item.id: index for index, item in enumerate(vote.items)}
    ranked = vote.type == BallotType.RANKED
    empty = [-1 if ranked else 0] * len(position)
    for signature, n in db.session.execute(query, execution_options={"yield_per": 5000}):
        row = empty.copy()
        for pair in signature.split(","):
            item, _, value = pair.partition(":")
            row[position[int(item)]] = int(value) - 1 if ranked else int(value)
        yield tuple(row), n


def distinct_ballot_count(vote: Vote) -> int:
    """How many rows ``distinct_ballots`` gives."""
    signatures = _ballot_signatures(vote, None)
    return db.session.scalar(select(func.count(func.distinct(signatures.c.sig)))) or 0


def folded_ballots(vote: Vote, channels: tuple[str, ...] | None = None) -> FoldedBallots:
    """The vote's ballots (from ``channels`` only, if given) folded for counting."""
    return FoldedBallots.of(vote.type, len(vote.items),
                            distinct_ballots(vote, channels=channels))


def approval_rows(vote: Vote) -> tuple[list[int], np.ndarray, np.ndarray]:
    """Every ballot of the vote read as approvals (an item ranked, chosen or given points is
    approved), identical ballots folded: ``(agenda item ids, rows of booleans, counts)``."""
    ids = [item.agenda_item_id for item in vote.items]
    folded = folded_ballots(vote)
    if not folded.total:
        return ids, np.zeros((0, len(ids)), dtype=bool), np.zeros(0, dtype=np.int64)
    approved = folded.matrix >= 0 if vote.type == BallotType.RANKED else folded.matrix > 0
    unique, inverse = np.unique(approved, axis=0, return_inverse=True)
    counts = np.bincount(inverse.ravel(), weights=folded.counts).astype(np.int64)
    return ids, unique, counts


def choices_of(ballot_id: int, vote: Vote) -> Entries:
    rows = db.session.execute(select(BallotChoice.vote_item_id, BallotChoice.value).where(
        BallotChoice.ballot_id == ballot_id)).all()
    position = {item.id: item.position for item in vote.items}
    if vote.type == BallotType.RANKED:
        ordered = sorted(rows, key=lambda r: r.value)
    else:
        ordered = sorted(rows, key=lambda r: position.get(r.vote_item_id, 0))
    return tuple((r.vote_item_id, r.value) for r in ordered)
