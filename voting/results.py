"""A vote's result: stored ballots into the tally engine, cached per state of the ballots.

``compute_result`` is the one function that counts: the results page, the JSON API,
``flask tally`` and the background job all go through it, so they cannot disagree.

Every count and every cached result asks the secrecy rule (``voting.secrecy``) first, as
every read of ballots does (``voting.stored_ballots``): a vote's hidden results cannot leave
through here.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable

import numpy as np
from flask import current_app
from sqlalchemy import func, select

from core.db import db, on_postgresql, utcnow
from forums.services import agenda_ranking, forums_of_district
from voting.combined_score import combined, support
from voting.counting import FoldedBallots, count
from voting.models import Ballot, Vote, VoteResult
from voting.rules import BallotType, Channel
from voting.secrecy import check_results_readable
from voting.stored_ballots import ballot_count, folded_ballots

DEFAULT_JOB_THRESHOLD = 50_000

# The combined score's components: the residents' vote (online and paper), the forum vote,
# and the committee's review score.
RESIDENT_CHANNELS = (Channel.ONLINE.value, Channel.PAPER.value)


def fingerprint(vote: Vote) -> str:
    """Changes whenever a ballot is cast, changed or withdrawn, or the definition or review
    scores change: the cache key of the result."""
    ballots, latest = db.session.execute(
        select(func.count(Ballot.id), func.max(Ballot.updated_at)).where(
            Ballot.vote_id == vote.id)).one()
    reviews = [(i.id, i.review_score) for i in vote.items]
    forums = sorted(forum_ranking(vote).items())
    content = f"{vote.id}|{ballots}|{latest}|{vote.updated_at}|{vote.salt}|{reviews}|{forums}"
    return hashlib.sha256(content.encode()).hexdigest()


def forum_ranking(vote: Vote) -> dict[int, int]:
    """Borda points per agenda item from the post-poll rankings of the cycle's forums
    (``forums.services.agenda_ranking``), summed over the forums."""
    points: Counter = Counter()
    for forum in forums_of_district(vote.district_id):
        if forum.cycle_id == vote.cycle_id:
            points.update(agenda_ranking(forum))
    return dict(points)


def _forum_component(vote: Vote, kind: BallotType, forum: FoldedBallots, k: int
                     ) -> tuple[str, np.ndarray]:
    """The forum component and where it came from: the votes collected at a forum when there
    are any, else the forums' post-poll ranking of the agenda items, else nothing."""
    if forum.total:
        return "ballots", support(kind, len(vote.items), forum, k)
    ranking = forum_ranking(vote)
    points = np.asarray([float(ranking.get(item.agenda_item_id, 0)) for item in vote.items])
    if points.any():
        return "forum_ranking", points
    return "none", np.zeros(len(vote.items))


def _seoul_day(column):
    """The calendar day in Seoul of a UTC timestamp column, computed by the database (Seoul
    keeps +9 hours all year)."""
    if on_postgresql():
        return func.to_char(func.timezone("Asia/Seoul", column), "YYYY-MM-DD")
    return func.date(column, "+9 hours")


def _turnout(vote: Vote) -> list[dict]:
    """Ballots counted per day (Asia/Seoul), by first cast, with the running total."""
    day = _seoul_day(Ballot.cast_at)
    running = 0
    series = []
    for date, n in db.session.execute(select(day, func.count()).where(
            Ballot.vote_id == vote.id).group_by(day).order_by(day)):
        running += n
        series.append({"date": date, "ballots": n, "cumulative": running})
    return series


def _participation(vote: Vote) -> dict:
    """Counts by age band, gender and dong, from consented profiles only, never by choice."""
    result = {"consented": 0, "age_band": {}, "gender": {}, "dong": {}}
    rows = db.session.execute(
        select(Ballot.age_band, Ballot.gender, Ballot.dong, func.count())
        .where(Ballot.vote_id == vote.id)
        .group_by(Ballot.age_band, Ballot.gender, Ballot.dong)).all()
    for band, gender, dong, n in rows:
        if band is None and gender is None and dong is None:
            continue
        result["consented"] += n
        for name, value in (("age_band", band), ("gender", gender), ("dong", dong)):
            if value is not None:
                result[name][value] = result[name].get(value, 0) + n
    for name in ("age_band", "gender", "dong"):
        result[name] = dict(sorted(result[name].items()))
    return result


