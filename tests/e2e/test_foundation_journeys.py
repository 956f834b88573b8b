import pytest
from playwright.sync_api import expect

from accounts.demo import DEMO_ACCOUNTS
from tests.e2e.conftest import screenshot_path, sign_in_as

pytestmark = pytest.mark.e2e

PASSWORDS = {email: password for email, password, _role, _name in DEMO_ACCOUNTS}


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_home_in_korean_with_skip_link_and_timeline(phone, live_server):
    phone.goto(live_server)
    assert phone.locator("html").get_attribute("lang") == "ko"
    assert phone.get_by_role("heading", level=1).inner_text() == "강동구 마당"
    expect(phone.locator(".timeline__step")).to_have_count(6)
    phone.keyboard.press("Tab")
    focused = phone.evaluate("document.activeElement.textContent.trim()")
    assert focused == "본문 바로가기"
    assert no_horizontal_scroll(phone)


def test_resident_signs_in_and_saves_demographics_with_consent(phone, live_server):
    email = "resident@demo.madang.kr"
    sign_in_as(phone, live_server, email, PASSWORDS[email])
    phone.get_by_role("link", name="내 마당").first.click()
    phone.get_by_label("출생 연도").fill("1990")
    phone.get_by_label("사는 동").select_option("길동")
    phone.get_by_role("button", name="저장").click()
    assert "동의해야" in phone.locator("#error-summary, .error").first.inner_text()
    phone.get_by_label("인구통계 정보 수집·이용에 동의합니다.").check()
    phone.get_by_role("button", name="저장").click()
    assert phone.get_by_role("status").inner_text() == "인구통계 정보를 저장했습니다."
    phone.locator("summary", has_text="인구통계 정보 삭제").click()
    expect(phone.get_by_role("note")).to_contain_text("이미 낸 투표와 제안은 그대로 남습니다")
    phone.get_by_role("button", name="네, 인구통계 정보를 삭제합니다").click()
    assert phone.get_by_role("status").inner_text() == "인구통계 정보를 삭제했습니다."
    phone.screenshot(path=str(screenshot_path("resident")), full_page=True)


def test_organizer_console_reflows_at_320px(browser, live_server):
    context = browser.new_context(viewport={"width": 320, "height": 700}, locale="ko-KR")
    page = context.new_page()
    email = "organizer@demo.madang.kr"
    sign_in_as(page, live_server, email, PASSWORDS[email])
    page.get_by_role("link", name="운영", exact=True).click()
    expect(page.get_by_role("heading", name="운영 콘솔")).to_be_visible()
    expect(page.get_by_role("heading", name="역할 부여")).to_be_visible()
    assert no_horizontal_scroll(page)
    page.screenshot(path=str(screenshot_path("organizer")), full_page=True)
    context.close()


def test_facilitator_page_and_english_switch(phone, live_server):
    email = "facilitator@demo.madang.kr"
    sign_in_as(phone, live_server, email, PASSWORDS[email])
    phone.get_by_role("link", name="진행자", exact=True).click()
    expect(phone.get_by_role("heading", name="테이블 진행 순서")).to_be_visible()
    phone.get_by_role("button", name="English").click()
    expect(phone.get_by_role("heading", name="Running a table")).to_be_visible()
    assert phone.locator("html").get_attribute("lang") == "en"
    phone.get_by_role("button", name="한국어").click()
    expect(phone.get_by_role("heading", name="테이블 진행 순서")).to_be_visible()
