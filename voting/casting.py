"""Casting online: a person's ballot recorded, changed or withdrawn, with its receipt and
an optional ``Idempotency-Key`` that replays the stored answer to a retry.

Every write that a second request could race is decided by a database constraint
(``INSERT ... ON CONFLICT``) or under a row lock, never by reading first and inserting after.
Services flush; the request commits once."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, delete, func, select, update

from accounts.models import User
from core.db import db, on_postgresql, utcnow
from core.errors import Conflict, DomainError, Forbidden, NotFound
from core.i18n import lazy_message
from core.models import Dong
from core.tenancy import seoul_today
from voting.age_bands import age_band
from voting.definition import VOTE_NOT_FOUND, definition_tag, locked_vote
from voting.eligibility import (
    Voter,
    check_open,
    eligibility_problem,
    voter_from_facts,
    with_voter_facts,
)
from voting.labels import ballot_message, channel_label
from voting.models import Ballot, BallotChoice, CastRequest, Vote, VoteItem, vote_dong
from voting.pseudonyms import account_identity, voter_key
from voting.receipts import new_receipt_code, receipt_lookup, receipt_seal
from voting.rules import (
    BallotError,
    BallotRules,
    BallotType,
    Channel,
    Entries,
    validate,
    window_status,
)
from voting.stored_ballots import choices_of


def _run(statement, parameters=None):
    """A Core statement on the session's connection, in its transaction. The casting path's
    statements load no objects, so they skip the ORM's execution layer (about a tenth of a
    cast's CPU time, measured single-threaded)."""
    return db.session.connection().execute(statement, parameters)


def dialect_insert(table):
    """The database's own INSERT, with its upsert clauses."""
    if on_postgresql():
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


_BALLOT = Ballot.__table__
_CHOICE = BallotChoice.__table__
_CAST_REQUEST = CastRequest.__table__
# The row an upsert proposed (``excluded`` in PostgreSQL and SQLite).
_PROPOSED = _BALLOT.alias("excluded")
# What a change of an online ballot rewrites; the first cast's time stays.
_CHANGED_ON_CAST = ("receipt_lookup", "receipt_seal", "updated_at", "age_band", "gender", "dong")
_CLEAR_CHOICES = delete(_CHOICE).where(_CHOICE.c.ballot_id == bindparam("ballot"))
_ADD_CHOICES = _CHOICE.insert()
_STORE_ANSWER = (update(_CAST_REQUEST).where(_CAST_REQUEST.c.id == bindparam("claim"))
                 .values(response=bindparam("answer", type_=_CAST_REQUEST.c.response.type)))
_FREEZE = (update(Vote.__table__)
           .where(Vote.__table__.c.id == bindparam("vote"), Vote.__table__.c.frozen_at.is_(None))
           .values(frozen_at=bindparam("now")))
_CASTING_VOTE_COLUMNS = ("id", "district_id", "salt", "ballot_type", "min_choices", "max_choices",
                         "budget_limit", "points_total", "opens_at", "closes_at", "frozen_at",
                         "electorate", "min_age")
_NAME_SEPARATOR = "\x1f"
# One online cast's statements are the same on both databases: SQLAlchemy Core with each
# dialect's upsert. A single raw-SQL statement for PostgreSQL was tried and removed:
# bench/bench_casting.py measured it at 0.91 times this path's throughput (119 against 130
# ballots/s), short of the 1.3 times an optimization must show to be kept. Building the
# statements once per database and caching them was removed for the same reason: the server
# spent 9.57 ms of CPU per ballot with the cache against 11.34 ms without (1.19 times).


