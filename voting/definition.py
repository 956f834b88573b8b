"""Defining a vote: its items, ballot type, window, electorate and counting method, and the
organizer's changes to it. Once the first ballot is in, what a ballot depends on is frozen
until an admin resets the vote.

Services flush; the request commits once."""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import joinedload

from core.auth import Role
from core.db import db, utcnow
from core.errors import Conflict, DomainError, Forbidden, NotFound
from core.i18n import lazy_message
from core.models import Cycle, Dong
from voting.labels import BALLOT_MESSAGES, ballot_message, method_unfit
from voting.models import Ballot, BallotChoice, CastRequest, Vote, VoteItem
from voting.pseudonyms import new_salt
from voting.rules import METHODS_BY_TYPE, BallotRules, BallotType, Electorate
from voting.tally import COMPLETIONS
from voting.vote_log import ALREADY_CONFIRMED, confirmation, record

VOTE_NOT_FOUND = _l("그런 투표가 없습니다.")


# --- Reading votes -------------------------------------------------------------------------

def get_vote(district_id: int, vote_id: int) -> Vote:
    vote = db.session.get(Vote, vote_id)
    if vote is None or vote.district_id != district_id:
        raise NotFound(VOTE_NOT_FOUND)
    return vote


@functools.cache
def _vote_under_lock(exclusive: bool):
    """Built once, on first use (the loader options need every model mapped): building a
    statement and computing its cache key cost more than running it."""
    query = (select(Vote).where(Vote.id == bindparam("vote"))
             .options(joinedload(Vote.items), joinedload(Vote.dongs))
             .execution_options(populate_existing=True))
    return (query.with_for_update(of=Vote) if exclusive
            else query.with_for_update(read=True, key_share=True, of=Vote))


def locked_vote(district_id: int, vote_id: int, *, exclusive: bool) -> Vote:
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

# The form field a problem of the ballot definition is about (``BallotRules.definition_problems``),
# so the form shows the message beside it.
PROBLEM_FIELDS = {"too_few_items": "items", "duplicate_item": "items", "missing_cost": "items",
                  "bad_min": "min_choices", "min_above_max": "min_choices",
                  "bad_max": "max_choices", "bad_budget": "budget_limit",
                  "nothing_fits": "budget_limit", "bad_points_total": "points_total"}


def shortlist_of(cycle_id: int) -> dict:
    """The agenda items shortlisted for a vote in the cycle, by id."""
    from agenda.coordination import shortlisted_items

    return {item.id: item for item in shortlisted_items(cycle_id)}


def _check_definition(district_id: int, cycle: Cycle, data: VoteDefinition,
                      keep_items: set[int]) -> None:
    if data.opens_at.tzinfo is None or data.closes_at.tzinfo is None:
        raise ValueError("vote windows must be timezone-aware")
    if data.closes_at <= data.opens_at:
        raise DomainError(_l("마감 시각은 시작 시각보다 늦어야 합니다."), field="closes_at")
    methods = METHODS_BY_TYPE[data.ballot_type]
    if data.method not in methods:
        raise DomainError(method_unfit(data.ballot_type), field="method")
    if any(m not in methods for m in data.compare_methods):
        raise DomainError(method_unfit(data.ballot_type), field="compare_methods")
    if data.weight_vote + data.weight_forum + data.weight_review != 100 or min(
            data.weight_vote, data.weight_forum, data.weight_review) < 0:
        raise DomainError(_l("종합 점수의 가중치는 0 이상이고 합이 100이어야 합니다."),
                          field="weight_vote")
    if data.seats < 1 or data.seats > max(len(data.agenda_item_ids), 1):
        raise DomainError(_l("선정할 의제 수는 1 이상, 투표 대상 의제 수 이하여야 합니다."),
                          field="seats")
    if data.ballot_type == BallotType.BUDGET and data.seats != 1:
        # The budgeting methods fund what the budget allows (voting.tally.SEATED_METHODS).
        raise DomainError(_l("예산 배분 투표는 예산 한도 안에서 선정할 의제가 정해지므로 선정할 "
                             "의제 수를 따로 정하지 않습니다. 1로 두세요."), field="seats")
    if data.mes_completion not in COMPLETIONS:
        raise DomainError(_l("MES 남은 예산 처리 방식은 없음, add1, 득표순 채우기 가운데 하나여야 "
                             "합니다."), field="mes_completion")
    if data.min_age is not None and not 0 <= data.min_age <= 120:
        raise DomainError(_l("최소 나이는 0세에서 120세 사이로 정하세요."), field="min_age")
    shortlist = shortlist_of(cycle.id)
    for agenda_id in data.agenda_item_ids:
        if agenda_id not in shortlist and agenda_id not in keep_items:
            raise DomainError(_l("최종 후보로 정해진 이 주기의 의제만 투표에 올릴 수 있습니다."),
                              field="items")
    district_dongs = set(db.session.scalars(select(Dong.id).where(Dong.district_id == district_id)))
    if any(d not in district_dongs for d in data.dong_ids):
        raise DomainError(_l("이 자치구의 동만 고를 수 있습니다."), field="dongs")


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
        raise DomainError(ballot_message(problems[0]), status=422,
                          field=PROBLEM_FIELDS.get(problems[0].code))


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
    record(vote, actor, "created", vote.title, audited=_definition_summary(vote))
    db.session.flush()
    return vote


