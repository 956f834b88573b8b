"""Proposals staff enter on behalf of their channel (seed 002 §6.1 전략 2 주민의제 제안제 연계,
전략 3 지역협력분과의 동단위 의제, §6.2 전략 2 참여예산 업무의 단일화, §6.2 실행계획 2 전략 1
부서별 주민아이디어 공모전 연계), the channel as data, and the register of existing projects
the duplicate check reads (seed 002 §4: 기존사업 중복을 예방하고 조정)."""

import json

import pytest

from accounts import units
from agenda import channels, register
from agenda.models import AgendaItem, Channel, ExistingProject
from agenda.proposals import Proposal
from core.audit import AuditEntry
from core.db import commit, db
from core.errors import Conflict, DomainError, Forbidden, NotFound
from tests.agenda.conftest import INTAKE_DAY
from tests.conftest import post_form, sign_in
from tests.exports.conftest import export_bytes
from tests.security.test_held_defences import row_counts

FORM = {"channel": "participatory_budget", "proposing_group": "주민참여예산위원회",
        "title": "어르신 쉼터 그늘막", "description": "정류장 그늘막과 의자", "field": "welfare",
        "kind": "policy_execution", "area": "", "estimated_cost": "12000000",
        "submit_proposal": "1"}


def _proposal(title="어르신 쉼터 그늘막", group="주민참여예산위원회"):
    return Proposal(title, "정류장 그늘막과 의자", "welfare", "policy_execution", None,
                    12_000_000, group)


@pytest.mark.parametrize("channel", [c.value for c in Channel])
def test_each_of_the_five_channels_is_kept_as_data(ctx, district, organizer, channel):
    item = channels.enter_on_behalf(district, organizer, _proposal(f"{channel} 제안"), channel,
                                    INTAKE_DAY)
    commit()
    assert item.channel == channel
    assert item.author_id is None and item.entered_by_id == organizer.id
    assert item.cycle.year == 2027 and not item.year_round
    entry = db.session.query(AuditEntry).filter_by(action="agenda.entered_on_behalf").one()
    assert (entry.object_id, entry.actor_id) == (item.id, organizer.id)
    assert entry.detail["channel"] == channel


def test_an_unknown_channel_or_no_source_is_refused_and_nothing_changes(
        ctx, district, organizer):
    before = row_counts()
    for channel in ("", None, "민원", "RESIDENT"):
        with pytest.raises(DomainError) as refused:
            channels.enter_on_behalf(district, organizer, _proposal(), channel, INTAKE_DAY)
        assert refused.value.field == "channel"
    with pytest.raises(DomainError) as refused:
        channels.enter_on_behalf(district, organizer, _proposal(group=""), "dong_plan",
                                 INTAKE_DAY)
    assert refused.value.field == "proposing_group"
    db.session.rollback()
    assert row_counts() == before


def test_only_organizers_enter_on_behalf(ctx, district, make_user):
    with pytest.raises(Forbidden):
        channels.enter_on_behalf(district, make_user("facilitator"), _proposal(), "department",
                                 INTAKE_DAY)


def test_the_page_enters_a_proposal_shown_with_its_channel_in_korean_and_english(
        app, client, district, organizer):
    sign_in(client, organizer.email)
    response = post_form(client, "/agenda/on-behalf", FORM)
    assert response.status_code == 302
    db.session.rollback()
    item = db.session.query(AgendaItem).filter_by(title=FORM["title"]).one()
    assert item.channel == "participatory_budget"
    korean = client.get(f"/agenda/{item.id}").get_data(as_text=True)
    assert "접수 경로" in korean and "참여예산" in korean and "주민참여예산위원회" in korean
    english = client.get(f"/agenda/{item.id}", headers={"Accept-Language": "en"}).get_data(
        as_text=True)
    assert "Channel" in english and "Participatory budget" in english


@pytest.mark.parametrize(("language", "message"), [
    ("ko", "접수 경로를 고르세요"), ("en", "Choose the channel")])
def test_the_page_refuses_an_unknown_channel_with_422_in_the_reader_s_language(
        app, client, district, organizer, language, message):
    sign_in(client, organizer.email)
    db.session.rollback()
    before = row_counts()
    response = post_form(client, "/agenda/on-behalf", {**FORM, "channel": "petition"},
                         headers={"Accept-Language": language})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    db.session.rollback()
    assert row_counts() == before


