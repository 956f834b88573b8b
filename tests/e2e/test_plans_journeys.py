"""Browser journeys for the plan: a resident reads the approved plan on a phone; an organizer
opens the console and the council minutes."""

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in_as


def test_resident_reads_the_plan_with_progress_on_a_phone(live_server, phone):
    phone.goto(f"{live_server}/plan")
    assert phone.get_by_role("heading", level=1).inner_text().startswith("2027")
    assert phone.get_by_text("승인됨").count() >= 1
    # The combined score's top four agenda items and the foundation-building project.
    expect(phone.locator("progress")).to_have_count(5)
    phone.get_by_role("link", name="회의록 보기").click()
    expect(phone.locator("main")).to_contain_text("찬성 17")
    phone.go_back()
    phone.get_by_role("link", name="집계 방식별 선정 비교 보기").click()
    expect(phone.get_by_role("heading", name="균등 지분 방식 (MES)")).to_be_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390


def test_organizer_sees_the_console_and_the_diff(live_server, phone):
    sign_in_as(phone, live_server, "organizer@demo.madang.kr", "demo-organizer-2027")
    phone.goto(f"{live_server}/plans/manage")
    expect(phone.get_by_role("heading", name="실행사업")).to_be_visible()
    expect(phone.get_by_text("협치 의제 발굴 채널 다양화")).to_be_visible()
    phone.goto(f"{live_server}/plan")
    phone.get_by_role("link", name="제2판").click()
    expect(phone.get_by_text("협치적 맥락 내용 보완").first).to_be_visible()


def test_organizer_sets_a_dong_floor_on_a_phone_and_the_public_page_shows_it(live_server,
                                                                            phone):
    sign_in_as(phone, live_server, "organizer@demo.madang.kr", "demo-organizer-2027")
    phone.goto(f"{live_server}/plans/manage")
    phone.get_by_role("link", name="규칙과 평가 기준").click()
    phone.get_by_label("분야 또는 동").select_option(label="길동")
    phone.get_by_label("최소 금액 (원)").fill("5000000")
    phone.get_by_role("button", name="한도 저장").click()
    assert "예산 한도를 저장했습니다" in phone.get_by_role("status").inner_text()
    row = phone.locator("tr", has_text="길동")
    assert "500만 원" in row.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.goto(f"{live_server}/plan")
    expect(phone.get_by_text("길동: 최소")).to_be_visible()
    phone.goto(f"{live_server}/plans/settings")
    phone.get_by_role("button", name="지우기 길동").click()
    assert "예산 한도를 지웠습니다" in phone.get_by_role("status").inner_text()
    expect(phone.locator("tr", has_text="길동")).to_have_count(0)


def test_organizer_reports_progress_with_a_photo_and_residents_see_it(live_server, phone,
                                                                      tmp_path):
    from PIL import Image

    picture = tmp_path / "현장.jpg"
    Image.new("RGB", (1200, 900), (40, 140, 90)).save(picture, "JPEG")
    sign_in_as(phone, live_server, "organizer@demo.madang.kr", "demo-organizer-2027")
    phone.goto(f"{live_server}/plans/manage")
    phone.get_by_role("link", name="실적·평가").first.click()
    phone.get_by_label("보고일").fill("2027-09-30")
    phone.get_by_label("추진율 (%)").fill("70")
    phone.get_by_label("집행액 (원)").fill("5000000")
    phone.get_by_label("사진 (선택)").set_input_files(str(picture))
    phone.get_by_label("사진 설명").fill("주민들이 마을 텃밭에서 모종을 심는 모습")
    phone.get_by_role("button", name="실적 보고").click()
    assert "추진 실적을 기록했습니다" in phone.get_by_role("status").inner_text()
    photo = phone.get_by_alt_text("주민들이 마을 텃밭에서 모종을 심는 모습")
    phone.wait_for_load_state("load")
    assert photo.evaluate("img => img.complete && img.naturalWidth === 1200")
    phone.goto(f"{live_server}/plan")
    public = phone.get_by_alt_text("주민들이 마을 텃밭에서 모종을 심는 모습")
    public.scroll_into_view_if_needed()
    assert public.evaluate("img => img.complete && img.naturalWidth > 0")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
