"""The settings page: floors and caps per field or dong, kept by the page and used by the
plan's rule checks."""

import pytest
from sqlalchemy import select

from core.db import commit, db
from plans import building, settings
from plans.models import BudgetLimit
from tests.conftest import post_form, sign_in


@pytest.fixture
def staff_client(client, organizer):
    sign_in(client, organizer.email)
    return client


def _limits(district_id):
    db.session.rollback()
    return {(lim.scope, lim.name, lim.floor, lim.cap) for lim in db.session.scalars(
        select(BudgetLimit).where(BudgetLimit.district_id == district_id))}


def test_organizer_sets_changes_and_removes_limits_and_the_plan_checks_them(
        staff_client, district, plan):
    page = staff_client.get("/plans/settings").get_data(as_text=True)
    assert "분야·동별 예산 하한과 상한" in page and "천호제1동" in page
    assert "정한 한도가 없습니다" in page
    assert post_form(staff_client, "/plans/settings/limits", {
        "target": "field:welfare", "cap": "50000000"}).status_code == 302
    assert post_form(staff_client, "/plans/settings/limits", {
        "target": "dong:천호제1동", "floor": "1000000", "cap": "90000000"}).status_code == 302
    assert _limits(district.id) == {("field", "welfare", None, 50_000_000),
                                    ("dong", "천호제1동", 1_000_000, 90_000_000)}
    # Saving the same field again replaces its limit.
    assert post_form(staff_client, "/plans/settings/limits", {
        "target": "field:welfare", "floor": "0", "cap": "60000000"}).status_code == 302
    assert ("field", "welfare", 0, 60_000_000) in _limits(district.id)
    page = staff_client.get("/plans/settings").get_data(as_text=True)
    assert "복지" in page and "6,000만 원" in page
    checks = {(c.code, c.subject) for c in building.check_plan(plan)}
    assert {("field_cap", "welfare"), ("dong_floor", "천호제1동")} <= checks
    welfare = db.session.scalars(select(BudgetLimit).where(
        BudgetLimit.district_id == district.id, BudgetLimit.scope == "field")).one()
    assert post_form(staff_client, f"/plans/settings/limits/{welfare.id}/delete",
                     {}).status_code == 302
    assert _limits(district.id) == {("dong", "천호제1동", 1_000_000, 90_000_000)}


def test_bad_limits_are_refused_and_store_nothing(staff_client, district):
    for form, status in (({"target": "field:welfare"}, 422),
                         ({"target": "field:welfare", "floor": "9", "cap": "5"}, 422),
                         ({"target": "field:welfare", "cap": "-5"}, 422),
                         ({"target": "field:welfare", "cap": "많이"}, 422),
                         ({"target": "dong:없는동", "cap": "5"}, 422),
                         ({"target": "district:전체", "cap": "5"}, 422)):
        response = post_form(staff_client, "/plans/settings/limits", form)
        assert response.status_code == status, (form, response.status_code)
        assert "alert" in response.get_data(as_text=True)
    assert _limits(district.id) == set()


def test_limits_of_another_district_cannot_be_removed(staff_client, district, ctx):
    from core.models import District

    other = District(slug="songpa", name_ko="송파구", name_en="Songpa-gu")
    db.session.add(other)
    db.session.flush()
    foreign = settings.set_budget_limit(other.id, "field", "welfare", None, 5)
    commit()
    assert post_form(staff_client, f"/plans/settings/limits/{foreign.id}/delete",
                     {}).status_code == 404
    db.session.rollback()
    assert db.session.get(BudgetLimit, foreign.id) is not None
