"""Polls pushed to phones with the event that opens them: drawn once, each phone's own
token in its form, only its own table's polls, a reopened poll left to the phone to ask for,
user text escaped as on the page; and a phone the organizer seats is told its table."""

import re

from sqlalchemy import select

from core.db import commit, db
from forums import live, services
from forums.models import Participant, PollState
from forums.views import phone_push
from tests.conftest import post_form
from tests.forums.conftest import join_on_phone, seat
from tests.forums.test_live import StreamReader, _data

TOKEN = re.compile(r'name="csrf_token" value="([^"]*)"')


def _follow(client, forum) -> StreamReader:
    # The forum's channel carries only its states: the last message that ends the reading is one.
    return StreamReader(client, f"/forums/{forum.id}/me/stream", live.forum_channel(forum.id),
                        forum.district_id, last_message=services.screen_state(forum.id))


def _told(forum, change, *phones) -> list[tuple[dict, dict]]:
    """For each phone: its first event on following the forum, and the event that follows
    ``change`` (a service call, then committed)."""
    readers = [_follow(phone, forum) for phone in phones]
    try:
        first = [_data(reader.next_event()) for reader in readers]
        change()
        commit()
        return list(zip(first, [_data(reader.next_event()) for reader in readers], strict=True))
    finally:
        for reader in readers:
            reader.stop()


def _pre(forum):
    return next(p for p in forum.polls if p.phase == "pre")


def test_an_opened_poll_reaches_the_phone_drawn_with_its_own_token(broker, client, forum):
    join_on_phone(client, forum)
    pre = _pre(forum)
    ((first, opened),) = _told(forum, lambda: services.set_poll_state(forum, pre.id,
                                                                      PollState.OPEN), client)
    assert first["polls"] == []
    (pushed,) = opened["polls"]
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

    def ask_table(number: int, text: str):
        return lambda: services.launch_live_poll(forum, facilitators[number - 1],
                                                 forum.tables[number - 1].id, "single", text,
                                                 ["예", "아니요"])

    ((_, other_table),) = _told(forum, ask_table(2, "2번?"), client)
    ((_, own_table),) = _told(forum, ask_table(1, "1번 테이블에 묻습니다"), client)
    # Another table's poll changes nothing this phone shows: nothing is drawn for it.
    assert len(other_table["table_polls"]) == 1 and "polls" not in other_table
    (own,) = own_table["polls"]
    assert "1번 테이블에 묻습니다" in own["html"] and own["fresh"] is True


def test_a_reopened_poll_is_left_for_the_phone_to_ask_for(client, forum):
    pre = _pre(forum)
    services.set_poll_state(forum, pre.id, PollState.OPEN)
    someone, _token = seat(forum)
    question = pre.questions[0]
    services.submit_answers(forum, pre.id, someone, {question.id: [question.options[0].id]})
    services.set_poll_state(forum, pre.id, PollState.CLOSED)
    commit()
    join_on_phone(client, forum)
    ((first, reopened),) = _told(forum, lambda: services.set_poll_state(forum, pre.id,
                                                                        PollState.OPEN), client)
    assert first["polls"] == []
    # Someone answered it before it closed: this phone's own list may differ from the drawing.
    (pushed,) = reopened["polls"]
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
    pre = _pre(forum)
    told = _told(forum, lambda: services.set_poll_state(forum, pre.id, PollState.OPEN), *phones)
    pushed = [opened["polls"][0]["html"] for _, opened in told]
    assert len(drawn) == 2  # Korean, English
    assert "답 저장" in pushed[0] and "Save answers" in pushed[2]
    # Each phone's own token (the first test shows one taken): three phones, three tokens.
    assert len({TOKEN.findall(html)[0] for html in pushed}) == 3


def test_user_text_in_a_pushed_poll_is_escaped(client, forum, organizer):
    join_on_phone(client, forum)
    ((_, opened),) = _told(forum, lambda: services.launch_live_poll(
        forum, organizer, None, "single", '<script>alert(1)</script> <csrf-token>',
        ['<img src=x onerror=alert(2)>', '"><csrf-token>']), client)
    html = opened["polls"][0]["html"]
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &lt;csrf-token&gt;" in html
    # The token goes only where the form's token goes, never where a resident wrote the mark.
    assert phone_push.CSRF_MARK not in html and html.count('name="csrf_token"') == 1
    assert "&#34;&gt;&lt;csrf-token&gt;" in html


def test_a_phone_the_organizer_seats_is_told_its_table(client, app, forum, facilitators):
    join_on_phone(client, forum, table_number=1)
    neighbour = app.test_client()
    join_on_phone(neighbour, forum, table_number=1)
    me = db.session.scalars(select(Participant).order_by(Participant.id)).first()
    table_poll = services.launch_live_poll(forum, facilitators[1], forum.tables[1].id, "single",
                                           "2번 테이블에 묻습니다", ["예", "아니요"])
    commit()
    (_, mine), (_, theirs) = _told(
        forum, lambda: services.assign_table(forum, me.id, forum.tables[1].id), client, neighbour)
    # Only the phone of the person seated learns a table, and nobody hears who else moved.
    assert mine["table"] == forum.tables[1].id and "reseated" not in mine
    assert [p["id"] for p in mine["polls"]] == [table_poll.id]
    assert "table" not in theirs and "reseated" not in theirs and "polls" not in theirs


def test_phones_seated_by_balancing_are_told_their_tables(client, forum):
    join_on_phone(client, forum, table_number=1)
    me = db.session.scalars(select(Participant)).one()
    me.table_id = None
    commit()
    ((_, told),) = _told(forum, lambda: services.balance_seats(forum), client)
    db.session.refresh(me)
    assert me.table_id is not None and told["table"] == me.table_id
