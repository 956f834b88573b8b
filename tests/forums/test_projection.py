"""The hall's projection, the organizer's remote, phones that follow, the one-handed console."""

import re

from sqlalchemy import select

from core.db import commit, db
from forums import projection, services
from forums.models import Forum, Participant, Poll, PollState
from tests.conftest import csrf_token, post_form, sign_in
from tests.forums.conftest import join_on_phone, seat


def _screen(forum_id: int) -> Forum:
    db.session.rollback()
    return db.session.get(Forum, forum_id)


def _press(client, forum, action, at=None):
    return post_form(client, f"/forums/{forum.id}/present/control",
                     {"action": action, "at": str(_screen(forum.id).screen_version
                                                  if at is None else at)})


def test_the_projection_has_no_site_chrome_and_shows_the_join_code(client, forum, organizer):
    sign_in(client, organizer.email)
    page = client.get(f"/forums/{forum.id}/present")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "site-header" not in html and "site-nav" not in html and "data-pause" not in html
    assert f'<p class="slide__code">{forum.join_code}</p>' in html
    assert f"/forums/{forum.id}/qr.svg" in html
    assert 'class="slide__step">1 / ' in html


def test_the_organizer_steps_the_projection_through_the_evening(client, forum, organizer):
    sign_in(client, organizer.email)
    kinds = [slide["kind"] for slide in projection.slides(forum)]
    assert kinds == ["join", "pre", "tables", "live", "post", "compare", "keywords"]
    assert _press(client, forum, "next").status_code == 302
    shown = _screen(forum.id)
    assert shown.screen_slide == 1 and shown.screen_version == 1
    assert shown.screen_slide_started_at is not None
    slide = client.get(f"/forums/{forum.id}/present/slide").get_data(as_text=True)
    assert "가장 먼저 할 사업은?" in slide and "slide__join" in slide
    # Opening the shown poll from the remote opens the topic's pre-poll.
    assert _press(client, forum, "open").status_code == 302
    pre = next(p for p in _screen(forum.id).polls if p.phase == "pre")
    assert pre.state == PollState.OPEN
    assert _press(client, forum, "results").status_code == 302
    assert "결과는 잠시 가려 두었습니다" in client.get(
        f"/forums/{forum.id}/present/slide").get_data(as_text=True)
    assert _press(client, forum, "freeze").status_code == 302
    assert _screen(forum.id).screen_frozen is True
    assert _press(client, forum, "previous").status_code == 302
    assert _screen(forum.id).screen_slide == 0


def test_a_press_from_an_old_view_changes_nothing(client, forum, organizer):
    sign_in(client, organizer.email)
    assert _press(client, forum, "next").status_code == 302
    stale = _press(client, forum, "next", at=0)
    assert stale.status_code == 409
    assert "이미 다른 곳에서 바뀌었습니다" in stale.get_data(as_text=True)
    shown = _screen(forum.id)
    assert shown.screen_slide == 1 and shown.screen_version == 1
    first = _press(client, forum, "previous")
    assert first.status_code == 302
    assert _press(client, forum, "previous").status_code == 409  # already the first slide
    assert _press(client, forum, "sideways").status_code == 422
    assert _screen(forum.id).screen_version == 2


def test_keyboard_presses_get_json_answers(client, forum, organizer):
    sign_in(client, organizer.email)
    token = csrf_token(client, f"/forums/{forum.id}/present/remote")
    ok = client.post(f"/forums/{forum.id}/present/control",
                     data={"action": "next", "at": "0", "csrf_token": token},
                     headers={"X-Requested-With": "fetch"})
    assert ok.status_code == 200 and ok.json == {"version": 1}
    refused = client.post(f"/forums/{forum.id}/present/control",
                          data={"action": "next", "at": "0", "csrf_token": token},
                          headers={"X-Requested-With": "fetch"})
    assert refused.status_code == 409 and "아무것도 바뀌지 않았습니다" in refused.json["error"]


def test_only_organizers_steer_the_projection(client, forum, facilitators):
    sign_in(client, facilitators[0].email)
    assert client.get(f"/forums/{forum.id}/present").status_code == 403
    assert _press(client, forum, "next").status_code == 403
    assert _screen(forum.id).screen_version == 0


def test_a_poll_slide_shows_sorted_bars_with_counts(client, forum, organizer):
    pre = next(p for p in forum.polls if p.phase == "pre")
    services.set_poll_state(forum, pre.id, PollState.OPEN)
    question = pre.questions[0]
    for choice in (2, 2, 0):
        participant, _token = seat(forum)
        services.submit_answers(forum, pre.id, participant,
                                {question.id: [question.options[choice].id]})
        commit()
    forum.screen_slide = 1
    commit()
    sign_in(client, organizer.email)
    html = client.get(f"/forums/{forum.id}/present").get_data(as_text=True)
    block = html[html.index(f'data-question="{question.id}">', html.index("results")):]
    labels = re.findall(r'<span class="bar__label">([^<]+)</span>', block)[:3]
    assert labels == ["소통 창구", "주민자치 및 마을공동체 강화", "협치 교육"]
    assert '<span class="bar__percent">67</span>% · <span class="bar__count">2</span>' in block


