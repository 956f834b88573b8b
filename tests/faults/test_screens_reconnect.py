"""Live screens recover by themselves when Redis restarts.

Redis here is a server of this module's own, on a port of its own, so that it can be
stopped and started again without touching any other Redis."""

import re
import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from core import realtime
from core.db import db
from forums import live
from forums.models import Answer, Question
from tests.conftest import post_form, sign_in
from tests.e2e.conftest import demo_server
from tests.e2e.test_forums_journeys import _demo_forum
from tests.faults.servers import serve_redis
from tests.forums.conftest import facilitators, forum, organizer  # noqa: F401 (fixtures)
from tests.forums.test_views import _join, _open_pre

RECONNECTING = "다시 연결하는 중"


@pytest.fixture(scope="module")
def module_redis(tmp_path_factory):
    yield from serve_redis(tmp_path_factory.mktemp("redis"))


@pytest.fixture
def redis_running(module_redis):
    """The module's Redis, started again after a test that stopped it."""
    yield module_redis
    if module_redis.process is None:
        module_redis.start()


@pytest.fixture
def own_broker(app, redis_running):
    app.extensions["madang_broker"] = realtime.RedisBroker(redis_running.url)
    yield redis_running
    realtime.init_app(app)
    live.init_app(app)


def _version(chunk: str) -> int:
    match = re.match(r"id: (\d+)\n", chunk)
    assert match, f"not a snapshot: {chunk!r}"
    return int(match.group(1))


def _counting_snapshot():
    reads = []

    def snapshot():
        reads.append(1)
        return {"version": len(reads)}

    return snapshot


def test_a_stream_sends_a_fresh_snapshot_when_redis_py_resubscribes_quietly(app, own_broker):
    """With retries configured, redis-py reconnects and subscribes again within one read,
    raising nothing: what was published in between is lost, so the stream sends the
    snapshot again instead of listening on as if nothing happened."""
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    pool = app.extensions["madang_broker"]._redis.connection_pool
    pool.connection_kwargs["retry"] = Retry(NoBackoff(), 3)
    with app.app_context():
        stream = realtime.sse_stream("poll:1", snapshot=_counting_snapshot(), district_id=1)
        assert _version(next(stream)) == 1
        own_broker.client().client_kill_filter(_type="pubsub")
        started = time.monotonic()
        assert _version(next(stream)) == 2
        assert time.monotonic() - started < 5


def test_a_stream_whose_subscription_is_dropped_ends_cleanly(app, own_broker):
    """Without retries the read fails: the stream ends (and the browser reconnects and
    gets a fresh snapshot) rather than failing with a traceback."""
    with app.app_context():
        stream = realtime.sse_stream("poll:1", snapshot=_counting_snapshot(), district_id=1)
        assert _version(next(stream)) == 1
        own_broker.client().client_kill_filter(_type="pubsub")
        started = time.monotonic()
        assert all(chunk.startswith(":") for chunk in stream)
        assert time.monotonic() - started < 5


def test_a_stream_ends_when_redis_goes_away(app, own_broker):
    """A stream must not stay open and deaf: it ends, and the browser reconnects."""
    with app.app_context():
        stream = realtime.sse_stream("poll:2", snapshot=lambda: {"version": 1}, district_id=1)
        assert _version(next(stream)) == 1
        own_broker.stop()
        started = time.monotonic()
        rest = list(stream)
        assert time.monotonic() - started < realtime.KEEPALIVE_SECONDS
        assert all(chunk.startswith(":") for chunk in rest)


