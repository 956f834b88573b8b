"""Organizers correct a forum, its topics and questions after creating them: freely until
something depends on it, and with a clear refusal after."""

from datetime import date

import pytest
from sqlalchemy import func, select

from core.db import commit, db
from core.errors import DomainError
from forums import services
from forums.models import Forum, ForumTable, Option, PollState, Question
from tests.conftest import post_form, sign_in
from tests.forums.conftest import seat


def _tables(forum_id):
    db.session.rollback()
    return db.session.scalars(select(ForumTable.number).where(ForumTable.forum_id == forum_id)
                              .order_by(ForumTable.number)).all()


def _form(forum, **changes):
    fields = {"title": forum.title, "held_on": forum.held_on.isoformat(), "venue": forum.venue,
              "expected_participants": str(forum.expected_participants),
              "table_count": str(len(forum.tables)), "seating": forum.seating}
    return {**fields, **changes}


def test_organizer_edits_the_forum_and_tables_come_and_go_only_while_unused(
        client, organizer, forum):
    sign_in(client, organizer.email)
    page = client.get(f"/forums/{forum.id}/edit")
    assert page.status_code == 200 and "협치강동 원탁토론회" in page.get_data(as_text=True)
    grown = post_form(client, f"/forums/{forum.id}/edit", _form(
        forum, title="2027 협치강동 원탁토론회", held_on="2027-02-17", table_count="5",
        seating="balanced"))
    assert grown.status_code == 302
    assert _tables(forum.id) == [1, 2, 3, 4, 5]
    changed = db.session.get(Forum, forum.id)
    assert (changed.title, changed.held_on, changed.seating) == (
        "2027 협치강동 원탁토론회", date(2027, 2, 17), "balanced")
    # Tables 1 and 2 have facilitators; someone sits at table 3.
    seat(changed, 3)
    refused = post_form(client, f"/forums/{forum.id}/edit", _form(changed, table_count="2"))
    assert refused.status_code == 409
    assert "3번 테이블" in refused.get_data(as_text=True)
    assert _tables(forum.id) == [1, 2, 3, 4, 5]
    shrunk = post_form(client, f"/forums/{forum.id}/edit", _form(changed, table_count="3"))
    assert shrunk.status_code == 302
    assert _tables(forum.id) == [1, 2, 3]


def test_bad_forum_settings_are_refused_and_change_nothing(client, organizer, forum):
    sign_in(client, organizer.email)
    for changes in ({"title": ""}, {"table_count": "0"}, {"table_count": "61"},
                    {"expected_participants": "-1"}, {"seating": "random"},
                    {"held_on": "2027-13-40"}):
        response = post_form(client, f"/forums/{forum.id}/edit", _form(forum, **changes))
        assert response.status_code == 422, changes
        assert "입력을 확인하세요" in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(Forum, forum.id).title == "협치강동 원탁토론회"
    assert _tables(forum.id) == [1, 2, 3]


