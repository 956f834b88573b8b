"""Browser journey of the Seoul city reviewer (seed 001, 협의조정) on the demo plan: the
amendment the council approved (seed 000 §IV) waits for the city; the reviewer reads the
earlier decision record, adds a recommended item on a phone in Korean, is told the decision
must wait for the district's answer, then approves on a desktop in English, and the public
page reads the amended version."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, demo_server, screenshot_path, sign_in_as

CITY = ("city@demo.madang.kr", "demo-city-2027")


@pytest.fixture(scope="module")
def city_server(tmp_path_factory):
    """A demo of its own: this journey decides the demo's amendment."""
    with demo_server(Path(tmp_path_factory.mktemp("city-review"))) as served:
        yield served


def _district_answers(app) -> None:
    """The district's organizer answers the city's open item (not the reviewer's journey)."""
    from accounts.models import user_by_email
    from core.db import commit, db
    from core.models import District
    from plans import review
    from plans.models import Plan

    with app.test_request_context():
        organizer = user_by_email("organizer@demo.madang.kr")
        plan = db.session.query(Plan).join(District, District.id == Plan.district_id).filter(
            District.slug == "gangdong").one()
        for comment in plan.comments:
            if comment.answered_at is None:
                review.answer_comment(plan.district_id, plan.id, comment.id,
                                      "하반기 축제 예산의 산출내역을 동별로 붙였습니다.", organizer)
        commit()


def test_the_city_reviewer_reviews_the_demo_amendment(city_server, browser):
    base, app = city_server
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="ko-KR")
    page = phone.new_page()
    sign_in_as(page, base, *CITY)
    expect(page.get_by_role("link", name="서울시 협의조정")).to_be_visible()
    page.get_by_role("link", name="서울시 협의조정").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("서울시 협의조정")
    expect(page.get_by_text("협의조정 중").first).to_be_visible()
    record = page.locator(".decision-record")
    expect(record).to_have_count(1)
    expect(record).to_contain_text("최조정 (서울시 지역공동체담당관)")
    expect(record).to_contain_text("실행사업별 협치적 맥락 내용 보완")
    expect(record).to_contain_text("기반조성사업을 별도 목차로 구성했습니다")
    page.get_by_label("구분").select_option(label="권고")
    page.get_by_label("의견 제목").fill("변경 사업의 예산산출내역 첨부")
    page.get_by_label("의견 내용").fill("마을축제 변경안의 동별 산출내역을 붙이세요.")
    page.get_by_role("button", name="의견 남기기").click()
    assert "협의조정 의견을 남겼습니다" in page.get_by_role("status").inner_text()
    expect(page.get_by_text("구가 답하지 않은 권고 의견이 1건 있습니다.").first).to_be_visible()
    page.get_by_label("결정", exact=True).select_option(label="승인")
    page.get_by_role("button", name="결정서 기록").click()
    expect(page.locator("main")).to_contain_text("구가 답하지 않은 권고 의견이 1건 있습니다.")
    expect(page.locator(".decision-record")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)
    page.screenshot(path=str(screenshot_path("city-review-phone-ko")), full_page=True)
    phone.close()

    _district_answers(app)

    desktop = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    page = desktop.new_page()
    page.goto(f"{base}/signin")
    page.get_by_label("Email").fill(CITY[0])
    page.get_by_label("Password").fill(CITY[1])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")
    page.get_by_role("link", name="Seoul city review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Seoul city review")
    expect(page.get_by_text("하반기 축제 예산의 산출내역을 동별로 붙였습니다.")).to_be_visible()
    page.get_by_label("Decision", exact=True).select_option(label="Approve")
    page.get_by_label("Decision note").fill("변경안을 최종본으로 승인합니다.")
    page.get_by_role("button", name="Record the decision").click()
    assert "Recorded the city review decision" in page.get_by_role("status").inner_text()
    expect(page.locator(".decision-record")).to_have_count(2)
    expect(page.locator(".decision-record").first).to_contain_text("Version 3")
    assert_accessible(page)
    page.screenshot(path=str(screenshot_path("city-review-desktop-en")), full_page=True)
    page.goto(f"{base}/plan")
    expect(page.get_by_text("Version 3").first).to_be_visible()
    expect(page.get_by_text("Seoul city review decision").first).to_be_visible()
    desktop.close()
