"""Votes and ballots: defining a vote, who may vote, casting, other channels, receipts.

Services flush; the request commits once. Every write that a second request could race is
decided by a database constraint (``INSERT ... ON CONFLICT DO NOTHING``) or under a row lock,
never by reading first and inserting after.

Identity rule (one person, one counted ballot, across channels):

- A person is known either by their account (``account:<user id>``) or, on paper and at a
  forum, by name + birth date + dong as checked in person (``person:...``).
- Names are compared as ``core.identity.fold_name`` spells them, on the roll and at every
  desk, so spacing, case, invisible characters and Unicode variants cannot make two people.
- The voter roll links the two: when staff verify a resident they record the person digest
  and, if the resident has an account, the account (also later, on an entry made without
  one). A paper or forum ballot for a person on the roll with an account is stored under
  that account's identity, so the account cannot also vote online, and a person who voted
  online cannot be entered on paper. Linking moves the ballots already cast under the name
  to the account's identity (``_adopt_ballots``), so the rule holds for ballots cast before
  the link too. A rolled person's identity is thus the account's when there is one: it is
  what online ballots cast before the roll existed are stored under, and it needs no roll
  read on the casting path.
- Staff may also identify a person by their account's email, which uses the account identity.
- The identity is turned into a per-vote pseudonym (``voter_key``) with the vote's salt; the
  unique constraint on (vote, voter_key) is what counts each person once.

For votes open to residents on the roll only this closes every gap: online voting needs a
roll entry linked to the account, and paper entries of rolled people resolve to their account.
In votes open to verified email addresses or to every account, staff should look a person up
by email before typing a name, since an account off the roll and a name typed on paper are two
identities the platform cannot know to be one person.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Integer,
    String,
    bindparam,
    cast,
    delete,
    func,
    select,
    text,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from accounts.models import Demographics, User, user_by_email
from core import audit
from core.auth import Role, is_member
from core.db import UTCDateTime, db, on_postgresql, utcnow
from core.errors import Conflict, DomainError, Forbidden, NotFound
from core.i18n import N_, lazy_message
from core.identity import fold_name
from core.models import Cycle, Dong
from core.tenancy import seoul_today
from voting import ballots as rules_module
from voting.ballots import (
    METHODS_BY_TYPE,
    BallotError,
    BallotRules,
    BallotType,
    Entries,
    account_identity,
    age_band,
    age_in_year,
    new_receipt_code,
    new_salt,
    person_identity,
    receipt_lookup,
    receipt_seal,
    request_digest,
    voter_key,
    window_status,
)
from voting.labels import CHANNEL_LABELS
from voting.models import (
    Ballot,
    BallotChoice,
    CastRequest,
    Channel,
    Electorate,
    Vote,
    VoteItem,
    VoteLog,
    VoterRoll,
    vote_dong,
)
from voting.results import approval_rows, ballot_count, current_result
from voting.secrecy import check_results_readable
from voting.secrecy import results_visible as results_visible  # readers ask it here too
from voting.tally import COMPLETIONS

VOTE_NOT_FOUND = _l("그런 투표가 없습니다.")

BALLOT_MESSAGES = {
    "unknown_item": N_("이 투표에 없는 의제가 들어 있습니다. 화면을 새로 고친 뒤 다시 고르세요."),
    "duplicate_item": N_("같은 의제를 두 번 고를 수 없습니다."),
    "duplicate_rank": N_("두 의제에 같은 순위를 줄 수 없습니다."),
    "rank_gap": N_("순위는 1위부터 빠짐없이 매겨야 합니다."),
    "too_many": N_("최대 %(k)d개까지 고를 수 있습니다."),
    "too_few": N_("최소 %(m)d개를 골라야 합니다."),
    "over_budget": N_("고른 의제의 예산 합계(%(spent)s원)가 한도(%(limit)s원)를 넘습니다."),
    "points_total": N_("점수 합계가 %(total)d점이어야 합니다. 지금 %(given)d점입니다."),
    "negative_points": N_("점수는 0 이상이어야 합니다."),
    "malformed": N_("투표 내용을 읽을 수 없습니다. 화면을 새로 고친 뒤 다시 투표하세요."),
    "too_few_items": N_("투표 대상 의제를 %(n)d개 이상 고르세요."),
    "bad_min": N_("최소 선택 수는 0 이상이어야 합니다."),
    "bad_max": N_("최대 선택(순위) 수는 1 이상 %(n)d 이하여야 합니다."),
    "min_above_max": N_("최소 선택 수가 최대 선택 수보다 큽니다."),
    "bad_budget": N_("예산 한도를 0원보다 크게 정하세요."),
    "missing_cost": N_("예산 배분 투표에는 모든 의제의 예상 비용이 필요합니다(%(n)d개 없음)."),
    "nothing_fits": N_("예산 한도 안에 들어가는 의제가 하나도 없습니다."),
    "bad_points_total": N_("배분할 점수를 1점 이상으로 정하세요."),
}


def ballot_message(error: BallotError):
    params = dict(error.params)
    for name in ("spent", "limit"):
        if name in params:
            params[name] = f"{params[name]:,}"
    return lazy_message(BALLOT_MESSAGES[error.code], **params)


def _bad_ballot(error: BallotError) -> DomainError:
    return DomainError(ballot_message(error), status=422)


def _run(statement, parameters=None):
    """A Core statement on the session's connection, in its transaction. The casting path's
    statements load no objects, so they skip the ORM's execution layer (about a tenth of a
    cast's CPU time, measured single-threaded)."""
    return db.session.connection().execute(statement, parameters)


def _insert(table):
    if on_postgresql():
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


# --- The casting path's statements ----------------------------------------------------------

