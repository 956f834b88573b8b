"""Reading for every age: 글자 크게, 200% text (WCAG 1.4.4) and 320 px reflow (WCAG 1.4.10) on
the pages residents read, with axe at zero serious or critical findings."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, screenshot_path

pytestmark = pytest.mark.e2e

RESIDENT_PAGES = ["/", "/agenda", "/votes", "/plan", "/forums/join", "/signin", "/open-data"]


def _overflowing(page) -> list[str]:
    """Elements whose content is cut or pushes the page sideways."""
    return page.evaluate("""() => {
        const wide = document.documentElement.scrollWidth > window.innerWidth + 1;
        const cut = [...document.querySelectorAll('main *')].filter(e => {
            const s = getComputedStyle(e);
            return (s.overflowX === 'hidden' || s.overflow === 'hidden')
                && e.scrollWidth > e.clientWidth + 1
                && e.clientWidth > 1;  // a 1 px box is hidden on purpose, for screen readers
        }).map(e => e.tagName + '.' + e.className);
        return (wide ? ['page wider than the screen'] : []).concat(cut);
    }""")


def _result_pages(page, base_url: str) -> list[str]:
    page.goto(f"{base_url}/votes")
    links = page.locator("main a[href^='/votes/']").evaluate_all("as => as.map(a => a.pathname)")
    votes = sorted({m.group(0) for link in links if (m := re.match(r"/votes/\d+", link))})
    return [f"{vote}/results" for vote in votes] + votes


@pytest.mark.parametrize("language", ["ko", "en"])
def test_larger_text_at_320px_reflows_every_resident_page(browser, live_server, language):
    context = browser.new_context(viewport={"width": 320, "height": 640},
                                  locale="ko-KR" if language == "ko" else "en-US")
    page = context.new_page()
    page.goto(live_server)
    switch = page.locator(".text-switch button")
    expect(switch).to_have_attribute("aria-pressed", "false")
    base_size = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    switch.click()
    expect(page.locator(".text-switch button")).to_have_attribute("aria-pressed", "true")
    larger = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert larger >= base_size * 1.25
    for path in RESIDENT_PAGES + _result_pages(page, live_server):
        response = page.goto(live_server + path)
        if response.status == 403:  # results hidden until the vote closes
            continue
        assert response.ok, path
        assert page.locator("html").get_attribute("class") == "text-large", path
        assert _overflowing(page) == [], path
        assert_accessible(page)
    page.screenshot(path=str(screenshot_path(f"large-text-320-{language}")), full_page=True)
    context.close()


def test_text_at_200_percent_loses_nothing_on_a_desktop(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ko-KR")
    page = context.new_page()
    for path in RESIDENT_PAGES + _result_pages(page, live_server):
        response = page.goto(live_server + path)
        if response.status == 403:
            continue
        page.evaluate("document.documentElement.style.fontSize = '200%'")
        assert _overflowing(page) == [], path
    page.screenshot(path=str(screenshot_path("text-200-desktop")), full_page=True)
    context.close()
