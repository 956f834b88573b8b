"""The city's desk: accounts with a city role (서울시 협의조정 검토자, 서울시 협치 코디네이터)
held for every district, and the board of every district's plan (seed 001: the city reviews
each district's plan, 협의조정). The role rule is asked in one place (``User.has_role``): a
city reviewer writes the review of any district's plan, a coordinator reads and writes
nothing, and a district's own people never see the board."""

from datetime import date, datetime

import pytest
from sqlalchemy import event, func, select

from accounts.models import User
from accounts.services import give_city_role
from core.audit import AuditEntry
from core.auth import CityRole, Role
from core.db import commit, db
from core.errors import DomainError, Forbidden
from core.models import Cycle, District
from plans import building, review
from plans.city_board import Stage, board
from plans.models import CityDecision, Plan, PlanLogEntry, PlanVersion, ReviewComment
from tests.conftest import TEST_PASSWORD, post_form, sign_in
from tests.plans.conftest import FOUNDATION, city_reviewer

ENGLISH = {"Accept-Language": "en"}


def city_account(city_role: str, email: str | None = None) -> User:
    user = give_city_role(email or f"{city_role}@seoul.example.kr", TEST_PASSWORD, city_role,
                          f"서울시 {city_role}")
    commit()
    return user


@pytest.fixture
def reviewer(ctx):
    return city_account(CityRole.REVIEWER)


@pytest.fixture
def coordinator(ctx):
    return city_account(CityRole.COORDINATOR)


def add_district(slug: str, name: str) -> District:
    district = District(slug=slug, name_ko=name, name_en=f"{slug.title()}-gu")
    db.session.add(district)
    db.session.flush()
    return district


def plan_in_review(district: District, year: int = 2027, status: str = "in_review",
                   title: str | None = None) -> Plan:
    """A plan the council approved, as the city receives it: version 1, no projects (the
    board and the review items need no more)."""
    cycle = db.session.scalars(select(Cycle).where(Cycle.district_id == district.id,
                                                   Cycle.year == year)).first()
    if cycle is None:
        cycle = Cycle(district_id=district.id, year=year, title=f"{year} {district.name_ko} 계획")
        db.session.add(cycle)
        db.session.flush()
    plan = Plan(district_id=district.id, cycle_id=cycle.id, status=status, version=1,
                title=title or f"{year} {district.name_ko} 실행계획", total_budget=100_000_000,
                approved_at=datetime(2026, 5, 1).astimezone() if status == "approved" else None)
    plan.versions.append(PlanVersion(number=1, note="제1차안", snapshot={"projects": []}))
    plan.log.append(PlanLogEntry(action="council_approved"))
    db.session.add(plan)
    db.session.flush()
    return plan


@pytest.fixture
def songpa_in_review(other_district):
    plan = plan_in_review(other_district)
    commit()
    return plan


def _client(app, user):
    client = app.test_client()
    sign_in(client, user.email)
    return client


def _state() -> tuple:
    db.session.rollback()
    return (db.session.query(ReviewComment).count(), db.session.query(CityDecision).count(),
            sorted((p.id, p.status, p.version) for p in db.session.query(Plan)),
            [(c.id, c.resolved_at) for c in db.session.query(ReviewComment)])


# --- the role rule ----------------------------------------------------------------------------


def test_a_city_reviewer_writes_the_review_of_every_district(ctx, district, other_district,
                                                             in_review, songpa_in_review,
                                                             organizer, reviewer):
    """Items and a decision in 강동구 and in 송파구, with no membership in either."""
    with ctx.test_request_context():
        assert reviewer.memberships == []
        assert reviewer.has_role(district.id, Role.CITY_REVIEWER)
        assert reviewer.has_role(other_district.id, Role.CITY_REVIEWER)
        assert not reviewer.has_role(district.id, Role.ORGANIZER)
        required = review.add_review_comment(district.id, in_review.id, "required",
                                             "기반조성사업 구체화", "별도 목차로", reviewer)
        review.add_review_comment(other_district.id, songpa_in_review.id, "recommended",
                                  "예산산출내역의 구체화", "산출내역을 붙이세요", reviewer)
        decision = review.record_decision(other_district.id, songpa_in_review.id, "returned",
                                          "숙의 과정을 보완해 다시 올리세요", reviewer)
        commit()
    assert required.author_id == reviewer.id
    assert decision.decided_by_id == reviewer.id and songpa_in_review.status == "draft"
    audited = {(e.action, e.district_id) for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.actor_id == reviewer.id))}
    assert audited == {("plan.commented", district.id), ("plan.commented", other_district.id),
                       ("plan.city_returned", other_district.id)}


