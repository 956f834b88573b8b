"""A resident ranks, changes and verifies a ballot on a phone; anyone reads a closed result."""

import re

import pytest
from playwright.sync_api import expect

from accounts.demo import DEMO_ACCOUNTS
from tests.e2e.conftest import assert_accessible, screenshot_path, sign_in_as

pytestmark = pytest.mark.e2e

PASSWORDS = {email: password for email, password, _role, _name in DEMO_ACCOUNTS}
RANKED = "2027 지역의제 우선순위 주민투표(순위)"


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_resident_ranks_by_tapping_changes_and_verifies(phone, live_server):
    email = "resident@demo.madang.kr"
    sign_in_as(phone, live_server, email, PASSWORDS[email])
    phone.get_by_role("link", name="투표", exact=True).click()
    phone.get_by_role("link", name=RANKED).click()
    phone.get_by_role("link", name="투표하기").click()
    ballot_url = phone.url
    pool = phone.locator("[data-pool-list] > li")
    first, second = pool.nth(0).locator(".ranking__title").inner_text(), \
        pool.nth(1).locator(".ranking__title").inner_text()
    pool.nth(0).get_by_role("button", name="순위에 넣기").click()
    phone.locator("[data-pool-list] > li").nth(0).get_by_role("button", name="순위에 넣기").click()
    ranked = phone.locator("[data-ranked-list] > li")
    expect(ranked).to_have_count(2)
    ranked.nth(1).get_by_role("button", name="위로").click()
    titles = phone.locator("[data-ranked-list] .ranking__title").all_inner_texts()
    assert titles == [second, first]
    assert phone.locator("[data-status]").inner_text() == "순위 2개 / 최대 3개"
    assert no_horizontal_scroll(phone)
    phone.get_by_role("button", name="투표지 제출").click()
    assert "투표지를 제출했습니다." in phone.get_by_role("status").first.inner_text()
    code = phone.locator("[data-receipt]").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    phone.screenshot(path=str(screenshot_path("voting-receipt")), full_page=True)

    phone.get_by_role("link", name="투표지 바꾸기").click()
    phone.locator("[data-ranked-list] > li").nth(0).get_by_role("button", name="빼기").click()
    phone.get_by_role("button", name="투표지 바꾸기").click()
    assert "마지막에 낸 투표지가 집계됩니다" in phone.get_by_role("status").first.inner_text()
    new_code = phone.locator("[data-receipt]").inner_text()
    assert new_code != code

    phone.get_by_role("link", name="영수증 확인 페이지").click()
    phone.get_by_label("영수증 코드").fill(new_code.lower())
    phone.get_by_role("button", name="확인").click()
    assert "기록되어 있습니다" in phone.locator(".alert").first.inner_text()
    assert first in phone.locator(".choice-list").inner_text()
    phone.get_by_label("영수증 코드").fill(code)
    phone.get_by_role("button", name="확인").click()
    assert "일치하는 투표지가 없습니다" in phone.locator(".error").first.inner_text()

    # Withdrawing takes two taps: the first only says what will happen.
    phone.goto(ballot_url)
    confirm = phone.get_by_role("button", name="네, 투표지를 철회합니다")
    expect(confirm).to_be_hidden()
    phone.locator("summary", has_text="투표 철회").click()
    expect(phone.get_by_role("note")).to_contain_text("제출한 투표지를 지웁니다")
    assert_accessible(phone)
    confirm.click()
    expect(phone.get_by_role("status").first).to_contain_text("투표지를 철회했습니다")


def test_budget_ballot_shows_running_total_and_closed_results(phone, live_server):
    phone.goto(f"{live_server}/votes")
    phone.get_by_role("link", name="2027 주민참여예산 배분 투표").click()
    phone.get_by_role("link", name="결과 보기").click()
    expect(phone.get_by_role("heading", name="순위와 의제별 수치")).to_be_visible()
    expect(phone.locator("text=득표순 예산 채우기").first).to_be_visible()
    assert phone.locator(".result-table tbody tr").count() >= 2
    assert no_horizontal_scroll(phone)
    phone.screenshot(path=str(screenshot_path("voting-results")), full_page=True)
    phone.get_by_role("link", name="투표", exact=True).click()
    phone.get_by_role("link", name="2027 마을의제 점수 배분 투표(종합 점수)").click()
    phone.get_by_role("link", name="결과 보기").click()
    expect(phone.get_by_role("heading", name="종합 점수")).to_be_visible()


def test_approval_ballot_counts_live(phone, live_server):
    email = "resident@demo.madang.kr"
    sign_in_as(phone, live_server, email, PASSWORDS[email])
    phone.goto(f"{live_server}/votes")
    phone.get_by_role("link", name="2027 공론장 의제 찬성 투표").click()
    phone.get_by_role("link", name="투표하기").click()
    boxes = phone.locator("input[name=item]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    assert phone.locator("[data-status]").inner_text().startswith("2개 선택")
    for n in range(2, 4):
        boxes.nth(n).check()
    phone.get_by_role("button", name="투표지 제출").click()
    assert "최대 3개" in phone.get_by_role("alert").inner_text()