@dataclass(frozen=True)
class _CastingStatements:
    """The casting path's statements that differ by database, built once per database with
    their values bound at run time: building a statement and computing its cache key cost
    more of a cast's CPU time than running it."""

    vote: object
    claim: object
    upsert: object


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
# PostgreSQL records an online cast in one statement: it takes the request's Idempotency-Key
# (if any; a request still holding the key makes it wait, as the unique constraint decides)
# with the answer the key will replay, and only with the key taken (or without one) inserts
# or changes the ballot and makes its choices the new ones. The choices that stay are updated
# in place and the others deleted, so no row is both deleted and inserted by the statement.
#
# The statement's sub-statements share one snapshot, taken when it starts. That is safe only
# because ``vote_for_casting`` made this voter's earlier casts finish first (the advisory
# lock on vote and account): otherwise the choices of a change committed while this one
# waited for the ballot's row lock would be invisible here, and two ballots could mix. For
# the same reason ``prior`` tells exactly whether the cast creates the ballot or changes it.
_CHANGED_FROM_PROPOSED = ", ".join(f"{name} = excluded.{name}" for name in _CHANGED_ON_CAST)
_RECORD_CAST = text(f"""
    WITH prior AS (
        SELECT id FROM ballot WHERE vote_id = :vote_id AND voter_key = :voter_key
    ), claim AS (
        INSERT INTO cast_request (vote_id, voter_key, key, request_digest, created_at, response)
        SELECT :vote_id, :voter_key, :key, :request_digest, :cast_at, json_build_object(
            'vote', :vote_id, 'receipt', :receipt, 'choices', CAST(:choices AS json),
            'status', CASE WHEN EXISTS (SELECT FROM prior) THEN 'changed' ELSE 'created' END)
        WHERE :key IS NOT NULL
        ON CONFLICT (vote_id, voter_key, key) DO NOTHING
        RETURNING id
    ), cast_ballot AS (
        INSERT INTO ballot (vote_id, voter_key, channel, receipt_lookup, receipt_seal, age_band,
                            gender, dong, cast_at, updated_at)
        SELECT :vote_id, :voter_key, :channel, :receipt_lookup, :receipt_seal, :age_band,
               :gender, :dong, :cast_at, :updated_at
        WHERE :key IS NULL OR EXISTS (SELECT FROM claim)
        ON CONFLICT (vote_id, voter_key) DO UPDATE SET {_CHANGED_FROM_PROPOSED}
        WHERE ballot.channel = :channel
        RETURNING id
    ), cleared AS (
        DELETE FROM ballot_choice USING cast_ballot
        WHERE ballot_choice.ballot_id = cast_ballot.id AND ballot_choice.vote_item_id <> ALL(:items)
    ), chosen AS (
        INSERT INTO ballot_choice (ballot_id, vote_item_id, vote_id, value)
        SELECT cast_ballot.id, chosen.item, :vote_id, chosen.value
        FROM cast_ballot, unnest(:items, :values) AS chosen (item, value)
        ON CONFLICT (ballot_id, vote_item_id) DO UPDATE SET value = excluded.value
    )
    SELECT (SELECT id FROM claim) AS claim, cast_ballot.id AS ballot,
           NOT EXISTS (SELECT FROM prior) AS created
    FROM (SELECT) AS answer LEFT JOIN cast_ballot ON true
""").bindparams(  # noqa: S608 (column names from _CHANGED_ON_CAST; values are bound)
    bindparam("vote_id", type_=Integer), bindparam("key", type_=String),
    bindparam("request_digest", type_=String), bindparam("voter_key", type_=String),
    bindparam("channel", type_=String),
    bindparam("receipt", type_=String), bindparam("choices", type_=String),
    bindparam("cast_at", type_=UTCDateTime), bindparam("updated_at", type_=UTCDateTime),
    bindparam("items", type_=ARRAY(Integer)), bindparam("values", type_=ARRAY(Integer)))
_FREEZE = (update(Vote.__table__)
           .where(Vote.__table__.c.id == bindparam("vote"), Vote.__table__.c.frozen_at.is_(None))
           .values(frozen_at=bindparam("now")))
_CASTING_VOTE_COLUMNS = ("id", "district_id", "salt", "ballot_type", "min_choices", "max_choices",
                         "budget_limit", "points_total", "opens_at", "closes_at", "frozen_at",
                         "electorate", "min_age")
_NAME_SEPARATOR = "\x1f"
_casting_statements: dict[str, _CastingStatements] = {}


def _casting() -> _CastingStatements:
    dialect = db.session.get_bind().dialect.name
    if dialect not in _casting_statements:
        vote_table, item_table, dong_table = Vote.__table__, VoteItem.__table__, Dong.__table__
        joined = (func.string_agg if dialect == "postgresql" else func.group_concat)(
            dong_table.c.name, _NAME_SEPARATOR)
        dongs = (select(joined).select_from(vote_dong.join(dong_table))
                 .where(vote_dong.c.vote_id == vote_table.c.id).scalar_subquery())
        # The items as one JSON array of [position, id, cost], so the vote is one row however
        # many items it has; sorted by position in Python (SQLite before 3.44 cannot order an
        # aggregate).
        aggregate, triple = ((func.json_agg, func.json_build_array) if dialect == "postgresql"
                             else (func.json_group_array, func.json_array))
        items = (select(aggregate(triple(item_table.c.position, item_table.c.id,
                                         item_table.c.cost)))
                 .where(item_table.c.vote_id == vote_table.c.id).scalar_subquery())
        voting = vote_table
        if dialect == "postgresql":
            # One voter's casts in one vote run one after another (see _RECORD_CAST). A CTE
            # with a volatile function is evaluated once, whatever the join order.
            serialized = select(func.pg_advisory_xact_lock(
                cast(bindparam("vote"), Integer), cast(bindparam("user"), Integer)
            ).label("held")).cte("serialized")
            voting = serialized.join(voting, true())
        vote = (
            _with_voter_facts(
                select(*(vote_table.c[name] for name in _CASTING_VOTE_COLUMNS),
                       dongs.label("dongs"), items.label("items"))
                .select_from(voting)
                .where(vote_table.c.id == bindparam("vote")),
                vote_table.c.district_id)
            .with_for_update(read=True, key_share=True, of=vote_table))
        claim = _insert(_CAST_REQUEST).on_conflict_do_nothing().returning(_CAST_REQUEST.c.id)
        upsert = _insert(_BALLOT).on_conflict_do_update(
            index_elements=[_BALLOT.c.vote_id, _BALLOT.c.voter_key],
            set_={name: _PROPOSED.c[name] for name in _CHANGED_ON_CAST},
            where=_BALLOT.c.channel == Channel.ONLINE.value,
        ).returning(_BALLOT.c.id, _BALLOT.c.cast_at)
        _casting_statements[dialect] = _CastingStatements(vote, claim, upsert)
    return _casting_statements[dialect]


# --- Reading votes -------------------------------------------------------------------------

def get_vote(district_id: int, vote_id: int) -> Vote:
    vote = db.session.get(Vote, vote_id)
    if vote is None or vote.district_id != district_id:
        raise NotFound(VOTE_NOT_FOUND)
    return vote


@functools.cache
def _vote_under_lock(exclusive: bool):
    """Built once (see ``_CastingStatements``), on first use: the loader options need every
    model mapped."""
    query = (select(Vote).where(Vote.id == bindparam("vote"))
             .options(joinedload(Vote.items), joinedload(Vote.dongs))
             .execution_options(populate_existing=True))
    return (query.with_for_update(of=Vote) if exclusive
            else query.with_for_update(read=True, key_share=True, of=Vote))


