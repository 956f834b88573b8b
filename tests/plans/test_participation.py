"""Participation over the years (seed 002 §2: 성동구's priority vote drew 294 → 2,441 (10 days)
→ 1,420 (3 days) → 1,577 (5 days) voters): a cycle run here is counted from its records, a year
before it is read from the figures the district recorded with their source; bad figures are
refused with a clear message and change nothing; the public page, its chart and sentence; the
cycle's participation export."""

import json
from datetime import date, datetime, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from agenda.models import AgendaItem
from core.audit import AuditEntry
from core.db import commit, db
from core.errors import DomainError
from core.tenancy import SEOUL, seoul_now
from forums.models import Forum, Participant
from plans import participation
from tests.conftest import post_form, sign_in
from voting.casting import cast_online
from voting.definition import VoteDefinition, create_vote
from voting.paper_entry import PersonOnPaper, enter_ballot
from voting.rules import BallotType, Channel

SOURCE = "성동구 2023-2025 기본계획 §2"


@pytest.fixture
def ctx(app):
    """A request context: refusals and sentences are read in a reader's language."""
    with app.test_request_context():
        yield app


def _shortlist(district, cycle, n=3):
    items = [AgendaItem(district_id=district.id, cycle_id=cycle.id, title=f"의제 {i}",
                        field="welfare", kind="problem_solving", status="shortlisted",
                        shortlisted_for_vote=True) for i in range(n)]
    db.session.add_all(items)
    db.session.add(AgendaItem(district_id=district.id, cycle_id=cycle.id, title="초안",
                              field="welfare", kind="problem_solving", is_draft=True))
    db.session.flush()
    return items


def _vote(district, cycle, items, organizer, title, days):
    opens_at = datetime.combine(seoul_now().date(), datetime.min.time(), SEOUL)
    return create_vote(district.id, cycle.id, VoteDefinition(
        title=title, ballot_type=BallotType.APPROVAL, agenda_item_ids=[i.id for i in items],
        opens_at=opens_at, closes_at=opens_at + timedelta(days=days), method="approval",
        max_choices=2), organizer)


@pytest.fixture
def ran_here(district, cycle, organizer, make_user):
    """The 2027 cycle with two votes (four ballots in the larger: 2 online, 1 paper, 1 at a
    forum), a forum with three participants, four proposals (one draft not counted)."""
    items = _shortlist(district, cycle)
    small = _vote(district, cycle, items, organizer, "작은 투표", 3)
    main = _vote(district, cycle, items, organizer, "우선순위 주민투표", 10)
    residents = [make_user() for _ in range(2)]
    for resident in residents:
        cast_online(district.id, main.id, resident, [(main.items[0].id, 1)])
    cast_online(district.id, small.id, residents[0], [(small.items[1].id, 1)])
    dong = district.dongs[0].id
    enter_ballot(district.id, main.id, organizer, Channel.PAPER,
                 PersonOnPaper(name="김종이", birth_date=date(1960, 1, 1), dong_id=dong),
                 [(main.items[1].id, 1)], "P-1")
    enter_ballot(district.id, main.id, organizer, Channel.FORUM,
                 PersonOnPaper(name="이현장", birth_date=date(1970, 1, 1), dong_id=dong),
                 [(main.items[2].id, 1)])
    forum = Forum(district_id=district.id, cycle_id=cycle.id, title="원탁토론회",
                  held_on=date(2027, 2, 10), join_code="HSTRY2")
    forum.participants = [Participant(number=n) for n in range(1, 4)]
    db.session.add(forum)
    db.session.add(AgendaItem(district_id=district.id, cycle_id=cycle.id, title="숨긴 제안",
                              field="welfare", kind="problem_solving",
                              hidden_at=seoul_now(), hidden_reason="광고"))
    db.session.add(AgendaItem(district_id=district.id, cycle_id=cycle.id, title="제안",
                              field="welfare", kind="problem_solving"))
    commit()
    return main


def _recorded(district_id):
    db.session.rollback()
    return [(r.year, r.voters, r.voting_days, r.source)
            for r in participation.recorded_figures(district_id)]


def _audit_count():
    return db.session.scalar(select(func.count(AuditEntry.id)))


