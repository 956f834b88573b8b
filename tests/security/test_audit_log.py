"""The audit trail: every organizer and admin action leaves one entry naming who did what to
which object; entries cannot be changed or removed (the ORM refuses, and on PostgreSQL a
trigger refuses any client); admins read it through a filtered page; no entry holds a
ballot's choices."""

import json
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from flask_login import login_user
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from core import audit
from core.audit import AuditEntry, AuditLogIsAppendOnly
from core.auth import Role
from core.db import commit, db, utcnow
from tests.agenda.conftest import fused_proposal, make_item  # noqa: F401, F811 (fixture)
from tests.conftest import post_form, sign_in
from tests.plans.conftest import (
    FOUNDATION,
    approve,
    city_reviewer,
    city_round,
    make_roster,
    review_round,
)
from tests.voting.conftest import definition


@pytest.fixture
def ctx(app):
    """A request context: services raise lazily translated messages."""
    with app.test_request_context():
        yield app


@pytest.fixture
def organizer(make_user):
    return make_user("organizer")


@pytest.fixture
def admin(make_user):
    return make_user("admin")


@pytest.fixture
def cycle(district):
    return next(c for c in district.cycles if c.year == 2027)


@contextmanager
def acting_as(app, user):
    """A request by ``user``: services that take no actor record the signed-in person."""
    with app.test_request_context():
        login_user(user)
        yield


def entries(action: str | None = None) -> list[AuditEntry]:
    db.session.expire_all()
    query = select(AuditEntry).order_by(AuditEntry.id)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    return list(db.session.scalars(query))


def one(action: str, actor, obj_kind: str, obj_id: int) -> AuditEntry:
    found = [e for e in entries(action) if e.object_id == obj_id]
    assert len(found) == 1, (action, [(e.action, e.object_id) for e in entries()])
    entry = found[0]
    assert (entry.actor_id, entry.actor_display) == (actor.id, actor.display_name), action
    assert (entry.object_kind, entry.object_id) == (obj_kind, obj_id), action
    return entry


def test_role_grant_and_revoke_leave_a_trace(app, district, make_user, organizer):
    facilitator = make_user("resident")
    client = app.test_client()
    sign_in(client, organizer.email)
    assert post_form(client, "/organize/members",
                     {"email": facilitator.email, "role": "facilitator"}).status_code == 302
    from accounts.models import Membership

    membership_id = db.session.scalar(select(Membership.id).where(
        Membership.user_id == facilitator.id, Membership.role == "facilitator"))
    granted = one("role.grant", organizer, "membership", membership_id)
    assert granted.district_id == district.id
    assert granted.detail["role"] == "facilitator"
    assert granted.detail["user_id"] == facilitator.id

    response = post_form(client, f"/organize/members/{membership_id}/revoke")
    assert response.status_code == 302
    assert db.session.get(Membership, membership_id) is None
    revoked = one("role.revoke", organizer, "membership", membership_id)
    assert revoked.detail["user_id"] == facilitator.id
    assert revoked.detail["role"] == "facilitator"


def test_a_role_granted_from_the_command_line_is_the_systems(ctx, district):
    from accounts.services import create_user

    user = create_user("cli@example.kr", "correct horse battery", Role.ORGANIZER, district)
    commit()
    membership = next(m for m in user.memberships if m.role == Role.ORGANIZER)
    entry = next(e for e in entries("role.grant") if e.object_id == membership.id)
    assert (entry.actor_id, entry.actor_display, entry.detail["role"]) == (
        None, "", "organizer")


def test_a_refused_grant_leaves_no_entry(app, district, make_user, organizer):
    client = app.test_client()
    sign_in(client, organizer.email)
    before = entries()
    response = post_form(client, "/organize/members",
                         {"email": make_user().email, "role": "admin"})
    assert response.status_code == 403
    assert entries() == before


