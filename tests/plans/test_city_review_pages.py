"""The city's review (seed 001 Ⅱ, 협의조정) over HTTP, in Korean and English: the city
reviewer's page, its forms, and refusals that say why, answer 4xx and change nothing."""

import pytest

from core.db import commit, db
from plans import building, review
from plans.models import CityDecision, Plan, PlanProject, ReviewComment
from tests.conftest import post_form, sign_in
from tests.plans.conftest import FOUNDATION, city_reviewer, review_round

ENGLISH = {"Accept-Language": "en"}


@pytest.fixture
def city(district):
    reviewer = city_reviewer(district)
    commit()
    return reviewer


def _client(app, user):
    client = app.test_client()
    sign_in(client, user.email)
    return client


def _counts(plan_id: int) -> tuple:
    db.session.rollback()
    plan = db.session.get(Plan, plan_id)
    return (plan.status, plan.version, db.session.query(ReviewComment).count(),
            db.session.query(CityDecision).count(), db.session.query(PlanProject).count(),
            [(c.resolution, c.resolved_at) for c in plan.comments])


def test_the_city_reviewer_reads_the_plan_in_korean_and_english(app, cycle, in_review, city):
    client = _client(app, city)
    page = client.get(f"/plans/city-review?cycle={cycle.id}").get_data(as_text=True)
    assert "서울시 협의조정" in page and "협의조정 중" in page and "결정서 기록" in page
    assert 'href="/plans/city-review"' in client.get("/").get_data(as_text=True)
    english = client.get(f"/plans/city-review?cycle={cycle.id}", headers=ENGLISH)
    text = english.get_data(as_text=True)
    assert english.status_code == 200
    assert "Seoul city review" in text and "Record the decision" in text


def test_the_whole_review_over_http(app, ctx, district, cycle, in_review, organizer, city):
    plan_id = in_review.id
    reviewer, staff = _client(app, city), _client(app, organizer)
    response = post_form(reviewer, f"/plans/{plan_id}/comments", {
        "severity": "required", "title": "협치적 맥락 보완", "body": "사업별로 서술하세요."})
    assert response.status_code == 302
    comment_id = db.session.query(ReviewComment).one().id
    refused = post_form(staff, f"/plans/{plan_id}/comments/{comment_id}/answer",
                        {"answer": "반영"}, headers=ENGLISH)
    assert refused.status_code == 409
    assert "after saving the revision" in refused.get_data(as_text=True)
    with ctx.test_request_context():
        project = next(p for p in db.session.get(Plan, plan_id).projects
                       if p.title == FOUNDATION.title)
        building.update_project(district.id, project.id, building.ProjectData(
            **{**FOUNDATION.__dict__, "summary": "보완"}), organizer)
        commit()
    assert post_form(staff, f"/plans/{plan_id}/revise", {"note": "의견 반영"}).status_code == 302
    assert post_form(staff, f"/plans/{plan_id}/comments/{comment_id}/answer",
                     {"answer": "제2판에 반영했습니다"}).status_code == 302
    assert post_form(reviewer, f"/plans/{plan_id}/comments/{comment_id}/resolve").status_code \
        == 302
    response = post_form(reviewer, f"/plans/{plan_id}/decision",
                         {"outcome": "approved", "note": "최종본으로 승인"})
    assert response.status_code == 302
    assert db.session.get(Plan, plan_id).status == "approved"
    page = reviewer.get(f"/plans/city-review?cycle={cycle.id}").get_data(as_text=True)
    assert "서울시 검토자" in page and "제2판에 반영했습니다" in page and "최종본으로 승인" in page
    public = app.test_client().get(f"/cycles/{cycle.id}/plan").get_data(as_text=True)
    assert "서울시 협의조정 결정" in public


def test_the_city_cannot_review_before_the_council(app, district, cycle, plan, organizer, city,
                                                   ctx):
    with ctx.test_request_context():
        review_round(district, plan, organizer)
        commit()
    before = _counts(plan.id)
    response = post_form(_client(app, city), f"/plans/{plan.id}/comments", {
        "severity": "required", "title": "보완", "body": "본문"})
    assert response.status_code == 409
    assert "협치회의가 승인해 협의조정 중인 계획만" in response.get_data(as_text=True)
    assert _counts(plan.id) == before


def test_a_city_reviewer_writing_outside_the_review_is_refused(app, in_review, city):
    client = _client(app, city)
    before = _counts(in_review.id)
    project_id = in_review.projects[0].id
    for path, data in ((f"/plans/{in_review.id}/projects", {
            "title": "시가 넣은 사업", "budget": "1", "category": "foundation",
            "funding_source": "city"}),
            (f"/plans/{in_review.id}/revise", {"note": "시가 저장"}),
            (f"/plans/{in_review.id}/submit", {}),
            (f"/plans/{in_review.id}/reopen", {"reason": "시가 엶"}),
            (f"/plans/projects/{project_id}/progress", {
                "reported_on": "2027-06-30", "status": "on_track", "percent": "10",
                "spent": "0"})):
        assert post_form(client, path, data).status_code == 403, path
    assert client.get("/plans/manage").status_code == 403
    assert _counts(in_review.id) == before


def test_an_organizer_cannot_write_or_resolve_the_citys_items(app, ctx, district, in_review,
                                                              organizer, city):
    with ctx.test_request_context():
        comment = review.add_review_comment(district.id, in_review.id, "recommended", "권고",
                                            "본문", city)
        review.answer_comment(district.id, in_review.id, comment.id, "답", organizer)
        commit()
    client = _client(app, organizer)
    before = _counts(in_review.id)
    assert post_form(client, f"/plans/{in_review.id}/comments", {
        "severity": "required", "title": "스스로", "body": "본문"}).status_code == 403
    assert post_form(client, f"/plans/{in_review.id}/comments/{comment.id}/resolve"
                     ).status_code == 403
    assert post_form(client, f"/plans/{in_review.id}/decision",
                     {"outcome": "approved"}).status_code == 403
    assert _counts(in_review.id) == before


def test_bad_review_input_is_422_with_the_form_and_nothing_changes(app, in_review, city):
    client = _client(app, city)
    before = _counts(in_review.id)
    response = post_form(client, f"/plans/{in_review.id}/comments",
                         {"severity": "urgent", "title": "보완", "body": "본문"})
    assert response.status_code == 422
    response = post_form(client, f"/plans/{in_review.id}/decision",
                         {"outcome": "returned", "note": ""}, headers=ENGLISH)
    assert response.status_code == 422
    assert "write why" in response.get_data(as_text=True).lower()
    response = post_form(client, f"/plans/{in_review.id}/comments/999999/resolve")
    assert response.status_code == 404
    assert _counts(in_review.id) == before