def _casting_vote_query():
    """The vote with its dongs, its items and the voter's facts in one row, under the shared
    row lock casts hold until they commit."""
    postgresql = on_postgresql()
    vote_table, item_table, dong_table = Vote.__table__, VoteItem.__table__, Dong.__table__
    joined = (func.string_agg if postgresql else func.group_concat)(dong_table.c.name,
                                                                    _NAME_SEPARATOR)
    dongs = (select(joined).select_from(vote_dong.join(dong_table))
             .where(vote_dong.c.vote_id == vote_table.c.id).scalar_subquery())
    # The items as one JSON array of [position, id, cost], so the vote is one row however
    # many items it has; sorted by position in Python (SQLite before 3.44 cannot order an
    # aggregate).
    aggregate, triple = ((func.json_agg, func.json_build_array) if postgresql
                         else (func.json_group_array, func.json_array))
    items = (select(aggregate(triple(item_table.c.position, item_table.c.id, item_table.c.cost)))
             .where(item_table.c.vote_id == vote_table.c.id).scalar_subquery())
    return (
        with_voter_facts(
            select(*(vote_table.c[name] for name in _CASTING_VOTE_COLUMNS),
                   dongs.label("dongs"), items.label("items"))
            .select_from(vote_table)
            .where(vote_table.c.id == bindparam("vote")),
            vote_table.c.district_id)
        .with_for_update(read=True, key_share=True, of=vote_table))


def validated(vote: Vote, entries) -> Entries:
    try:
        return validate(vote.rules(), entries)
    except BallotError as error:
        raise DomainError(ballot_message(error), status=422) from None


def request_digest(entries: Sequence[tuple[int, int]]) -> str:
    """A digest of a cast's ballot as submitted, kept with its ``Idempotency-Key``: a retry
    must carry the same choices (in any order) to be answered from the stored answer."""
    content = json.dumps(sorted([int(item), int(value)] for item, value in entries),
                         separators=(",", ":"))
    return hashlib.sha256(f"cast\x1f{content}".encode()).hexdigest()


KEY_REUSED = _l("이 Idempotency-Key는 다른 투표 내용으로 이미 쓰였습니다. 투표 내용을 바꿔 "
                "다시 낼 때는 새 키를 쓰세요. 아무것도 바뀌지 않았습니다.")


def _stored_answer(vote_id: int, key: str, idempotency_key: str, digest: str) -> dict | None:
    """The answer stored for the key, if it was sent with the same ballot; a key reused with
    another ballot is refused (422), so a client's mix-up never passes the old answer off
    as the new ballot's."""
    stored = db.session.execute(select(CastRequest.response, CastRequest.request_digest).where(
        CastRequest.vote_id == vote_id, CastRequest.voter_key == key,
        CastRequest.key == idempotency_key)).first()
    if stored is None:
        return None
    if stored.request_digest is not None and stored.request_digest != digest:
        raise DomainError(KEY_REUSED, status=422)
    return stored.response


def _claim_request(vote_id: int, key: str, idempotency_key: str, digest: str) -> int | None:
    """Take the idempotency key: the claim's id, or None when another request holding it has
    committed (PostgreSQL makes a concurrent holder's twin wait here until the holder
    finishes; if the holder rolls back, the twin takes the key)."""
    claim = dialect_insert(_CAST_REQUEST).on_conflict_do_nothing().returning(_CAST_REQUEST.c.id)
    claimed = _run(claim, {"vote_id": vote_id, "voter_key": key, "key": idempotency_key,
                           "request_digest": digest, "created_at": utcnow()}).first()
    return None if claimed is None else claimed[0]


def participation_snapshot(voter: Voter) -> dict:
    if not voter.consented:
        return {"age_band": None, "gender": None, "dong": None}
    return {"age_band": age_band(voter.birth_year, seoul_today().year), "gender": voter.gender,
            "dong": voter.dong}


def store_choices(ballot_id: int, vote_id: int, entries: Entries) -> None:
    _run(_ADD_CHOICES, [
        {"ballot_id": ballot_id, "vote_item_id": item, "vote_id": vote_id, "value": value}
        for item, value in entries
    ])


def freeze_definition(vote: Vote | CastingVote, now: datetime) -> None:
    if vote.frozen_at is None:
        _run(_FREEZE, {"vote": vote.id, "now": now})


def _already_other_channel(vote_id: int, key: str) -> Conflict:
    """The refusal of an online cast by someone whose counted ballot came by another channel,
    naming that channel (read only on this refusal, off the casting path's round trips)."""
    channel = db.session.scalar(select(Ballot.channel).where(Ballot.vote_id == vote_id,
                                                             Ballot.voter_key == key))
    return Conflict(lazy_message("이미 %(channel)s(으)로 참여한 기록이 있어 온라인으로 투표할 수 "
                       "없습니다. 한 사람은 한 번만 집계됩니다.",
                       channel=channel_label(channel or Channel.PAPER.value)))


