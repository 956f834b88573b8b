"""Departments (부서) and working groups (분과) report progress on their own projects only
(seed 000 §IV 분과위원회 및 확대회의(워킹그룹): 민관협력 실행 단위; seed 002 §6.3
워킹그룹 민간주체·행정): their accounts, the unit a project names, and every refusal."""

from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError

from accounts import services, units
from accounts.models import Membership, UnitKind
from core.audit import AuditEntry
from core.auth import Role
from core.db import commit, db
from core.errors import DomainError, Forbidden, NotFound
from plans import progress
from plans.models import ProgressReport
from tests.conftest import post_form, sign_in
from tests.plans.conftest import approve, city_round, review_round
from tests.security.test_held_defences import row_counts

REPORT = {"reported_on": "2027-06-30", "status": "on_track", "percent": "40",
          "spent": "1000000", "reporter": "복지정책과", "notes": "상반기 밥상모임 6회"}


@pytest.fixture
def welfare(ctx, district):
    unit = units.add_unit(district.id, UnitKind.DEPARTMENT.value, "복지정책과", None)
    commit()
    return unit


@pytest.fixture
def environment_group(ctx, district):
    unit = units.add_unit(district.id, UnitKind.WORKING_GROUP.value, "환경 분과", None)
    commit()
    return unit


@pytest.fixture
def approved(ctx, district, plan, organizer, roster, welfare, environment_group):
    """The approved plan: its first project run by 복지정책과, its second by 환경 분과."""
    review_round(district, plan, organizer)
    approve(district, plan, organizer, roster)
    city_round(district, plan, organizer)
    progress.assign_unit(district.id, plan.projects[0].id, welfare.id, organizer)
    progress.assign_unit(district.id, plan.projects[1].id, environment_group.id, organizer)
    commit()
    return plan


@pytest.fixture
def official(make_user, welfare):
    return make_user("department", unit_id=welfare.id)


@pytest.fixture
def group_member(make_user, environment_group):
    return make_user("working_group", unit_id=environment_group.id)


def _report(district, project, actor):
    return progress.report_progress(
        district.id, project.id, reported_on=date(2027, 6, 30), status="on_track",
        percent=40, spent=1_000_000, notes="", reporter="", actor=actor)


def test_a_department_reports_on_its_own_project_and_the_report_names_it(
        ctx, district, approved, official):
    report = _report(district, approved.projects[0], official)
    assert report.reported_by_id == official.id
    assert approved.projects[0].percent_done == 40


def test_a_working_group_member_reports_on_the_group_s_project_only(
        ctx, district, approved, group_member):
    assert _report(district, approved.projects[1], group_member).percent == 40
    with pytest.raises(Forbidden):
        _report(district, approved.projects[0], group_member)


def test_a_department_reporting_on_another_unit_s_project_is_refused_and_nothing_changes(
        ctx, district, approved, official):
    before = row_counts()
    for project in (approved.projects[1], approved.projects[2]):  # another unit's; no unit
        with pytest.raises(Forbidden) as refused:
            _report(district, project, official)
        assert "다른 부서·분과" in str(refused.value.message)
        db.session.rollback()
    assert row_counts() == before


def test_organizers_report_on_every_project(ctx, district, approved, organizer):
    assert _report(district, approved.projects[2], organizer).reported_by_id == organizer.id


def test_the_department_s_pages_show_its_projects_and_refuse_the_others(
        app, client, district, approved, official):
    own, other = approved.projects[0], approved.projects[1]
    sign_in(client, official.email)
    listing = client.get("/plans/my-projects").get_data(as_text=True)
    assert own.title in listing and other.title not in listing
    page = client.get(f"/plans/projects/{own.id}/report")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    # Evaluation and the choice of unit are the organizers' work, not the department's.
    assert "실적 보고" in body and "평가 기록" not in body and "담당 정하기" not in body
    assert client.get(f"/plans/projects/{other.id}/report").status_code == 403

    response = post_form(client, f"/plans/projects/{own.id}/progress", REPORT)
    assert response.status_code == 302
    db.session.rollback()
    assert [r.notes for r in db.session.get(type(own), own.id).reports] == ["상반기 밥상모임 6회"]


@pytest.mark.parametrize(("language", "message"), [
    ("ko", "자기 부서·분과가 맡은 사업의 추진 실적만 보고할 수 있습니다"),
    ("en", "can only report progress on the projects"),
])
def test_a_department_posting_on_another_s_project_gets_403_in_its_language(
        app, client, district, approved, official, language, message):
    sign_in(client, official.email)
    db.session.rollback()
    before = row_counts()
    response = post_form(client, f"/plans/projects/{approved.projects[1].id}/progress", REPORT,
                         headers={"Accept-Language": language})
    assert response.status_code == 403
    assert message in response.get_data(as_text=True)
    db.session.rollback()
    assert row_counts() == before


def test_a_department_cannot_choose_a_project_s_unit(app, client, district, approved, official,
                                                     welfare):
    sign_in(client, official.email)
    response = post_form(client, f"/plans/projects/{approved.projects[1].id}/unit",
                         {"unit": str(welfare.id)})
    assert response.status_code == 403


