"""An evening in the hall, in a real browser: the organizer drives the projection through
pre-poll → table polls → live poll → post-poll while two facilitators and twenty
participants, each in their own browser, answer. The projection and every phone follow
by themselves, without a reload, within a second (the 95th percentile over the phones, as
the live-room benchmark measures it); screenshots of the projection at both sizes and of
the phones are kept as artifacts; axe finds nothing serious on any page visited."""

import math
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.e2e.conftest import assert_accessible, demo_server

pytestmark = pytest.mark.e2e

ORGANIZER = ("organizer@demo.madang.kr", "demo-organizer-2027")
FACILITATOR_PASSWORD = "room facilitator password"  # noqa: S105 (a throwaway database)
PHONES = 20
# The issue's bound for every phone and the screen. Opened polls come drawn in the event
# that announces them, so twenty-three Chromium pages on two cores see them in 0.05-0.4 s.
FOLLOW_SECONDS = 1.0
NO_RELOAD = "window.__sameDocument = true"

# Installed on a page before an action: notes the moment `predicate` first holds.
WATCH = """() => {
  window.__seenAt = null;
  const holds = () => { try { return Boolean(PREDICATE); } catch (error) { return false; } };
  if (holds()) { window.__seenAt = Date.now(); return; }
  const observer = new MutationObserver(() => {
    if (window.__seenAt === null && holds()) {
      window.__seenAt = Date.now();
      observer.disconnect();
    }
  });
  observer.observe(document.documentElement,
                   {subtree: true, childList: true, characterData: true, attributes: true});
}"""


def _watch(pages, predicate: str) -> None:
    for page in pages:
        page.evaluate(WATCH.replace('PREDICATE', predicate))


def _followed_within(pages, started: float) -> float:
    """Seconds from ``started`` until 95% of ``pages`` (all of one page) showed what they
    watched for. Every page must show it by itself, without a reload, or the wait fails."""
    seen = []
    for page in pages:
        page.wait_for_function("() => window.__seenAt !== null", timeout=15000)
        seen.append(page.evaluate("window.__seenAt") / 1000 - started)
    seen.sort()
    print("followed within (s):", " ".join(f"{s:.2f}" for s in seen))
    return seen[math.ceil(0.95 * len(seen)) - 1]


def _sign_in(page, base: str, email: str, password: str) -> None:
    """Signs in by the form's field names, so the journey reads the same in every language."""
    page.goto(f"{base}/signin")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_url(f"{base}/")


def _opened(app, forum_id: int, action) -> float:
    """Runs ``action`` (a press that opens a poll) and returns the moment the server opened
    it (the poll's ``opened_at``), from which the pages that follow start their clocks."""
    from core.db import db
    from forums.models import Poll

    action()
    with app.app_context():
        deadline = time.time() + 15
        while time.time() < deadline:
            latest = db.session.scalar(select(func.max(Poll.opened_at))
                                       .where(Poll.forum_id == forum_id))
            db.session.remove()
            if latest is not None and latest.timestamp() > _opened.last:
                _opened.last = latest.timestamp()
                return latest.timestamp()
            time.sleep(0.05)
    raise AssertionError("no poll opened")


_opened.last = 0.0


def _still_same_document(pages) -> None:
    for page in pages:
        assert page.evaluate("window.__sameDocument === true"), page.url


@pytest.fixture
def artifacts(tmp_path_factory):
    folder = tmp_path_factory.mktemp("artifacts")
    print(f"room journey screenshots: {folder}")
    return folder


def _set_up_forum(app) -> dict:
    """A fresh forum in the demo district: two tables with their facilitators, one topic
    question, a seat ticket for each of the twenty phones."""
    from accounts.models import User
    from accounts.services import create_user
    from core.auth import Role
    from core.db import commit, db
    from core.models import District
    from forums import services

    with app.app_context():
        district = db.session.scalars(select(District).where(District.slug == "gangdong")).one()
        organizer = db.session.scalars(select(User).where(User.email == ORGANIZER[0])).one()
        facilitators = [create_user(f"room-facilitator-{n}@example.kr", FACILITATOR_PASSWORD,
                                    Role.FACILITATOR, district, f"진행자 {n}") for n in (1, 2)]
        forum = services.create_forum(district.id, district.cycles[0].id, "2027 마당 원탁토론회",
                                      date(2027, 3, 2), "구청 대강당", PHONES, "chosen", 2)
        topic = services.add_topic(forum, "마을 돌봄")
        services.add_question(topic, "single", "마을 돌봄을 누가 맡아야 합니까?",
                              ["주민 모임", "구청", "복지관"])
        for table, facilitator in zip(forum.tables, facilitators, strict=True):
            services.set_facilitator(forum, table.id, facilitator.id)
        tickets = [t.code for t in services.issue_tickets(forum, organizer, PHONES)]
        commit()
        return {"id": forum.id, "code": forum.join_code, "tickets": tickets,
                "tables": [t.id for t in forum.tables],
                "facilitators": [f.email for f in facilitators]}