@dataclass(frozen=True)
class CastingVote:
    """A vote as one person's cast reads it: what the ballot is checked against and what
    eligibility needs to know of the person, read in one Core query under the vote's shared
    row lock (building the ORM objects cost a cast more than the query)."""

    id: int
    district_id: int
    salt: str
    opens_at: datetime
    closes_at: datetime
    frozen_at: datetime | None
    electorate: str
    min_age: int | None
    dong_names: frozenset[str]
    ballot_rules: BallotRules
    voter: Voter

    @property
    def type(self) -> BallotType:
        return self.ballot_rules.ballot_type

    def rules(self) -> BallotRules:
        return self.ballot_rules

    def status_at(self, now: datetime) -> str:
        return window_status(self.opens_at, self.closes_at, now)


def vote_for_casting(district_id: int, vote_id: int, user: User) -> CastingVote:
    """The vote, for ``user`` to cast in with ``cast_ballot``, under the shared lock casts
    hold until they commit."""
    first = _run(_casting_vote_query(), {"vote": vote_id, "user": user.id}).first()
    if first is None or first.district_id != district_id:
        raise NotFound(VOTE_NOT_FOUND)
    # PostgreSQL hands JSON over parsed, SQLite as text; no items is NULL or an empty array.
    listed = json.loads(first.items) if isinstance(first.items, str) else first.items or []
    items = sorted(listed)
    return CastingVote(
        id=first.id, district_id=first.district_id, salt=first.salt, opens_at=first.opens_at,
        closes_at=first.closes_at, frozen_at=first.frozen_at,
        electorate=first.electorate, min_age=first.min_age,
        dong_names=frozenset(first.dongs.split(_NAME_SEPARATOR) if first.dongs else ()),
        ballot_rules=BallotRules(
            ballot_type=BallotType(first.ballot_type), items=tuple(item for _p, item, _c in items),
            min_choices=first.min_choices, max_choices=first.max_choices,
            costs={item: cost for _position, item, cost in items if cost is not None},
            budget_limit=first.budget_limit, points_total=first.points_total),
        voter=voter_from_facts(user, district_id, first))


def cast_online(district_id: int, vote_id: int, user: User, entries, *,
                idempotency_key: str | None = None, definition: str | None = None) -> dict:
    """Record ``user``'s ballot (a new one, or a change: the last one counts).

    Returns the answer shown to the voter: ``{"status": "created"|"changed", "receipt",
    "vote", "choices"}``. With an ``idempotency_key`` the same answer is returned for every
    retry and the ballot is stored once.
    """
    return cast_ballot(vote_for_casting(district_id, vote_id, user), entries,
                       idempotency_key=idempotency_key, definition=definition)


def cast_ballot(vote: CastingVote, entries, *, idempotency_key: str | None = None,
                definition: str | None = None) -> dict:
    """``cast_online`` for a vote already taken with ``vote_for_casting`` in this transaction
    (the cast view reads the posted ballot against it, so the vote is read once)."""
    voter = vote.voter
    key = voter_key(vote.salt, voter.identity)
    if idempotency_key and len(idempotency_key) > 100:
        raise DomainError(_l("Idempotency-Key가 너무 깁니다."), status=400)
    now = utcnow()
    digest = request_digest(entries) if idempotency_key else None
    try:
        canonical = _accepted(vote, voter, entries, definition, now)
    except DomainError:
        # A retry gets the stored answer even after the window closed or the rules changed.
        # Claiming the key waits for a request still holding it; a refused request rolls its
        # claim back with everything else.
        if idempotency_key and _claim_request(vote.id, key, idempotency_key, digest) is None:
            return _stored_answer(vote.id, key, idempotency_key, digest)
        raise
    code = new_receipt_code()
    answer = {"vote": vote.id, "receipt": code, "choices": [list(e) for e in canonical]}
    status = _record_online(vote, key, idempotency_key or None, digest, canonical, answer, now,
                            participation_snapshot(voter))
    if status is None:
        return _stored_answer(vote.id, key, idempotency_key, digest)
    answer["status"] = status
    freeze_definition(vote, now)
    return answer


