"""Browser journey of the city's reviewer (seed 001, 협의조정) at the city's desk: the demo
city account signs in, opens the board of every district, follows 성동구's card to its city
review page at 성동구's path and reads the required item still open there; on a phone and on
a desktop, in Korean and in English, with axe at zero and no sideways scrolling."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, screenshot_path

pytestmark = pytest.mark.e2e

CITY = ("city@demo.madang.kr", "demo-city-2027")
TEXT = {
    "ko": {"email": "이메일", "password": "비밀번호", "sign_in": "로그인", "board": "서울시 현황판",
           "review": "서울시 협의조정", "link": "협의조정 페이지 성동구", "stage": "협의조정 중",
           "required": "열린 필수 의견"},
    "en": {"email": "Email", "password": "Password", "sign_in": "Sign in",
           "board": "Seoul city board", "review": "Seoul city review",
           "link": "City review page Seongdong-gu", "stage": "In review",
           "required": "Open required items"},
}


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("language", ["ko", "en"])
@pytest.mark.parametrize("size", [(390, 844), (1280, 800)], ids=["phone", "desktop"])
def test_the_city_reviewer_opens_the_board_and_seongdongs_review(browser, live_server, size,
                                                                 language):
    width, height = size
    text = TEXT[language]
    context = browser.new_context(viewport={"width": width, "height": height},
                                  locale="ko-KR" if language == "ko" else "en-US")
    page = context.new_page()
    page.goto(f"{live_server}/signin")
    page.get_by_label(text["email"]).fill(CITY[0])
    page.get_by_label(text["password"]).fill(CITY[1])
    page.get_by_role("button", name=text["sign_in"]).click()
    page.wait_for_url(f"{live_server}/")

    page.get_by_role("link", name=text["board"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(text["board"])
    cards = page.locator(".city-board__district")
    expect(cards).to_have_count(2)
    seongdong = page.locator("#district-seongdong")
    expect(seongdong).to_contain_text(text["stage"])
    expect(seongdong.locator("dd").first).to_contain_text("1")
    expect(seongdong).to_contain_text(text["required"])
    expect(page.locator("#district-gangdong")).to_be_visible()
    # Every stylesheet in place before the layout is measured and checked.
    page.wait_for_load_state("load")
    assert _fits(page)
    assert_accessible(page)
    name = "phone" if width < 800 else "desktop"
    page.screenshot(path=str(screenshot_path(f"city-board-{name}-{language}")), full_page=True)
    if width < 800:
        page.set_viewport_size({"width": 320, "height": 700})
        assert _fits(page)
        page.set_viewport_size({"width": width, "height": height})

    seongdong.get_by_role("link", name=text["link"]).click()
    page.wait_for_url("**/seongdong/plans/city-review?cycle=*")
    expect(page.get_by_role("heading", level=1)).to_have_text(text["review"])
    expect(page.get_by_text("기반조성사업을 구체화하여 서술")).to_be_visible()
    expect(page.get_by_text("전년도 과정에 대한 평가 보완")).to_be_visible()
    page.wait_for_load_state("load")
    assert _fits(page)
    assert_accessible(page)
    page.screenshot(path=str(screenshot_path(f"city-board-seongdong-{name}-{language}")),
                    full_page=True)
    context.close()
