"""Browser journey: an organizer exports the whole cycle and the forum report, watches the
progress bar reach the end and downloads the files."""

import io
import zipfile

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in_as


def _export(page, base_url: str, target_label: str, format_label: str):
    page.goto(f"{base_url}/exports")
    page.get_by_label("내보낼 자료").select_option(label=target_label)
    page.get_by_label("형식", exact=True).select_option(label=format_label)
    page.get_by_role("button", name="내보내기 시작").click()
    progress = page.locator("progress")
    expect(progress).to_be_visible()
    page.wait_for_function("document.querySelector('progress').value === 100")
    link = page.get_by_role("link", name="내려받기")
    link.wait_for(state="visible")
    with page.expect_download() as info:
        link.click()
    return info.value


def test_organizer_downloads_exports_with_a_progress_bar(live_server, phone, tmp_path):
    sign_in_as(phone, live_server, "organizer@demo.madang.kr", "demo-organizer-2027")
    phone.goto(f"{live_server}/exports")
    options = phone.get_by_label("내보낼 자료").locator("option").all_inner_texts()
    cycle = next(o for o in options if o.startswith("연차 계획 주기 전체"))
    forum = next(o for o in options if o.startswith("공론장 —"))

    workbook = _export(phone, live_server, cycle, "엑셀 XLSX")
    assert workbook.suggested_filename.endswith(".xlsx")
    path = tmp_path / workbook.suggested_filename
    workbook.save_as(path)
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as archive:
        assert "xl/workbook.xml" in archive.namelist()

    report = _export(phone, live_server, forum, "PDF 보고서")
    pdf = tmp_path / report.suggested_filename
    report.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    phone.goto(f"{live_server}/exports")
    assert phone.locator(".export-jobs li").count() >= 2


def test_open_data_needs_no_sign_in(live_server, phone):
    phone.goto(f"{live_server}/open-data")
    expect(phone.get_by_role("heading", name="공개 자료")).to_be_visible()
    assert phone.locator(".open-data a").count() >= 4
