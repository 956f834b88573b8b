import re

from sqlalchemy import func, select

from core.db import commit, db
from forums import services
from forums.models import Answer, Forum, ForumTable, Participant, Poll, PollState
from tests.conftest import csrf_token, post_form, sign_in
from tests.forums.conftest import ticket_code

INLINE = [r"<script(?![^>]*\bsrc=)[^>]*>", r"\sstyle=\"", r"\son[a-z]+=\""]


def _clean(html: str):
    for pattern in INLINE:
        assert not re.search(pattern, html), pattern


def _answers():
    db.session.rollback()
    return db.session.scalar(select(func.count(Answer.id)))


def _open_pre(forum):
    poll = next(p for p in forum.polls if p.phase == "pre")
    services.set_poll_state(forum, poll.id, PollState.OPEN)
    commit()
    return poll


def _join(client, forum, with_ticket=True):
    page = client.get(f"/j/{forum.join_code}")
    assert page.status_code == 200 and forum.title in page.get_data(as_text=True)
    ticket = ticket_code(forum) if with_ticket else ""
    response = post_form(client, f"/j/{forum.join_code}",
                         {"code": forum.join_code, "ticket": ticket})
    assert response.status_code == 302
    return response


def test_organizer_sets_up_a_forum_through_the_pages(client, organizer, facilitators, district):
    sign_in(client, organizer.email)
    response = post_form(client, "/forums/", {
        "title": "2027 협치강동 원탁토론회", "held_on": "2027-02-10", "venue": "구청 대강당",
        "expected_participants": "90", "table_count": "8", "seating": "chosen"})
    assert response.status_code == 302, response.get_data(as_text=True)
    forum = db.session.scalars(select(Forum)).one()
    assert len(forum.tables) == 8
    assert post_form(client, f"/forums/{forum.id}/topics",
                     {"title": "민관협치사업의 개선 필요사항"}).status_code == 302
    db.session.rollback()
    topic = forum.topics[0]
    bad = post_form(client, f"/forums/{forum.id}/topics/{topic.id}/questions",
                    {"kind": "single", "text": "무엇이 필요한가요?", "options": "하나뿐"})
    assert bad.status_code == 422
    good = post_form(client, f"/forums/{forum.id}/topics/{topic.id}/questions",
                     {"kind": "single", "text": "무엇이 필요한가요?", "options": "가\n나\n다"})
    assert good.status_code == 302
    table = forum.tables[0]
    assigned = post_form(client, f"/forums/{forum.id}/tables/{table.id}/facilitator",
                         {"facilitator": str(facilitators[0].id)})
    assert assigned.status_code == 302
    not_a_facilitator = post_form(client, f"/forums/{forum.id}/tables/{table.id}/facilitator",
                                  {"facilitator": str(organizer.id)})
    assert not_a_facilitator.status_code == 422
    db.session.rollback()
    assert db.session.get(ForumTable, table.id).facilitator_id == facilitators[0].id
    pre = next(p for p in forum.polls if p.phase == "pre")
    assert post_form(client, f"/forums/{forum.id}/polls/{pre.id}/state",
                     {"state": "open"}).status_code == 302
    html = client.get(f"/forums/{forum.id}/manage").get_data(as_text=True)
    assert forum.join_code in html
    _clean(html)


def test_participant_joins_without_an_account_and_answers(client, forum, district, ctx):
    poll = _open_pre(forum)
    response = _join(client, forum)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    home = client.get(f"/forums/{forum.id}/me")
    html = home.get_data(as_text=True)
    assert "참가 번호" in html and "참여자 구성 통계 (선택)" in html
    _clean(html)
    refused = post_form(client, f"/forums/{forum.id}/me/about",
                        {"age_band": "30s", "gender": "", "dong": ""})
    assert refused.status_code == 422
    db.session.rollback()
    assert db.session.scalars(select(Participant)).one().age_band is None
    assert post_form(client, f"/forums/{forum.id}/me/about",
                     {"consent": "y", "age_band": "30s", "gender": "female",
                      "dong": "길동"}).status_code == 302
    assert post_form(client, f"/forums/{forum.id}/me/table", {"number": "9"}).status_code == 422
    assert post_form(client, f"/forums/{forum.id}/me/table", {"number": "2"}).status_code == 302
    question = poll.questions[0]
    path = f"/forums/{forum.id}/me/polls/{poll.id}"
    assert post_form(client, path, {f"q{question.id}": str(question.options[0].id)}).status_code \
        == 302
    assert post_form(client, path, {f"q{question.id}": str(question.options[1].id)}).status_code \
        == 302
    assert _answers() == 1
    two = post_form(client, path, {f"q{question.id}": [str(question.options[0].id),
                                                       str(question.options[1].id)]})
    assert two.status_code == 422
    unknown = post_form(client, path, {f"q{question.id}": "99999"})
    assert unknown.status_code == 422 and "선택지에 없는 답" in unknown.get_data(as_text=True)
    participant = db.session.scalars(select(Participant)).one()
    assert (participant.table.number, participant.age_band) == (2, "30s")
    assert services.answers_of(poll, participant) == {question.id: [question.options[1].id]}


