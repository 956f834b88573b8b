import re

import pytest
from playwright.sync_api import expect

from accounts.demo import DEMO_ACCOUNTS
from tests.e2e.conftest import sign_in_as

pytestmark = pytest.mark.e2e

PASSWORDS = {email: password for email, password, _role, _name in DEMO_ACCOUNTS}


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_resident_proposes_sees_similar_supports_and_comments(phone, live_server):
    email = "resident@demo.madang.kr"
    sign_in_as(phone, live_server, email, PASSWORDS[email])
    phone.get_by_role("link", name="의제", exact=True).click()
    expect(phone.get_by_role("heading", name="의제", exact=True)).to_be_visible()
    assert no_horizontal_scroll(phone)
    phone.get_by_role("link", name="의제 제안하기").click()
    phone.get_by_label("제목").fill("폐지 줍는 어르신 안전 조끼")
    # Similar items appear while typing (script), before anything is submitted.
    similar = phone.locator("#similar-list")
    similar.get_by_role("link", name="폐지수집어르신 안전장치").wait_for()
    phone.get_by_label("설명").fill("새벽에 **야광 조끼**를 나눠 드리면 좋겠습니다.")
    phone.get_by_label("분야").select_option(label="도시안전")
    phone.get_by_label("지역").select_option(label="성내제1동")
    phone.get_by_label("예상 비용(원)").fill("3000000")
    assert no_horizontal_scroll(phone)
    phone.get_by_role("button", name="제안하기").click()
    assert phone.get_by_role("heading", level=1).inner_text() == "폐지 줍는 어르신 안전 조끼"
    assert phone.locator(".markdown strong").inner_text() == "야광 조끼"
    # A proposer does not support their own item: the page says why instead of a button.
    expect(phone.locator("[data-support-why]")).to_contain_text(
        "내가 제안한 의제에는 공감할 수 없습니다.")
    expect(phone.get_by_role("button", name="공감하기")).to_have_count(0)
    phone.get_by_label("댓글", exact=True).fill("성내동에서도 필요합니다")
    phone.get_by_role("button", name="댓글 남기기").click()
    assert phone.locator(".comment__body").first.inner_text() == "성내동에서도 필요합니다"
    assert no_horizontal_scroll(phone)
    # A neighbour's proposal takes the resident's support.
    phone.goto(f"{live_server}/agenda?status=proposed")
    phone.locator(".agenda-card__title a").filter(
        has_not_text="폐지 줍는 어르신 안전 조끼").first.click()
    before = int(re.search(r"\d+", phone.locator(".support-count").inner_text())[0])
    phone.get_by_role("button", name="공감하기").click()
    assert phone.get_by_role("status").inner_text() == "공감했습니다."
    assert phone.locator(".support-count").inner_text() == f"{before + 1}명이 공감했습니다."


SOURCES = ["주차 공간 공유 방안", "1인 가구 정보공유", "도로/교통/시설 등 시민 모니터링 단 운영"]


def _merge(page, base_url: str, reason: str) -> None:
    page.goto(f"{base_url}/agenda/coordinate")
    for title in SOURCES:
        page.locator("label", has_text=title).click()
    page.get_by_label("통합 의제 제목").fill("생활안전 주민 모니터링과 공유")
    page.get_by_label("통합 사유").fill(reason)
    page.get_by_role("button", name="통합하기").click()
    assert page.get_by_role("status").inner_text() == "의제 3건을 통합했습니다."


def test_organizer_merges_three_undoes_merges_again_and_shortlists(browser, phone, live_server):
    email = "organizer@demo.madang.kr"
    sign_in_as(phone, live_server, email, PASSWORDS[email])
    _merge(phone, live_server, "생활 안전을 주민이 함께 살피는 제안")
    expect(phone.get_by_role("heading", name="원 제안 3건")).to_be_visible()
    phone.get_by_label("취소 사유").fill("모니터링단은 따로 검토")
    phone.get_by_role("button", name="통합 취소").click()
    assert "통합을 취소했습니다" in phone.get_by_role("status").inner_text()
    _merge(phone, live_server, "조정회의에서 다시 하나로")
    fused_url = phone.url
    # The coordinator words the fused item better before shortlisting it.
    phone.get_by_role("link", name="고치기").click()
    phone.get_by_label("제목").fill("생활안전 주민 모니터링단과 정보 공유")
    phone.get_by_role("button", name="저장", exact=True).click()
    assert phone.get_by_role("status").inner_text() == "의제를 저장했습니다."
    assert phone.url == fused_url
    phone.get_by_label("주민투표 후보로").check()
    phone.get_by_label("선정 사유 (공개)").fill("안전 분야에서 공감이 많음")
    phone.get_by_role("button", name="최종 후보로 정하기").click()
    assert phone.get_by_role("status").inner_text() == "최종 후보로 정했습니다."
    assert no_horizontal_scroll(phone)

    public = browser.new_context(viewport={"width": 390, "height": 844}, locale="ko-KR")
    page = public.new_page()
    page.goto(fused_url)
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading == "생활안전 주민 모니터링단과 정보 공유"
    sources = page.locator(".agenda-sources li")
    expect(sources).to_have_count(3)
    for title in SOURCES:
        expect(page.locator(".agenda-sources").get_by_role("link", name=title)).to_be_visible()
    log = page.locator(".agenda-log").inner_text()
    assert "통합 의제로 만들어짐" in log and "최종 후보 선정" in log
    assert "안전 분야에서 공감이 많음" in page.locator(".facts").inner_text()
    page.locator(".agenda-sources").get_by_role("link", name=SOURCES[0]).click()
    history = page.locator(".agenda-log").inner_text()
    assert history.count("통합 의제에 합쳐짐") == 2 and "통합 취소" in history
    assert no_horizontal_scroll(page)
    public.close()
