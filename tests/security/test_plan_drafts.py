"""What the public reads of a plan is the version in force, the one the council approved and
the city's decision made final (seed 000 §IV): edits to a reopened plan stay the organizers'
until an amendment is approved, on the public page, the JSON API and open data alike
(``plans.published``)."""

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest

from core.db import commit
from plans import building, review
from plans.models import PlanProject
from tests.conftest import sign_in
from tests.plans import conftest as plan_builders

# The plan builders of tests/plans (a 2027 plan of three selected items and a foundation
# project, a lawful council roster), offered to this module's tests as fixtures.
selected = plan_builders.selected
plan = plan_builders.plan
roster = plan_builders.roster

DRAFT_TITLE = "초안: 아직 승인되지 않은 사업명"
DRAFT_BUDGET = 41_500_000


def _edit(district, project: PlanProject, organizer, title: str, budget: int) -> None:
    building.update_project(district.id, project.id, building.ProjectData(
        title, budget, project.category, project.funding_source, summary=project.summary,
        department=project.department), organizer)


@pytest.fixture
def reopened(ctx, district, plan, organizer, roster):
    """The plan approved as version 2, then reopened and one project edited in the draft.
    Returns the edited project's id with its approved title and budget."""
    with ctx.test_request_context():
        plan_builders.review_round(district, plan, organizer)
        plan_builders.approve(district, plan, organizer, roster)
        plan_builders.city_round(district, plan, organizer)
        commit()
        project = plan.projects[0]
        approved = (project.id, project.title, project.budget)
        review.reopen_for_amendment(district.id, plan.id, "사업명과 예산 조정", organizer)
        _edit(district, project, organizer, DRAFT_TITLE, DRAFT_BUDGET)
        commit()
    return approved


def _open_data_csv(client, cycle_id: int) -> str:
    """The plan's open data CSV tables (a zip of one CSV per table), as one text."""
    response = client.get(f"/api/v1/open-data/plan/{cycle_id}.csv")
    if response.status_code != 200:
        return response.get_data(as_text=True)
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        return "\n".join(archive.read(name).decode("utf-8-sig")
                         for name in sorted(archive.namelist()))


def _public_views(client, cycle_id: int) -> dict:
    """Every public reader of the plan, as text."""
    return {
        "page": client.get(f"/cycles/{cycle_id}/plan").get_data(as_text=True),
        "api": json.dumps(client.get(f"/api/v1/cycles/{cycle_id}/plan").get_json(),
                          ensure_ascii=False),
        "open data csv": _open_data_csv(client, cycle_id),
        "open data json": client.get(f"/api/v1/open-data/plan/{cycle_id}.json")
        .get_data(as_text=True),
        "what-if": client.get(f"/cycles/{cycle_id}/plan/what-if").get_data(as_text=True),
    }


def test_a_reopened_plans_draft_edits_are_not_public(client, district, cycle, reopened):
    project_id, approved_title, approved_budget = reopened
    for reader, text in _public_views(client, cycle.id).items():
        assert DRAFT_TITLE not in text, f"{reader} shows the unsubmitted draft"
        assert approved_title in text, f"{reader} lost the approved plan"
    data = client.get(f"/api/v1/cycles/{cycle.id}/plan").get_json()
    assert data["status"] == "approved" and data["version"] == 2
    assert data["amendment_in_review"] is True and data["approved_at"] is not None
    project = next(p for p in data["projects"] if p["id"] == project_id)
    assert (project["title"], project["budget"]) == (approved_title, approved_budget)
    assert data["summary"]["allocated"] == sum(p["budget"] for p in data["projects"])
    assert "변경안이 협치회의 심의와 서울시 협의조정을 거치고 있습니다" in \
        _public_views(client, cycle.id)["page"]


def test_open_data_rows_carry_the_approved_budget(client, cycle, reopened):
    _project_id, approved_title, approved_budget = reopened
    rows = list(csv.reader(io.StringIO(_open_data_csv(client, cycle.id))))
    row = next(r for r in rows if approved_title in r)
    assert any(cell.replace(",", "") == str(approved_budget) for cell in row)
    assert not any(str(DRAFT_BUDGET) in cell.replace(",", "") for r in rows for cell in r)


def test_organizers_still_see_and_edit_the_draft(client, organizer, reopened):
    project_id, _title, _budget = reopened
    sign_in(client, organizer.email)
    page = client.get(f"/plans/projects/{project_id}/edit").get_data(as_text=True)
    assert DRAFT_TITLE in page
    assert DRAFT_TITLE in client.get("/plans/manage").get_data(as_text=True)


