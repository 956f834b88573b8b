from datetime import date

from core.models import Cycle, CyclePhase, Phase
from tests.conftest import require_service


def test_home_shows_the_current_cycle_and_its_timeline(client, district):
    html = client.get("/").get_data(as_text=True)
    assert "2027 강동구 지역사회혁신계획" in html
    for label in ("의제발굴", "의제융합·조정", "숙의·공론장", "우선순위 주민투표",
                  "계획 수립·승인", "성과평가 및 환류"):
        assert label in html


def test_timeline_marks_done_current_and_upcoming():
    cycle = Cycle(year=2027, title="t")
    cycle.phases = [
        CyclePhase(phase="intake", starts_on=date(2026, 9, 1), ends_on=date(2026, 12, 31)),
        CyclePhase(phase="coordination", starts_on=date(2027, 1, 4), ends_on=date(2027, 1, 29)),
        CyclePhase(phase="vote", starts_on=date(2027, 3, 2), ends_on=date(2027, 3, 11)),
    ]
    states = {row["phase"]: row["state"] for row in cycle.timeline(date(2027, 1, 10))}
    assert states[Phase.INTAKE] == "done"
    assert states[Phase.COORDINATION] == "current"
    assert states[Phase.VOTE] == "upcoming"
    assert states[Phase.PLAN] == "unscheduled"
    assert cycle.phase_on(date(2027, 2, 10)) is None


def test_home_without_any_district_still_renders(client, ctx):
    response = client.get("/")
    assert response.status_code == 200


def test_health_reports_database_and_redis(client, ctx):
    body = client.get("/healthz").get_json()
    assert body == {"status": "ok", "database": "ok", "redis": "not configured"}


def test_health_reports_real_redis(app, ctx):
    url = require_service("TEST_REDIS_URL", "Redis")
    app.config["REDIS_URL"] = url
    try:
        body = app.test_client().get("/healthz").get_json()
    finally:
        app.config["REDIS_URL"] = None
    assert body["redis"] == "ok"


def test_health_reports_unreachable_redis_as_503(app, ctx):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    try:
        response = app.test_client().get("/healthz")
    finally:
        app.config["REDIS_URL"] = None
    assert response.status_code == 503
    assert response.get_json()["redis"] == "error"


def test_unknown_page_is_a_korean_404(client, district):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "찾는 페이지가 없습니다" in response.get_data(as_text=True)