def update_vote(district_id: int, vote_id: int, data: VoteDefinition, actor) -> Vote:
    """Change a vote's definition. Once a ballot is in, only the title, description, window
    and result visibility may change; anything a ballot depends on is refused (409)."""
    vote = locked_vote(district_id, vote_id, exclusive=True)
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
    record(vote, actor, "updated", vote.title, audited=_definition_summary(vote))
    return vote


ALREADY_OPEN = _l("이미 열려 있는 투표입니다. 아무것도 바뀌지 않았습니다.")
ALREADY_CLOSED = _l("이미 마감된 투표입니다. 마감된 투표는 다시 열 수 없습니다.")
NOT_OPEN_YET = _l("아직 열리지 않은 투표는 마감할 수 없습니다. 먼저 열거나 기간을 고치세요.")


def open_now(district_id: int, vote_id: int, actor) -> Vote:
    """Open an upcoming vote now: its start becomes this instant, its close stays. Refused
    (409) when the vote is already open or closed, and (422) when its ballot is not one a
    resident could fill, e.g. every item but one was taken off the agenda since."""
    vote = locked_vote(district_id, vote_id, exclusive=True)
    now = utcnow()
    status = vote.status_at(now)
    if status != "upcoming":
        raise Conflict(ALREADY_OPEN if status == "open" else ALREADY_CLOSED)
    problems = vote.rules().definition_problems()
    if problems:
        raise DomainError(ballot_message(problems[0]), status=422)
    planned = vote.opens_at
    vote.opens_at = now
    record(vote, actor, "opened", audited={"opens_at": now.isoformat(),
                                           "planned_opens_at": planned.isoformat()})
    db.session.flush()
    return vote


def close_now(district_id: int, vote_id: int, actor) -> Vote:
    """Close an open vote now: its close becomes this instant, so a cast that reads the vote
    after this change commits is refused. Taking the vote's row lock exclusively waits for
    the casts in flight, which are counted. Refused (409) before the opening and after the
    close."""
    vote = locked_vote(district_id, vote_id, exclusive=True)
    now = utcnow()
    status = vote.status_at(now)
    if status != "open":
        raise Conflict(NOT_OPEN_YET if status == "upcoming" else ALREADY_CLOSED)
    planned = vote.closes_at
    # A vote opened at this very microsecond still needs a window (closes_at > opens_at).
    vote.closes_at = max(now, vote.opens_at + timedelta(microseconds=1))
    record(vote, actor, "closed", audited={"closes_at": vote.closes_at.isoformat(),
                                           "planned_closes_at": planned.isoformat()})
    db.session.flush()
    return vote


def reset_vote(district_id: int, vote_id: int, actor, reason: str) -> int:
    """Remove every ballot and unfreeze the definition: an admin action, logged with a reason.
    Returns how many ballots were removed."""
    if Role.ADMIN not in actor.roles_in(district_id):
        raise Forbidden(_l("투표 초기화는 관리자만 할 수 있습니다."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("초기화 사유를 적으세요."))
    vote = locked_vote(district_id, vote_id, exclusive=True)
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
    record(vote, actor, "reset", f"{removed}: {reason}",
         audited={"ballots_removed": removed, "reason": reason})
    db.session.flush()
    return removed


def set_review_scores(district_id: int, vote_id: int, scores: dict[int, float | None],
                      actor) -> None:
    """The committee's review scores (0-100) per item, a component of the combined score."""
    vote = locked_vote(district_id, vote_id, exclusive=True)
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
    record(vote, actor, "review_scores", audited={"items": sorted(scores)})
    db.session.flush()