def test_the_approved_amendment_becomes_public(ctx, client, district, cycle, plan, organizer,
                                               roster, reopened):
    with ctx.test_request_context():
        review.submit_to_council(district.id, plan.id, organizer, "사업명과 예산 조정")
        plan_builders.approve(district, plan, organizer, roster)
        commit()
        assert DRAFT_TITLE not in client.get(f"/cycles/{cycle.id}/plan").get_data(as_text=True)
        city = plan_builders.city_reviewer(district)
        review.record_decision(district.id, plan.id, "approved", "", city)
        commit()
    data = client.get(f"/api/v1/cycles/{cycle.id}/plan").get_json()
    assert data["version"] == 3 and data["amendment_in_review"] is False
    assert DRAFT_TITLE in [p["title"] for p in data["projects"]]
    assert DRAFT_TITLE in client.get(f"/cycles/{cycle.id}/plan").get_data(as_text=True)


def test_a_revision_saved_for_review_is_not_public_before_approval(ctx, client, district, cycle,
                                                                    plan, organizer, reopened):
    with ctx.test_request_context():
        review.submit_to_council(district.id, plan.id, organizer, "사업명과 예산 조정")
        commit()
    for reader, text in _public_views(client, cycle.id).items():
        assert DRAFT_TITLE not in text, f"{reader} shows an amendment the council did not approve"
    # The review itself is public: the saved revision's page shows what it changes.
    version = client.get(f"/cycles/{cycle.id}/plan/versions/3").get_data(as_text=True)
    assert DRAFT_TITLE in version


def test_before_approval_the_public_reads_the_version_sent_to_review(ctx, client, district,
                                                                     cycle, plan, organizer):
    project = plan.projects[0]
    submitted_title = project.title
    assert client.get(f"/api/v1/cycles/{cycle.id}/plan").status_code == 404
    assert client.get(f"/api/v1/open-data/plan/{cycle.id}.json").status_code == 404
    assert submitted_title not in client.get(f"/cycles/{cycle.id}/plan").get_data(as_text=True)
    with ctx.test_request_context():
        review.submit_to_council(district.id, plan.id, organizer)
        _edit(district, project, organizer, DRAFT_TITLE, DRAFT_BUDGET)
        commit()
    data = client.get(f"/api/v1/cycles/{cycle.id}/plan").get_json()
    assert data["status"] == "council" and data["version"] == 1
    assert submitted_title in [p["title"] for p in data["projects"]]
    for reader, text in _public_views(client, cycle.id).items():
        assert DRAFT_TITLE not in text, f"{reader} shows the unsubmitted draft"


def test_the_migration_marks_the_versions_each_logged_approval_approved(tmp_path):
    """Plans approved before versions carried their approval: each logged approval marks the
    last version saved before it, so a plan reopened since keeps its approved version public."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app import create_app
    from core.db import db
    from core.models import Cycle, District
    from plans.models import Plan
    from tests.conftest import base_config

    migrations = str(Path(__file__).resolve().parents[2] / "migrations")
    app = create_app(base_config(tmp_path, f"sqlite:///{tmp_path / 'before.sqlite3'}"))
    with app.app_context():
        upgrade(directory=migrations, revision="0008")
        district = District(slug="gangdong", name_ko="강동구", name_en="Gangdong-gu")
        db.session.add(district)
        db.session.flush()
        plans = {}
        for year in (2026, 2027):
            cycle = Cycle(district_id=district.id, year=year, title=f"{year} 계획")
            plans[year] = Plan(district_id=district.id, cycle=cycle, title=f"{year} 계획",
                               total_budget=1, status="in_review")
            db.session.add(plans[year])
        db.session.commit()
        # 2026: versions 1 and 2, approved after 2, reopened and version 3 not approved.
        # 2027: version 1 approved, reopened, version 2 approved.
        versions = {2026: ["2027-03-01", "2027-03-10", "2027-06-01"],
                    2027: ["2027-03-01", "2027-06-01"]}
        approvals = {2026: ["2027-04-20"], 2027: ["2027-04-20", "2027-07-01"]}
        for year, days in versions.items():
            for number, day in enumerate(days, start=1):
                db.session.execute(text(
                    "INSERT INTO plan_version (plan_id, number, note, snapshot, created_at) "
                    "VALUES (:plan, :number, '', '{}', :at)"),
                    {"plan": plans[year].id, "number": number, "at": f"{day} 09:00:00.000000"})
            for day in approvals[year]:
                db.session.execute(text(
                    "INSERT INTO plan_log (plan_id, action, note, created_at) "
                    "VALUES (:plan, 'approved', '', :at)"),
                    {"plan": plans[year].id, "at": f"{day} 15:00:00.000000"})
        db.session.commit()
        p2026, p2027 = plans[2026].id, plans[2027].id
        upgrade(directory=migrations, revision="0011")
        db.session.remove()
        marked = {(plan_id, number): approved_at for plan_id, number, approved_at in
                  db.session.execute(text(
                      "SELECT plan_id, number, approved_at FROM plan_version"))}
        db.session.remove()
        db.engine.dispose()
    assert marked == {(p2026, 1): None, (p2026, 2): "2027-04-20 15:00:00.000000",
                      (p2026, 3): None, (p2027, 1): "2027-04-20 15:00:00.000000",
                      (p2027, 2): "2027-07-01 15:00:00.000000"}