def _locked_vote(district_id: int, vote_id: int, *, exclusive: bool) -> Vote:
    """The vote under a row lock: shared by casts (many at once), exclusive for a definition
    change, so a change waits for casts in flight and casts wait for the change.

    Its items and dongs come in the same query, read under the same lock, so a ballot is
    checked against one consistent definition in one round trip."""
    vote = db.session.scalars(_vote_under_lock(exclusive), {"vote": vote_id}).unique().first()
    if vote is None or vote.district_id != district_id:
        raise NotFound(VOTE_NOT_FOUND)
    return vote


def votes_of(district_id: int, cycle_id: int | None = None) -> list[Vote]:
    query = select(Vote).where(Vote.district_id == district_id)
    if cycle_id is not None:
        query = query.where(Vote.cycle_id == cycle_id)
    return list(db.session.scalars(query.order_by(Vote.closes_at.desc(), Vote.id)))


def is_frozen(vote: Vote) -> bool:
    return vote.frozen_at is not None


def definition_tag(vote: Vote) -> str:
    """A short digest of what a ballot depends on; a cast form carries it, so a ballot filled
    against an older definition is refused instead of being read under new rules."""
    rules = vote.rules()
    content = json.dumps([rules.ballot_type.value, list(rules.items), rules.min_choices,
                          rules.max_choices, sorted(rules.costs.items()), rules.budget_limit,
                          rules.points_total])
    return hashlib.sha256(content.encode()).hexdigest()[:16]


# --- Defining a vote -----------------------------------------------------------------------

@dataclass
class VoteDefinition:
    title: str
    ballot_type: BallotType
    agenda_item_ids: list[int]
    opens_at: datetime
    closes_at: datetime
    method: str
    description: str = ""
    min_choices: int = 1
    max_choices: int | None = None
    budget_limit: int | None = None
    points_total: int | None = None
    electorate: Electorate = Electorate.EMAIL
    min_age: int | None = None
    dong_ids: list[int] = field(default_factory=list)
    results_live: bool = False
    compare_methods: list[str] = field(default_factory=list)
    seats: int = 1
    weight_vote: int = 100
    weight_forum: int = 0
    weight_review: int = 0
    mes_completion: str = "add1"


# Fields that a ballot depends on: frozen once the first ballot is in.
FROZEN_FIELDS = ("ballot_type", "min_choices", "max_choices", "budget_limit", "points_total",
                 "electorate", "min_age", "method", "compare_methods", "seats",
                 "weight_vote", "weight_forum", "weight_review", "mes_completion")


def shortlist_by_id(cycle_id: int) -> dict:
    """The agenda items shortlisted for a vote in the cycle, by id."""
    from agenda.coordination import shortlisted_items

    return {item.id: item for item in shortlisted_items(cycle_id)}


def _check_definition(district_id: int, cycle: Cycle, data: VoteDefinition,
                      keep_items: set[int]) -> None:
    if data.opens_at.tzinfo is None or data.closes_at.tzinfo is None:
        raise ValueError("vote windows must be timezone-aware")
    if data.closes_at <= data.opens_at:
        raise DomainError(_l("마감 시각은 시작 시각보다 늦어야 합니다."))
    methods = METHODS_BY_TYPE[data.ballot_type]
    if data.method not in methods or any(m not in methods for m in data.compare_methods):
        raise DomainError(_l("이 투표 방식에 쓸 수 없는 집계 방법입니다."))
    if data.weight_vote + data.weight_forum + data.weight_review != 100 or min(
            data.weight_vote, data.weight_forum, data.weight_review) < 0:
        raise DomainError(_l("종합 점수의 가중치는 0 이상이고 합이 100이어야 합니다."))
    if data.seats < 1 or data.seats > max(len(data.agenda_item_ids), 1):
        raise DomainError(_l("선정할 의제 수는 1 이상, 투표 대상 의제 수 이하여야 합니다."))
    if data.ballot_type == BallotType.BUDGET and data.seats != 1:
        # The budgeting methods fund what the budget allows (voting.tally.SEATED_METHODS).
        raise DomainError(_l("예산 배분 투표는 예산 한도 안에서 선정할 의제가 정해지므로 선정할 "
                             "의제 수를 따로 정하지 않습니다. 1로 두세요."))
    if data.mes_completion not in COMPLETIONS:
        raise DomainError(_l("MES 남은 예산 처리 방식은 없음, add1, 득표순 채우기 가운데 하나여야 "
                             "합니다."))
    if data.min_age is not None and not 0 <= data.min_age <= 120:
        raise DomainError(_l("최소 나이는 0세에서 120세 사이로 정하세요."))
    shortlist = shortlist_by_id(cycle.id)
    for agenda_id in data.agenda_item_ids:
        if agenda_id not in shortlist and agenda_id not in keep_items:
            raise DomainError(_l("최종 후보로 정해진 이 주기의 의제만 투표에 올릴 수 있습니다."))
    district_dongs = set(db.session.scalars(select(Dong.id).where(Dong.district_id == district_id)))
    if any(d not in district_dongs for d in data.dong_ids):
        raise DomainError(_l("이 자치구의 동만 고를 수 있습니다."))


def _agenda_items(ids: list[int]) -> dict:
    from agenda.models import AgendaItem

    return {i.id: i for i in db.session.scalars(select(AgendaItem).where(AgendaItem.id.in_(ids)))}


def _apply_definition(vote: Vote, data: VoteDefinition) -> None:
    vote.title = data.title.strip()
    vote.description = (data.description or "").strip()
    vote.ballot_type = data.ballot_type.value
    vote.min_choices = data.min_choices
    vote.max_choices = data.max_choices
    vote.budget_limit = data.budget_limit if data.ballot_type == BallotType.BUDGET else None
    vote.points_total = data.points_total if data.ballot_type == BallotType.POINTS else None
    vote.opens_at, vote.closes_at = data.opens_at, data.closes_at
    vote.electorate = data.electorate.value
    vote.min_age = data.min_age
    vote.results_live = data.results_live
    vote.method = data.method
    vote.compare_methods = ",".join(m for m in data.compare_methods if m != data.method)
    vote.seats = data.seats
    vote.mes_completion = data.mes_completion
    vote.weight_vote, vote.weight_forum, vote.weight_review = (
        data.weight_vote, data.weight_forum, data.weight_review)
    vote.dongs = list(db.session.scalars(select(Dong).where(Dong.id.in_(data.dong_ids))))
    agenda = _agenda_items(data.agenda_item_ids)
    existing = {item.agenda_item_id: item for item in vote.items}
    items = []
    for position, agenda_id in enumerate(data.agenda_item_ids):
        item = existing.pop(agenda_id, None) or VoteItem(agenda_item_id=agenda_id)
        item.position = position
        item.title = agenda[agenda_id].title
        item.cost = agenda[agenda_id].estimated_cost
        items.append(item)
    vote.items = items
    _release_items(vote, [item.agenda_item_id for item in existing.values()])
    # Checked on agenda ids: new items have no ids of their own until flushed.
    planned = BallotRules(
        ballot_type=vote.type, items=tuple(data.agenda_item_ids), min_choices=vote.min_choices,
        max_choices=vote.max_choices, budget_limit=vote.budget_limit,
        points_total=vote.points_total,
        costs={i.agenda_item_id: i.cost for i in items if i.cost is not None})
    problems = planned.definition_problems()
    if problems:
        raise _bad_ballot(problems[0])