def test_voting_days_count_the_calendar_days_in_seoul():
    start = datetime(2020, 9, 1, tzinfo=SEOUL)
    assert participation.voting_days(start, start + timedelta(days=10)) == 10
    assert participation.voting_days(start + timedelta(hours=9),
                                     start + timedelta(days=9, hours=18)) == 10
    assert participation.voting_days(start, start + timedelta(hours=2)) == 1


def test_a_cycle_run_here_is_counted_from_its_records_and_past_years_from_the_recorded_figures(
        ctx, district, ran_here):
    participation.save_recorded(district.id, 2025, {"voters": 1420, "voting_days": 3}, SOURCE)
    participation.save_recorded(district.id, 2026, {"voters": 1577, "voting_days": 5,
                                                    "forums": 2, "forum_participants": 91},
                                SOURCE)
    rows = participation.history(district.id)
    assert [(r.year, r.recorded) for r in rows] == [(2025, True), (2026, True), (2027, False)]
    counted = rows[-1]
    # The larger of the cycle's two votes is its priority vote.
    assert (counted.voters, counted.voting_days) == (4, 10)
    # Open with its results hidden (voting/secrecy.py): the total only, not by channel.
    assert counted.channels == {}
    ran_here.results_live = True
    assert participation.history(district.id)[-1].channels == {"online": 2, "paper": 1,
                                                               "forum": 1}
    assert (counted.forums, counted.forum_participants, counted.proposals) == (1, 3, 4)
    assert rows[1].source == SOURCE and rows[1].forum_participants == 91
    bars = participation.bar_percents(rows)
    assert bars[2026] == 100.0 and bars[2025] == pytest.approx(100 * 1420 / 1577)
    assert bars[2027] == pytest.approx(100 * 4 / 1577)
    with force_locale("ko"):
        assert str(participation.summary(rows)) == (
            "2027년 주민투표 참여자는 4명으로 2026년(1,577명)보다 1,573명(99.7%) 줄었습니다.")


def test_the_sentence_names_the_change_from_the_year_before(ctx, district):
    for year, voters in ((2019, 294), (2020, 2441)):
        participation.save_recorded(district.id, year, {"voters": voters}, SOURCE)
    rows = participation.history(district.id)
    with force_locale("ko"):
        assert str(participation.summary(rows)) == (
            "2020년 주민투표 참여자는 2,441명으로 2019년(294명)보다 2,147명(730.3%) 늘었습니다.")
    with force_locale("en"):
        assert str(participation.summary(rows)) == (
            "2,441 residents voted in 2020, 2,147 (730.3%) more than in 2019 (294).")
    with force_locale("ko"):
        assert str(participation.summary([])) == "아직 주민투표 참여 기록이 없습니다."
        assert str(participation.summary(rows[:1])) == "2019년 주민투표에는 294명이 참여했습니다."


def test_recording_correcting_and_removing_are_audited(ctx, district, organizer):
    row = participation.save_recorded(district.id, 2020, {"voters": 2441}, SOURCE,
                                      actor=organizer)
    participation.save_recorded(district.id, 2020, {"voters": 2441, "voting_days": 10}, SOURCE,
                                actor=organizer)
    participation.remove_recorded(district.id, row.id, actor=organizer)
    commit()
    entries = list(db.session.scalars(select(AuditEntry).where(
        AuditEntry.object_kind == "recorded_participation").order_by(AuditEntry.id)))
    assert [e.action for e in entries] == ["participation.record", "participation.correct",
                                           "participation.remove"]
    assert entries[1].detail["before"] == "voters=2441"
    assert entries[1].detail["after"] == "voters=2441, voting_days=10"
    assert all(e.actor_id == organizer.id and e.district_id == district.id for e in entries)
    assert _recorded(district.id) == []


BAD_FIGURES = [
    (1999, {"voters": 5}, SOURCE, "year", 422),
    (2099, {"voters": 5}, SOURCE, "year", 422),
    (2**31, {"voters": 5}, SOURCE, "year", 422),
    (2020, {"voters": 2**31}, SOURCE, "voters", 422),
    (2027, {"voters": 5}, SOURCE, "year", 409),
    (2020, {"voters": -1}, SOURCE, "voters", 422),
    (2020, {"voters": 5, "voting_days": 0}, SOURCE, "voting_days", 422),
    (2020, {"voters": 5, "voting_days": 400}, SOURCE, "voting_days", 422),
    (2020, {"voters": 5, "online_voters": 4, "paper_voters": 2}, SOURCE, "online_voters", 422),
    (2020, {"forums": 0, "forum_participants": 3}, SOURCE, "forum_participants", 422),
    (2020, {}, SOURCE, "voters", 422),
    (2020, {"voters": 5}, "  ", "source", 422),
    (2020, {"voters": 5}, "출" * 301, "source", 422),
]