def test_cycle_and_plan_settings(app, district, organizer, cycle):
    from accounts.services import save_cycle
    from core.models import Phase
    from plans import settings

    with acting_as(app, organizer):
        save_cycle(district.id, cycle.year, "2027 계획", "", {
            Phase.INTAKE: (date(2026, 9, 1), date(2026, 12, 31))}, cycle.id, organizer)
        saved_settings = settings.save_settings(
            district.id, foundation_share_percent=30, council_max_members=30,
            civil_share_percent=70, gender_max_percent=60, low_rating_percent=50)
        limit_id = settings.set_budget_limit(district.id, "field", "welfare", None, 50_000_000).id
        settings.remove_budget_limit(district.id, limit_id)
        criterion = settings.add_criterion(district.id, "목표 달성", 40)
        commit()
    assert one("cycle.edit", organizer, "cycle", cycle.id).detail["phases"] == ["intake"]
    saved = one("plans.settings", organizer, "plan_settings", saved_settings.id)
    assert saved.detail["low_rating_percent"] == 50
    one("plans.budget_limit.set", organizer, "budget_limit", limit_id)
    one("plans.budget_limit.remove", organizer, "budget_limit", limit_id)
    one("plans.rubric.add", organizer, "rubric_criterion", criterion.id)


def _shortlist(district, cycle, prefix="후보"):
    from agenda.models import AgendaItem

    items = []
    for n in range(3):
        item = AgendaItem(district_id=district.id, cycle_id=cycle.id, title=f"{prefix} {n}",
                          description="설명", field="welfare", kind="problem_solving",
                          status="shortlisted", shortlisted_for_vote=True,
                          estimated_cost=10_000_000)
        db.session.add(item)
        items.append(item)
    commit()
    return items


def _close(vote):
    from voting.models import Vote

    db.session.execute(update(Vote).where(Vote.id == vote.id).values(
        closes_at=utcnow() - timedelta(seconds=1)))
    commit()
    db.session.expire_all()


def test_vote_actions_are_audited_and_no_entry_holds_a_choice(app, district, cycle, make_user,
                                                             organizer, admin):
    from voting.casting import cast_online
    from voting.confirmation import confirm_result
    from voting.definition import create_vote, reset_vote, set_review_scores, update_vote
    from voting.models import Channel
    from voting.paper_entry import PersonOnPaper, enter_ballot
    from voting.voter_roll import verify_resident

    items = _shortlist(district, cycle)
    vote = create_vote(district.id, cycle.id, definition("approval", items), organizer)
    commit()
    created = one("vote.create", organizer, "vote", vote.id)
    assert created.detail["title"] == vote.title
    assert created.detail["items"] == [i.id for i in items]
    later = utcnow() + timedelta(days=5)
    update_vote(district.id, vote.id, definition("approval", items, closes_at=later),
                organizer)
    commit()
    assert one("vote.edit", organizer, "vote", vote.id).detail["closes_at"] == \
        later.isoformat()
    ids = [item.id for item in vote.items]
    set_review_scores(district.id, vote.id, {ids[0]: 80.0}, organizer)
    commit()
    one("vote.review_scores", organizer, "vote", vote.id)
    resident = make_user()
    roll = verify_resident(district.id, organizer, "김주민", date(1980, 1, 2),
                           district.dongs[0].id, email=resident.email)
    commit()
    one("roll.verify", organizer, "voter_roll", roll.id)

    before = len(entries())
    for chosen in ([ids[0], ids[1]], [ids[1]], [ids[2]]):
        cast_online(district.id, vote.id, make_user(), [(i, 1) for i in chosen])
    commit()
    assert len(entries()) == before, "a resident's ballot is not a staff action"
    person = PersonOnPaper(email=make_user().email)
    enter_ballot(district.id, vote.id, organizer, Channel.PAPER, person,
                 [(ids[2], 1)], paper_serial="P-0007")
    commit()
    entered = one("vote.ballot_entry", organizer, "vote", vote.id)
    assert entered.detail == {"channel": "paper", "paper_serial": "P-0007"}

    _close(vote)
    confirm_result(district.id, vote.id, organizer, notify=False)
    commit()
    one("vote.confirm", organizer, "vote", vote.id)
    decided = [e for e in entries("agenda.status") if e.detail["to"] != "in_vote"]
    assert sorted(e.object_id for e in decided) == sorted(i.id for i in items)

    second = create_vote(district.id, cycle.id,
                         definition("ranked", _shortlist(district, cycle, "둘째")),
                         organizer)
    commit()
    cast_online(district.id, second.id, make_user(), [(second.items[0].id, 1)])
    commit()
    reset_vote(district.id, second.id, admin, "시험 투표 정리")
    commit()
    reset = one("vote.reset", admin, "vote", second.id)
    assert reset.detail == {"ballots_removed": 1, "reason": "시험 투표 정리"}

    # Ballot choices are (item, value) pairs; no detail names a choice, a rank or a ballot.
    for entry in entries():
        text_of = json.dumps(entry.detail, ensure_ascii=False)
        assert not {"choice", "choices", "rank", "ballot", "entries"} & set(entry.detail), entry
        assert "[[" not in text_of, entry