def test_while_redis_is_down_answers_are_saved_and_screens_read_the_snapshot(
        app, own_broker, client, forum, organizer, make_user):  # noqa: F811
    poll = _open_pre(forum)
    question = poll.questions[0]
    _join(client, forum)
    own_broker.stop()
    answered = post_form(client, f"/forums/{forum.id}/me/polls/{poll.id}",
                         {f"q{question.id}": str(question.options[0].id)})
    assert answered.status_code == 302
    db.session.rollback()
    assert db.session.scalar(select(func.count(Answer.id))) == 1

    staff = app.test_client()
    sign_in(staff, organizer.email)
    refused = staff.get(f"/forums/{forum.id}/polls/{poll.id}/stream")
    assert refused.status_code == 503 and refused.headers["Retry-After"]
    assert staff.get(f"/forums/{forum.id}/screen/stream").status_code == 503
    snapshot = staff.get(f"/forums/{forum.id}/polls/{poll.id}/snapshot")
    assert snapshot.status_code == 200 and snapshot.headers["Cache-Control"] == "no-store"
    assert snapshot.json["questions"][0]["respondents"] == 1
    assert snapshot.json["version"] == poll.version
    state = staff.get(f"/forums/{forum.id}/screen/state")
    assert state.status_code == 200 and state.json["open_polls"] == [poll.id]

    # The snapshot is for staff, as the stream is.
    outsider = app.test_client()
    sign_in(outsider, make_user("resident").email)
    assert outsider.get(f"/forums/{forum.id}/polls/{poll.id}/snapshot").status_code == 403
    assert staff.get(f"/forums/{forum.id}/polls/9999/snapshot").status_code == 404


# --- the big screen in a real browser ---------------------------------------------------

QUESTION = "재연결 시험: 화면이 스스로 돌아오나요?"


@pytest.fixture
def redis_screen_server(redis_running, tmp_path):
    with demo_server(tmp_path, REDIS_URL=redis_running.url) as (url, app):
        yield url, app
        realtime.close_streams(app)


def _answer_as_a_new_participant(browser, base_url: str, code: str) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ko-KR")
    try:
        phone = context.new_page()
        phone.goto(f"{base_url}/forums/join")
        phone.get_by_label("참가 코드").fill(code)
        phone.get_by_role("button", name="참가하기").click()
        phone.get_by_role("button", name="저장하고 계속").click()
        form = phone.locator("form", has_text=QUESTION)
        form.get_by_label("돌아온다").check()
        form.get_by_role("button", name="답 저장").click()
        expect(phone.locator("[data-phone-notice]")).to_contain_text("답을 저장했습니다")
    finally:
        context.close()


@pytest.mark.e2e
def test_the_big_screen_recovers_by_itself_after_a_redis_restart(
        browser, redis_running, redis_screen_server):  # noqa: F811
    base_url, app = redis_screen_server
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR")
    desk = context.new_page()
    manage_url, code = _demo_forum(desk, base_url)
    desk.get_by_label("질문", exact=True).last.fill(QUESTION)
    desk.locator("#live-options").fill("돌아온다\n멈춘다")
    desk.get_by_role("button", name="실시간 투표 시작").click()
    desk.goto(manage_url.replace("/manage", "/screen"))
    respondents = desk.locator(".results", has_text=QUESTION).locator(".results__respondents")
    status = desk.locator("[data-live-connection]")
    assert status.get_attribute("role") == "status"
    assert status.get_attribute("aria-live") == "polite"
    desk.evaluate("window.drawnOnce = true")  # gone if the page reloads

    for _ in range(2):
        _answer_as_a_new_participant(browser, base_url, code)
    expect(respondents).to_have_text("2", timeout=5000)
    expect(status).to_have_text("")

    redis_running.stop()
    expect(status).to_contain_text(RECONNECTING, timeout=15000)
    assert status.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") >= 20
    for _ in range(2):
        _answer_as_a_new_participant(browser, base_url, code)
    with app.app_context():
        poll_id = db.session.scalar(select(Question.live_poll_id).where(Question.text == QUESTION))
        assert db.session.scalar(
            select(func.count(Answer.id)).where(Answer.poll_id == poll_id)) == 4
        db.session.remove()

    redis_running.start()
    expect(respondents).to_have_text("4", timeout=20000)
    # The stream comes back at the next retry, at most the 15 s backoff ceiling away.
    expect(status).to_have_text("", timeout=30000)
    assert desk.evaluate("window.drawnOnce === true"), "the screen was reloaded"

    # Back on the live stream, not on the fallback reads: the next answer arrives at once.
    _answer_as_a_new_participant(browser, base_url, code)
    expect(respondents).to_have_text("5", timeout=3000)
    context.close()
