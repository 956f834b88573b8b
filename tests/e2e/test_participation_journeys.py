"""Anyone reads a district's participation over the years from its home page, on a phone and
on a desktop, in Korean and in English: the sentence, the chart with its numbers written out
and the table. The demo server serves 성동구, whose four recorded years come from seed 002 §2
and whose 2023 cycle ran on the platform."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, demo_server, screenshot_path

pytestmark = pytest.mark.e2e

TEXT = {
    "ko": {"link": "참여 현황 보기", "heading": "성동구 연도별 참여 현황",
           "sentence": "2023년 주민투표 참여자는 2,441명으로 2022년(1,577명)보다 864명(54.8%) "
                       "늘었습니다.",
           "first": "2019년", "recorded": "기록된 수치", "days": "10일"},
    "en": {"link": "See participation", "heading": "Participation by year in Seongdong-gu",
           "sentence": "2,441 residents voted in 2023, 864 (54.8%) more than in 2022 (1,577).",
           "first": "2019", "recorded": "Recorded figures", "days": "10 days"},
}


@pytest.fixture(scope="module")
def seongdong_server(tmp_path_factory):
    with demo_server(tmp_path_factory.mktemp("e2e-history"),
                     MADANG_DISTRICT="seongdong") as (url, _app):
        yield url


@pytest.mark.parametrize("language", ["ko", "en"])
@pytest.mark.parametrize("size", [(390, 844), (1280, 800)], ids=["phone", "desktop"])
def test_anyone_reads_the_participation_history_from_home(browser, seongdong_server, size,
                                                          language):
    width, height = size
    text = TEXT[language]
    context = browser.new_context(viewport={"width": width, "height": height},
                                  locale="ko-KR" if language == "ko" else "en-US")
    page = context.new_page()
    page.goto(seongdong_server)
    page.get_by_role("link", name=text["link"]).click()
    page.wait_for_url("**/participation")
    expect(page.get_by_role("heading", level=1, name=text["heading"])).to_be_visible()
    expect(page.locator("#history-summary")).to_have_text(text["sentence"])
    chart = page.locator(".history-chart__row")
    expect(chart).to_have_count(5)
    expect(chart.first).to_contain_text(text["first"])
    rows = page.locator(".history-table tbody tr")
    expect(rows).to_have_count(5)
    expect(rows.nth(1)).to_contain_text(text["recorded"])
    expect(rows.nth(4)).to_contain_text(text["days"])
    assert_accessible(page)
    page.screenshot(path=str(screenshot_path(f"participation-history-{language}-{width}")),
                    full_page=True)
    context.close()