@pytest.mark.parametrize(("year", "figures", "source", "field", "status"), BAD_FIGURES)
def test_bad_figures_are_refused_and_change_nothing(ctx, district, cycle, year, figures, source,
                                                    field, status):
    participation.save_recorded(district.id, 2019, {"voters": 294}, SOURCE)
    commit()
    before, audited = _recorded(district.id), _audit_count()
    with pytest.raises(DomainError) as refused:
        participation.save_recorded(district.id, year, figures, source)
    assert (refused.value.field, refused.value.status) == (field, status)
    assert str(refused.value.message)
    assert _recorded(district.id) == before and _audit_count() == audited


def test_another_districts_record_cannot_be_removed(ctx, district, other_district):
    theirs = participation.save_recorded(other_district.id, 2020, {"voters": 9}, SOURCE)
    commit()
    with pytest.raises(DomainError) as refused:
        participation.remove_recorded(district.id, theirs.id)
    assert refused.value.status == 404
    assert _recorded(other_district.id) == [(2020, 9, None, SOURCE)]


# --- Pages --------------------------------------------------------------------------------


def test_the_public_page_shows_the_table_the_chart_and_the_sentence(client, ctx, district,
                                                                    ran_here):
    participation.save_recorded(district.id, 2026, {"voters": 8, "voting_days": 5}, SOURCE)
    commit()
    # While the vote is open with its results hidden, its turnout is a total only.
    assert "종이 투표 1명" not in client.get("/participation").get_data(as_text=True)
    ran_here.results_live = True
    commit()
    page = client.get("/participation").get_data(as_text=True)
    assert "강동구 연도별 참여 현황" in page
    assert "2027년 주민투표 참여자는 4명으로 2026년(8명)보다 4명(50%) 줄었습니다." in page
    assert page.count('class="history-chart__row"') == 2 and "<svg" in page
    assert "온라인 2명, 종이 투표 1명, 공론장 현장 투표 1명" in page
    assert f"출처 1: {SOURCE}" in page and "마당 기록에서 계산" in page
    assert "기록된 수치 (<a href=\"#source-1\">출처 1</a>)" in page
    assert "참여 현황 보기" in client.get("/").get_data(as_text=True)
    client.set_cookie("lang", "en", domain="madang.test")
    english = client.get("/participation").get_data(as_text=True)
    assert "Participation by year in Gangdong-gu" in english
    assert "4 residents voted in 2027, 4 (50%) fewer than in 2026 (8)." in english


def test_residents_cannot_reach_the_staff_page(client, district, make_user):
    assert client.get("/participation/recorded").status_code == 302
    resident = make_user()
    sign_in(client, resident.email)
    assert client.get("/participation/recorded").status_code == 403
    assert post_form(client, "/participation/recorded/save", {
        "year": "2020", "voters": "5", "source": SOURCE}).status_code == 403
    assert _recorded(district.id) == []


def test_organizer_records_corrects_and_removes_a_year(client, district, organizer):
    sign_in(client, organizer.email)
    assert "지난 해 참여 수치 기록" in client.get("/participation/recorded").get_data(
        as_text=True)
    response = post_form(client, "/participation/recorded/save", {
        "year": "2020", "voters": "2441", "voting_days": "10", "source": SOURCE})
    assert response.status_code == 302
    post_form(client, "/participation/recorded/save", {
        "year": "2020", "voters": "2441", "voting_days": "9", "source": SOURCE})
    assert _recorded(district.id) == [(2020, 2441, 9, SOURCE)]
    record_id = participation.recorded_figures(district.id)[0].id
    unconfirmed = post_form(client, f"/participation/recorded/{record_id}/remove", {})
    assert unconfirmed.status_code == 422
    assert "지우려면 확인란을 선택하세요." in unconfirmed.get_data(as_text=True)
    assert _recorded(district.id) == [(2020, 2441, 9, SOURCE)]
    assert post_form(client, f"/participation/recorded/{record_id}/remove",
                     {"confirm": "y"}).status_code == 302
    assert _recorded(district.id) == []
    assert post_form(client, f"/participation/recorded/{record_id}/remove",
                     {"confirm": "y"}).status_code == 404


