"""Any process serves any district: two gunicorn servers on two ports share one PostgreSQL
and one Redis, and neither has seen a district before its first request. A ballot cast at
the second district's path on one server is counted when the other is asked, and a live
poll answered on one reaches a big screen following it on the other, on the district's own
channel. Runs on PostgreSQL with Redis (TEST_DATABASE_URL, TEST_REDIS_URL); skipped on a
SQLite-only run, a failure under CI=true."""

import queue
import re
import time
from datetime import date

import httpx
from sqlalchemy import func, select

from accounts.services import create_user
from agenda.models import AgendaItem
from core.auth import Role
from core.db import commit, db
from forums import services as forums
from tests.conftest import TEST_PASSWORD
from tests.forums import test_two_servers as servers
from tests.voting.conftest import definition
from voting.definition import create_vote
from voting.models import Ballot
from voting.rules import Electorate

# The servers and the screen's stream, as the forum's two-server test runs them.
two_servers = servers.two_servers
LATENCY_LIMIT = 2.0


def _songpa_vote_and_poll(district):
    """In 송파구 (not the first district, so only its path reaches it): an organizer, a
    resident, an open approval vote any member may cast in, and a forum with a live poll."""
    organizer = create_user("organizer@songpa.example.kr", TEST_PASSWORD, Role.ORGANIZER,
                            district, display_name="송파 운영자")
    resident = create_user("resident@songpa.example.kr", TEST_PASSWORD, Role.RESIDENT,
                           district, display_name="송파 주민")
    cycle = district.cycles[0]
    items = [AgendaItem(district_id=district.id, cycle_id=cycle.id, title=f"송파 후보 {n}",
                        description="설명", field="welfare", kind="problem_solving",
                        status="shortlisted", shortlisted_for_vote=True) for n in range(3)]
    db.session.add_all(items)
    db.session.flush()
    vote = create_vote(district.id, cycle.id,
                       definition("approval", items, electorate=Electorate.ACCOUNT), organizer)
    forum = forums.create_forum(district.id, cycle.id, "송파 원탁토론회", date(2027, 2, 10),
                                "송파구청", 40, "chosen", 2)
    poll = forums.launch_live_poll(forum, organizer, None, "single", "오늘 주제가 중요한가요?",
                                   ["그렇다", "아니다"])
    commit()
    return organizer, resident, vote, forum, poll


def _sign_in(client: httpx.Client, email: str) -> None:
    signed_in = client.post("/songpa/signin", data={
        "csrf_token": servers._csrf(client, "/songpa/signin"), "email": email,
        "password": TEST_PASSWORD})
    assert signed_in.status_code == 302, signed_in.text


def test_a_ballot_and_a_live_poll_cross_servers_at_the_districts_path(
        ctx, district, other_district, two_servers):
    server_a, server_b = two_servers
    organizer, resident, vote, forum, poll = _songpa_vote_and_poll(other_district)
    question, chosen = poll.questions[0], poll.questions[0].options[0]
    vote_id, forum_id, poll_id, code = vote.id, forum.id, poll.id, forum.join_code
    first_item = vote.items[0].agenda_item_id

    with httpx.Client(base_url=server_a.url, timeout=5) as voter, \
            httpx.Client(base_url=server_b.url, timeout=5) as reader:
        _sign_in(voter, resident.email)
        ballot_page = voter.get(f"/songpa/votes/{vote_id}/ballot")
        assert ballot_page.status_code == 200, ballot_page.text
        cast = voter.post(f"/songpa/votes/{vote_id}/ballot", data={
            "csrf_token": servers._csrf(voter, f"/songpa/votes/{vote_id}/ballot"),
            "action": "cast", "item": str(first_item),
            "definition": re.search(r'name="definition" value="([^"]+)"',
                                    ballot_page.text).group(1)})
        assert cast.status_code == 302, cast.text
        assert cast.headers["location"].startswith(f"/songpa/votes/{vote_id}/")
        # The other server, which never served 송파구 before, counts the ballot (results stay
        # hidden until the close, the turnout is public) and knows it only at 송파구's path.
        hidden = reader.get(f"/songpa/api/v1/votes/{vote_id}/results")
        assert hidden.status_code == 403 and hidden.json()["ballots"] == 1
        assert reader.get(f"/api/v1/votes/{vote_id}").status_code == 404
        assert reader.get(f"/gangdong/api/v1/votes/{vote_id}").status_code == 404
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Ballot)
                             .where(Ballot.vote_id == vote_id)) == 1

    with httpx.Client(base_url=server_b.url, timeout=httpx.Timeout(5, read=20)) as screen, \
            httpx.Client(base_url=server_a.url, timeout=5) as phone:
        _sign_in(screen, organizer.email)
        assert screen.get(f"/forums/{forum_id}/polls/{poll_id}/stream").status_code in (403, 404)
        stream = servers.ScreenStream(screen, f"/songpa/forums/{forum_id}/polls/{poll_id}/stream")
        assert stream.next(timeout=5)[1] == {"status": 200}
        first = stream.next(timeout=5)[1]
        assert first["poll"] == poll_id and first["questions"][0]["respondents"] == 0

        joined = phone.post(f"/songpa/j/{code}", data={
            "csrf_token": servers._csrf(phone, f"/songpa/j/{code}"), "code": code})
        assert joined.status_code == 302, joined.text
        token = servers._csrf(phone, f"/songpa/forums/{forum_id}/me")
        sent = time.monotonic()
        answered = phone.post(f"/songpa/forums/{forum_id}/me/polls/{poll_id}",
                              data={"csrf_token": token, f"q{question.id}": str(chosen.id)})
        assert answered.status_code == 302, answered.text

        while True:
            try:
                arrived, event = stream.next(timeout=max(0.0, sent + LATENCY_LIMIT
                                                         - time.monotonic()))
            except queue.Empty:
                raise AssertionError(
                    f"no update on server B within {LATENCY_LIMIT} s of the answer on server "
                    f"A\nA:\n{server_a.log()}\nB:\n{server_b.log()}") from None
            if event.get("version", 0) > first["version"]:
                break
        counts = {o["id"]: o["count"] for o in event["questions"][0]["options"]}
        assert counts[chosen.id] == 1
        assert servers.stop(two_servers) == [0, 0]
        stream.join()