def _claim_items(vote: Vote, actor) -> None:
    """Shortlisted items on a vote are ``in_vote`` (agenda's life cycle)."""
    from agenda.coordination import set_status

    for item in vote.items:
        if item.agenda_item.status == "shortlisted":
            set_status(item.agenda_item_id, "in_vote", actor, district_id=vote.district_id,
                       notify=False)


def _release_items(vote: Vote, agenda_ids: list[int]) -> None:
    """Items taken off a vote go back to the shortlist unless another vote still holds them."""
    from agenda.coordination import set_status
    from agenda.models import AgendaItem

    for agenda_id in agenda_ids:
        others = db.session.scalar(select(func.count()).select_from(VoteItem).where(
            VoteItem.agenda_item_id == agenda_id, VoteItem.vote_id != vote.id))
        status = db.session.scalar(select(AgendaItem.status).where(AgendaItem.id == agenda_id))
        if not others and status == "in_vote":
            set_status(agenda_id, "shortlisted", None, district_id=vote.district_id,
                       notify=False)


def _log(vote: Vote, actor, action: str, detail: str = "", *, audited: dict) -> None:
    """The vote's own history (shown to staff and, once confirmed, to residents) and the
    district's audit trail beside it. ``audited`` is what the trail keeps, chosen per action:
    never a ballot's choices, for a paper entry only who entered which serial."""
    db.session.add(VoteLog(vote_id=vote.id, actor_id=actor.id if actor else None,
                           action=action, detail=detail))
    code = "ballot_entry" if action.startswith("entered_") else _AUDIT_CODES.get(action, action)
    audit.record(f"vote.{code}", "vote", vote.id, actor, vote.district_id, audited)


_AUDIT_CODES = {"created": "create", "updated": "edit", "confirmed": "confirm"}


def _definition_summary(vote: Vote) -> dict:
    return {"title": vote.title, "type": vote.type, "method": vote.method,
            "opens_at": vote.opens_at.isoformat(), "closes_at": vote.closes_at.isoformat(),
            "items": [item.agenda_item_id for item in vote.items]}


def create_vote(district_id: int, cycle_id: int, data: VoteDefinition, actor) -> Vote:
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None or cycle.district_id != district_id:
        raise NotFound(_l("그런 연차 계획 주기가 없습니다."))
    _check_definition(district_id, cycle, data, set())
    vote = Vote(district_id=district_id, cycle_id=cycle_id, salt=new_salt(),
                tie_seed=new_salt()[:16], created_by_id=actor.id if actor else None)
    _apply_definition(vote, data)
    db.session.add(vote)
    db.session.flush()
    _claim_items(vote, actor)
    _log(vote, actor, "created", vote.title, audited=_definition_summary(vote))
    db.session.flush()
    return vote


def update_vote(district_id: int, vote_id: int, data: VoteDefinition, actor) -> Vote:
    """Change a vote's definition. Once a ballot is in, only the title, description, window
    and result visibility may change; anything a ballot depends on is refused (409)."""
    vote = _locked_vote(district_id, vote_id, exclusive=True)
    if utcnow() >= vote.closes_at:
        raise Conflict(_l("마감된 투표는 바꿀 수 없습니다."))
    if is_frozen(vote):
        current = {name: getattr(vote, name) for name in FROZEN_FIELDS}
        current["ballot_type"] = vote.type
        current["compare_methods"] = [m for m in vote.methods if m != vote.method]
        wanted = {name: getattr(data, name) for name in FROZEN_FIELDS}
        wanted["compare_methods"] = [m for m in data.compare_methods if m != data.method]
        if data.ballot_type != BallotType.BUDGET:
            current["budget_limit"] = wanted["budget_limit"] = None
        if data.ballot_type != BallotType.POINTS:
            current["points_total"] = wanted["points_total"] = None
        same_items = [i.agenda_item_id for i in vote.items] == list(data.agenda_item_ids)
        same_dongs = sorted(d.id for d in vote.dongs) == sorted(data.dong_ids)
        if current != wanted or not same_items or not same_dongs:
            raise Conflict(_l("첫 투표가 들어온 뒤에는 투표 방식, 대상 의제, 투표 자격, 집계 "
                              "방법을 바꿀 수 없습니다. 바꾸려면 관리자가 투표를 초기화해야 "
                              "합니다."))
    cycle = db.session.get(Cycle, vote.cycle_id)
    _check_definition(district_id, cycle, data, {i.agenda_item_id for i in vote.items})
    _apply_definition(vote, data)
    db.session.flush()
    _claim_items(vote, actor)
    _log(vote, actor, "updated", vote.title, audited=_definition_summary(vote))
    return vote


