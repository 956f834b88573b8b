"""Topics and ranking questions tied to the cycle's agenda items."""

import pytest

from agenda.models import AgendaItem
from core.db import commit, db
from core.errors import NotFound
from forums import services
from forums.models import PollState
from tests.conftest import post_form, sign_in
from tests.forums.conftest import seat


def _item(district, title, shortlisted=True, district_id=None):
    item = AgendaItem(district_id=district_id or district.id, cycle_id=district.cycles[0].id,
                      title=title, field="participation", kind="problem_solving",
                      status="shortlisted", shortlisted_for_forum=shortlisted)
    db.session.add(item)
    commit()
    return item


def test_topic_links_an_agenda_item_of_the_district_only(forum, district, client, organizer):
    item = _item(district, "동 주민자치회 활성화")
    sign_in(client, organizer.email)
    response = post_form(client, f"/forums/{forum.id}/topics",
                         {"title": "주민자치회", "agenda_item": str(item.id)})
    assert response.status_code == 302
    db.session.rollback()
    assert forum.topics[-1].agenda_item_id == item.id
    assert post_form(client, f"/forums/{forum.id}/topics",
                     {"title": "없는 의제", "agenda_item": "99999"}).status_code == 404
    db.session.rollback()
    assert len(forum.topics) == 2


def test_agenda_ranking_question_feeds_borda_points(forum, district, ctx):
    items = [_item(district, name) for name in ("마을공동체 강화", "협치 교육", "복지 사각지대")]
    _item(district, "후보 아님", shortlisted=False)
    with ctx.test_request_context():
        topic = services.add_topic(forum, "의제 우선순위")
        question = services.add_agenda_ranking(topic, "우선 실행할 의제의 순위는?")
        commit()
        assert [o.agenda_item_id for o in question.options] == [i.id for i in items]
        post = next(p for p in forum.polls if p.topic_id == topic.id and p.phase == "post")
        services.set_poll_state(forum, post.id, PollState.OPEN)
        ids = [o.id for o in question.options]
        for order in ([ids[0], ids[1], ids[2]], [ids[0], ids[2], ids[1]]):
            participant, _ = seat(forum)
            services.submit_answers(forum, post.id, participant, {question.id: order})
        commit()
        assert services.agenda_ranking(forum) == {items[0].id: 4, items[1].id: 1,
                                                  items[2].id: 1}
        with pytest.raises(NotFound):
            services.add_topic(forum, "남의 의제", agenda_item_id=items[0].id + 100)