def test_a_coordinator_and_the_districts_own_people_write_no_review(ctx, district, in_review,
                                                                    make_user, coordinator):
    with ctx.test_request_context():
        for person in (coordinator, make_user("resident"), make_user("facilitator")):
            before = _state()
            for call in (
                lambda who=person: review.add_review_comment(district.id, in_review.id,
                                                             "required", "x", "y", who),
                lambda who=person: review.record_decision(district.id, in_review.id,
                                                          "returned", "사유", who),
            ):
                with pytest.raises(Forbidden):
                    call()
                db.session.rollback()
            assert _state() == before
    assert not coordinator.has_role(district.id, Role.CITY_REVIEWER)
    assert coordinator.has_role(district.id, CityRole.COORDINATOR)


def test_a_city_account_is_a_member_of_no_district(ctx, district, reviewer, coordinator):
    from core.auth import is_member

    assert not is_member(reviewer, district.id) and not is_member(coordinator, district.id)
    assert reviewer.roles_in(district.id) == set()


def test_the_districts_own_city_reviewer_still_reviews_only_there(ctx, district,
                                                                  other_district, in_review):
    seated = city_reviewer(district)
    commit()
    assert seated.city_role is None
    assert seated.has_role(district.id, Role.CITY_REVIEWER)
    assert not seated.has_role(other_district.id, Role.CITY_REVIEWER)


def test_over_http_the_reviewer_writes_at_any_districts_path(app, district, other_district,
                                                             in_review, songpa_in_review,
                                                             reviewer):
    client = _client(app, reviewer)
    for path, plan in (("", in_review), ("/songpa", songpa_in_review)):
        page = client.get(f"{path}/plans/city-review?cycle={plan.cycle_id}")
        assert page.status_code == 200 and "결정서 기록" in page.get_data(as_text=True)
        response = post_form(client, f"{path}/plans/{plan.id}/comments", {
            "severity": "required", "title": "협치적 맥락 보완", "body": "사업별로 서술하세요."})
        assert response.status_code == 302
    db.session.rollback()
    assert {c.plan_id for c in db.session.query(ReviewComment)} == {in_review.id,
                                                                     songpa_in_review.id}


