from datetime import timedelta

import pytest

from core.db import utcnow

COSTS = [80_000_000, 50_000_000, 30_000_000, 20_000_000, 45_000_000]
TITLES = ["마을 돌봄 공동체", "청소년 자치 공간", "골목 안전 지도", "텃밭 공유", "주민 기록관"]


@pytest.fixture
def ctx(app):
    """A request context: refusals carry messages translated into the reader's language."""
    with app.test_request_context():
        yield app


@pytest.fixture
def shortlist(ctx, district, cycle):
    """Five agenda items shortlisted for the cycle's vote, with estimated costs."""
    from agenda.models import AgendaItem
    from core.db import commit, db

    items = []
    for title, cost in zip(TITLES, COSTS, strict=True):
        item = AgendaItem(district_id=district.id, cycle_id=cycle.id, title=title,
                          description="설명", field="welfare", kind="problem_solving",
                          status="shortlisted", shortlisted_for_vote=True, estimated_cost=cost)
        db.session.add(item)
        items.append(item)
    commit()
    return items


def definition(ballot_type: str, items, **overrides):
    from voting.definition import VoteDefinition
    from voting.rules import BallotType

    now = utcnow()
    kind = BallotType(ballot_type)
    defaults = {
        "ranked": {"method": "borda", "max_choices": 3},
        "approval": {"method": "approval", "min_choices": 1, "max_choices": 3, "seats": 2},
        "budget": {"method": "greedy", "budget_limit": 150_000_000},
        "points": {"method": "points", "points_total": 10, "seats": 2},
    }[ballot_type]
    values = {"title": f"{ballot_type} 투표", "ballot_type": kind,
              "agenda_item_ids": [i.id for i in items], "opens_at": now - timedelta(hours=1),
              "closes_at": now + timedelta(days=3), **defaults, **overrides}
    return VoteDefinition(**values)


@pytest.fixture
def make_vote(ctx, district, cycle, shortlist, organizer):
    from core.db import commit
    from voting.definition import create_vote

    def make(ballot_type: str = "ranked", **overrides):
        vote = create_vote(district.id, cycle.id,
                           definition(ballot_type, shortlist, **overrides), organizer)
        commit()
        return vote

    return make


def item_ids(vote):
    return [item.id for item in vote.items]