def test_the_agenda_filters_by_channel_and_the_export_carries_it(
        ctx, client, district, cycle, organizer, make_item):
    make_item("주민이 쓴 제안")
    channels.enter_on_behalf(district, organizer, _proposal("동 계획 과제", "천호제3동 주민자치회"),
                             "dong_plan", INTAKE_DAY)
    commit()
    listed = client.get(f"/agenda?cycle={cycle.id}&channel=dong_plan").get_data(as_text=True)
    assert "동 계획 과제" in listed and "주민이 쓴 제안" not in listed
    everything = client.get(f"/agenda?cycle={cycle.id}").get_data(as_text=True)
    assert "동 계획 과제" in everything and "주민이 쓴 제안" in everything
    _, data = export_bytes("agenda", "json", district.id, cycle.id)
    rows = {row["title"]: row for table in json.loads(data)["tables"]
            if table["name"] == "agenda_items" for row in table["rows"]}
    assert rows["동 계획 과제"]["channel"] == "동 계획"
    assert rows["주민이 쓴 제안"]["channel"] == "주민제안"


def test_the_register_takes_a_project_once_with_a_unit_of_this_district(
        ctx, district, other_district, organizer, make_user):
    group = units.add_unit(district.id, "working_group", "환경 분과", None)
    elsewhere = units.add_unit(other_district.id, "working_group", "송파 환경 분과", None)
    project = register.register_project(district.id, "환경생태 교육 및 홍보", "", group.id,
                                        organizer)
    resident = make_user("resident")
    commit()
    assert project.org_unit.name == "환경 분과"
    assert db.session.query(AuditEntry).filter_by(
        action="agenda.register_project", object_id=project.id).one().actor_id == organizer.id
    before = row_counts()
    for attempt, error in (
            (lambda: register.register_project(district.id, "환경생태 교육 및 홍보", "", None,
                                               organizer), Conflict),
            (lambda: register.register_project(district.id, "새 사업", "", elsewhere.id,
                                               organizer), NotFound),
            (lambda: register.register_project(district.id, " ", "", None, organizer),
             DomainError),
            (lambda: register.register_project(district.id, "새 사업", "", None,
                                               resident), Forbidden)):
        with pytest.raises(error):
            attempt()
        db.session.rollback()
    assert row_counts() == before


def test_intake_s_duplicate_check_shows_similar_existing_projects(
        app, client, district, organizer, make_user):
    register.register_project(district.id, "환경생태 교육 및 홍보",
                              "어린이와 어르신이 함께하는 생태 교육", None, organizer)
    register.register_project(district.id, "주민톡톡(Talk Talk) 광장", "", None, organizer)
    commit()
    found = app.test_client().get("/api/v1/agenda/similar?title=환경생태 교육 확대").get_json()
    assert [p["title"] for p in found["projects"]] == ["환경생태 교육 및 홍보"]
    sign_in(client, make_user("resident").email)
    page = post_form(client, "/agenda/propose", {
        "title": "환경생태 교육 확대", "description": "", "field": "environment",
        "kind": "problem_solving", "area": "", "check_similar": "1"})
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "비슷한 기존 사업" in body
    assert "환경생태 교육 및 홍보" in body and "주민톡톡" not in body
    assert db.session.query(AgendaItem).count() == 0


def test_staff_see_similar_projects_before_entering_and_register_them_from_the_page(
        app, client, district, organizer):
    sign_in(client, organizer.email)
    assert post_form(client, "/agenda/register/projects",
                     {"title": "주민톡톡(Talk Talk) 광장", "description": "", "unit": ""}
                     ).status_code == 302
    refused = post_form(client, "/agenda/register/projects",
                        {"title": "다른 사업", "description": "", "unit": "부서"},
                        headers={"Accept-Language": "en"})
    assert refused.status_code == 404
    assert "There is no such department or working group" in refused.get_data(as_text=True)
    checked = post_form(client, "/agenda/on-behalf", {**FORM, "title": "주민톡톡 광장 확대",
                                                      "check_similar": "1"})
    assert checked.status_code == 200
    assert "주민톡톡(Talk Talk) 광장" in checked.get_data(as_text=True)
    db.session.rollback()
    assert [p.title for p in db.session.query(ExistingProject)] == ["주민톡톡(Talk Talk) 광장"]
    assert "주민톡톡(Talk Talk) 광장" in client.get("/agenda/register").get_data(as_text=True)


def test_the_demo_has_proposals_from_several_channels_and_the_seed_s_register(app, ctx):
    import demo
    from accounts.demo import WORKING_GROUPS

    demo.seed()
    commit()
    kinds = {item.channel for item in db.session.query(AgendaItem)}
    assert kinds == {c.value for c in Channel}
    registered = {p.title: p.org_unit.name for p in db.session.query(ExistingProject)}
    assert registered == {title: group for group, titles in WORKING_GROUPS.items()
                          for title in titles}
