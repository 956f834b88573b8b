"""Anyone reads every district's participation and plans on one page, reached from the site's
footer without signing in, on a phone and a desktop, in Korean and English: each district's
sentence, its years with the numbers written beside their bars and the recorded years'
source once, its published plan with the foundation-building share of the total budget; the
files download; a 320 px screen needs no sideways scrolling. The demo serves 강동구 (its 2027
cycle and plan, run here) and 성동구 (seed 002 §2's recorded years, a 2023 cycle and its plan
in the city's review, which the public reads as submitted)."""

import json

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, screenshot_path

pytestmark = pytest.mark.e2e

TEXT = {
    "ko": {"footer": "전체 자치구 공개 자료", "heading": "전체 자치구 공개 자료",
           "gangdong": "강동구", "seongdong": "성동구",
           "sentence": "2023년 주민투표 참여자는 2,441명으로 2022년(1,577명)보다 864명(54.8%) "
                       "늘었습니다.",
           "plan": "2023년 실행계획(협의조정 중)은 총 예산 200,000,000원 가운데 "
                   "200,000,000원을 편성했고",
           "share": "기반구축 비율(총 예산 대비): 37.5% · 기준 30% 이상 · 충족",
           "voters": "2,441명", "json": "전체 자료 (JSON)"},
    "en": {"footer": "Open data for all districts", "heading": "Open data for all districts",
           "gangdong": "Gangdong-gu", "seongdong": "Seongdong-gu",
           "sentence": "2,441 residents voted in 2023, 864 (54.8%) more than in 2022 (1,577).",
           "plan": "The 2023 plan (In review) allocates ₩200,000,000 of its ₩200,000,000 "
                   "budget",
           "share": "Foundation-building share (of the total budget): 37.5% · minimum 30% · Met",
           "voters": "2,441", "json": "All data (JSON)"},
}


@pytest.mark.parametrize("language", ["ko", "en"])
@pytest.mark.parametrize("size", [(390, 844), (1280, 800)], ids=["phone", "desktop"])
def test_anyone_reads_every_district_from_the_footer(browser, live_server, size, language):
    width, height = size
    text = TEXT[language]
    context = browser.new_context(viewport={"width": width, "height": height},
                                  locale="ko-KR" if language == "ko" else "en-US")
    page = context.new_page()
    page.goto(live_server)
    page.locator(".site-footer").get_by_role("link", name=text["footer"]).click()
    page.wait_for_url("**/city/open-data")
    expect(page.get_by_role("heading", level=1, name=text["heading"])).to_be_visible()

    districts = page.locator(".city-district")
    expect(districts).to_have_count(2)
    gangdong, seongdong = page.locator("#gangdong"), page.locator("#seongdong")
    expect(gangdong.get_by_role("heading", level=2)).to_have_text(text["gangdong"])
    summary = seongdong.locator(".city-district__summary")
    expect(summary).to_contain_text(text["sentence"])
    expect(summary).to_contain_text(text["plan"])
    expect(seongdong.locator(".city-plan")).to_have_count(1)
    expect(seongdong.locator(".history-chart__row")).to_have_count(5)
    expect(seongdong.locator(".history-chart__row").nth(1)).to_contain_text(text["voters"])
    expect(seongdong.locator(".history-sources li")).to_have_count(1)
    expect(gangdong.locator(".city-plan")).to_have_count(1)
    expect(gangdong.locator(".city-plan__share")).to_have_text(text["share"])
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)
    page.screenshot(path=str(screenshot_path(f"city-open-data-{language}-{width}")),
                    full_page=True)

    link = page.get_by_role("link", name=text["json"])
    download = page.request.get(live_server + link.get_attribute("href"))
    assert download.ok
    names = [table["name"] for table in json.loads(download.body())["tables"]]
    assert names == ["districts", "participation", "plans"]
    for href in page.locator(".city-downloads a").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"):
        assert page.request.get(live_server + href).ok, href

    # The smallest phones: every card and table row fits the width.
    page.set_viewport_size({"width": 320, "height": 640})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    context.close()