def _join_on_phone(phone, base: str, forum: dict, seat: int, table: int | None) -> None:
    """A participant's steps with the seat ticket ``seat``: join, skip the questions asked
    once, and sit at ``table`` (None: wait to be seated)."""
    phone.goto(f"{base}/j/{forum['code']}?t={forum['tickets'][seat]}")
    phone.locator("form[action*='/j/'] button[type=submit]").click()
    phone.locator("form[action$='/me/about'] button[type=submit]").click()
    if table is not None:
        phone.locator("form[action$='/me/table'] input[name=number]").fill(str(table))
        phone.locator("form[action$='/me/table'] button[type=submit]").click()


def _answer_everywhere(phones, choice_of) -> None:
    for number, phone in enumerate(phones):
        form = phone.locator("[data-phone-polls] form.poll-form").last
        form.locator("label.choice--row").nth(choice_of(number)).click()
        form.locator("button[type=submit]").click()


def _wait_answered(phones) -> None:
    for phone in phones:
        phone.locator("[data-phone-polls] .tag--done").last.wait_for(timeout=10000)


@pytest.mark.parametrize("locale", ["ko-KR", "en-US"])
def test_an_evening_in_the_hall(browser, tmp_path, artifacts, locale):
    with demo_server(tmp_path / "hall") as (base, app):
        forum = _set_up_forum(app)
        language = locale[:2]
        contexts = []

        def context(width, height):
            made = browser.new_context(viewport={"width": width, "height": height},
                                       locale=locale)
            contexts.append(made)
            return made.new_page()

        try:
            screen = context(1920, 1080)
            _sign_in(screen, base, *ORGANIZER)
            screen.goto(f"{base}/forums/{forum['id']}/present")
            screen.evaluate(NO_RELOAD)
            assert screen.locator(".slide__code").inner_text() == forum["code"]
            assert screen.evaluate("document.querySelector('.site-header') === null")
            assert_accessible(screen)
            screen.screenshot(path=artifacts / f"{language}-projection-join-1920.png")

            remote = context(390, 844)
            _sign_in(remote, base, *ORGANIZER)
            remote.goto(f"{base}/forums/{forum['id']}/present/remote")
            assert_accessible(remote)

            phones = []
            for number in range(PHONES):
                phone = context(390, 844)
                _join_on_phone(phone, base, forum, number, 1 + number % 2)
                phone.evaluate(NO_RELOAD)
                phones.append(phone)
            assert_accessible(phones[0])

            # Pre-poll: the remote moves the screen on and opens the poll.
            remote.locator("button[value=next]").click()
            screen.locator(".slide--pre").wait_for(timeout=5000)
            _watch(phones, "document.querySelector('[data-phone-polls] form.poll-form')")
            started = _opened(app, forum["id"], remote.locator("button[value=open]").click)
            assert _followed_within(phones, started) < FOLLOW_SECONDS
            _watch([screen], "document.querySelector('.projection__results .results__respondents')"
                             f".textContent === '{PHONES}'")
            _answer_everywhere(phones, lambda n: n % 3)
            answered = time.time()
            assert _followed_within([screen], answered) < FOLLOW_SECONDS
            _wait_answered(phones)
            assert_accessible(phones[1])
            labels = screen.locator(".projection__results .bar__label").all_inner_texts()
            assert labels[0] in ("주민 모임", "구청")  # 7, 7 and 6 answers: a leader first
            assert screen.locator(".projection__results .bar__count").first.inner_text() == "7"
            assert_accessible(screen)
            screen.screenshot(path=artifacts / f"{language}-projection-pre-1920.png")
            screen.set_viewport_size({"width": 1280, "height": 720})
            size = screen.evaluate("parseFloat(getComputedStyle("
                                   "document.querySelector('.slide__question')).fontSize)")
            assert size >= 48
            assert screen.evaluate("document.documentElement.scrollWidth <= 1280")
            screen.screenshot(path=artifacts / f"{language}-projection-pre-1280.png")
            screen.set_viewport_size({"width": 1920, "height": 1080})
            phones[0].screenshot(path=artifacts / f"{language}-phone-pre.png", full_page=True)
            remote.locator("button[value=close]").click()
            for phone in phones:
                phone.wait_for_function("() => document.querySelectorAll("
                                        "'[data-phone-polls] form.poll-form').length === 0")

            # Table polls: each facilitator opens yes/no; their table's phones follow.
            remote.locator("button[value=next]").click()
            screen.locator(".slide--tables").wait_for(timeout=5000)
            consoles = []
            for email in forum["facilitators"]:
                console = context(390, 844)
                _sign_in(console, base, email, FACILITATOR_PASSWORD)
                consoles.append(console)
            for table_id, console in zip(forum["tables"], consoles, strict=True):
                console.goto(f"{base}/forums/{forum['id']}/tables/{table_id}")
                assert_accessible(console)
                seated = phones[0::2] if table_id == forum["tables"][0] else phones[1::2]
                _watch(seated, "document.querySelectorAll("
                               "'[data-phone-polls] form.poll-form').length === 1")
                started = _opened(app, forum["id"], console.locator("button[value=yesno]").click)
                assert _followed_within(seated, started) < FOLLOW_SECONDS
                console.locator(".results[data-stream]").wait_for()
                _watch([console], "document.querySelector('.results .results__respondents')"
                                  f".textContent === '{len(seated)}'")
                _answer_everywhere(seated, lambda n: 0)
                answered = time.time()
                assert _followed_within([console], answered) < FOLLOW_SECONDS
            consoles[0].screenshot(path=artifacts / f"{language}-console.png", full_page=True)

            # The room's live poll, opened from the organizer's phone.
            remote.locator("button[value=next]").click()
            screen.locator(".slide--live").wait_for(timeout=5000)
            remote.goto(f"{base}/forums/{forum['id']}/manage")
            assert_accessible(remote)
            remote.locator("#live-kind").select_option("single")
            remote.locator("#live-text").fill("오늘 토론은 어땠습니까?")
            remote.locator("#live-options").fill("좋았다\n보통이다\n아쉬웠다")
            _watch(phones, "document.querySelectorAll("
                           "'[data-phone-polls] form.poll-form').length === 2")
            _watch([screen], "document.querySelector('.slide--live .projection__results')")
            started = _opened(app, forum["id"], remote.locator(
                f"form[action$='/forums/{forum['id']}/live'] button[type=submit]").click)
            assert _followed_within(phones + [screen], started) < FOLLOW_SECONDS
            _watch([screen], "document.querySelector('.projection__results .results__respondents')"
                             f".textContent === '{PHONES}'")
            _answer_everywhere(phones, lambda n: 0 if n < 12 else 2)
            answered = time.time()
            assert _followed_within([screen], answered) < FOLLOW_SECONDS
            screen.screenshot(path=artifacts / f"{language}-projection-live-1920.png")

            # Post-poll.
            remote.goto(f"{base}/forums/{forum['id']}/present/remote")
            remote.locator("button[value=next]").click()
            screen.locator(".slide--post").wait_for(timeout=5000)
            _watch(phones, "[...document.querySelectorAll('[data-phone-polls] h3')]"
                           ".length === 3")
            started = _opened(app, forum["id"], remote.locator("button[value=open]").click)
            assert _followed_within(phones, started) < FOLLOW_SECONDS
            _watch([screen], "document.querySelector('.projection__results .results__respondents')"
                             f".textContent === '{PHONES}'")
            for phone in phones:
                form = phone.locator("[data-phone-polls] form.poll-form").first
                form.locator("label.choice--row").nth(0).click()
                form.locator("button[type=submit]").click()
            answered = time.time()
            assert _followed_within([screen], answered) < FOLLOW_SECONDS
            screen.screenshot(path=artifacts / f"{language}-projection-post-1920.png")
            phones[-1].screenshot(path=artifacts / f"{language}-phone-post.png", full_page=True)

            # The comparison, by keyboard on the screen itself.
            screen.keyboard.press("ArrowRight")
            screen.locator(".slide--compare").wait_for(timeout=5000)
            assert_accessible(screen)
            screen.screenshot(path=artifacts / f"{language}-projection-compare-1920.png")
            screen.keyboard.press("ArrowRight")
            screen.locator(".slide--keywords").wait_for(timeout=5000)
            assert_accessible(screen)
            _still_same_document([screen] + phones)
            for phone in phones:
                assert phone.evaluate("document.documentElement.scrollWidth <= innerWidth")
            assert len(list(Path(artifacts).glob(f"{language}-*.png"))) == 9
        finally:
            for made in contexts:
                made.close()


