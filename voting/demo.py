"""Demo votes over 강동구's 2027 shortlist, one of each ballot type: the budget and points
votes already closed with results, the ranked and approval votes open now. Windows are set
relative to today so the demo always has both.

Ballots come from the demo residents (online) and from invented residents entered on paper or
at a forum with their consent to participation statistics; the numbers are invented, the
shape (ten-day vote, most ballots online, forum votes counted apart) follows the district's
2020 vote.
"""

import random
from datetime import date, timedelta

from sqlalchemy import select, update

from accounts.models import user_by_email
from agenda.coordination import shortlisted_items
from agenda.demo import NEIGHBOURS
from core.db import db, utcnow
from core.models import Cycle, District
from voting.casting import cast_online
from voting.definition import VoteDefinition, create_vote, set_review_scores, update_vote
from voting.models import Ballot, Channel, Vote
from voting.paper_entry import PersonOnPaper, enter_ballot
from voting.rules import BallotType

SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍"
GIVEN = ["민준", "서연", "도윤", "하은", "시우", "지유", "주원", "서아", "예준", "하린",
         "지호", "수아", "건우", "지안", "현우", "윤서"]
GENDERS = ["female", "male"]

# The vote whose confirmed result becomes the 2027 plan (plans.demo).
COMBINED_VOTE_TITLE = "2027 마을의제 점수 배분 투표(종합 점수)"

VOTES = [
    {"title": "2027 지역의제 우선순위 주민투표(순위)", "ballot_type": BallotType.RANKED,
     "method": "irv", "compare_methods": ["borda", "schulze"], "max_choices": 3, "seats": 3,
     "closed": False, "paper": 28, "forum": 12, "online": True,
     "description": "최종 후보 의제 가운데 우리 구에 먼저 필요한 것을 3순위까지 골라 주세요. "
                    "선정된 의제는 2027년 지역사회혁신계획 실행사업으로 만들어집니다."},
    {"title": COMBINED_VOTE_TITLE, "ballot_type": BallotType.POINTS,
     "method": "points", "points_total": 10, "seats": 4, "closed": True, "paper": 22,
     "forum": 14, "online": True, "weights": (50, 20, 30),
     "description": "10점을 의제에 나누어 주세요. 최종 순위는 주민투표 50%, 원탁토론회 현장 "
                    "투표 20%, 협치회의 위원회 심사 30%를 더한 종합 점수로 정하고, 상위 4개 "
                    "의제가 2027년 실행계획의 사업이 됩니다."},
    {"title": "2027 주민참여예산 배분 투표", "ballot_type": BallotType.BUDGET,
     "method": "greedy", "compare_methods": ["mes"], "budget_limit": 60_000_000,
     "closed": True, "paper": 30, "forum": 0, "online": True,
     "description": "6,000만 원 안에서 실행할 의제를 골라 주세요. 고른 의제의 예상 비용 합계가 "
                    "한도를 넘으면 제출할 수 없습니다."},
    {"title": "2027 공론장 의제 찬성 투표", "ballot_type": BallotType.APPROVAL,
     "method": "approval", "min_choices": 1, "max_choices": 3, "seats": 3, "closed": False,
     "results_live": True, "paper": 9, "forum": 5, "online": False,
     "description": "찬성하는 의제를 1개 이상 3개 이하로 골라 주세요. 결과는 투표 중에도 "
                    "공개됩니다."},
]

REVIEW_SCORES = [88, 72, 91, 64, 79, 85, 70]


def _random_entries(vote: Vote, rng: random.Random, favourites: list[int]):
    """A plausible ballot: earlier shortlist items (more popular in intake) are picked more."""
    ids = [item.id for item in vote.items]
    weights = [favourites[i % len(favourites)] for i in range(len(ids))]
    kind = vote.type
    if kind == BallotType.RANKED:
        picked = _weighted_sample(ids, weights, rng.randint(1, vote.rules().limit), rng)
        return [(item, rank) for rank, item in enumerate(picked, start=1)]
    if kind == BallotType.POINTS:
        points = {}
        for _ in range(vote.points_total):
            item = rng.choices(ids, weights)[0]
            points[item] = points.get(item, 0) + 1
        return list(points.items())
    if kind == BallotType.BUDGET:
        chosen, spent = [], 0
        for item in _weighted_sample(ids, weights, len(ids), rng):
            cost = next(i.cost for i in vote.items if i.id == item)
            if spent + cost <= vote.budget_limit and rng.random() < 0.7:
                chosen.append(item)
                spent += cost
        return [(item, 1) for item in chosen or [min(ids, key=lambda i: vote.rules().costs[i])]]
    count = rng.randint(max(vote.min_choices, 1), vote.rules().limit)
    return [(item, 1) for item in _weighted_sample(ids, weights, count, rng)]