def test_closed_poll_refuses_answers_with_a_message(client, forum):
    poll = _open_pre(forum)
    _join(client, forum)
    services.set_poll_state(forum, poll.id, PollState.CLOSED)
    commit()
    question = poll.questions[0]
    response = post_form(client, f"/forums/{forum.id}/me/polls/{poll.id}",
                         {f"q{question.id}": str(question.options[0].id)})
    assert response.status_code == 409
    assert "답할 수 없습니다" in response.get_data(as_text=True)
    assert _answers() == 0


def test_tampered_token_and_wrong_code_are_refused(client, forum):
    poll = _open_pre(forum)
    _join(client, forum)
    client.set_cookie(f"forum_participant_{forum.id}", "forged.value", domain="madang.test")
    question = poll.questions[0]
    response = post_form(client, f"/forums/{forum.id}/me/polls/{poll.id}",
                         {f"q{question.id}": str(question.options[0].id)})
    assert response.status_code == 400
    assert "참가 정보가 올바르지 않습니다" in response.get_data(as_text=True)
    assert _answers() == 0
    assert client.get("/j/WRONG1").status_code == 404
    assert post_form(client, "/forums/join", {"code": "NOPE00"}).status_code == 404


def test_someone_elses_valid_token_for_another_forum_is_refused(client, forum, district):
    other = services.create_forum(district.id, district.cycles[0].id, "다른 토론회",
                                  forum.held_on, "", 0, "chosen", 1)
    commit()
    _join(client, other, with_ticket=False)
    raw = client.get_cookie(f"forum_participant_{other.id}", domain="madang.test").value
    client.set_cookie(f"forum_participant_{forum.id}", raw, domain="madang.test")
    assert client.get(f"/forums/{forum.id}/me").status_code == 400


def test_signed_in_participant_is_linked_to_their_account(client, forum, make_user):
    resident = make_user("resident")
    _join(client, forum)
    sign_in(client, resident.email)
    assert client.get(f"/forums/{forum.id}/me").status_code == 200
    db.session.rollback()
    assert db.session.scalars(select(Participant)).one().user_id == resident.id


def test_facilitator_console_only_for_their_own_table(app, client, forum, facilitators,
                                                      district):
    first, _ = facilitators
    sign_in(client, first.email)
    own, other = forum.tables[0], forum.tables[1]
    page = client.get(f"/forums/{forum.id}/tables/{own.id}")
    assert page.status_code == 200
    _clean(page.get_data(as_text=True))
    assert client.get(f"/forums/{forum.id}/tables/{other.id}").status_code == 403
    assert client.get(f"/forums/{forum.id}/tables/999").status_code == 404
    foreign = services.create_forum(district.id, district.cycles[0].id, "다른 토론회",
                                    forum.held_on, "", 0, "chosen", 1)
    commit()
    assert client.get(f"/forums/{forum.id}/tables/{foreign.tables[0].id}").status_code == 404
    long = post_form(client, f"/forums/{forum.id}/tables/{own.id}/outputs",
                     {"obstacle": "가" * 2000, "stepping_stone": "소통", "summary": ""})
    assert long.status_code == 422
    assert post_form(client, f"/forums/{forum.id}/tables/{other.id}/outputs",
                     {"obstacle": "불신", "stepping_stone": "소통"}).status_code == 403
    assert post_form(client, f"/forums/{forum.id}/tables/{own.id}/outputs",
                     {"obstacle": "협치 인식 부족", "stepping_stone": "주민자치회",
                      "summary": "요약"}).status_code == 302
    db.session.rollback()
    assert db.session.get(ForumTable, own.id).obstacle_keyword == "협치 인식 부족"
    assert db.session.get(ForumTable, other.id).obstacle_keyword is None
    assert client.get(f"/forums/{forum.id}/manage").status_code == 403


