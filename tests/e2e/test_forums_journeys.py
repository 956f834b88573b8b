"""A forum in a real browser: a phone joins and answers, the big screen follows live."""

import re

import pytest
from playwright.sync_api import expect

from accounts.demo import DEMO_ACCOUNTS
from tests.e2e.conftest import sign_in_as

pytestmark = pytest.mark.e2e

PASSWORDS = {email: password for email, password, _role, _name in DEMO_ACCOUNTS}
ORGANIZER = "organizer@demo.madang.kr"
FACILITATOR = "facilitator@demo.madang.kr"


@pytest.fixture
def desk(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR")
    page = context.new_page()
    yield page
    context.close()


def _demo_forum(desk, live_server) -> tuple[str, str]:
    sign_in_as(desk, live_server, ORGANIZER, PASSWORDS[ORGANIZER])
    desk.get_by_role("link", name="원탁토론회").first.click()
    desk.get_by_role("link", name=re.compile("협치강동 100인")).click()
    code = desk.locator("code.join-code").inner_text().strip()
    return desk.url, code


def test_phone_answer_reaches_the_big_screen_live(desk, phone, live_server):
    manage_url, code = _demo_forum(desk, live_server)
    desk.get_by_label("질문", exact=True).last.fill("지금 토론 분위기는 어떤가요?")
    desk.locator("#live-options").fill("활발하다\n조용하다")
    desk.get_by_role("button", name="실시간 투표 시작").click()
    assert "전체 실시간 투표를 시작했습니다" in desk.get_by_role("status").inner_text()
    desk.goto(manage_url.replace("/manage", "/screen"))
    assert desk.locator(".screen__code strong").inner_text() == code
    assert desk.locator("img.screen__qr").evaluate("img => img.naturalWidth > 0")
    pause = desk.get_by_role("button", name="결과 움직임 멈춤")
    expect(pause).to_be_visible()
    lively = desk.locator(".bar", has_text="활발하다").locator(".bar__count")
    assert lively.inner_text() == "0"

    phone.goto(f"{live_server}/forums/join")
    phone.get_by_label("참가 코드").fill(code.lower())
    phone.get_by_role("button", name="참가하기").click()
    assert "참가 번호" in phone.locator(".participant-card").inner_text()
    phone.get_by_role("button", name="저장하고 계속").click()
    phone.get_by_label("활발하다").check()
    phone.locator("form", has_text="지금 토론 분위기는").get_by_role("button",
                                                             name="답 저장").click()
    # Saved in place: the phone page stays, and says so where the polls are.
    expect(phone.locator("[data-phone-notice]")).to_contain_text("답을 저장했습니다")

    # No reload on the screen: the answer arrives over the event stream.
    desk.wait_for_function(
        "() => [...document.querySelectorAll('.bar')].some(b => b.textContent.includes('활발하다')"
        " && b.querySelector('.bar__count').textContent === '1')", timeout=3000)
    pause.click()
    resume = desk.get_by_role("button", name="결과 움직임 다시 시작")
    assert resume.get_attribute("aria-pressed") == "true"
    assert desk.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_report_shows_the_seed_forums_shifts(desk, live_server):
    manage_url, _code = _demo_forum(desk, live_server)
    desk.goto(manage_url.replace("/manage", "/report"))
    autonomy = desk.locator(".shift-bars__option", has_text="주민자치 및 마을공동체 강화").first
    assert "27%" in autonomy.inner_text() and "50%" in autonomy.inner_text()
    governance = desk.locator(".shift-bars__option", has_text="주민 스스로의 거버넌스 의식 부족")
    assert "12%" in governance.first.inner_text() and "23%" in governance.first.inner_text()
    assert "e-0" not in desk.locator("main").inner_text()


def test_report_reads_on_a_phone_with_charts_and_a_plain_summary(phone, live_server, tmp_path):
    sign_in_as(phone, live_server, ORGANIZER, PASSWORDS[ORGANIZER])
    phone.get_by_role("link", name="원탁토론회").first.click()
    phone.get_by_role("link", name=re.compile("협치강동 100인")).click()
    phone.goto(phone.url.replace("/manage", "/report"))
    summary = phone.locator(".report-summary").first.inner_text()
    assert "‘주민 스스로의 거버넌스 의식 부족’을 고른 사람이 11%에서 23%로 늘었습니다" in summary
    chart = phone.locator("figure.shift-chart").first
    # The chart is named by its caption, its bars are decoration beside written numbers.
    caption_id = chart.get_attribute("aria-labelledby")
    assert "빗금 막대는 토론 전" in phone.locator(f"#{caption_id}").inner_text()
    assert chart.locator("svg[aria-hidden='true']").count() == 10
    assert "12% (7–20%)" in chart.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.screenshot(path=str(tmp_path / "forum-report-390.png"), full_page=True)
    phone.get_by_role("button", name="English").click()
    assert "rose from 11% to 23%" in phone.locator(".report-summary").first.inner_text()
    phone.get_by_role("button", name="한국어").click()


def test_facilitator_opens_their_table_console_with_a_timer(phone, live_server):
    sign_in_as(phone, live_server, FACILITATOR, PASSWORDS[FACILITATOR])
    phone.get_by_role("link", name="진행자").first.click()
    phone.get_by_role("link", name=re.compile("1번 테이블")).click()
    assert phone.get_by_role("heading", level=1).inner_text() == "1번 테이블"
    phone.get_by_role("button", name="타이머 시작").click()
    phone.wait_for_function(
        "() => document.querySelector('.timer__display').textContent !== '10:00'",
        timeout=3000)
    assert phone.get_by_label("걸림돌 키워드").input_value() == "협치 인식 부족"
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_organizer_corrects_the_forum_on_a_phone(phone, live_server):
    sign_in_as(phone, live_server, ORGANIZER, PASSWORDS[ORGANIZER])
    phone.get_by_role("link", name="원탁토론회").first.click()
    phone.get_by_role("link", name=re.compile("협치강동 100인")).click()
    phone.get_by_role("link", name="공론장 정보 고치기").click()
    phone.get_by_label("장소").fill("강동구청 5층 대강당")
    phone.get_by_role("button", name="저장").click()
    assert "공론장 정보를 고쳤습니다" in phone.get_by_role("status").inner_text()
    assert "강동구청 5층 대강당" in phone.locator("dl.facts").inner_text()
    # The seed forum's topics have answers: its questions are fixed, and the page says why.
    phone.get_by_role("link", name=re.compile("^고치기")).first.click()
    phone.get_by_role("button", name="저장").click()
    assert "답을 받기 전에만" in phone.get_by_role("alert").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