def test_a_phone_keeps_what_it_shows_and_asks_only_for_a_reopened_poll(browser, tmp_path):
    """One phone through the openings that come drawn and the one that does not: a choice
    being made survives another poll opening, and a reopened poll shows the answer given."""
    from accounts.models import User
    from core.db import commit, db
    from forums import services
    from forums.models import Forum, PollState

    with demo_server(tmp_path / "phone") as (base, app):
        forum = _set_up_forum(app)
        with app.app_context():
            pre_id = next(p.id for p in db.session.get(Forum, forum["id"]).polls
                          if p.phase == "pre")
            organizer_id = db.session.scalars(select(User.id)
                                              .where(User.email == ORGANIZER[0])).one()

        def change(act) -> None:
            with app.app_context():
                act(db.session.get(Forum, forum["id"]))
                commit()

        def open_pre(forum_row) -> None:
            services.set_poll_state(forum_row, pre_id, PollState.OPEN)

        def ask_the_room(forum_row) -> None:
            services.launch_live_poll(forum_row, db.session.get(User, organizer_id), None,
                                      "single", "쉬는 시간이 필요합니까?", ["예", "아니요"])

        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ko-KR")
        try:
            phone = context.new_page()
            asked = []
            phone.on("request", lambda request: asked.append(request.url)
                     if request.url.endswith("/me/polls") else None)
            _join_on_phone(phone, base, forum, 0, 1)
            phone.evaluate(NO_RELOAD)

            change(open_pre)
            pre = phone.locator(f"article[data-poll='{pre_id}']")
            pre.wait_for(timeout=5000)
            pre.locator("label.choice--row").nth(1).click()
            change(ask_the_room)
            phone.wait_for_function("document.querySelectorAll('article[data-poll]').length === 2")
            assert pre.locator("input[type=radio]").nth(1).is_checked()
            assert asked == []  # both came drawn with the news

            pre.locator("button[type=submit]").click()
            pre.locator(".tag--done").wait_for(timeout=5000)
            change(lambda forum_row: services.set_poll_state(forum_row, pre_id, PollState.CLOSED))
            phone.wait_for_function("document.querySelectorAll('article[data-poll]').length === 1")
            change(open_pre)
            # Reopened: the answer given is this person's own, so the phone asks for its list.
            pre.locator(".tag--done").wait_for(timeout=5000)
            assert pre.locator("input[type=radio]").nth(1).is_checked()
            assert len(asked) == 1
            _still_same_document([phone])
            assert_accessible(phone)
        finally:
            context.close()


