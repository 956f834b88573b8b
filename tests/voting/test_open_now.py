"""Home and 내 마당 lead to what is open: one button per open vote and the call for
proposals, with what the reader already did (core.now, the sources of voting and agenda)."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from core.db import commit, db, utcnow
from core.tenancy import seoul_today
from tests.conftest import sign_in
from tests.voting.conftest import item_ids
from tests.voting.test_views import ballot_form


@pytest.fixture
def intake_today(cycle):
    """The cycle's intake runs today, whatever day the suite runs on."""
    intake = next(p for p in cycle.phases if p.phase == "intake")
    intake.starts_on = seoul_today() - timedelta(days=3)
    intake.ends_on = seoul_today() + timedelta(days=3)
    commit()
    return intake


def _buttons(html: str) -> dict[str, str]:
    panel = html[html.index('class="panel open-now"'):]
    panel = panel[:panel.index("</section>")]
    return {label: href for href, label in
            re.findall(r'<a class="button[^"]*open-now__action" href="([^"]+)">([^<]+)</a>', panel)}


def test_home_shows_an_open_vote_during_intake_beside_the_call(client, make_user, make_vote,
                                                               intake_today):
    vote = make_vote("ranked")
    sign_in(client, make_user().email)
    html = client.get("/").get_data(as_text=True)
    assert _buttons(html) == {"투표하기": f"/votes/{vote.id}/ballot",
                              "의제 제안하기": "/agenda/propose"}
    assert "지금은 의제발굴 단계입니다" in html  # the schedule's phase, shown as well
    assert vote.title in html


def test_a_visitor_is_led_to_the_vote_page_and_english_readers_get_english(client, make_vote,
                                                                          intake_today):
    vote = make_vote("ranked")
    assert _buttons(client.get("/").get_data(as_text=True))["투표하기"] == f"/votes/{vote.id}"
    english = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert set(_buttons(english)) == {"Vote", "Propose an agenda item"}


def test_what_the_resident_already_did_is_shown_on_home_and_my_page(client, make_user, make_vote,
                                                                    intake_today):
    vote = make_vote("ranked")
    sign_in(client, make_user().email)
    first, *_ = item_ids(vote)
    done = client.post(f"/votes/{vote.id}/ballot",
                       data={**ballot_form(client, vote), "ranking": f"{first}"})
    assert done.status_code == 302
    for path in ("/", "/me"):
        html = client.get(path).get_data(as_text=True)
        assert _buttons(html)["내 투표 확인하기"] == f"/votes/{vote.id}/ballot", path
        assert "투표했습니다. 마감 전까지 바꿀 수 있습니다." in html, path


def test_closed_and_other_districts_votes_are_not_offered(client, make_user, make_vote,
                                                         other_district, intake_today):
    from voting.models import Vote

    make_vote("ranked", title="끝난 투표", opens_at=utcnow() - timedelta(days=5),
              closes_at=utcnow() - timedelta(days=1))
    elsewhere = make_vote("ranked", title="송파 투표")
    db.session.execute(update(Vote).where(Vote.id == elsewhere.id).values(
        district_id=other_district.id, cycle_id=other_district.cycles[0].id))
    commit()
    sign_in(client, make_user().email)
    html = client.get("/me").get_data(as_text=True)
    assert "끝난 투표" not in html and "송파 투표" not in html
    assert _buttons(html) == {"의제 제안하기": "/agenda/propose"}


def test_nothing_open_says_so_in_plain_words(client, cycle):
    intake = next(p for p in cycle.phases if p.phase == "intake")
    intake.starts_on = seoul_today() - timedelta(days=30)
    intake.ends_on = seoul_today() - timedelta(days=1)
    commit()
    html = client.get("/").get_data(as_text=True)
    assert _buttons(html) == {}
    assert "지금 열려 있는 투표나 제안 접수, 오늘 열리는 토론회가 없습니다." in html