def _accepted(vote: CastingVote, voter: Voter, entries, definition: str | None,
              now: datetime) -> Entries:
    """The ballot in canonical form, if ``voter`` may cast it in ``vote`` now."""
    check_open(vote, now)
    problem = eligibility_problem(vote, voter)
    if problem is not None:
        raise Forbidden(problem)
    if definition is not None and definition != definition_tag(vote):
        raise Conflict(_l("투표 설정이 바뀌었습니다. 화면을 새로 고친 뒤 다시 투표하세요."))
    return validated(vote, entries)


def _record_online(vote: CastingVote, key: str, idempotency_key: str | None,
                   digest: str | None, entries: Entries, answer: dict, now: datetime,
                   extra: dict) -> str | None:
    """Take the Idempotency-Key (if any) with the ``digest`` of the ballot it came with,
    insert the voter's online ballot or change the one they have, make its choices
    ``entries`` and store ``answer`` (with its status) for the key: the status,
    ``"created"`` or ``"changed"``, or None when another request holding the key has
    committed.

    Decided by unique constraints, never by reading first. A change takes the ballot's row
    lock, so two changes by one voter never mix into one ballot (which could break the
    choice count or the budget). A ballot from another channel is left alone and refused.

    The upsert (``ON CONFLICT DO UPDATE``) holds the ballot's row lock until commit: on
    PostgreSQL a second cast by the same voter waits there for the first to commit, and its
    own later statements, each reading what is committed when it starts, replace the first's
    choices whole. SQLite runs one writer at a time.
    """
    ballot = {"vote_id": vote.id, "voter_key": key, "channel": Channel.ONLINE.value,
              "receipt_lookup": receipt_lookup(answer["receipt"]),
              "receipt_seal": receipt_seal(vote.salt, answer["receipt"], entries),
              "cast_at": now, "updated_at": now, **extra}
    claim = None
    if idempotency_key:
        claim = _claim_request(vote.id, key, idempotency_key, digest)
        if claim is None:
            return None
    upsert = dialect_insert(_BALLOT).on_conflict_do_update(
        index_elements=[_BALLOT.c.vote_id, _BALLOT.c.voter_key],
        set_={name: _PROPOSED.c[name] for name in _CHANGED_ON_CAST},
        where=_BALLOT.c.channel == Channel.ONLINE.value,
    ).returning(_BALLOT.c.id, _BALLOT.c.cast_at)
    upserted = _run(upsert, ballot).first()
    if upserted is None:
        raise _already_other_channel(vote.id, key)
    _run(_CLEAR_CHOICES, {"ballot": upserted.id})
    store_choices(upserted.id, vote.id, entries)
    # A change keeps the first cast's time, so only a new ballot carries this request's.
    status = "created" if upserted.cast_at == now else "changed"
    if claim is not None:
        _run(_STORE_ANSWER, {"claim": claim, "answer": {**answer, "status": status}})
    return status


def withdraw(district_id: int, vote_id: int, user: User) -> None:
    """Take back one's online ballot while the vote is open."""
    vote = locked_vote(district_id, vote_id, exclusive=False)
    check_open(vote, utcnow())
    key = voter_key(vote.salt, account_identity(user.id))
    existing = db.session.execute(
        select(Ballot.id, Ballot.channel).where(Ballot.vote_id == vote.id,
                                                Ballot.voter_key == key).with_for_update()
    ).first()
    if existing is None:
        raise NotFound(_l("철회할 투표지가 없습니다."))
    if existing.channel != Channel.ONLINE.value:
        raise Conflict(_l("종이 투표나 현장 투표는 온라인에서 철회할 수 없습니다."))
    db.session.execute(delete(BallotChoice).where(BallotChoice.ballot_id == existing.id))
    db.session.execute(delete(Ballot).where(Ballot.id == existing.id))


def my_ballot(vote: Vote, user: User) -> tuple[Ballot | None, Entries]:
    key = voter_key(vote.salt, account_identity(user.id))
    ballot = db.session.scalars(select(Ballot).where(Ballot.vote_id == vote.id,
                                                     Ballot.voter_key == key)).first()
    if ballot is None:
        return None, ()
    return ballot, choices_of(ballot.id, vote)
