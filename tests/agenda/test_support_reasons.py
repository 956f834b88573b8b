"""What a resident reads where the support button is missing, the refusal to support one's own
proposal, the agenda list's folded filters with their chips, and dong names in English."""

import re

import pytest
from sqlalchemy import func, select

from agenda import merging
from agenda.models import AgendaItem, Support
from core.db import commit, db
from tests.agenda.conftest import fused_proposal
from tests.conftest import post_form, sign_in

ENGLISH = {"Accept-Language": "en"}


def _supports() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Support))


@pytest.fixture
def resident_client(client, make_user):
    user = make_user("resident")
    sign_in(client, user.email)
    client.user = user
    return client


def _support_section(page: str) -> str:
    return page[page.index('id="support-title"'):page.index("</section>",
                                                            page.index('id="support-title"'))]


def test_supporting_ones_own_proposal_is_refused_and_changes_nothing(resident_client,
                                                                     make_item):
    """Product rule (agenda/supporters.py): the seeds and ordinance are silent on it; a
    support counts other residents behind a proposal."""
    own = make_item("내 제안", author=resident_client.user)
    refused = post_form(resident_client, f"/agenda/{own.id}/support")
    assert refused.status_code == 403
    assert "내가 제안한 의제에는 공감할 수 없습니다." in refused.get_data(as_text=True)
    assert _supports() == 0
    english = post_form(resident_client, f"/agenda/{own.id}/support", headers=ENGLISH)
    assert english.status_code == 403
    assert "You cannot support your own proposal" in english.get_data(as_text=True)
    assert _supports() == 0
    section = _support_section(resident_client.get(f"/agenda/{own.id}").get_data(as_text=True))
    assert "data-support-why" in section and "공감하기</button>" not in section
    # Someone else's item still takes the same resident's support.
    other = make_item("남의 제안")
    assert post_form(resident_client, f"/agenda/{other.id}/support").status_code == 302
    assert _supports() == 1


def test_a_proposer_can_still_withdraw_a_support_given_before_the_rule(resident_client,
                                                                      make_item):
    own = make_item("예전에 공감한 내 제안", author=resident_client.user)
    db.session.add(Support(item_id=own.id, user_id=resident_client.user.id))
    commit()
    assert post_form(resident_client, f"/agenda/{own.id}/support/withdraw").status_code == 302
    assert _supports() == 0


def test_a_merged_proposal_says_where_support_goes_with_a_link(resident_client, make_item,
                                                              district, organizer):
    a, b = make_item("공동육아 모임"), make_item("공동육아 공간")
    fused = merging.merge(district.id, [a.id, b.id], organizer,
                          fused_proposal("공동육아 공간과 모임"), "비슷한 제안")
    commit()
    section = _support_section(resident_client.get(f"/agenda/{a.id}").get_data(as_text=True))
    assert "공감은 통합 의제에서 받습니다" in section
    assert f'href="/agenda/{fused.id}"' in section and "공감하기</button>" not in section
    english = _support_section(resident_client.get(f"/agenda/{a.id}", headers=ENGLISH)
                               .get_data(as_text=True))
    assert "support goes to the fused agenda" in english


@pytest.mark.parametrize(("status", "korean", "english"), [
    ("in_plan", "실행계획에 반영된 의제라", "already in the plan"),
    ("declined", "채택하지 않기로 한 의제라", "was not adopted"),
    ("in_vote", "주민투표가 진행 중인 의제라", "in a residents' vote"),
    ("selected", "주민투표가 끝난 의제라", "vote on this agenda item is over"),
])
def test_closed_items_say_why_there_is_no_support_button(resident_client, make_item, status,
                                                        korean, english):
    item = make_item("지난 의제")
    stored = db.session.get(AgendaItem, item.id)
    stored.status = status
    if status == "declined":
        stored.decline_reason = "기존 사업과 같습니다"
    commit()
    section = _support_section(resident_client.get(f"/agenda/{item.id}").get_data(as_text=True))
    assert korean in section and "공감하기</button>" not in section
    assert english in _support_section(
        resident_client.get(f"/agenda/{item.id}", headers=ENGLISH).get_data(as_text=True))
    # The server refuses what the page does not offer.
    assert post_form(resident_client, f"/agenda/{item.id}/support").status_code == 409
    assert _supports() == 0


def test_one_supporter_reads_as_one_person_in_english(resident_client, make_item):
    item = make_item("하나뿐인 공감")
    post_form(resident_client, f"/agenda/{item.id}/support")
    page = resident_client.get(f"/agenda/{item.id}", headers=ENGLISH).get_data(as_text=True)
    assert "1 person supports this." in page and "1 people" not in page
    assert "1명이 공감했습니다." in resident_client.get(f"/agenda/{item.id}").get_data(as_text=True)


def test_filters_fold_behind_one_disclosure_and_show_chosen_ones_as_chips(client, district,
                                                                         make_item):
    dong = next(d for d in district.dongs if d.name == "천호제1동")
    make_item("천호동 복지", field="welfare", dong_id=dong.id)
    page = client.get(f"/agenda?field=welfare&area={dong.id}&q=복지&page=1").get_data(
        as_text=True)
    folded = page[page.index("<details class=\"agenda-filters__more\""):page.index("</details>")]
    # Field, type, area, status, intake channel and sort.
    assert folded.count("<select") == 6 and "(2개 선택)" in folded
    chips = page[page.index('class="filter-chips"'):]
    chips = chips[:chips.index("</ul>")]
    assert "분야: 복지" in chips and "지역: 천호제1동" in chips
    links = re.findall(r'class="filter-chip" href="([^"]+)"', chips)
    assert len(links) == 2
    # Each chip's link drops its own filter (and the page), keeping the others.
    assert "field=" not in links[0] and f"area={dong.id}" in links[0] and "page=" not in links[0]
    assert "area=" not in links[1] and "field=welfare" in links[1]
    english = client.get(f"/agenda?field=welfare&area={dong.id}", headers=ENGLISH).get_data(
        as_text=True)
    assert "Area: Cheonho 1(il)-dong" in english and "(2 selected)" in english
    bare = client.get("/agenda").get_data(as_text=True)
    assert 'class="filter-chips"' not in bare and "개 선택" not in bare


def test_unknown_filter_values_make_no_chip(client, district):
    page = client.get("/agenda?field=nonsense&area=999999&status=%00").get_data(as_text=True)
    assert 'class="filter-chips"' not in page


def test_dong_names_are_romanized_in_english(client, district, make_item):
    dong = next(d for d in district.dongs if d.name == "천호제1동")
    item = make_item("천호동 골목 정원", dong_id=dong.id)
    assert "Cheonho 1(il)-dong" in client.get(f"/agenda/{item.id}", headers=ENGLISH).get_data(
        as_text=True)
    assert "천호제1동" in client.get(f"/agenda/{item.id}").get_data(as_text=True)
    listing = client.get("/agenda", headers=ENGLISH).get_data(as_text=True)
    assert "Cheonho 1(il)-dong" in listing and "천호제1동" not in listing


def test_every_demo_dong_has_its_revised_romanization(district):
    """The number is read out in brackets as the official English names write it."""
    readings = {"1": "il", "2": "i", "3": "sam"}
    for dong in district.dongs:
        number = re.search(r"제(\d)동$", dong.name)
        if number:
            assert dong.name_en.endswith(f" {number[1]}({readings[number[1]]})-dong"), dong.name
        else:
            assert re.fullmatch(r"[A-Z][a-z]+-dong", dong.name_en), dong.name
