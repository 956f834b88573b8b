"""A resident on a phone and a desktop, in Korean and English: the agenda list's filters folded
behind one disclosure with the chosen ones as chips, a merged proposal that says where its
support goes, and a receipt page that shows its code once and on a revisit says how to check
it or get a new one."""

import pytest
from playwright.sync_api import expect

from accounts.demo import DEMO_ACCOUNTS
from tests.e2e.conftest import assert_accessible, demo_server, screenshot_path

pytestmark = pytest.mark.e2e

EMAIL = "resident@demo.madang.kr"
PASSWORD = next(p for email, p, _role, _name in DEMO_ACCOUNTS if email == EMAIL)
APPROVAL = "2027 공론장 의제 찬성 투표"
SCREENS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
WORDS = {
    "ko": {"sign_in": "로그인", "search": "찾기", "field_chip": "분야: 복지",
           "merged": "공감은 통합 의제에서 받습니다", "once": "한 번만 보여 드렸습니다",
           "renew": "새 코드를 받습니다", "verify": "확인", "recorded": "기록되어 있습니다",
           "code_label": "영수증 코드"},
    "en": {"sign_in": "Sign in", "search": "Search", "field_chip": "Field: Welfare",
           "merged": "support goes to the fused agenda", "once": "shown only once",
           "renew": "to get a new one", "verify": "Check", "recorded": "Recorded",
           "code_label": "Receipt code"},
}


@pytest.fixture(scope="module")
def own_server(tmp_path_factory):
    """A demo of its own: these journeys cast the resident's approval ballot, which the shared
    server's voting journeys expect not to exist yet."""
    with demo_server(tmp_path_factory.mktemp("e2e-residents")) as (url, _app):
        yield url


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("language", ["ko", "en"])
@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_resident_filters_agenda_reads_why_no_support_and_revisits_receipt(
        browser, own_server, screen, language):
    words = WORDS[language]
    context = browser.new_context(viewport=SCREENS[screen],
                                  locale="ko-KR" if language == "ko" else "en-US")
    page = context.new_page()
    page.goto(f"{own_server}/signin")
    page.locator("main input[name=email]").fill(EMAIL)
    page.locator("main input[name=password]").fill(PASSWORD)
    page.locator("main form").get_by_role("button", name=words["sign_in"], exact=True).click()
    page.wait_for_url(f"{own_server}/")

    # The agenda list: folded filters on the phone, open on the desktop.
    page.goto(f"{own_server}/agenda")
    filters = page.locator("details[data-open-wide]")
    field = page.locator("#filter-field")
    if screen == "phone":
        assert filters.evaluate("d => d.open") is False
        expect(field).to_be_hidden()
        assert page.locator("#results-title").bounding_box()["y"] < SCREENS["phone"]["height"]
        filters.locator("summary").click()
    else:
        assert filters.evaluate("d => d.open") is True
    expect(field).to_be_visible()
    field.select_option("welfare")
    page.locator("form[role=search]").get_by_role("button", name=words["search"]).click()
    chip = page.locator(".filter-chip")
    expect(chip).to_have_count(1)
    expect(chip).to_contain_text(words["field_chip"])
    assert filters.evaluate("d => d.open") is (screen == "desktop")
    box = chip.bounding_box()
    assert box["y"] + box["height"] <= SCREENS[screen]["height"]  # on the first screen
    assert box["height"] >= 44
    assert _no_horizontal_scroll(page)
    assert_accessible(page)
    page.screenshot(path=str(screenshot_path(f"agenda-filters-{screen}-{language}")))
    chip.click()
    expect(page.locator(".filter-chip")).to_have_count(0)
    assert "field=" not in page.url

    # A merged proposal says where its support goes, with a link there.
    page.goto(f"{own_server}/agenda?status=merged")
    page.locator(".agenda-card__title a").first.click()
    why = page.locator("[data-support-why]")
    expect(why).to_contain_text(words["merged"])
    expect(page.locator("section[aria-labelledby=support-title] button")).to_have_count(0)
    assert_accessible(page)
    page.screenshot(path=str(screenshot_path(f"agenda-merged-why-{screen}-{language}")),
                    full_page=True)
    target = why.get_by_role("link").get_attribute("href")
    why.get_by_role("link").click()
    page.wait_for_url(f"{own_server}{target}")

    # The receipt code is shown once; a revisit says where to check it and how to renew it.
    page.goto(f"{own_server}/votes")
    page.get_by_role("link", name=APPROVAL).first.click()
    page.goto(f"{page.url.split('?')[0]}/ballot")
    page.locator("input[name=item]").first.check()
    page.locator("button[name=action][value=cast]").click()
    code = page.locator("[data-receipt]").inner_text()
    page.reload()
    expect(page.locator("[data-receipt]")).to_have_count(0)
    shown = page.locator("[data-receipt-shown]")
    expect(shown).to_contain_text(words["once"])
    expect(shown).to_contain_text(words["renew"])
    assert code not in page.content()
    assert _no_horizontal_scroll(page)
    assert_accessible(page)
    page.screenshot(path=str(screenshot_path(f"receipt-revisit-{screen}-{language}")),
                    full_page=True)
    shown.get_by_role("link").click()
    page.get_by_label(words["code_label"]).fill(code)
    page.locator("main form").get_by_role("button", name=words["verify"], exact=True).click()
    expect(page.locator(".alert").first).to_contain_text(words["recorded"])
    context.close()
