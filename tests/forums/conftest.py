"""Forum fixtures: a forum with three tables, two facilitators and one topic."""

from datetime import date

import pytest

from core.db import commit


@pytest.fixture(params=["in-process", "redis"])
def broker(request, app):
    """The live broker a test runs on: in-process, then a real Redis."""
    from core import realtime
    from forums import live
    from tests.conftest import require_service

    if request.param == "redis":
        url = require_service("TEST_REDIS_URL", "Redis")
        app.extensions["madang_broker"] = realtime.RedisBroker(url)
    else:
        app.extensions["madang_broker"] = realtime.LocalBroker()
    yield request.param
    realtime.init_app(app)
    live.init_app(app)


@pytest.fixture
def facilitators(make_user):
    return make_user("facilitator"), make_user("facilitator")


@pytest.fixture
def organizer(make_user):
    return make_user("organizer")


@pytest.fixture
def forum(ctx, district, facilitators):
    from forums import services

    created = services.create_forum(
        district.id, district.cycles[0].id, "협치강동 원탁토론회", date(2027, 2, 10),
        "강동구청 대강당", 40, "chosen", 3,
    )
    topic = services.add_topic(created, "우선 실시해야 할 민관협치 사업")
    services.add_question(topic, "single", "가장 먼저 할 사업은?",
                          ["주민자치 및 마을공동체 강화", "협치 교육", "소통 창구"])
    services.add_question(topic, "multiple", "관심 분야를 고르세요 (최대 2개)",
                          ["복지", "교육", "환경"], max_choices=2)
    services.add_question(topic, "likert", "민관협치가 필요하다", [])
    services.add_question(topic, "ranking", "순위를 매기세요", ["가", "나", "다"])
    services.set_facilitator(created, created.tables[0].id, facilitators[0].id)
    services.set_facilitator(created, created.tables[1].id, facilitators[1].id)
    commit()
    return created


def ticket_code(forum, issuer=None) -> str:
    """A new seat ticket's code, issued by ``issuer`` (table 1's facilitator by default)."""
    from forums import services

    code = services.issue_tickets(forum, issuer or forum.tables[0].facilitator, 1)[0].code
    commit()
    return code


def seat(forum, table_number=1, issuer=None):
    """A participant holding a seat ticket, at the given table; returns (participant, token)."""
    from forums import services

    ticket = services.issue_tickets(forum, issuer or forum.tables[0].facilitator, 1)[0]
    participant, token = services.enter_with_ticket(forum, ticket.code)
    participant.table_id = forum.tables[table_number - 1].id
    commit()
    return participant, token


def join_on_phone(client, forum, table_number: int = 1) -> None:
    """The phone steps: join with a seat ticket, skip the questions asked once, take a seat."""
    from tests.conftest import post_form

    post_form(client, f"/j/{forum.join_code}", {"code": forum.join_code,
                                                 "ticket": ticket_code(forum)})
    post_form(client, f"/forums/{forum.id}/me/about", {"age_band": "", "gender": "",
                                                        "dong": ""})
    post_form(client, f"/forums/{forum.id}/me/table", {"number": str(table_number)})