def test_agenda_actions(app, district, make_item, make_user, organizer):  # noqa: F811
    from agenda import comments, coordination, merging, moderation

    before = entries()
    a, b, c = make_item(), make_item(), make_item()
    assert entries() == before, "a resident's proposal is not a staff action"
    fused = merging.merge(district.id, [a.id, b.id], organizer, fused_proposal(), "비슷함",
                          notify=False)
    commit()
    one("agenda.fused", organizer, "agenda_item", fused.id)
    assert {e.object_id for e in entries("agenda.merged_into")} == {a.id, b.id}
    moderation.hide_item(district.id, c.id, organizer, "광고")
    moderation.unhide_item(district.id, c.id, organizer, "오해")
    coordination.shortlist(district.id, c.id, organizer, True, False, "공론장 후보")
    commit()
    one("agenda.hidden", organizer, "agenda_item", c.id)
    one("agenda.unhidden", organizer, "agenda_item", c.id)
    one("agenda.shortlisted", organizer, "agenda_item", c.id)
    resident = make_user()
    comment = comments.add_comment(district.id, c.id, resident, "광고 댓글")
    report = moderation.report(district.id, resident, c.id, "광고입니다")
    commit()
    moderation.hide_comment(district.id, comment.id, organizer, "광고")
    moderation.dismiss_report(district.id, report.id, organizer)
    commit()
    one("agenda.comment.hide", organizer, "comment", comment.id)
    one("agenda.report.dismiss", organizer, "report", report.id)


def test_forum_and_poll_actions(app, district, cycle, make_user, organizer, monkeypatch):
    from forums import live
    from forums import services as forums
    from forums.models import Poll, PollState

    monkeypatch.setattr(live, "poll_changed", lambda poll_id: None)
    monkeypatch.setattr(live, "forum_changed", lambda forum_id, reseated=None: None)
    facilitator = make_user("facilitator")
    with acting_as(app, organizer):
        forum = forums.create_forum(district.id, cycle.id, "원탁토론회", date(2027, 2, 10),
                                    "구청", 30, "chosen", 2)
        forums.update_forum(forum, "원탁토론회", date(2027, 2, 11), "구청", 30, "chosen", 3)
        topic = forums.add_topic(forum, "주제")
        question = forums.add_question(topic, "single", "무엇부터?", ["가", "나"])
        table = forums.set_facilitator(forum, forum.tables[0].id, facilitator.id)
        pre = db.session.scalar(select(Poll).where(Poll.topic_id == topic.id,
                                                   Poll.phase == "pre"))
        forums.set_poll_state(forum, pre.id, PollState.OPEN)
        commit()
    with acting_as(app, facilitator):
        paper = forums.add_paper_participant(forum, table.id, facilitator)
        forums.submit_answers(forum, pre.id, paper, {question.id: [question.options[1].id]},
                              entered_by=facilitator)
        tickets = forums.issue_tickets(forum, facilitator, 3)
        live_poll = forums.launch_live_poll(forum, facilitator, table.id, "single", "좋아요?",
                                            ["예", "아니오"])
        forums.close_live_poll(forum, live_poll.id, facilitator)
        forums.submit_table_outputs(forum, table.id, facilitator, "예산", "주민 참여", "요약")
        commit()
    with acting_as(app, organizer):
        forums.set_poll_state(forum, pre.id, PollState.CLOSED)
        commit()
    one("forum.create", organizer, "forum", forum.id)
    one("forum.edit", organizer, "forum", forum.id)
    one("forum.topic.add", organizer, "topic", topic.id)
    one("forum.question.add", organizer, "question", question.id)
    assert one("forum.facilitator.set", organizer, "forum_table", table.id).detail[
        "facilitator_id"] == facilitator.id
    one("forum.poll.open", organizer, "poll", pre.id)
    assert [e.object_id for e in entries("forum.poll.closed")] == [live_poll.id, pre.id]
    assert [e.detail["count"] for e in entries("forum.tickets.issue")] == [1, len(tickets)]
    one("forum.paper_participant.add", facilitator, "participant", paper.id)
    entered = one("forum.paper_answers.enter", facilitator, "participant", paper.id)
    assert entered.detail == {"forum_id": forum.id, "poll_id": pre.id}, "never the answers"
    one("forum.live_poll.launch", facilitator, "poll", live_poll.id)
    one("forum.table.keywords", facilitator, "forum_table", table.id)


