"""A whole forum through the pages, as the room runs it: an organizer, two facilitators and
twenty participants on their phones, from joining to the report, while the big screen's
event stream follows the answers."""

from scipy import stats
from sqlalchemy import select

from core.db import db
from forums import live
from forums.models import ForumTable, Poll
from forums.report import build
from tests.conftest import post_form, sign_in
from tests.forums.conftest import ticket_code
from tests.forums.test_live import StreamReader, _data

PARTICIPANTS = 20


def _join(phone, forum, number: int) -> None:
    joined = post_form(phone, f"/j/{forum.join_code}",
                       {"code": forum.join_code, "ticket": ticket_code(forum)})
    assert joined.status_code == 302
    about = {"consent": "y", "age_band": ("20s", "30s", "40s", "60s")[number % 4],
             "gender": ("female", "male")[number % 2], "dong": "길동"}
    assert post_form(phone, f"/forums/{forum.id}/me/about", about).status_code == 302
    table = {"number": str(1 + number % 2)}
    assert post_form(phone, f"/forums/{forum.id}/me/table", table).status_code == 302


def _answer(phone, forum, poll_id: int, question_id: int, option_id: int) -> None:
    path = f"/forums/{forum.id}/me/polls/{poll_id}"
    assert post_form(phone, path, {f"q{question_id}": str(option_id)}).status_code == 302


def _set_state(staff, forum, poll_id: int, state: str) -> None:
    path = f"/forums/{forum.id}/polls/{poll_id}/state"
    assert post_form(staff, path, {"state": state}).status_code == 302


def _screen_total(reader, expected: int) -> dict:
    """Read the big screen's events until one counts ``expected`` answers in all."""
    while True:
        snapshot = _data(reader.next_event(timeout=5.0))
        if sum(o["count"] for o in snapshot["questions"][0]["options"]) == expected:
            return snapshot


def test_a_room_runs_a_forum_from_joining_to_the_report(app, ctx, forum, organizer,
                                                        facilitators):
    pre = next(p for p in forum.polls if p.phase == "pre")
    post = next(p for p in forum.polls if p.phase == "post")
    question = pre.questions[0]
    autonomy, education = question.options[0].id, question.options[1].id

    staff = app.test_client()
    sign_in(staff, organizer.email)
    desks = []
    for facilitator in facilitators:
        desk = app.test_client()
        sign_in(desk, facilitator.email)
        desks.append(desk)
    phones = [app.test_client() for _ in range(PARTICIPANTS)]
    for number, phone in enumerate(phones):
        _join(phone, forum, number)

    # Pre-poll: 5 of 20 favour resident autonomy, the big screen follows.
    _set_state(staff, forum, pre.id, "open")
    screen_client = app.test_client()
    sign_in(screen_client, organizer.email)
    screen = StreamReader(screen_client, f"/forums/{forum.id}/polls/{pre.id}/stream",
                          live.channel(pre.id), forum.district_id)
    try:
        first = _data(screen.next_event())
        for number, phone in enumerate(phones):
            _answer(phone, forum, pre.id, question.id, autonomy if number < 5 else education)
        final = _screen_total(screen, PARTICIPANTS)
        assert final["version"] > first["version"]
        counts = {o["id"]: o["count"] for o in final["questions"][0]["options"]}
        assert (counts[autonomy], counts[education]) == (5, 15)
    finally:
        screen.stop()
    _set_state(staff, forum, pre.id, "closed")

    # A table live poll: facilitator 1 asks table 1; its ten members answer.
    table_one = forum.tables[0]
    launched = post_form(desks[0], f"/forums/{forum.id}/tables/{table_one.id}/live",
                         {"live-kind": "single", "live-text": "오늘 논의가 충분했나요?",
                          "live-options": "예\n아니오"})
    assert launched.status_code == 302
    db.session.rollback()
    table_poll = db.session.scalars(select(Poll).where(Poll.phase == "live")).one()
    live_question = table_poll.questions[0]
    for number, phone in enumerate(phones):
        if number % 2 == 0:
            _answer(phone, forum, table_poll.id, live_question.id, live_question.options[0].id)
    # Someone at table 2 cannot answer table 1's poll.
    refused = post_form(phones[1], f"/forums/{forum.id}/me/polls/{table_poll.id}",
                        {f"q{live_question.id}": str(live_question.options[0].id)})
    assert refused.status_code in (403, 404, 409, 422)

    # Each facilitator submits the table's keywords; one cannot write for the other's table.
    for desk, table, words in zip(desks, forum.tables[:2],
                                  [("협치 인식 부족", "주민자치회"), ("정보 부족", "마을 소식지")],
                                  strict=True):
        outputs = {"obstacle": words[0], "stepping_stone": words[1], "summary": "요약"}
        path = f"/forums/{forum.id}/tables/{table.id}/outputs"
        assert post_form(desk, path, outputs).status_code == 302
    other = post_form(desks[1], f"/forums/{forum.id}/tables/{table_one.id}/outputs",
                      {"obstacle": "x", "stepping_stone": "y"})
    assert other.status_code == 403
    db.session.rollback()
    reported = db.session.scalars(select(ForumTable.obstacle_keyword).where(
        ForumTable.forum_id == forum.id, ForumTable.obstacle_keyword.is_not(None)))
    assert sorted(reported) == ["정보 부족", "협치 인식 부족"]

    # Post-poll: 12 of 20 now favour resident autonomy; 7 moved in, none moved out.
    _set_state(staff, forum, post.id, "open")
    for number, phone in enumerate(phones):
        _answer(phone, forum, post.id, question.id, autonomy if number < 12 else education)
    _set_state(staff, forum, post.id, "closed")

    db.session.rollback()
    report = build(db.session.merge(forum))
    figures = report["topics"][0]["questions"][0]
    assert figures["paired_n"] == PARTICIPANTS
    option = next(o for o in figures["options"] if o["id"] == autonomy)
    assert (option["pre"]["percent"], option["post"]["percent"]) == (25, 60)
    assert (option["moved_in"], option["moved_out"]) == (7, 0)
    exact = stats.binomtest(0, 7, 0.5).pvalue
    assert abs(option["test"]["p_value"] - exact) < 1e-12
    page = staff.get(f"/forums/{forum.id}/report").get_data(as_text=True)
    assert "25%" in page and "60%" in page