def reset_vote(district_id: int, vote_id: int, actor, reason: str) -> int:
    """Remove every ballot and unfreeze the definition: an admin action, logged with a reason.
    Returns how many ballots were removed."""
    if Role.ADMIN not in actor.roles_in(district_id):
        raise Forbidden(_l("투표 초기화는 관리자만 할 수 있습니다."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("초기화 사유를 적으세요."))
    vote = _locked_vote(district_id, vote_id, exclusive=True)
    if confirmation(vote) is not None:
        raise Conflict(ALREADY_CONFIRMED)
    removed = db.session.scalar(select(func.count()).select_from(Ballot).where(
        Ballot.vote_id == vote.id))
    db.session.execute(delete(BallotChoice).where(BallotChoice.vote_id == vote.id))
    db.session.execute(delete(Ballot).where(Ballot.vote_id == vote.id))
    db.session.execute(delete(CastRequest).where(CastRequest.vote_id == vote.id))
    vote.frozen_at = None
    # New pseudonyms and receipts: nothing from before the reset can be matched to after.
    vote.salt = new_salt()
    _log(vote, actor, "reset", f"{removed}: {reason}",
         audited={"ballots_removed": removed, "reason": reason})
    db.session.flush()
    return removed


def set_review_scores(district_id: int, vote_id: int, scores: dict[int, float | None],
                      actor) -> None:
    """The committee's review scores (0-100) per item, a component of the combined score."""
    vote = _locked_vote(district_id, vote_id, exclusive=True)
    if confirmation(vote) is not None:
        raise Conflict(ALREADY_CONFIRMED)
    by_id = {item.id: item for item in vote.items}
    for item_id, score in scores.items():
        if item_id not in by_id:
            raise DomainError(lazy_message(BALLOT_MESSAGES["unknown_item"]))
        if score is not None and not 0 <= score <= 100:
            raise DomainError(_l("심사 점수는 0점에서 100점 사이로 입력하세요."))
    for item_id, score in scores.items():
        by_id[item_id].review_score = score
    vote.updated_at = utcnow()
    _log(vote, actor, "review_scores", audited={"items": sorted(scores)})
    db.session.flush()


def log_of(vote: Vote) -> list[VoteLog]:
    return list(db.session.scalars(
        select(VoteLog).where(VoteLog.vote_id == vote.id).order_by(VoteLog.id.desc())))


# --- Who may vote ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Voter:
    """What eligibility and participation statistics need to know about one person."""

    identity: str
    registered: bool
    verified: bool  # on the voter roll, or checked in person by staff
    birth_year: int | None
    dong: str | None
    gender: str | None = None
    consented: bool = False
    email_verified: bool = False


def _with_voter_facts(query, district_id):
    """``query`` (over a FROM that names the person as ``:user``) with the person's roll entry
    in ``district_id`` (with its dong) and consented profile, both optional, as columns."""
    roll, roll_dong, profile = VoterRoll.__table__, _ROLL_DONG, Demographics.__table__
    return (query.add_columns(roll.c.id.label("roll"), roll.c.birth_date,
                              roll_dong.c.name.label("roll_dong"),
                              profile.c.user_id.label("profile"), profile.c.birth_year,
                              profile.c.dong, profile.c.gender)
            .outerjoin(roll, (roll.c.user_id == bindparam("user"))
                       & (roll.c.district_id == district_id))
            .outerjoin(roll_dong, roll_dong.c.id == roll.c.dong_id)
            .outerjoin(profile, profile.c.user_id == bindparam("user")))


# The roll entry's dong, apart from any other use of the dong table in the same query.
_ROLL_DONG = Dong.__table__.alias("roll_dong")
_VOTER_FACTS = _with_voter_facts(
    select().select_from(User.__table__).where(User.__table__.c.id == bindparam("user")),
    bindparam("district"))


def _voter(user: User, district_id: int, facts) -> Voter:
    rolled = facts.roll is not None
    # The account came with the request (its row is read with the session): its verified
    # address costs the cast no query.
    return Voter(identity=account_identity(user.id), registered=is_member(user, district_id),
                 verified=rolled, email_verified=user.email_verified_at is not None,
                 birth_year=facts.birth_date.year if rolled else facts.birth_year,
                 dong=facts.roll_dong if rolled else facts.dong,
                 gender=facts.gender, consented=facts.profile is not None)


def account_voter(district_id: int, user: User) -> Voter:
    return _voter(user, district_id,
                  _run(_VOTER_FACTS, {"district": district_id, "user": user.id}).one())


def eligibility_problem(vote: Vote | CastingVote, voter: Voter):
    """Why ``voter`` may not vote in ``vote``, or None. Age is the age reached this year
    (연 나이), from the roll's birth date or the consented birth year."""
    if not voter.registered:
        return _l("이 자치구에 가입한 주민만 투표할 수 있습니다.")
    if vote.electorate == Electorate.ROLL and not voter.verified:
        return _l("이 투표는 주민 확인(명부 등록)을 마친 분만 참여할 수 있습니다. 동 주민센터나 "
                  "공론장 안내 데스크에서 확인을 받으세요.")
    if vote.electorate == Electorate.EMAIL and not (voter.email_verified or voter.verified):
        return _l("이 투표는 이메일 인증을 마친 분만 참여할 수 있습니다. 가입할 때 받은 메일의 "
                  "링크를 누르거나, 내 마당에서 인증 메일을 다시 받으세요.")
    if vote.min_age is not None:
        if voter.birth_year is None:
            return lazy_message("이 투표는 만 %(age)d세 이상(연 나이 기준) 참여할 수 있습니다. "
                                "내 마당에서 출생 연도를 등록하세요.", age=vote.min_age)
        if age_in_year(voter.birth_year, seoul_today().year) < vote.min_age:
            return lazy_message("이 투표는 %(age)d세 이상(연 나이 기준)만 참여할 수 있습니다.",
                                age=vote.min_age)
    if vote.dong_names:
        if voter.dong is None:
            return _l("이 투표는 일부 동 주민만 참여할 수 있습니다. 내 마당에서 사는 동을 "
                      "등록하세요.")
        if voter.dong not in vote.dong_names:
            return lazy_message("이 투표는 %(dongs)s 주민만 참여할 수 있습니다.",
                                dongs=", ".join(sorted(vote.dong_names)))
    return None


def _check_open(vote: Vote | CastingVote, now: datetime) -> None:
    status = vote.status_at(now)
    if status == "upcoming":
        raise DomainError(_l("아직 투표 기간이 아닙니다."), status=403)
    if status == "closed":
        raise DomainError(_l("투표가 마감되었습니다."), status=403)


def _validated(vote: Vote, entries) -> Entries:
    try:
        return rules_module.validate(vote.rules(), entries)
    except BallotError as error:
        raise _bad_ballot(error) from None


# --- Casting ----------------------------------------------------------------------------------

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
    claimed = _run(_casting().claim, {"vote_id": vote_id, "voter_key": key,
                                      "key": idempotency_key, "request_digest": digest,
                                      "created_at": utcnow()}).first()
    return None if claimed is None else claimed[0]


def _snapshot(voter: Voter) -> dict:
    if not voter.consented:
        return {"age_band": None, "gender": None, "dong": None}
    return {"age_band": age_band(voter.birth_year, seoul_today().year), "gender": voter.gender,
            "dong": voter.dong}


def _store_choices(ballot_id: int, vote_id: int, entries: Entries) -> None:
    _run(_ADD_CHOICES, [
        {"ballot_id": ballot_id, "vote_item_id": item, "vote_id": vote_id, "value": value}
        for item, value in entries
    ])


def _insert_ballot(vote: Vote, key: str, channel: Channel, entries: Entries, code: str,
                   now: datetime, extra: dict) -> int | None:
    """Insert a new ballot; None when the person (or the paper serial) already has one."""
    table = Ballot.__table__
    row = db.session.execute(
        _insert(table).values(
            vote_id=vote.id, voter_key=key, channel=channel.value,
            receipt_lookup=receipt_lookup(code),
            receipt_seal=receipt_seal(vote.salt, code, entries), cast_at=now, updated_at=now,
            **extra,
        ).on_conflict_do_nothing().returning(table.c.id)
    ).first()
    return None if row is None else row[0]


def _first_ballot(vote: Vote | CastingVote, now: datetime) -> None:
    if vote.frozen_at is None:
        _run(_FREEZE, {"vote": vote.id, "now": now})


def _already_other_channel(vote_id: int, key: str) -> Conflict:
    """The refusal of an online cast by someone whose counted ballot came by another channel,
    naming that channel (read only on this refusal, off the casting path's round trips)."""
    channel = db.session.scalar(select(Ballot.channel).where(Ballot.vote_id == vote_id,
                                                             Ballot.voter_key == key))
    return Conflict(lazy_message("이미 %(channel)s(으)로 참여한 기록이 있어 온라인으로 투표할 수 "
                       "없습니다. 한 사람은 한 번만 집계됩니다.",
                       channel=_channel_label(channel or Channel.PAPER.value)))


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
    hold until they commit. On PostgreSQL it also waits for ``user``'s earlier casts in this
    vote to finish, so theirs are committed before this cast writes (see _RECORD_CAST)."""
    first = _run(_casting().vote, {"vote": vote_id, "user": user.id}).first()
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
        voter=_voter(user, district_id, first))


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
                            _snapshot(voter))
    if status is None:
        return _stored_answer(vote.id, key, idempotency_key, digest)
    answer["status"] = status
    _first_ballot(vote, now)
    return answer


def _accepted(vote: CastingVote, voter: Voter, entries, definition: str | None,
              now: datetime) -> Entries:
    """The ballot in canonical form, if ``voter`` may cast it in ``vote`` now."""
    _check_open(vote, now)
    problem = eligibility_problem(vote, voter)
    if problem is not None:
        raise Forbidden(problem)
    if definition is not None and definition != definition_tag(vote):
        raise Conflict(_l("투표 설정이 바뀌었습니다. 화면을 새로 고친 뒤 다시 투표하세요."))
    return _validated(vote, entries)


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
    """
    ballot = {"vote_id": vote.id, "voter_key": key, "channel": Channel.ONLINE.value,
              "receipt_lookup": receipt_lookup(answer["receipt"]),
              "receipt_seal": receipt_seal(vote.salt, answer["receipt"], entries),
              "cast_at": now, "updated_at": now, **extra}
    if on_postgresql():
        recorded = _run(_RECORD_CAST, {
            **ballot, "key": idempotency_key, "request_digest": digest,
            "receipt": answer["receipt"],
            "choices": json.dumps(answer["choices"]),
            "items": [item for item, _value in entries],
            "values": [value for _item, value in entries]}).one()
        if idempotency_key and recorded.claim is None:
            return None
        if recorded.ballot is None:
            raise _already_other_channel(vote.id, key)
        return "created" if recorded.created else "changed"
    claim = None
    if idempotency_key:
        claim = _claim_request(vote.id, key, idempotency_key, digest)
        if claim is None:
            return None
    upserted = _run(_casting().upsert, ballot).first()
    if upserted is None:
        raise _already_other_channel(vote.id, key)
    _run(_CLEAR_CHOICES, {"ballot": upserted.id})
    _store_choices(upserted.id, vote.id, entries)
    # A change keeps the first cast's time, so only a new ballot carries this request's.
    status = "created" if upserted.cast_at == now else "changed"
    if claim is not None:
        _run(_STORE_ANSWER, {"claim": claim, "answer": {**answer, "status": status}})
    return status


def withdraw(district_id: int, vote_id: int, user: User) -> None:
    """Take back one's online ballot while the vote is open."""
    vote = _locked_vote(district_id, vote_id, exclusive=False)
    _check_open(vote, utcnow())
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


def choices_of(ballot_id: int, vote: Vote) -> Entries:
    rows = db.session.execute(select(BallotChoice.vote_item_id, BallotChoice.value).where(
        BallotChoice.ballot_id == ballot_id)).all()
    position = {item.id: item.position for item in vote.items}
    if vote.type == BallotType.RANKED:
        ordered = sorted(rows, key=lambda r: r.value)
    else:
        ordered = sorted(rows, key=lambda r: position.get(r.vote_item_id, 0))
    return tuple((r.vote_item_id, r.value) for r in ordered)


# --- Paper and forum ballots ------------------------------------------------------------------

@dataclass
class PersonOnPaper:
    """How staff identify the person whose paper or forum ballot they enter: by the email of
    their account, or by name, birth date and dong as checked in person."""

    email: str | None = None
    name: str | None = None
    birth_date: date | None = None
    dong_id: int | None = None
    consented: bool = False
    gender: str | None = None


def person_digest(identity: str) -> str:
    """What the roll stores of a person known by name (``person_identity``, whose name is
    already folded by ``core.identity``): a digest, never the name."""
    return hashlib.sha256(identity.encode()).hexdigest()


def _paper_voter(district_id: int, person: PersonOnPaper) -> Voter:
    if person.email:
        user = user_by_email(person.email)
        if user is None or not is_member(user, district_id):
            raise NotFound(_l("그 이메일로 가입한 이 자치구 주민이 없습니다."))
        found = account_voter(district_id, user)
        # Staff checked the person's identity in the room: as good as the roll for this ballot.
        return Voter(identity=found.identity, registered=True, verified=True,
                     birth_year=found.birth_year, dong=found.dong,
                     gender=found.gender if person.consented else None,
                     consented=person.consented)
    if not (person.name and fold_name(person.name) and person.birth_date and person.dong_id):
        raise DomainError(_l("이메일, 또는 이름·생년월일·동을 모두 입력하세요."))
    dong = db.session.get(Dong, person.dong_id)
    if dong is None or dong.district_id != district_id:
        raise DomainError(_l("이 자치구의 동만 고를 수 있습니다."))
    identity = person_identity(person.name, person.birth_date, dong.id)
    roll = db.session.scalars(select(VoterRoll).where(
        VoterRoll.district_id == district_id,
        VoterRoll.person_key == person_digest(identity))).first()
    if roll is not None and roll.user_id is not None:
        identity = account_identity(roll.user_id)
    return Voter(identity=identity, registered=True, verified=True,
                 birth_year=person.birth_date.year, dong=dong.name,
                 gender=person.gender if person.consented else None,
                 consented=person.consented)


def enter_ballot(district_id: int, vote_id: int, actor: User, channel: Channel,
                 person: PersonOnPaper, entries, paper_serial: str | None = None) -> dict:
    """Staff enter a paper ballot (with its serial) or a vote collected at a forum.

    Refused when the person already has a ballot in this vote by any channel, or when the
    paper serial was entered before; the unique constraints decide both.
    """
    if channel == Channel.ONLINE:
        raise DomainError(_l("온라인 투표는 직접 입력할 수 없습니다."), status=400)
    serial = (paper_serial or "").strip() or None
    if channel == Channel.PAPER and not serial:
        raise DomainError(_l("종이 투표지의 일련번호를 입력하세요."))
    if serial is not None and (channel != Channel.PAPER or len(serial) > 40):
        raise DomainError(_l("일련번호는 종이 투표지에만, 40자 이내로 입력하세요."))
    vote = _locked_vote(district_id, vote_id, exclusive=False)
    now = utcnow()
    _check_open(vote, now)
    voter = _paper_voter(district_id, person)
    problem = eligibility_problem(vote, voter)
    if problem is not None:
        raise Forbidden(problem)
    canonical = _validated(vote, entries)
    key = voter_key(vote.salt, voter.identity)
    code = new_receipt_code()
    extra = {**_snapshot(voter), "paper_serial": serial, "entered_by_id": actor.id}
    ballot_id = _insert_ballot(vote, key, channel, canonical, code, now, extra)
    if ballot_id is None:
        taken = db.session.scalar(select(Ballot.channel).where(
            Ballot.vote_id == vote.id, Ballot.voter_key == key))
        if taken is not None:
            raise Conflict(lazy_message("이 사람은 이미 이 투표에 참여했습니다(%(channel)s). "
                                        "한 사람은 한 번만 집계됩니다.",
                                        channel=_channel_label(taken)))
        raise Conflict(lazy_message("일련번호 %(serial)s 종이 투표지는 이미 입력되었습니다.",
                                    serial=serial or ""))
    _store_choices(ballot_id, vote.id, canonical)
    _first_ballot(vote, now)
    _log(vote, actor, f"entered_{channel.value}", serial or "",
         audited={"channel": channel.value, "paper_serial": serial})
    return {"vote": vote.id, "receipt": code, "status": "created",
            "choices": [list(e) for e in canonical]}


def _channel_label(channel: str):
    return CHANNEL_LABELS[Channel(channel)]


# --- Voter roll -------------------------------------------------------------------------------

def verify_resident(district_id: int, actor: User, name: str, birth_date: date, dong_id: int,
                    email: str | None = None) -> VoterRoll:
    """Put a resident whose identity staff checked on the roll, linked to their account.

    A resident already on the roll without an account gets it linked (the ballots cast under
    their name move to it); anyone else already on the roll is refused (409)."""
    dong = db.session.get(Dong, dong_id)
    if dong is None or dong.district_id != district_id:
        raise DomainError(_l("이 자치구의 동만 고를 수 있습니다."))
    if not name or not fold_name(name):
        raise DomainError(_l("이름을 입력하세요."))
    user = None
    if email:
        user = user_by_email(email)
        if user is None or not is_member(user, district_id):
            raise NotFound(_l("그 이메일로 가입한 이 자치구 주민이 없습니다."))
    identity = person_identity(name, birth_date, dong.id)
    entry = db.session.scalars(select(VoterRoll).where(
        VoterRoll.district_id == district_id,
        VoterRoll.person_key == person_digest(identity)).with_for_update()).first()
    if entry is not None and (user is None or entry.user_id is not None):
        raise Conflict(ALREADY_ROLLED)
    if entry is None:
        entry = VoterRoll(district_id=district_id, person_key=person_digest(identity),
                          birth_date=birth_date, dong_id=dong.id)
        db.session.add(entry)
    entry.user_id = user.id if user else None
    entry.verified_by_id, entry.verified_at = (actor.id if actor else None), utcnow()
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict(ALREADY_ROLLED) from None
    if user is not None:
        _adopt_ballots(district_id, identity, account_identity(user.id))
    audit.record("roll.verify", "voter_roll", entry.id, actor, district_id,
                 {"dong_id": dong.id, "linked_account": user is not None})
    return entry


ALREADY_ROLLED = _l("이미 명부에 있는 주민이거나, 그 계정이 다른 주민과 연결되어 있습니다.")


def _adopt_ballots(district_id: int, identity: str, account: str) -> None:
    """Move the ballots cast under a person's name (paper, forum) to their account's
    identity, now that the roll links the two: from here on every channel finds one ballot
    per vote, and the unique (vote, voter_key) constraint keeps it one.

    Refused (409, nothing changed) when the person already has a ballot under each identity
    in one vote: both came in before anyone could know they were one person, and staff must
    decide which one stands (an admin reset of that vote) before linking them."""
    votes = db.session.execute(select(Vote.id, Vote.title, Vote.salt).where(
        Vote.district_id == district_id)).all()
    moves = {(vote.id, voter_key(vote.salt, identity)): voter_key(vote.salt, account)
             for vote in votes}
    if not moves:
        return
    keys = {key for _vote, key in moves} | set(moves.values())
    found = db.session.execute(select(Ballot.id, Ballot.vote_id, Ballot.voter_key).where(
        Ballot.vote_id.in_([vote.id for vote in votes]), Ballot.voter_key.in_(keys))
        .with_for_update()).all()
    taken = {(row.vote_id, row.voter_key) for row in found}
    titles = {vote.id: vote.title for vote in votes}
    for row in found:
        target = moves.get((row.vote_id, row.voter_key))
        if target is None:
            continue
        if (row.vote_id, target) in taken:
            raise Conflict(lazy_message(
                "이 주민은 ‘%(title)s’ 투표에 이름으로(종이·현장) 한 번, 계정으로 한 번 "
                "참여했습니다. 어느 쪽을 집계할지 정한 뒤(관리자 초기화) 계정을 연결하세요.",
                title=titles[row.vote_id]))
        db.session.execute(update(Ballot).where(Ballot.id == row.id).values(voter_key=target))


def roll_size(district_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(VoterRoll).where(
        VoterRoll.district_id == district_id)) or 0


# --- Receipts ---------------------------------------------------------------------------------

@dataclass
class ReceiptCheck:
    vote: Vote
    channel: str
    recorded_at: datetime
    choices: list[tuple[VoteItem, int]]
    intact: bool


def check_receipt(code: str) -> ReceiptCheck | None:
    """The ballot a receipt belongs to, if it is still the counted one; says nothing about who
    cast it. ``intact`` is False when the stored choices no longer match the receipt's seal."""
    ballot = db.session.scalars(select(Ballot).where(
        Ballot.receipt_lookup == receipt_lookup(code))).first()
    if ballot is None:
        return None
    vote = db.session.get(Vote, ballot.vote_id)
    entries = choices_of(ballot.id, vote)
    items = {item.id: item for item in vote.items}
    return ReceiptCheck(
        vote=vote, channel=ballot.channel, recorded_at=ballot.updated_at,
        choices=[(items[item], value) for item, value in entries],
        intact=receipt_seal(vote.salt, code, entries) == ballot.receipt_seal,
    )


# --- Confirming the result --------------------------------------------------------------------

CONFIRMED = "confirmed"
ALREADY_CONFIRMED = _l("이 투표의 결과는 이미 확정되었습니다. 확정된 결과는 바꿀 수 없습니다.")


@dataclass(frozen=True)
class Confirmation:
    """A vote's confirmed result: when, by whom, on what basis, and the selected agenda items
    with their scores, best first."""

    at: datetime
    actor_id: int | None
    basis: str
    selected: list[tuple[int, float]]

    def to_dict(self) -> dict:
        return {"at": self.at.isoformat(), "basis": self.basis,
                "selected": [{"item": str(item), "score": score}
                             for item, score in self.selected]}


def confirmation(vote: Vote) -> Confirmation | None:
    """The vote's confirmation, or None while its result is not confirmed."""
    entry = db.session.scalars(select(VoteLog).where(
        VoteLog.vote_id == vote.id, VoteLog.action == CONFIRMED)
        .order_by(VoteLog.id).limit(1)).first()
    if entry is None:
        return None
    detail = json.loads(entry.detail)
    return Confirmation(at=entry.created_at, actor_id=entry.actor_id, basis=detail["basis"],
                        selected=[(int(item), score) for item, score in detail["selected"]])


def selection_basis(vote: Vote) -> str:
    """What decides the selection: the deciding method's own selection when the residents'
    vote is the whole score or the ballot is a budget (the method already filled the budget);
    otherwise the published combined score."""
    if vote.type == BallotType.BUDGET or vote.weight_vote == 100:
        return "method"
    return "combined"


def selection_of(vote: Vote, result: dict) -> list[tuple[int, float]]:
    """The agenda items ``result`` selects, best first, each with the score that placed it:
    the combined total, or the method's score (the items' support where it has none)."""
    if selection_basis(vote) == "combined":
        rows = result["combined"]["rows"][:vote.seats]
        return [(int(row["item"]), row["total"]) for row in rows]
    scores = result.get("scores") or result["support"]
    order = [item for group in result["ranking"] or [] for item in group]
    chosen = sorted(result["selected"],
                    key=lambda item: order.index(item) if item in order else len(order))
    return [(int(item), float(scores.get(item, 0))) for item in chosen]


def confirm_result(district_id: int, vote_id: int, actor, *, notify: bool = True
                   ) -> Confirmation:
    """Confirm a closed vote's result: each of its agenda items becomes ``selected`` or
    ``not_selected`` (with the vote's title as the reason) and the selection is logged.

    Refused (409, nothing changed) before the vote closes, a second time, without ballots,
    or when an item is no longer ``in_vote`` (another vote already decided it)."""
    from agenda.coordination import set_status
    from agenda.models import AgendaItem

    vote = _locked_vote(district_id, vote_id, exclusive=True)
    if utcnow() < vote.closes_at:
        raise Conflict(_l("투표가 마감된 뒤에 결과를 확정할 수 있습니다."))
    if confirmation(vote) is not None:
        raise Conflict(ALREADY_CONFIRMED)
    if not ballot_count(vote.id):
        raise Conflict(_l("투표지가 없어 결과를 확정할 수 없습니다."))
    agenda_ids = [item.agenda_item_id for item in vote.items]
    statuses = dict(db.session.execute(select(AgendaItem.id, AgendaItem.status).where(
        AgendaItem.id.in_(agenda_ids)).with_for_update()).all())
    for item in vote.items:
        if statuses.get(item.agenda_item_id) != "in_vote":
            raise Conflict(lazy_message("‘%(title)s’은(는) 더 이상 투표 중인 의제가 아닙니다"
                                        "(다른 투표나 결정으로 상태가 바뀌었습니다). "
                                        "결과를 확정할 수 없습니다.",
                                        title=item.title))
    result, _record = current_result(vote, allow_job=False)
    selected = selection_of(vote, result)
    chosen = {item for item, _score in selected}
    for item in vote.items:
        status = "selected" if item.agenda_item_id in chosen else "not_selected"
        set_status(item.agenda_item_id, status, actor, vote.title[:200],
                   district_id=district_id, notify=notify)
    _log(vote, actor, CONFIRMED, json.dumps({
        "basis": selection_basis(vote), "selected": [[item, score] for item, score in selected]}),
        audited={"basis": selection_basis(vote), "selected": sorted(chosen)})
    db.session.flush()
    return confirmation(vote)


def published(vote: Vote, result: dict) -> dict:
    """The result as the API and ``flask tally --json`` publish it: with the confirmation
    (``{"at", "basis", "selected": [{"item", "score"}, ...]}``), or ``None`` before it."""
    confirmed = confirmation(vote)
    return {**result, "confirmed": confirmed.to_dict() if confirmed else None}


def confirmed_selection(district_id: int, vote_id: int) -> list[tuple[int, float]]:
    """For plans: the confirmed vote's selected agenda items with their scores, in priority
    order. Raises ``Conflict`` when the vote's result is not confirmed. (A result is
    confirmed only after its vote closes, and a closed vote cannot reopen: what this gives is
    never secret.)"""
    found = confirmation(get_vote(district_id, vote_id))
    if found is None:
        raise Conflict(_l("결과가 확정되지 않은 투표입니다. 먼저 투표 결과를 확정하세요."))
    return list(found.selected)


def approval_ballots(district_id: int, vote_id: int) -> tuple[list[int], list[list[bool]],
                                                                list[int]]:
    """For plans' what-if: the vote's ballots as approval ballots over its agenda items,
    identical ballots folded: ``(agenda item ids, rows, counts)``. Nothing links a row to a
    person. Refused while the vote's results are hidden (plans read confirmed votes only,
    which have closed)."""
    vote = get_vote(district_id, vote_id)
    check_results_readable(vote)
    agenda_ids, rows, counts = approval_rows(vote)
    return agenda_ids, rows.tolist(), [int(n) for n in counts]


def confirmed_votes(district_id: int, cycle_id: int) -> list[Vote]:
    """The cycle's votes whose result is confirmed, most recently confirmed first."""
    confirmed = (select(VoteLog.vote_id, func.max(VoteLog.id).label("entry"))
                 .where(VoteLog.action == CONFIRMED).group_by(VoteLog.vote_id).subquery())
    return list(db.session.scalars(
        select(Vote).join(confirmed, confirmed.c.vote_id == Vote.id)
        .where(Vote.district_id == district_id, Vote.cycle_id == cycle_id)
        .order_by(confirmed.c.entry.desc())))