@pytest.mark.parametrize(("form", "status", "message"), [
    ({"year": "2020", "voters": "많이", "source": SOURCE}, 422, None),
    ({"year": "", "voters": "5", "source": SOURCE}, 422, "이 항목을 입력하세요."),
    ({"year": "2020", "voters": "5", "source": ""}, 422, "이 항목을 입력하세요."),
    ({"year": "2020", "voters": "-3", "source": SOURCE}, 422, "0 이상이어야 합니다."),
    ({"year": "2020", "voters": "5", "voting_days": "500", "source": SOURCE}, 422,
     "투표 기간은 1일에서 366일 사이여야 합니다."),
    ({"year": "2020", "voters": "5", "online_voters": "9", "source": SOURCE}, 422,
     "참여 경로별 인원의 합(9명)이 투표 참여자(5명)보다 많습니다."),
    ({"year": "2027", "voters": "5", "source": SOURCE}, 409,
     "2027년은 이 자치구가 마당에서 운영한 주기가 있어"),
    ({"year": "2020", "source": SOURCE}, 422, "적어도 한 가지 수치를 입력하세요."),
])
def test_bad_input_on_the_form_gets_a_clear_message_and_changes_nothing(
        client, district, cycle, organizer, form, status, message):
    sign_in(client, organizer.email)
    audited = _audit_count()
    response = post_form(client, "/participation/recorded/save", form)
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert "alert" in page
    if message:
        assert message in page
    assert _recorded(district.id) == [] and _audit_count() == audited


# --- The cycle's participation export ------------------------------------------------------


def test_the_participation_export_carries_the_vote_and_the_years(ctx, district, cycle, ran_here):
    from tests.exports.conftest import export_bytes

    participation.save_recorded(district.id, 2026, {"voters": 8, "voting_days": 5}, SOURCE)
    commit()
    _ext, hidden = export_bytes("participation", "json", district.id, cycle.id)
    assert "종이 투표 참여자 수" not in hidden.decode() and "투표 참여자 수" in hidden.decode()
    ran_here.results_live = True
    commit()
    for kind in ("participation", "cycle"):
        _ext, body = export_bytes(kind, "json", district.id, cycle.id)
        tables = json.loads(body)["tables"]
        found = {t["name"]: t for t in tables}
        stages = {(r["stage"], r["measure"]): r["value"]
                  for r in found["participation"]["rows"]}
        assert stages[("우선순위 주민투표", "투표 참여자 수")] == 4
        assert stages[("우선순위 주민투표", "투표 기간(일)")] == 10
        assert stages[("우선순위 주민투표", "종이 투표 참여자 수")] == 1
        history = found["participation_history"]["rows"]
        assert [(r["year"], r["basis"], r["voters"], r["voting_days"], r["source"])
                for r in history] == [(2026, "기록된 수치", 8, 5, SOURCE),
                                      (2027, "마당 기록에서 계산", 4, 10, "")]
        assert history[1]["online_voters"] == 2 and history[1]["forum_participants"] == 3


# --- The demo --------------------------------------------------------------------------------


def test_the_demo_holds_seongdong_with_its_four_recorded_years_and_its_2023_vote(app, ctx):
    from core.models import District

    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    districts = {d.slug: d for d in db.session.scalars(select(District))}
    assert set(districts) == {"gangdong", "seongdong"}
    seongdong = districts["seongdong"]
    assert seongdong.name_ko == "성동구" and len(seongdong.dongs) == 17
    rows = participation.history(seongdong.id)
    # Seed 002 §2: '19년 294명 → '20년 2,441명(10일) → '21년 1,420명(3일) → '22년 1,577명(5일).
    assert [(r.year, r.recorded, r.voters, r.voting_days) for r in rows] == [
        (2019, True, 294, None), (2020, True, 2441, 10), (2021, True, 1420, 3),
        (2022, True, 1577, 5), (2023, False, 2441, 10)]
    assert all("§2" in r.source for r in rows if r.recorded)
    assert rows[-1].channels == {"online": 2441} and rows[-1].proposals == 11
    gangdong = participation.history(districts["gangdong"].id)
    assert [r.year for r in gangdong] == [2027] and gangdong[0].voters