def test_plan_actions(app, district, cycle, organizer):
    from agenda import coordination, intake, proposals
    from plans import building, evaluation, progress, settings

    items = []
    with acting_as(app, organizer):
        for title, cost in (("공동육아 공간", 40_000_000), ("밥상모임", 15_000_000),
                            ("골목 안전", 20_000_000)):
            item = intake.propose(district, organizer, proposals.Proposal(
                title, "설명", "welfare", "problem_solving", None, cost), date(2026, 9, 2))
            coordination.shortlist(district.id, item.id, organizer, False, True, "후보")
            coordination.set_status(item.id, "in_vote", organizer, notify=False)
            coordination.set_status(item.id, "selected", organizer, notify=False)
            items.append(item)
        plan = building.create_plan_from_selection(
            district.id, cycle.id, [(i.id, n) for n, i in enumerate(items)], "주민투표",
            120_000_000, organizer)
        building.add_project(district.id, plan.id, FOUNDATION, organizer)
        settings.save_settings(district.id, foundation_share_percent=30, council_max_members=30,
                               civil_share_percent=70, gender_max_percent=60,
                               low_rating_percent=60)
        members = make_roster(district.id)
        review_round(district, plan, organizer)
        motion = approve(district, plan, organizer, members)
        city_round(district, plan, organizer)
        city = city_reviewer(district)
        project = plan.projects[0]
        progress.report_progress(district.id, project.id, reported_on=date(2027, 6, 1),
                                 status="on_track", percent=40, spent=1_000_000, notes="",
                                 reporter="담당")
        criterion = settings.add_criterion(district.id, "목표 달성", 100)
        recorded = evaluation.evaluate(district.id, project.id, period="mid", self_evaluation="",
                                       evaluator="평가단", scores={criterion.id: 70},
                                       satisfaction=80, respondents=10)
        commit()
    for action in ("plan.created", "plan.project_added", "plan.submitted",
                   "plan.council_approved", "plan.revised", "plan.answered"):
        one(action, organizer, "plan", plan.id)
    for action in ("plan.commented", "plan.resolved", "plan.city_approved"):
        one(action, city, "plan", plan.id)
    assert len(entries("council.member.add")) == len(members)
    meeting_id = motion.meeting.id
    one("council.meeting.open", organizer, "council_meeting", meeting_id)
    one("council.meeting.attendance", organizer, "council_meeting", meeting_id)
    one("council.motion.add", organizer, "motion", motion.id)
    decided = one("council.motion.decide", organizer, "motion", motion.id)
    assert decided.detail["passed"] is True
    one("plan.progress", organizer, "plan_project", project.id)
    evaluated = one("plan.evaluate", organizer, "plan_project", project.id)
    assert evaluated.detail["evaluation_id"] == recorded.id


def test_exports_requested_and_downloaded(app, district, cycle, organizer):
    import re

    client = app.test_client()
    sign_in(client, organizer.email)
    response = post_form(client, "/exports", {"target": f"agenda:{cycle.id}", "format": "csv"})
    assert response.status_code == 302
    job_id = int(re.search(r"/exports/jobs/(\d+)", response.headers["Location"]).group(1))
    requested = one("export.request", organizer, "export_job", job_id)
    assert (requested.detail["kind"], requested.detail["format"]) == ("agenda", "csv")
    url = client.get(f"/exports/jobs/{job_id}/status").get_json()["download_url"]
    download = client.get(url)
    download.get_data()
    download.close()
    assert download.status_code == 200
    one("export.download", organizer, "export_job", job_id)


def _an_entry(district, actor):
    entry_id = audit.record("test.kept", "district", district.id, actor, district.id,
                            {"note": "원본"}).id
    commit()
    return entry_id


