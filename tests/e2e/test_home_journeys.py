"""A resident on a phone reaches what is open from home in one tap (core.now)."""

import pytest
from playwright.sync_api import expect

from accounts.demo import DEMO_ACCOUNTS
from tests.e2e.conftest import assert_accessible, screenshot_path, sign_in_as

pytestmark = pytest.mark.e2e

PASSWORDS = {email: password for email, password, _role, _name in DEMO_ACCOUNTS}


@pytest.mark.parametrize("size", [(390, 844), (1280, 800)], ids=["phone", "desktop"])
def test_signed_in_resident_reaches_an_open_ballot_in_one_tap(browser, live_server, size):
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height}, locale="ko-KR")
    page = context.new_page()
    email = "resident@demo.madang.kr"
    sign_in_as(page, live_server, email, PASSWORDS[email])
    panel = page.locator(".open-now")
    expect(panel.get_by_role("heading", name="지금 참여할 수 있어요")).to_be_visible()
    assert_accessible(page)
    page.screenshot(path=str(screenshot_path(f"home-open-now-{width}")), full_page=True)
    vote_button = panel.get_by_role("link", name="투표하기").first
    expect(vote_button).to_be_visible()
    vote_button.click()
    page.wait_for_url("**/votes/*/ballot")
    expect(page.get_by_role("button", name="투표지 제출")).to_be_visible()
    assert_accessible(page)
    page.goto(f"{live_server}/me")
    expect(page.locator(".open-now").get_by_role("link", name="의제 제안하기")).to_be_visible()
    assert_accessible(page)
    context.close()