def test_over_http_the_coordinator_reads_and_every_write_is_refused(app, ctx, district,
                                                                   in_review, reviewer,
                                                                   coordinator):
    with ctx.test_request_context():
        comment = review.add_review_comment(district.id, in_review.id, "recommended", "권고",
                                            "본문", reviewer)
        commit()
    client = _client(app, coordinator)
    page = client.get(f"/plans/city-review?cycle={in_review.cycle_id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "권고" in text and "읽기 전용입니다" in text
    assert "결정서 기록" not in text and 'action="/plans/' not in text
    english = client.get(f"/plans/city-review?cycle={in_review.cycle_id}", headers=ENGLISH)
    assert "Read only" in english.get_data(as_text=True)
    before = _state()
    for path, data in ((f"/plans/{in_review.id}/comments",
                        {"severity": "required", "title": "보완", "body": "본문"}),
                       (f"/plans/{in_review.id}/comments/{comment.id}/resolve", {}),
                       (f"/plans/{in_review.id}/decision", {"outcome": "returned", "note": "x"}),
                       (f"/plans/{in_review.id}/comments/{comment.id}/answer", {"answer": "x"}),
                       (f"/plans/{in_review.id}/revise", {"note": "x"})):
        assert post_form(client, path, data).status_code == 403, path
    assert client.get("/plans/manage").status_code == 403
    assert _state() == before


# --- making a city account --------------------------------------------------------------------


def test_create_user_makes_a_city_account_once_and_audits_it(app, ctx, district):
    runner = app.test_cli_runner()
    made = runner.invoke(args=["create-user", "--email", "Coord@Seoul.example.kr", "--password",
                               "a long password", "--city", "coordinator"])
    assert made.exit_code == 0, made.output
    assert "city coordinator" in made.output
    again = runner.invoke(args=["create-user", "--email", "coord@seoul.example.kr",
                                "--password", "a long password", "--city", "reviewer",
                                "--role", "resident", "--district", "gangdong"])
    assert again.exit_code == 0, again.output
    db.session.expire_all()
    user = db.session.scalars(select(User).where(User.email == "coord@seoul.example.kr")).one()
    assert user.city_role == "reviewer" and user.roles_in(district.id) == {Role.RESIDENT}
    grants = [e.detail for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "role.city_grant"))]
    assert [(g["city_role"], g["before"]) for g in grants] == [("coordinator", None),
                                                               ("reviewer", "coordinator")]
    for args in (["--city", "mayor"], []):
        refused = runner.invoke(args=["create-user", "--email", "x@seoul.example.kr",
                                      "--password", "a long password", *args])
        assert refused.exit_code != 0
    wrong_district = runner.invoke(args=["create-user", "--email", "y@seoul.example.kr",
                                         "--password", "a long password", "--city", "reviewer",
                                         "--district", "nowhere"])
    assert wrong_district.exit_code != 0
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(User).where(
        User.email.in_(["x@seoul.example.kr", "y@seoul.example.kr"]))) == 0


def test_the_city_role_is_taken_away_by_the_operator_and_audited(app, ctx, district, reviewer):
    runner = app.test_cli_runner()
    taken = runner.invoke(args=["revoke-city-role", "--email", reviewer.email.upper()])
    assert taken.exit_code == 0, taken.output
    db.session.expire_all()
    assert reviewer.city_role is None and not reviewer.has_role(district.id, Role.CITY_REVIEWER)
    revoked = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "role.city_revoke")).one()
    assert revoked.detail["before"] == "reviewer"
    again = runner.invoke(args=["revoke-city-role", "--email", reviewer.email])
    assert again.exit_code != 0 and "no city account" in again.output


def test_the_database_refuses_an_unknown_city_role(ctx, reviewer):
    from sqlalchemy.exc import IntegrityError

    reviewer.city_role = "mayor"
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(DomainError):
        give_city_role("z@seoul.example.kr", TEST_PASSWORD, "mayor")


# --- the board --------------------------------------------------------------------------------


def test_the_board_is_for_city_accounts_only(app, district, make_user, reviewer, coordinator):
    anonymous = app.test_client().get("/city")
    assert anonymous.status_code == 302 and "/signin" in anonymous.location
    seated = city_reviewer(district)
    commit()
    for person in (make_user("resident"), make_user("organizer"), make_user("admin"), seated):
        assert _client(app, person).get("/city").status_code == 403, person.email
    for person in (reviewer, coordinator):
        assert _client(app, person).get("/city").status_code == 200