def test_facilitator_enters_paper_answers_for_their_table(client, forum, facilitators):
    first, _ = facilitators
    poll = _open_pre(forum)
    sign_in(client, first.email)
    own, other = forum.tables[0], forum.tables[1]
    response = post_form(client, f"/forums/{forum.id}/tables/{own.id}/paper")
    assert response.status_code == 302
    db.session.rollback()
    paper = db.session.scalars(select(Participant)).one()
    assert paper.token_hash is None and paper.table_id == own.id
    question = poll.questions[0]
    path = f"/forums/{forum.id}/tables/{own.id}/participants/{paper.id}"
    assert client.get(path).status_code == 200
    saved = post_form(client, path, {"poll": str(poll.id),
                                     f"q{question.id}": str(question.options[2].id)})
    assert saved.status_code == 302
    assert _answers() == 1
    seated_elsewhere = Participant(forum_id=forum.id, number=77, table_id=other.id)
    db.session.add(seated_elsewhere)
    commit()
    wrong = f"/forums/{forum.id}/tables/{own.id}/participants/{seated_elsewhere.id}"
    assert post_form(client, wrong, {"poll": str(poll.id),
                                     f"q{question.id}": str(question.options[0].id)}
                     ).status_code == 403
    assert _answers() == 1


def test_table_live_poll_from_console(client, forum, facilitators):
    first, _ = facilitators
    sign_in(client, first.email)
    table = forum.tables[0]
    launched = post_form(client, f"/forums/{forum.id}/tables/{table.id}/live",
                         {"live-kind": "single", "live-text": "쉬는 시간이 필요한가요?",
                          "live-options": "예\n아니오"})
    assert launched.status_code == 302
    db.session.rollback()
    poll = db.session.scalars(select(Poll).where(Poll.phase == "live")).one()
    assert poll.table_id == table.id and poll.state == "open"
    html = client.get(f"/forums/{forum.id}/tables/{table.id}").get_data(as_text=True)
    assert "쉬는 시간이 필요한가요?" in html and f"/polls/{poll.id}/stream" in html
    room = post_form(client, f"/forums/{forum.id}/live", {"live-kind": "single",
                                                          "live-text": "x", "live-options": "a\nb"})
    assert room.status_code == 403
    closed = post_form(client, f"/forums/{forum.id}/polls/{poll.id}/close",
                       {"back_table": str(table.id)})
    assert closed.status_code == 302


def test_big_screen_shows_code_qr_pause_and_keywords(client, organizer, forum, facilitators):
    _open_pre(forum)
    services.submit_table_outputs(forum, forum.tables[0].id, facilitators[0], "협치 인식 부족",
                                  "주민자치회", "")
    commit()
    sign_in(client, organizer.email)
    page = client.get(f"/forums/{forum.id}/screen")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert forum.join_code in html and f"/forums/{forum.id}/qr.svg" in html
    assert "data-pause" in html and "자동 새로고침 멈춤" in html
    assert "협치 인식 부족" in html and "cloud__word--obstacle" in html
    assert '<meta http-equiv="refresh"' in html
    _clean(html)
    paused = client.get(f"/forums/{forum.id}/screen?paused=1").get_data(as_text=True)
    assert '<meta http-equiv="refresh"' not in paused
    qr = client.get(f"/forums/{forum.id}/qr.svg")
    assert qr.mimetype == "image/svg+xml" and b"<svg" in qr.data
    report = client.get(f"/forums/{forum.id}/report")
    assert report.status_code == 200
    _clean(report.get_data(as_text=True))


def test_organizer_pages_refuse_other_districts_forums(client, organizer, forum, ctx):
    from core.models import District

    other = District(slug="songpa", name_ko="송파구", name_en="Songpa-gu")
    db.session.add(other)
    commit()
    foreign = Forum(district_id=other.id, cycle_id=forum.cycle_id, title="남의 토론회",
                    held_on=forum.held_on, join_code="ZZZZZZ")
    db.session.add(foreign)
    commit()
    sign_in(client, organizer.email)
    for path in (f"/forums/{foreign.id}/manage", f"/forums/{foreign.id}/screen",
                 f"/forums/{foreign.id}/report", f"/forums/{foreign.id}/qr.svg"):
        assert client.get(path).status_code == 404, path
    assert client.get("/j/ZZZZZZ").status_code == 404
    assert csrf_token(client)


def test_facilitator_page_lists_their_tables(client, forum, facilitators):
    sign_in(client, facilitators[0].email)
    html = client.get("/facilitate").get_data(as_text=True)
    assert f"/forums/{forum.id}/tables/{forum.tables[0].id}" in html
    assert f"/forums/{forum.id}/tables/{forum.tables[1].id}" not in html
