"""An organizer creates a vote, opens it now and closes it now, on a phone and a desktop, in
Korean and English: the counting methods follow the ballot type, and opening and closing each
take a second tap that says what will happen (issue 18, item 6)."""

import pytest
from playwright.sync_api import expect

from accounts.demo import DEMO_ACCOUNTS
from tests.e2e.conftest import assert_accessible, demo_server, screenshot_path

pytestmark = pytest.mark.e2e

ORGANIZER = "organizer@demo.madang.kr"
PASSWORD = {email: password for email, password, _role, _name in DEMO_ACCOUNTS}[ORGANIZER]

TEXT = {
    "ko": {"locale": "ko-KR", "saved": "투표를 저장했습니다.",
           "budget_methods": ["득표순 예산 채우기", "균등 분배 방식(MES)"],
           "approval_methods": ["찬성 수 순"],
           "approval_guide": "찬성을 많이 받은 의제부터 선정합니다.",
           "upcoming": "시작 전:", "open": "지금 열기", "open_what": "지금 투표를 시작합니다",
           "open_confirm": "네, 지금 투표를 엽니다", "opened": "투표를 열었습니다",
           "status_open": "투표 중:", "close": "지금 마감", "close_what": "다시 열 수 없습니다",
           "close_confirm": "네, 지금 투표를 마감합니다", "closed": "투표를 마감했습니다",
           "status_closed": "마감됨:"},
    "en": {"locale": "en-US", "saved": "The vote has been saved.",
           "budget_methods": ["Greedy by votes", "Method of Equal Shares (MES)"],
           "approval_methods": ["Most approvals"],
           "approval_guide": "Items with the most approvals are selected first.",
           "upcoming": "Not open yet:", "open": "Open now",
           "open_what": "The vote starts now", "open_confirm": "Yes, open the vote now",
           "opened": "The vote is open", "status_open": "Open: closes",
           "close": "Close now", "close_what": "cannot be opened again",
           "close_confirm": "Yes, close the vote now", "closed": "The vote is closed",
           "status_closed": "Closed: closed"},
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The demo, whose 2027 vote is already confirmed, with three more proposals of the cycle
    shortlisted for a vote: what an organizer has before making a new one."""
    from sqlalchemy import select

    from accounts.services import user_by_email
    from agenda.coordination import shortlist
    from agenda.models import AgendaItem
    from core.db import commit, db
    from core.models import Cycle

    with demo_server(tmp_path_factory.mktemp("e2e-organizer")) as (url, app):
        with app.test_request_context():
            cycle = db.session.scalars(select(Cycle).where(Cycle.year == 2027)).one()
            proposals = db.session.scalars(select(AgendaItem).where(
                AgendaItem.cycle_id == cycle.id, AgendaItem.status == "proposed")
                .order_by(AgendaItem.id).limit(3)).all()
            for item in proposals:
                shortlist(cycle.district_id, item.id, user_by_email(ORGANIZER), False, True,
                          "추가 주민투표 후보")
            commit()
        yield url


def _method_names(page) -> list[str]:
    return page.locator("select[name=method] option").all_inner_texts()


@pytest.mark.parametrize("language", ["ko", "en"])
@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 800)])
def test_organizer_creates_opens_and_closes_a_vote(browser, server, language, width, height):
    text = TEXT[language]
    context = browser.new_context(viewport={"width": width, "height": height},
                                  locale=text["locale"])
    page = context.new_page()
    page.goto(f"{server}/signin")
    page.locator("input[name=email]").fill(ORGANIZER)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{server}/")

    page.goto(f"{server}/organize/votes/new")
    ballot_type = page.locator("select[name=ballot_type]")
    ballot_type.select_option("budget")
    assert _method_names(page) == text["budget_methods"]
    expect(page.locator("input[name=budget_limit]")).to_be_visible()
    ballot_type.select_option("approval")
    assert _method_names(page) == text["approval_methods"]
    expect(page.locator("input[name=budget_limit]")).to_be_hidden()
    expect(page.locator("[data-compare-methods]")).to_be_hidden()
    expect(page.locator(".method-guide dd:visible")).to_have_text([text["approval_guide"]])
    title = f"지금 여닫는 투표 {language} {width}"
    page.locator("input[name=title]").fill(title)
    for n in range(3):
        page.locator("input[name=items]").nth(n).check()
    assert_accessible(page)
    page.screenshot(path=str(screenshot_path(f"organizer-new-vote-{language}-{width}")),
                    full_page=True)
    page.locator("form.vote-form button[type=submit]").click()
    expect(page.get_by_role("status").first).to_contain_text(text["saved"])
    expect(page.locator(".vote-window__status")).to_contain_text(text["upcoming"])
    expect(page.get_by_role("heading", level=1)).to_have_text(title)

    # Opening takes two taps: the first only says what will happen.
    confirm = page.get_by_role("button", name=text["open_confirm"])
    expect(confirm).to_be_hidden()
    page.locator("summary", has_text=text["open"]).click()
    expect(page.locator(".vote-window").get_by_role("note")).to_contain_text(text["open_what"])
    assert_accessible(page)
    page.screenshot(path=str(screenshot_path(f"organizer-open-now-{language}-{width}")),
                    full_page=True)
    confirm.click()
    expect(page.get_by_role("status").first).to_contain_text(text["opened"])
    expect(page.locator(".vote-window__status")).to_contain_text(text["status_open"])

    confirm = page.get_by_role("button", name=text["close_confirm"])
    expect(confirm).to_be_hidden()
    page.locator("summary", has_text=text["close"]).click()
    expect(page.locator(".vote-window").get_by_role("note")).to_contain_text(text["close_what"])
    confirm.click()
    expect(page.get_by_role("status").first).to_contain_text(text["closed"])
    expect(page.locator(".vote-window__status")).to_contain_text(text["status_closed"])
    # A closed vote's settings are shown, not offered: every control is disabled.
    assert page.locator("form.vote-form :enabled:is(input, select, textarea)").evaluate_all(
        "controls => controls.filter(c => c.type !== 'hidden').length") == 0
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)
    page.screenshot(path=str(screenshot_path(f"organizer-closed-now-{language}-{width}")),
                    full_page=True)
    context.close()