def test_a_phone_reads_its_polls_and_answers_without_leaving_the_page(client, forum):
    join_on_phone(client, forum)
    empty = client.get(f"/forums/{forum.id}/me/polls")
    assert empty.status_code == 200 and "저절로 나타납니다" in empty.get_data(as_text=True)
    pre = next(p for p in forum.polls if p.phase == "pre")
    services.set_poll_state(forum, pre.id, PollState.OPEN)
    commit()
    state = client.get(f"/forums/{forum.id}/me/state")
    assert state.json["open_polls"] == [pre.id]
    fragment = client.get(f"/forums/{forum.id}/me/polls").get_data(as_text=True)
    assert "가장 먼저 할 사업은?" in fragment and "응답 완료" not in fragment
    assert 'class="choice choice--row"' in fragment
    question = pre.questions[0]
    token = csrf_token(client, f"/forums/{forum.id}/me")
    answered = client.post(f"/forums/{forum.id}/me/polls/{pre.id}",
                           data={"csrf_token": token, f"q{question.id}": question.options[0].id},
                           headers={"X-Requested-With": "fetch"})
    html = answered.get_data(as_text=True)
    assert answered.status_code == 200 and "응답 완료" in html and "답을 저장했습니다" in html
    # Two answers to a one-answer question: said in the fragment, nothing changed.
    twice = client.post(f"/forums/{forum.id}/me/polls/{pre.id}",
                        data={"csrf_token": token,
                              f"q{question.id}": [question.options[0].id,
                                                  question.options[1].id]},
                        headers={"X-Requested-With": "fetch"})
    assert twice.status_code == 422 and "하나만 고를 수 있습니다" in twice.get_data(as_text=True)
    services.set_poll_state(forum, pre.id, PollState.CLOSED)
    commit()
    closed = client.post(f"/forums/{forum.id}/me/polls/{pre.id}",
                         data={"csrf_token": token, f"q{question.id}": question.options[1].id},
                         headers={"X-Requested-With": "fetch"})
    assert closed.status_code == 409 and "지금 답할 수 없습니다" in closed.get_data(as_text=True)
    db.session.rollback()
    participant = db.session.scalars(select(Participant)).one()
    answers = services.answers_of(db.session.get(Poll, pre.id), participant)
    assert answers == {question.id: [question.options[0].id]}


def test_a_stranger_cannot_follow_a_forums_polls(client, forum):
    assert client.get(f"/forums/{forum.id}/me/state").status_code == 403
    assert client.get(f"/forums/{forum.id}/me/stream").status_code == 403


def test_the_console_opens_a_poll_from_a_template(client, forum, facilitators):
    sign_in(client, facilitators[0].email)
    table = forum.tables[0]
    console = client.get(f"/forums/{forum.id}/tables/{table.id}").get_data(as_text=True)
    assert console.index("지금 열린 투표와 결과") < console.index("진행 단계")
    assert console.index("테이블 투표 열기") < console.index("테이블 참가자")
    assert 'value="yesno"' in console and 'value="agree"' in console
    assert post_form(client, f"/forums/{forum.id}/tables/{table.id}/live/template",
                     {"template": "yesno"}).status_code == 302
    poll = db.session.scalars(select(Poll).where(Poll.table_id == table.id)).one()
    assert poll.state == PollState.OPEN
    assert [o.label for o in poll.questions[0].options] == ["예", "아니요"]
    again = client.get(f"/forums/{forum.id}/tables/{table.id}").get_data(as_text=True)
    assert f'value="again:{poll.id}"' in again and "최근에 쓴 투표" in again


def test_console_templates_refuse_what_they_cannot_open(client, forum, facilitators):
    sign_in(client, facilitators[0].email)
    mine, theirs = forum.tables[0], forum.tables[1]
    unknown = post_form(client, f"/forums/{forum.id}/tables/{mine.id}/live/template",
                        {"template": "dance"})
    assert unknown.status_code == 422 and "알 수 없는 투표 틀" in unknown.get_data(as_text=True)
    keywords = post_form(client, f"/forums/{forum.id}/tables/{mine.id}/live/template",
                         {"template": "keywords"})
    assert keywords.status_code == 422
    other = post_form(client, f"/forums/{forum.id}/tables/{theirs.id}/live/template",
                      {"template": "yesno"})
    assert other.status_code == 403
    assert "담당한 테이블에서만" in other.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalars(select(Poll).where(Poll.table_id.is_not(None))).all() == []


def test_the_forum_page_counts_respondents_not_versions(client, forum, organizer):
    pre = next(p for p in forum.polls if p.phase == "pre")
    services.set_poll_state(forum, pre.id, PollState.OPEN)
    participant, _token = seat(forum)
    question = pre.questions[0]
    for option in question.options[:2]:  # one person changes their answer
        services.submit_answers(forum, pre.id, participant, {question.id: [option.id]})
        commit()
    sign_in(client, organizer.email)
    html = client.get(f"/forums/{forum.id}/manage").get_data(as_text=True)
    assert "응답한 사람" in html
    row = html[html.index("<tbody>"):html.index("</tbody>")]
    assert "<td>1명</td>" in row
