"""A department account (부서 담당자; seed 000 §VI.3 협치추진단: 기획예산과 정책팀) reports
progress on its own project, on a phone and on a desktop, in Korean and English, and is
refused another unit's project."""

import re

import pytest
from playwright.sync_api import expect

from accounts.demo import DEPARTMENT_ACCOUNT
from tests.e2e.conftest import assert_accessible, screenshot_path

pytestmark = pytest.mark.e2e

DONE = {"ko": "추진 실적을 기록했습니다", "en": "Progress recorded"}
OURS = {"ko": "맡은 실행사업", "en": "Our plan projects"}


def _sign_in(page, base_url: str) -> None:
    email, password = DEPARTMENT_ACCOUNT[:2]
    page.goto(f"{base_url}/signin")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base_url}/")


@pytest.mark.parametrize("language", ["ko", "en"])
@pytest.mark.parametrize("size", [(390, 844), (1280, 800)], ids=["phone", "desktop"])
def test_a_department_reports_progress_on_its_own_project(browser, live_server, size,
                                                          language):
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height},
                                  locale="ko-KR" if language == "ko" else "en-US")
    page = context.new_page()
    _sign_in(page, live_server)
    page.goto(f"{live_server}/plans/my-projects")
    expect(page.get_by_role("heading", level=1)).to_have_text(OURS[language])
    assert_accessible(page)
    page.screenshot(path=str(screenshot_path(f"department-projects-{width}-{language}")),
                    full_page=True)
    projects = page.locator("main ul.list a")
    expect(projects).to_have_count(1)
    expect(projects).to_contain_text("협치 기반조성")
    projects.click()
    page.wait_for_url(re.compile(r".*/plans/projects/\d+/report$"))
    own = int(re.search(r"/projects/(\d+)/", page.url).group(1))
    assert_accessible(page)
    page.locator("#reported_on").fill("2027-09-30")
    page.locator("#status").select_option("on_track")
    page.locator("#percent").fill("75")
    page.locator("#spent").fill("30000000")
    page.locator("#notes").fill(f"하반기 협치교육 3회 ({width}, {language})")
    page.locator("form[action$='/progress'] button[type=submit]").click()
    expect(page.get_by_role("status")).to_contain_text(DONE[language])
    expect(page.locator("main")).to_contain_text(f"하반기 협치교육 3회 ({width}, {language})")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)
    page.screenshot(path=str(screenshot_path(f"department-report-{width}-{language}")),
                    full_page=True)
    other = own - 1 if own > 1 else own + 1
    assert page.goto(f"{live_server}/plans/projects/{other}/report").status == 403
    context.close()