def test_topic_and_questions_are_reworded_until_the_topic_has_answers(client, organizer, forum):
    sign_in(client, organizer.email)
    topic = forum.topics[0]
    single, multiple = topic.questions[0], topic.questions[1]
    assert post_form(client, f"/forums/{forum.id}/topics/{topic.id}/edit",
                     {"title": "우선 실시할 협치 사업", "description": "예산 3억 원"}
                     ).status_code == 302
    page = client.get(f"/forums/{forum.id}/questions/{single.id}/edit").get_data(as_text=True)
    assert "주민자치 및 마을공동체 강화\n협치 교육\n소통 창구" in page
    option_ids = [o.id for o in single.options]
    reworded = post_form(client, f"/forums/{forum.id}/questions/{single.id}/edit", {
        "text": "가장 먼저 할 사업은 무엇인가요?",
        "options": "주민자치와 마을공동체\n협치 교육\n소통 창구\n협치 기금"})
    assert reworded.status_code == 302
    db.session.rollback()
    question = db.session.get(Question, single.id)
    assert question.text == "가장 먼저 할 사업은 무엇인가요?"
    assert [o.label for o in question.options] == ["주민자치와 마을공동체", "협치 교육",
                                                   "소통 창구", "협치 기금"]
    # Options keep their places: a reworded option is the same option.
    assert [o.id for o in question.options][:3] == option_ids
    fewer = post_form(client, f"/forums/{forum.id}/questions/{multiple.id}/edit", {
        "text": "관심 분야", "options": "복지\n교육", "max_choices": "3"})
    assert fewer.status_code == 422  # more choices allowed than there are options
    assert post_form(client, f"/forums/{forum.id}/questions/{multiple.id}/edit", {
        "text": "관심 분야", "options": "복지\n교육", "max_choices": "2"}).status_code == 302
    db.session.rollback()
    assert db.session.scalar(select(func.count(Option.id)).where(
        Option.question_id == multiple.id)) == 2
    assert post_form(client, f"/forums/{forum.id}/questions/{multiple.id}/delete",
                     {}).status_code == 302
    db.session.rollback()
    assert [q.position for q in db.session.get(Forum, forum.id).topics[0].questions] == [1, 2, 3]

    # Once someone has answered, the questions are fixed.
    forum = db.session.get(Forum, forum.id)
    pre = next(p for p in forum.polls if p.phase == "pre")
    services.set_poll_state(forum, pre.id, PollState.OPEN)
    participant, _token = seat(forum)
    question = forum.topics[0].questions[0]
    services.submit_answers(forum, pre.id, participant, {question.id: [question.options[0].id]})
    commit()
    refused = post_form(client, f"/forums/{forum.id}/questions/{question.id}/edit", {
        "text": "다른 질문", "options": "가\n나"})
    assert refused.status_code == 409
    assert "답을 받기 전에만" in refused.get_data(as_text=True)
    assert post_form(client, f"/forums/{forum.id}/questions/{question.id}/delete",
                     {}).status_code == 409
    db.session.rollback()
    assert db.session.get(Question, question.id).text == "가장 먼저 할 사업은 무엇인가요?"
    # The topic's wording can still be corrected.
    assert post_form(client, f"/forums/{forum.id}/topics/{forum.topics[0].id}/edit",
                     {"title": "우선 실시할 민관협치 사업"}).status_code == 302


def test_agenda_ranking_options_stay_the_shortlisted_items(ctx, forum):
    from agenda.models import AgendaItem

    topic = forum.topics[0]
    for title in ("경로당 주치의", "공유 부엌"):
        db.session.add(AgendaItem(district_id=forum.district_id, cycle_id=forum.cycle_id,
                                  title=title, field="welfare", kind="problem_solving",
                                  status="shortlisted", shortlisted_for_forum=True))
    db.session.flush()
    question = services.add_agenda_ranking(topic, "순위를 매겨 주세요")
    labels = [o.label for o in question.options]
    services.update_question(question, "우선 실행할 의제의 순위", labels)
    assert question.text == "우선 실행할 의제의 순위"
    with pytest.raises(DomainError, match="질문 문장만"):
        services.update_question(question, "순위", [*labels[:-1], "다른 의제"])
    db.session.rollback()


def test_editing_pages_refuse_other_districts_and_other_forums(client, organizer, forum, ctx,
                                                                district):
    from core.models import District

    other_district = District(slug="songpa", name_ko="송파구", name_en="Songpa-gu")
    db.session.add(other_district)
    commit()
    foreign = Forum(district_id=other_district.id, cycle_id=forum.cycle_id, title="남의 토론회",
                    held_on=forum.held_on, join_code="ZZZZZZ")
    db.session.add(foreign)
    sibling = services.create_forum(district.id, forum.cycle_id, "다른 토론회", forum.held_on,
                                     "", 10, "chosen", 1)
    commit()
    sign_in(client, organizer.email)
    topic, question = forum.topics[0], forum.topics[0].questions[0]
    assert client.get(f"/forums/{foreign.id}/edit").status_code == 404
    assert post_form(client, f"/forums/{foreign.id}/edit", _form(forum)).status_code == 404
    # A topic or question reached through a forum it does not belong to.
    assert client.get(f"/forums/{sibling.id}/topics/{topic.id}/edit").status_code == 404
    assert client.get(f"/forums/{sibling.id}/questions/{question.id}/edit").status_code == 404
    assert post_form(client, f"/forums/{sibling.id}/questions/{question.id}/delete",
                     {}).status_code == 404
    db.session.rollback()
    assert db.session.get(Question, question.id) is not None