def test_an_organizer_names_the_responsible_unit_and_bad_units_are_refused(
        app, client, district, other_district, approved, organizer, welfare):
    project = approved.projects[2]
    elsewhere = units.add_unit(other_district.id, "department", "송파 기획예산과", None)
    commit()
    sign_in(client, organizer.email)
    db.session.rollback()
    before = row_counts()
    for value in (str(elsewhere.id), "99999", "복지정책과"):
        response = post_form(client, f"/plans/projects/{project.id}/unit", {"unit": value})
        assert response.status_code == 404, value
        assert "그런 부서나 분과가 없습니다" in response.get_data(as_text=True)
    db.session.rollback()
    assert row_counts() == before
    assert post_form(client, f"/plans/projects/{project.id}/unit",
                     {"unit": str(welfare.id)}).status_code == 302
    db.session.rollback()
    assert db.session.get(type(project), project.id).responsible_unit_id == welfare.id
    entry = db.session.query(AuditEntry).filter_by(action="plan.project_unit",
                                                   object_id=project.id).one()
    assert entry.actor_id == organizer.id and entry.detail["unit"] == "복지정책과"


def test_a_unit_role_is_granted_for_a_unit_of_its_kind_in_this_district(
        ctx, district, other_district, organizer, make_user, welfare, environment_group):
    person = make_user("resident")
    elsewhere = units.add_unit(other_district.id, "department", "송파 기획예산과", None)
    for role, unit_id, error in (
            (Role.DEPARTMENT, None, DomainError),             # no unit named
            (Role.DEPARTMENT, environment_group.id, DomainError),  # a 분과, not a 부서
            (Role.WORKING_GROUP, welfare.id, DomainError),    # a 부서, not a 분과
            (Role.DEPARTMENT, elsewhere.id, NotFound),        # another district's
            (Role.ORGANIZER, welfare.id, DomainError)):       # a district-wide role
        with pytest.raises(error):
            services.grant_role(district.id, person.email, role, organizer, unit_id)
    membership = services.grant_role(district.id, person.email, Role.DEPARTMENT, organizer,
                                     welfare.id)
    assert membership.org_unit_id == welfare.id
    assert person.unit_ids_in(district.id) == {welfare.id}
    assert person.unit_ids_in(other_district.id) == set()


def test_the_database_refuses_a_unit_role_without_its_unit(ctx, district, make_user):
    person = make_user("resident")
    db.session.add(Membership(user_id=person.id, district_id=district.id, role="department"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_organizers_add_units_and_grant_their_roles_from_the_console(
        app, client, district, organizer, make_user):
    person = make_user("resident")
    sign_in(client, organizer.email)
    assert post_form(client, "/organize/units",
                     {"kind": "working_group", "name": "마을자치 분과"}).status_code == 302
    db.session.rollback()
    group = units.unit_named(district.id, "마을자치 분과")
    assert group.kind == "working_group"
    before = row_counts()
    duplicate = post_form(client, "/organize/units", {"kind": "department",
                                                      "name": "마을자치 분과"})
    assert duplicate.status_code == 409
    bad_kind = post_form(client, "/organize/units", {"kind": "committee", "name": "위원회"},
                         headers={"Accept-Language": "en"})
    assert bad_kind.status_code == 422
    no_unit = post_form(client, "/organize/members", {"email": person.email,
                                                      "role": "working_group", "unit": ""},
                        headers={"Accept-Language": "en"})
    assert no_unit.status_code == 422
    assert "Choose the department or working group" in no_unit.get_data(as_text=True)
    db.session.rollback()
    assert row_counts() == before
    granted = post_form(client, "/organize/members", {"email": person.email,
                                                      "role": "working_group",
                                                      "unit": str(group.id)})
    assert granted.status_code == 302
    db.session.rollback()
    trail = {e.action: e for e in db.session.query(AuditEntry).filter(
        AuditEntry.actor_id == organizer.id)}
    assert trail["unit.add"].detail == {"kind": "working_group", "name": "마을자치 분과"}
    assert trail["role.grant"].detail["unit_id"] == group.id
    page = client.get("/organize").get_data(as_text=True)
    assert "분과원 · 마을자치 분과" in page


def test_the_demo_department_account_reported_its_project_s_progress(app, ctx):
    import demo
    from accounts.demo import DEPARTMENT_ACCOUNT, WORKING_GROUPS
    from accounts.models import user_by_email

    with app.test_request_context():
        demo.seed()
        commit()
    official = user_by_email(DEPARTMENT_ACCOUNT[0])
    district_id = official.memberships[0].district_id
    named = {unit.name: unit.kind for unit in units.units_of(district_id)}
    assert {name for name, kind in named.items() if kind == "working_group"} == set(
        WORKING_GROUPS)
    assert named["기획예산과"] == "department"
    filed = db.session.query(ProgressReport).filter_by(reported_by_id=official.id).all()
    assert len(filed) == 1
    assert filed[0].project.responsible_unit.name == "기획예산과"
    client = app.test_client()
    sign_in(client, official.email, DEPARTMENT_ACCOUNT[1])
    assert filed[0].project.title in client.get("/plans/my-projects").get_data(as_text=True)