def test_the_orm_refuses_to_change_or_delete_an_entry(ctx, district, organizer):
    entry_id = _an_entry(district, organizer)
    entry = db.session.get(AuditEntry, entry_id)
    entry.action = "test.forged"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEntry, entry_id))
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    for statement in (update(AuditEntry).values(action="test.forged"), delete(AuditEntry)):
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.execute(statement)
        db.session.rollback()
    assert [(e.id, e.detail) for e in entries("test.kept")] == [(entry_id, {"note": "원본"})]
    assert entries("test.forged") == []


def test_postgresql_refuses_update_delete_and_truncate_to_any_client(ctx, district, organizer):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the trigger is PostgreSQL's; SQLite relies on the ORM guard")
    entry_id = _an_entry(district, organizer)
    for statement in ("UPDATE audit_entry SET action = 'test.forged'",
                      "UPDATE audit_entry SET actor_id = NULL",
                      "DELETE FROM audit_entry",
                      "TRUNCATE audit_entry CASCADE"):
        with db.engine.connect() as connection, pytest.raises(DBAPIError, match="append-only"):
            connection.execute(text(statement))
    assert [(e.id, e.actor_id) for e in entries("test.kept")] == [(entry_id, organizer.id)]
    assert entries("test.forged") == []


def test_deleting_an_account_keeps_its_entries(ctx, district, make_user):
    from accounts.models import User

    gone = make_user("organizer")
    name = gone.display_name
    entry_id = _an_entry(district, gone)
    db.session.execute(delete(User).where(User.id == gone.id))
    commit()
    entry = db.session.get(AuditEntry, entry_id)
    assert (entry.actor_id, entry.actor_display, entry.action) == (None, name, "test.kept")


def test_admin_page_filters_newest_first_and_pages(app, district, organizer, admin):
    from core.audit import AuditEntry as Entry

    with app.test_request_context():
        for n in range(3):
            audit.record("vote.edit", "vote", 10 + n, organizer, district.id, {"n": n})
        audit.record("role.grant", "membership", 7, admin, district.id, {"role": "organizer"})
        commit()
        # An entry from long ago, for the date filter.
        db.session.execute(Entry.__table__.insert().values(
            created_at=utcnow() - timedelta(days=40), actor_display="옛 운영자",
            district_id=district.id, action="vote.create", object_kind="vote", object_id=1,
            detail={}))
        commit()
    client = app.test_client()
    sign_in(client, admin.email)

    page = client.get("/admin/audit").get_data(as_text=True)
    order = [page.index(f"vote #{n}") for n in (12, 11, 10)]
    assert order == sorted(order), "newest first"
    assert "membership #7" in page and "옛 운영자" in page

    page = client.get("/admin/audit?action=vote.").get_data(as_text=True)
    assert "vote #10" in page and "membership #7" not in page
    page = client.get("/admin/audit", query_string={"actor": admin.display_name}).get_data(
        as_text=True)
    assert "membership #7" in page and "vote #10" not in page
    page = client.get("/admin/audit?object_kind=vote&object_id=11").get_data(as_text=True)
    assert "vote #11" in page and "vote #10" not in page and "vote #12" not in page
    recent = (utcnow() - timedelta(days=2)).date().isoformat()
    page = client.get(f"/admin/audit?since={recent}").get_data(as_text=True)
    assert "vote #10" in page and "옛 운영자" not in page
    page = client.get(f"/admin/audit?until={(utcnow() - timedelta(days=30)).date()}")
    assert "옛 운영자" in page.get_data(as_text=True)
    assert "vote #10" not in page.get_data(as_text=True)

    refused = client.get("/admin/audit?since=2027-03-01&until=2027-02-01")
    assert refused.status_code == 422
    assert "종료일은 시작일보다 앞설 수 없습니다." in refused.get_data(as_text=True)

    with app.test_request_context():
        for n in range(60):
            audit.record("forum.edit", "forum", 100 + n, organizer, district.id)
        commit()
    first = client.get("/admin/audit?action=forum.").get_data(as_text=True)
    assert "forum #159" in first and "forum #109" not in first and 'rel="next"' in first
    second = client.get("/admin/audit?action=forum.&page=2").get_data(as_text=True)
    assert "forum #109" in second and "forum #159" not in second

    english = client.get("/admin/audit", headers={"Accept-Language": "en"})
    assert "Audit log" in english.get_data(as_text=True)


def test_admin_page_is_refused_to_an_organizer(app, district, organizer):
    client = app.test_client()
    sign_in(client, organizer.email)
    assert client.get("/admin/audit").status_code == 403