def compute_result(vote_id: int, progress: Callable[[int], None] | None = None) -> dict:
    """Count ``vote_id`` now and return the published result object (JSON-ready); refused
    while its results are hidden."""
    report = progress or (lambda percent: None)
    vote = db.session.get(Vote, vote_id)
    check_results_readable(vote)
    kind = vote.type
    candidates = [str(item.agenda_item_id) for item in vote.items]
    costs = [int(item.cost or 0) for item in vote.items]
    channels = dict(db.session.execute(
        select(Ballot.channel, func.count()).where(Ballot.vote_id == vote.id)
        .group_by(Ballot.channel)).all())
    ballots = folded_ballots(vote)
    report(30)
    options = {"seats": vote.seats, "seed": vote.tie_seed, "completion": vote.mes_completion}
    if kind == BallotType.BUDGET:
        options.update(costs=costs, budget=vote.budget_limit)
    main = count(kind, vote.method, candidates, ballots, **options)
    report(60)
    comparison = []
    for method in vote.methods[1:]:
        other = count(kind, method, candidates, ballots, **options)
        comparison.append({"method": method, "winners": other["winners"],
                           "ranking": other["ranking"], "ties": other["ties"],
                           "by_lot": other.get("by_lot", [])})
    report(75)
    k = vote.max_choices or len(candidates)
    # Most votes have no forum ballots: then the residents' ballots are all the ballots, and
    # need not be folded again.
    at_forum = channels.get(Channel.FORUM.value, 0)
    resident = folded_ballots(vote, RESIDENT_CHANNELS) if at_forum else ballots
    forum = folded_ballots(vote, (Channel.FORUM.value,)) if at_forum else FoldedBallots.of(
        kind, len(candidates), [])
    forum_source, forum = _forum_component(vote, kind, forum, k)
    components = {
        "vote": support(kind, len(candidates), resident, k),
        "forum": forum,
        "review": np.asarray([item.review_score or 0.0 for item in vote.items]),
    }
    weights = {"vote": vote.weight_vote, "forum": vote.weight_forum,
               "review": vote.weight_review}
    scored = combined(components, weights)
    report(90)
    result = {
        **main,
        "selected": _selected(main, vote.seats),
        "vote": {"id": vote.id, "title": vote.title, "ballot_type": kind.value,
                 "closes_at": vote.closes_at.isoformat(), "seats": vote.seats,
                 "budget_limit": vote.budget_limit},
        "items": {str(item.agenda_item_id): {"title": item.title, "cost": item.cost,
                                             "review_score": item.review_score}
                  for item in vote.items},
        "support": {c: float(v) for c, v in zip(candidates, components["vote"], strict=True)},
        "comparison": comparison,
        "channels": {c.value: int(channels.get(c.value, 0)) for c in Channel},
        "combined": {
            "weights": weights,
            "forum_source": forum_source,
            "rows": [{"item": candidates[i],
                      "vote": scored["normalised"]["vote"][i],
                      "forum": scored["normalised"]["forum"][i],
                      "review": scored["normalised"]["review"][i],
                      "total": scored["total"][i]} for i in scored["order"]],
        },
        "turnout": _turnout(vote),
        "participation": _participation(vote),
    }
    report(100)
    return result


def _selected(main: dict, seats: int) -> list[str]:
    """The items the vote selects: the winners, or for single-winner ranked methods the top
    ``seats`` of the ranking (ties inside a group already broken by the published lot)."""
    if len(main["winners"]) >= seats or not main["ranking"]:
        return list(main["winners"])
    ordered = [item for group in main["ranking"] for item in group]
    return ordered[:seats]


def record_result(vote_id: int, mark: str, status: str, progress: int,
                  result: dict | None) -> None:
    """Store the count for the ballots' state ``mark``: its status (running, done, failed),
    progress in percent and, once done, the result."""
    record = db.session.get(VoteResult, vote_id)
    if record is None:
        record = VoteResult(vote_id=vote_id)
        db.session.add(record)
    record.fingerprint, record.status, record.progress, record.result = (
        mark, status, progress, result)
    record.updated_at = utcnow()
    db.session.flush()


def current_result(vote: Vote, *, allow_job: bool = True) -> tuple[dict | None, VoteResult | None]:
    """The vote's result for the ballots as they are now: from the cache, computed here, or
    (for large votes) handed to a background job whose progress is returned instead.
    Refused while the vote's results are hidden, even when a count is cached."""
    from voting.jobs import send_count

    check_results_readable(vote)
    mark = fingerprint(vote)
    cached = db.session.get(VoteResult, vote.id)
    if cached is not None and cached.fingerprint == mark:
        if cached.status == "done":
            return cached.result, cached
        if cached.status == "running":
            return None, cached
    threshold = current_app.config.get("TALLY_JOB_THRESHOLD", DEFAULT_JOB_THRESHOLD)
    if allow_job and ballot_count(vote.id) >= threshold:
        record_result(vote.id, mark, "running", 0, None)
        record = db.session.get(VoteResult, vote.id)
        # A new count: its sends are numbered afresh.
        record.attempts = 0
        send_count(record)
        return None, record
    result = compute_result(vote.id)
    record_result(vote.id, mark, "done", 100, result)
    return result, db.session.get(VoteResult, vote.id)