def test_a_phone_waiting_for_its_seat_shows_it_when_the_organizer_seats_it(browser, tmp_path):
    """Nobody at the phone does anything: the organizer seats them, the phone shows its
    table by itself, and then its table's poll."""
    from accounts.models import User
    from core.db import commit, db
    from forums import services
    from forums.models import Forum, Participant

    with demo_server(tmp_path / "seat") as (base, app):
        forum = _set_up_forum(app)
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ko-KR")
        try:
            phone = context.new_page()
            _join_on_phone(phone, base, forum, 0, None)
            assert phone.locator(".participant-card").inner_text().count("테이블") == 0
            phone.locator("[data-phone-polls]").wait_for()
            with app.app_context():
                waiting = db.session.scalars(select(Participant.id)
                                             .where(Participant.forum_id == forum["id"])).one()
                services.assign_table(db.session.get(Forum, forum["id"]), waiting,
                                      forum["tables"][1])
                commit()
            phone.locator(".participant-card", has_text="2번 테이블").wait_for(timeout=5000)
            phone.evaluate(NO_RELOAD)
            with app.app_context():
                facilitator = db.session.scalars(
                    select(User).where(User.email == forum["facilitators"][1])).one()
                services.launch_live_poll(db.session.get(Forum, forum["id"]), facilitator,
                                          forum["tables"][1], "single", "2번 테이블, 준비됐나요?",
                                          ["예", "아니요"])
                commit()
            phone.get_by_text("2번 테이블, 준비됐나요?").wait_for(timeout=5000)
            _still_same_document([phone])
            assert_accessible(phone)
        finally:
            context.close()
