"""Plan pages and the public JSON over HTTP: access, foreign ids, bad input, transitions."""

import pytest

from core.db import db
from plans.models import Plan, PlanProject
from tests.conftest import post_form, sign_in
from tests.plans.conftest import approve, city_round, review_round


@pytest.fixture
def staff_client(client, organizer):
    sign_in(client, organizer.email)
    return client


def test_public_plan_page_and_json(client, ctx, district, cycle, plan, organizer, roster):
    with ctx.test_request_context():
        review_round(district, plan, organizer)
        approve(district, plan, organizer, roster)
        city_round(district, plan, organizer)
        from core.db import commit

        commit()
    page = client.get(f"/cycles/{cycle.id}/plan")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "협치 기반조성" in text and "<progress" in text
    data = client.get(f"/api/v1/cycles/{cycle.id}/plan").get_json()
    assert data["status"] == "approved" and data["version"] == 2
    assert data["approval"]["present"] == 16 and data["approval"]["passed"] is True
    project = data["projects"][-1]
    assert project["budget"] == 40_000_000
    assert project["working_group"]["department"] == "기획예산과"
    assert project["category"] == "foundation" and project["progress"] is None
    assert all(rule["passed"] for rule in data["rules"])
    assert client.get(f"/cycles/{cycle.id}/plan/versions/2").status_code == 200
    assert client.get(f"/cycles/{cycle.id}/plan/what-if").status_code == 200


def test_json_for_a_cycle_without_plan_or_of_another_district(client, ctx, district, cycle):
    assert client.get(f"/api/v1/cycles/{cycle.id}/plan").status_code == 404
    assert client.get("/api/v1/cycles/999/plan").status_code == 404


def test_negative_budget_is_refused_with_422_and_nothing_changes(staff_client, ctx, plan):
    response = post_form(staff_client, f"/plans/{plan.id}/projects", {
        "title": "음수 사업", "budget": "-100", "category": "foundation",
        "funding_source": "city"})
    assert response.status_code == 422
    assert db.session.query(PlanProject).filter_by(title="음수 사업").count() == 0


def test_percent_over_100_is_refused(staff_client, ctx, district, plan, organizer, roster):
    with ctx.test_request_context():
        review_round(district, plan, organizer)
        approve(district, plan, organizer, roster)
        city_round(district, plan, organizer)
        from core.db import commit

        commit()
    project_id = plan.projects[0].id
    response = post_form(staff_client, f"/plans/projects/{project_id}/progress", {
        "reported_on": "2027-06-30", "status": "on_track", "percent": "120", "spent": "0"})
    assert response.status_code == 422
    assert db.session.get(PlanProject, project_id).reports == []


def test_foreign_district_ids_are_404(staff_client, ctx, plan):
    from core.models import Cycle, District

    other = District(slug="songpa", name_ko="송파구", name_en="Songpa-gu")
    db.session.add(other)
    db.session.flush()
    foreign_cycle = Cycle(district_id=other.id, year=2027, title="송파 2027")
    db.session.add(foreign_cycle)
    foreign = Plan(district_id=other.id, cycle=foreign_cycle, title="송파 계획",
                   total_budget=1)
    db.session.add(foreign)
    db.session.add(PlanProject(plan=foreign, title="송파 사업", budget=1,
                               category="foundation"))
    db.session.commit()
    foreign_id, project_id = foreign.id, foreign.projects[0].id
    cycle_id = foreign_cycle.id
    assert staff_client.get(f"/cycles/{cycle_id}/plan").status_code == 404
    assert staff_client.get(f"/plans/projects/{project_id}/edit").status_code == 404
    assert post_form(staff_client, f"/plans/{foreign_id}/submit").status_code == 404
    assert staff_client.get(f"/plans/projects/{project_id}/report").status_code == 404


def test_residents_cannot_use_the_console(client, ctx, make_user, plan):
    resident = make_user("resident")
    sign_in(client, resident.email)
    assert client.get("/plans/manage").status_code == 403
    assert post_form(client, f"/plans/{plan.id}/submit").status_code == 403


def test_organizer_submits_and_revises_through_the_console(staff_client, ctx, plan):
    assert post_form(staff_client, f"/plans/{plan.id}/submit").status_code == 302
    assert db.session.get(Plan, plan.id).status == "council"
    response = post_form(staff_client, f"/plans/{plan.id}/revise", {"note": "수정"})
    assert response.status_code == 409
    assert db.session.get(Plan, plan.id).version == 1


def test_organizer_cannot_override_rules_but_admin_can(client, ctx, make_user, plan):
    organizer = make_user("organizer")
    sign_in(client, organizer.email)
    assert post_form(client, f"/plans/{plan.id}/override", {"reason": "x"}).status_code == 403
    admin_client = client.application.test_client()
    admin = make_user("admin")
    sign_in(admin_client, admin.email)
    assert post_form(admin_client, f"/plans/{plan.id}/override",
                     {"reason": "시 협의"}).status_code == 302
    assert db.session.get(Plan, plan.id).rules_override_reason == "시 협의"