def test_the_board_says_where_each_districts_plan_stands(app, ctx, district, other_district,
                                                         in_review, organizer, reviewer):
    """강동구 revised its plan after a required item (보완 중); 송파구's 2026 plan is final and
    its 2027 plan before the council (the latest is shown); 성동구 has none yet."""
    with ctx.test_request_context():
        review.add_review_comment(district.id, in_review.id, "required", "협치적 맥락 보완",
                                  "사업별로", reviewer)
        review.add_review_comment(district.id, in_review.id, "recommended", "예산산출내역",
                                  "구체화", reviewer)
        project = next(p for p in in_review.projects if p.title == FOUNDATION.title)
        building.update_project(district.id, project.id, building.ProjectData(
            **{**FOUNDATION.__dict__, "summary": "보완"}), organizer)
        review.save_revision(district.id, in_review.id, organizer, "의견 반영")
        plan_in_review(other_district, 2026, "approved", "2026 송파구 실행계획")
        plan_in_review(other_district, 2028, "council", "2028 송파구 실행계획")
        add_district("seongdong", "성동구")
        commit()
        rows = {row.district.slug: row for row in board()}
    assert list(rows) == ["gangdong", "songpa", "seongdong"]
    gangdong = rows["gangdong"]
    assert (gangdong.stage, gangdong.open_required, gangdong.open_recommended) == (
        Stage.REVISED, 1, 1)
    assert gangdong.last_active_on is not None and not gangdong.amendment
    assert (rows["songpa"].stage, rows["songpa"].plan.title) == (Stage.COUNCIL,
                                                                 "2028 송파구 실행계획")
    assert rows["seongdong"].plan is None and rows["seongdong"].stage == Stage.NO_PLAN
    page = _client(app, reviewer).get("/city").get_data(as_text=True)
    assert "보완 중" in page and "협치회의 심의" in page and "계획 없음" in page
    assert f'href="/gangdong/plans/city-review?cycle={in_review.cycle_id}"' in page
    songpa_cycle = rows["songpa"].plan.cycle_id
    assert f'href="/songpa/plans/city-review?cycle={songpa_cycle}"' in page
    at_a_path = _client(app, reviewer).get("/songpa/city").get_data(as_text=True)
    assert f'href="/gangdong/plans/city-review?cycle={in_review.cycle_id}"' in at_a_path
    # The header names the city, whichever district's path the board came by.
    assert '<span class="brand__district">서울시</span>' in at_a_path
    english = _client(app, reviewer).get("/city", headers=ENGLISH).get_data(as_text=True)
    assert "Seoul city board" in english and "Revised" in english
    assert '<span class="brand__district">Seoul</span>' in english
    assert "Open required items" in english and "Songpa-gu" in english


def test_the_board_reads_in_a_fixed_number_of_queries(app, ctx, reviewer):
    """Each district: a final 2026 plan, a 2027 plan in review with items (one decided in an
    earlier round) and a log; 3 districts and 12 cost the board the same queries."""

    def add(count: int, start: int) -> None:
        for n in range(start, start + count):
            district = add_district(f"district-{n}", f"시험{n}구")
            plan_in_review(district, 2026, "approved")
            plan = plan_in_review(district, 2027)
            for severity in ("required", "recommended"):
                plan.comments.append(ReviewComment(version_number=1, severity=severity,
                                                   title="의견", body="본문"))
            db.session.flush()
            plan.decisions.append(CityDecision(
                version_number=1, outcome="returned", note="다시", decided_by="서울시",
                items=[{"id": plan.comments[0].id}], decided_at=datetime(2027, 5, 1).astimezone()))
        commit()

    client = _client(app, reviewer)
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    def queries() -> tuple[int, str]:
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            page = client.get("/city")
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert page.status_code == 200
        return len(statements), page.get_data(as_text=True)

    add(3, 1)
    # The first request of the app looks the default district up once, and keeps it.
    queries()
    few, page = queries()
    assert page.count('class="card city-board__district') == 3
    add(9, 4)
    many, page = queries()
    assert page.count('class="card city-board__district') == 12
    assert page.count("협의조정 중") == 12
    assert few == many, statements
    assert many <= 12


def test_a_district_added_today_is_on_the_board(app, ctx, district, reviewer):
    with ctx.test_request_context():
        from core import districts

        districts.create_district("songdo", "송도구", "", [], actor=None)
        commit()
    page = _client(app, reviewer).get("/city").get_data(as_text=True)
    assert "송도구" in page and page.count("계획 없음") == 2


def test_board_dates_are_seoul_days(ctx, district, reviewer):
    plan = plan_in_review(district)
    plan.log[0].created_at = datetime.fromisoformat("2027-04-30T16:00:00+00:00")
    commit()
    (row,) = board()
    assert row.last_active_on == date(2027, 5, 1)
