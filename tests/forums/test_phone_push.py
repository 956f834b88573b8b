"""Polls pushed to phones with the event that opens them: drawn once, each phone's own
token in its form, only its own table's polls, a reopened poll left to the phone to ask for,
and user text escaped as on the page."""

import re

from sqlalchemy import select

from core.db import commit, db
from forums import live, services
from forums.models import Participant, PollState
from forums.views import phone_push
from tests.conftest import csrf_token, post_form
from tests.forums.conftest import join_on_phone, seat
from tests.forums.test_live import StreamReader, _data, broker  # noqa: F401 (fixture)

TOKEN = re.compile(r'name="csrf_token" value="([^"]*)"')


def _follow(client, forum) -> StreamReader:
    # The forum's channel carries only its states: the last message that ends the reading is one.
    return StreamReader(client, f"/forums/{forum.id}/me/stream", live.forum_channel(forum.id),
                        forum.district_id, last_message=services.screen_state(forum.id))


def _pre(forum):
    return next(p for p in forum.polls if p.phase == "pre")


def test_an_opened_poll_reaches_the_phone_drawn_with_its_own_token(broker, client, forum):  # noqa: F811
    join_on_phone(client, forum)
    reader = _follow(client, forum)
    try:
        assert _data(reader.next_event())["polls"] == []
        pre = _pre(forum)
        services.set_poll_state(forum, pre.id, PollState.OPEN)
        commit()
        (pushed,) = _data(reader.next_event())["polls"]
    finally:
        reader.stop()
    assert pushed["id"] == pre.id and pushed["fresh"] is True
    html = pushed["html"]
    assert f'data-poll="{pre.id}"' in html and "가장 먼저 할 사업은?" in html
    assert f'action="/forums/{forum.id}/me/polls/{pre.id}"' in html and "응답 완료" not in html
    # The token is this phone's own: its answer from the pushed form is taken.
    (token,) = TOKEN.findall(html)
    question = pre.questions[0]
    answered = client.post(f"/forums/{forum.id}/me/polls/{pre.id}",
                           data={"csrf_token": token, f"q{question.id}": question.options[1].id},
                           headers={"X-Requested-With": "fetch"})
    assert answered.status_code == 200 and "응답 완료" in answered.get_data(as_text=True)


def test_a_phone_is_sent_only_its_own_tables_polls(client, forum, facilitators):
    join_on_phone(client, forum, table_number=1)
    reader = _follow(client, forum)
    try:
        reader.next_event()
        services.launch_live_poll(forum, facilitators[1], forum.tables[1].id, "single", "2번?",
                                  ["예", "아니요"])
        commit()
        other_table = _data(reader.next_event())
        own = services.launch_live_poll(forum, facilitators[0], forum.tables[0].id, "single",
                                        "1번 테이블에 묻습니다", ["예", "아니요"])
        commit()
        own_table = _data(reader.next_event())
    finally:
        reader.stop()
    # Another table's poll changes nothing this phone shows: nothing is drawn for it.
    assert len(other_table["table_polls"]) == 1 and "polls" not in other_table
    assert [p["id"] for p in own_table["polls"]] == [own.id]
    assert "1번 테이블에 묻습니다" in own_table["polls"][0]["html"]


def test_a_reopened_poll_is_left_for_the_phone_to_ask_for(client, forum):
    pre = _pre(forum)
    services.set_poll_state(forum, pre.id, PollState.OPEN)
    someone, _token = seat(forum)
    question = pre.questions[0]
    services.submit_answers(forum, pre.id, someone, {question.id: [question.options[0].id]})
    services.set_poll_state(forum, pre.id, PollState.CLOSED)
    commit()
    join_on_phone(client, forum)
    reader = _follow(client, forum)
    try:
        assert _data(reader.next_event())["polls"] == []
        services.set_poll_state(forum, pre.id, PollState.OPEN)
        commit()
        (pushed,) = _data(reader.next_event())["polls"]
    finally:
        reader.stop()
    # Someone answered it before it closed: this phone's own list may differ from the drawing.
    assert pushed["id"] == pre.id and pushed["fresh"] is False


def test_each_opening_is_drawn_once_per_language(client, app, forum, monkeypatch):
    drawn = []
    real = services.poll_to_draw
    monkeypatch.setattr(services, "poll_to_draw",
                        lambda *args: drawn.append(args) or real(*args))
    phones = [app.test_client() for _ in range(3)]
    for phone in phones:
        join_on_phone(phone, forum)
    post_form(phones[2], "/language", {"language": "en", "next": "/"})
    readers = [_follow(phone, forum) for phone in phones]
    try:
        for reader in readers:
            reader.next_event()
        pre = _pre(forum)
        services.set_poll_state(forum, pre.id, PollState.OPEN)
        commit()
        pushed = [_data(reader.next_event())["polls"][0]["html"] for reader in readers]
    finally:
        for reader in readers:
            reader.stop()
    assert len(drawn) == 2  # Korean, English
    assert "답 저장" in pushed[0] and "Save answers" in pushed[2]
    tokens = [TOKEN.findall(html)[0] for html in pushed]
    assert len(set(tokens)) == 3 and tokens[0] == csrf_token(phones[0], f"/forums/{forum.id}/me")
    assert len(db.session.scalars(select(Participant)).all()) == 3


def test_user_text_in_a_pushed_poll_is_escaped(client, forum, organizer):
    join_on_phone(client, forum)
    reader = _follow(client, forum)
    try:
        reader.next_event()
        services.launch_live_poll(forum, organizer, None, "single",
                                  '<script>alert(1)</script> <csrf-token>',
                                  ['<img src=x onerror=alert(2)>', '"><csrf-token>'])
        commit()
        (pushed,) = _data(reader.next_event())["polls"]
    finally:
        reader.stop()
    html = pushed["html"]
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &lt;csrf-token&gt;" in html
    # The token goes only where the form's token goes, never where a resident wrote the mark.
    assert phone_push.CSRF_MARK not in html and html.count('name="csrf_token"') == 1
    assert "&#34;&gt;&lt;csrf-token&gt;" in html