def _weighted_sample(ids, weights, k, rng):
    pool, w, picked = list(ids), list(weights), []
    while pool and len(picked) < k:
        index = rng.choices(range(len(pool)), w)[0]
        picked.append(pool.pop(index))
        w.pop(index)
    return picked


def _person(rng: random.Random, district: District, number: int) -> PersonOnPaper:
    return PersonOnPaper(
        name=f"{SURNAMES[number % len(SURNAMES)]}{GIVEN[(number * 7) % len(GIVEN)]}{number}",
        birth_date=date(rng.randint(1945, 2006), rng.randint(1, 12), rng.randint(1, 28)),
        dong_id=rng.choice(district.dongs).id, consented=rng.random() < 0.8,
        gender=rng.choice(GENDERS))


def _definition(spec: dict, items, opens_at, closes_at) -> VoteDefinition:
    weights = spec.get("weights", (100, 0, 0))
    return VoteDefinition(
        title=spec["title"], description=spec["description"], ballot_type=spec["ballot_type"],
        agenda_item_ids=[item.id for item in items], opens_at=opens_at, closes_at=closes_at,
        method=spec["method"], compare_methods=spec.get("compare_methods", []),
        min_choices=spec.get("min_choices", 1), max_choices=spec.get("max_choices"),
        budget_limit=spec.get("budget_limit"), points_total=spec.get("points_total"),
        seats=spec.get("seats", 1), results_live=spec.get("results_live", False),
        weight_vote=weights[0], weight_forum=weights[1], weight_review=weights[2])


def seed() -> None:
    """Create the demo votes and their ballots once (a second run changes nothing)."""
    district = db.session.scalars(select(District).where(District.slug == "gangdong")).one()
    cycle = db.session.scalars(select(Cycle).where(Cycle.district_id == district.id,
                                                   Cycle.year == 2027)).one()
    existing = set(db.session.scalars(select(Vote.title).where(Vote.cycle_id == cycle.id)))
    items = shortlisted_items(cycle.id)
    if len(items) < 2:
        return
    organizer = user_by_email("organizer@demo.madang.kr")
    facilitator = user_by_email("facilitator@demo.madang.kr")
    online_voters = [user_by_email(email) for email, _name in NEIGHBOURS]
    online_voters.append(user_by_email("admin@demo.madang.kr"))
    rng = random.Random(2027)
    now = utcnow()
    for number, spec in enumerate(VOTES):
        if spec["title"] in existing:
            continue
        opens_at = now - timedelta(days=12 if spec["closed"] else 2)
        closes_at = now + timedelta(days=8)
        vote = create_vote(district.id, cycle.id,
                           _definition(spec, items, opens_at, closes_at), organizer)
        favourites = [rng.randint(1, 6) for _ in items]
        for voter in online_voters if spec["online"] else []:
            cast_online(district.id, vote.id, voter,
                        _random_entries(vote, rng, favourites))
        for person_number in range(spec["paper"] + spec["forum"]):
            channel = Channel.PAPER if person_number < spec["paper"] else Channel.FORUM
            serial = f"2027-{number + 1:02d}-{person_number + 1:04d}"
            enter_ballot(
                district.id, vote.id, facilitator, channel,
                _person(rng, district, number * 100 + person_number),
                _random_entries(vote, rng, favourites),
                serial if channel == Channel.PAPER else None)
        if spec.get("weights"):
            set_review_scores(district.id, vote.id, {
                item.id: REVIEW_SCORES[i % len(REVIEW_SCORES)]
                for i, item in enumerate(vote.items)}, organizer)
        if spec["closed"]:
            closes_at = now - timedelta(days=2)
            update_vote(district.id, vote.id,
                        _definition(spec, items, opens_at, closes_at), organizer)
        _spread_over_window(vote, rng, opens_at, min(now, closes_at))
    db.session.flush()


def _spread_over_window(vote: Vote, rng: random.Random, start, end) -> None:
    """Demo ballots arrive over the days of the window, most in the first days, as real votes
    do, so the turnout chart has a shape."""
    days = max((end - start).days, 1)
    for ballot_id in db.session.scalars(select(Ballot.id).where(Ballot.vote_id == vote.id)):
        when = start + timedelta(days=min(int(rng.expovariate(0.4)), days - 1),
                                 hours=rng.randint(0, 23), minutes=rng.randint(0, 59))
        db.session.execute(update(Ballot).where(Ballot.id == ballot_id).values(
            cast_at=when, updated_at=when))
