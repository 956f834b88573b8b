"""Browser journeys: an organizer exports the whole cycle and the forum report, watches the
progress bar reach the end and downloads the files; picks a format among those the material
offers, follows a report being made, and reads the forum's report on the web, on a phone and
a desktop, in Korean and English."""

import io
import re
import zipfile

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, screenshot_path, sign_in_as


def _export(page, base_url: str, target_label: str, format_label: str):
    page.goto(f"{base_url}/exports")
    page.get_by_label("내보낼 자료").select_option(label=target_label)
    page.get_by_label("형식", exact=True).select_option(label=format_label)
    page.get_by_role("button", name="내보내기 시작").click()
    progress = page.locator("progress")
    expect(progress).to_be_visible()
    page.wait_for_function("() => document.querySelector('progress').value === 100")
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


VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
# What the job page shows when it is served: read before the page's script first asks the
# server, so it is what the server rendered, not what the script found afterwards.
FIRST_STATE = """document.addEventListener("DOMContentLoaded", function () {
  var panel = document.querySelector(".export-job");
  window.madangFirstState = panel && panel.getAttribute("data-state");
});"""


def _sign_in(page, base_url: str) -> None:
    """Signs in through the form by its field names, whatever the page's language."""
    page.goto(f"{base_url}/signin")
    page.locator("input[name=email]").fill("organizer@demo.madang.kr")
    page.locator("input[name=password]").fill("demo-organizer-2027")
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_url(f"{base_url}/")


def _offered(page) -> list[str]:
    return page.eval_on_selector_all("select[name=format] option",
                                     "options => options.filter(o => !o.disabled && !o.hidden)"
                                     ".map(o => o.value)")


@pytest.mark.parametrize("language", ["ko", "en"])
@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_organizer_watches_an_export_and_reads_the_forum_report(browser, live_server, screen,
                                                                language):
    context = browser.new_context(viewport=VIEWPORTS[screen],
                                  locale="ko-KR" if language == "ko" else "en-US")
    page = context.new_page()
    page.add_init_script(FIRST_STATE)
    width = VIEWPORTS[screen]["width"]
    try:
        _sign_in(page, live_server)
        page.goto(f"{live_server}/exports")
        values = page.eval_on_selector_all("select[name=target] option",
                                           "options => options.map(o => o.value)")
        agenda = next(v for v in values if v.startswith("agenda:"))
        forum = next(v for v in values if v.startswith("forum:"))
        # Each material offers only its own formats, as the script follows the choice.
        page.locator("select[name=target]").select_option(agenda)
        assert _offered(page) == ["csv", "xlsx", "json"]
        page.locator("select[name=target]").select_option(forum)
        assert _offered(page) == ["csv", "xlsx", "pdf", "json"]
        page.locator("select[name=format]").select_option("pdf")
        assert_accessible(page)
        page.screenshot(path=str(screenshot_path(f"exports-form-{screen}-{language}")),
                        full_page=True)

        page.locator(".export-form button[type=submit]").click()
        page.wait_for_url("**/exports/jobs/*")
        # The page came at once, while the report was still being made, and follows it.
        assert page.evaluate("window.madangFirstState") in ("queued", "running")
        expect(page.locator("progress")).to_be_visible()
        page.screenshot(path=str(screenshot_path(f"exports-job-running-{screen}-{language}")))
        page.wait_for_function("() => document.querySelector('progress').value === 100")
        download = page.locator("[data-field=download]")
        download.wait_for(state="visible")
        expect(page.get_by_role("status")).to_contain_text("완료" if language == "ko"
                                                           else "Done")
        # The link says until when it works, though the page came before the file.
        expect(page.locator(".export-job__download .hint")).to_contain_text(
            re.compile(r"\d{4}"))
        text = page.locator("main").inner_text()
        assert "forum ·" not in text and "· pdf" not in text
        assert_accessible(page)
        page.screenshot(path=str(screenshot_path(f"exports-job-done-{screen}-{language}")),
                        full_page=True)
        with page.expect_download() as info:
            download.click()
        assert info.value.suggested_filename.endswith(".pdf")
        assert page.evaluate("document.documentElement.scrollWidth") <= width

        page.goto(f"{live_server}/forums/{forum.split(':')[1]}/report")
        charts = page.locator("figure.shift-chart")
        assert charts.count() >= 2
        first = charts.first
        expect(first.locator("figcaption")).to_be_visible()
        # The numbers stand beside the bars as text: the drawing itself is decoration.
        assert first.locator("svg[aria-hidden=true]").count() >= 2
        expect(first.locator(".shift-bars__value").first).to_contain_text("%")
        summary = page.locator(".report-summary").first
        expect(summary).to_contain_text("23%")
        body = page.locator("main").inner_text()
        assert not re.search(r"\d(?:\.\d+)?e[-+]?\d", body), "a figure in scientific notation"
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert_accessible(page)
        page.screenshot(path=str(screenshot_path(f"forum-report-{screen}-{language}")),
                        full_page=True)
    finally:
        context.close()
