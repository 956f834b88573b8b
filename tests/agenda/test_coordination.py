"""Organizers: merge three, undo, merge again, shortlist, statuses, moderation, the API."""

import pytest
from sqlalchemy import func, select

from agenda import comments, coordination, intake, merging, proposals
from agenda.models import AgendaItem, Merge, Notice, Status
from core.db import commit, db
from core.errors import DomainError
from tests.conftest import post_form, sign_in


@pytest.fixture
def organizer_client(app, organizer):
    client = app.test_client()
    sign_in(client, organizer.email)
    return client


def _merge_form(ids, **changes):
    data = {"item_ids": [str(i) for i in ids], "title": "공동육아 공간과 돌봄 모임",
            "description": "세 제안을 묶었습니다.", "field": "welfare", "kind": "problem_solving",
            "area": "", "estimated_cost": "30000000", "reason": "같은 문제를 다루는 제안"}
    data.update(changes)
    return data


def _fused_ids():
    db.session.expire_all()
    return list(db.session.scalars(select(AgendaItem.id).where(AgendaItem.is_fused.is_(True))))


def test_merge_three_undo_merge_again_and_shortlist(app, organizer_client, make_item, make_user):
    titles = ["공동육아 활성화", "공동육아 공간 조성", "관공서 어린이 놀이공간 마련"]
    sources = [make_item(t) for t in titles]
    ids = [s.id for s in sources]
    assert organizer_client.get("/agenda/coordinate").status_code == 200
    response = post_form(organizer_client, "/agenda/coordinate/merge", _merge_form(ids))
    assert response.status_code == 302
    first = _fused_ids()[0]
    undone = post_form(organizer_client, f"/agenda/{first}/undo-merge",
                       {"reason": "놀이공간은 따로 다루기로"})
    assert undone.status_code == 302
    assert post_form(organizer_client, "/agenda/coordinate/merge",
                     _merge_form(ids, reason="다시 묶음")).status_code == 302
    second = [i for i in _fused_ids() if i != first][0]
    shortlisted = post_form(organizer_client, f"/agenda/{second}/shortlist",
                            {"for_vote": "y", "for_forum": "y",
                             "reason": "공감이 많고 실행 가능"})
    assert shortlisted.status_code == 302

    page = app.test_client().get(f"/agenda/{second}").get_data(as_text=True)
    assert "원 제안 3건" in page
    for title in titles:
        assert title in page
    assert "공감이 많고 실행 가능" in page and "다시 묶음" in page
    source_page = app.test_client().get(f"/agenda/{ids[0]}").get_data(as_text=True)
    assert "통합 의제에 합쳐졌습니다" in source_page and "공동육아 공간과 돌봄 모임" in source_page
    log = [e.action for e in db.session.get(AgendaItem, ids[0]).log]
    assert log == ["proposed", "merged_into", "merge_undone", "merged_into"]
    assert db.session.get(AgendaItem, first).status == Status.DISSOLVED


def test_undo_once_in_vote_is_refused_with_409(organizer_client, district, make_item,
                                               organizer):
    a, b = make_item(), make_item()
    fused = merging.merge(district.id, [a.id, b.id], organizer,
                          proposals.Proposal("통합", "", "welfare", "problem_solving"), "통합")
    coordination.shortlist(district.id, fused.id, organizer, False, True, "후보")
    coordination.set_status(fused.id, "in_vote", organizer)
    commit()
    response = post_form(organizer_client, f"/agenda/{fused.id}/undo-merge", {"reason": "취소"})
    assert response.status_code == 409
    assert "주민투표에 오른 통합 의제는" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(AgendaItem, a.id).status == Status.MERGED


BAD_MERGES = {
    "one item twice": lambda a, b, theirs: [a, a],
    "a single item": lambda a, b, theirs: [a],
    "already merged source": lambda a, b, theirs: [a, b],
}


@pytest.mark.parametrize("pick", BAD_MERGES.values(), ids=BAD_MERGES.keys())
def test_bad_merges_change_nothing(organizer_client, district, make_item, organizer, pick):
    a, b, c = make_item(), make_item(), make_item()
    merging.merge(district.id, [b.id, c.id], organizer,
                  proposals.Proposal("먼저 통합", "", "welfare", "problem_solving"), "통합")
    commit()
    before = db.session.scalar(select(func.count()).select_from(Merge))
    response = post_form(organizer_client, "/agenda/coordinate/merge",
                         _merge_form(pick(a.id, b.id, None)))
    assert 400 <= response.status_code < 500
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Merge)) == before
    assert db.session.get(AgendaItem, a.id).status == Status.PROPOSED


def test_merge_with_a_foreign_item_is_not_found(organizer_client, other_district, make_item):
    ours = make_item()
    theirs = make_item(district_=other_district)
    response = post_form(organizer_client, "/agenda/coordinate/merge",
                         _merge_form([ours.id, theirs.id]))
    assert response.status_code == 404
    assert _fused_ids() == []


def test_organizer_actions_on_foreign_items_are_not_found(organizer_client, other_district,
                                                          make_item):
    theirs = make_item(district_=other_district)
    for action, data in [("status", {"status": "under_review"}),
                         ("shortlist", {"for_vote": "y", "reason": "x"}),
                         ("assign", {"department": "자치행정과"}),
                         ("duplicate", {"project": "x", "reason": "x"}),
                         ("hide", {"reason": "x"}), ("undo-merge", {"reason": "x"})]:
        response = post_form(organizer_client, f"/agenda/{theirs.id}/{action}", data)
        assert response.status_code == 404, action
    db.session.expire_all()
    item = db.session.get(AgendaItem, theirs.id)
    assert (item.status, item.department, item.hidden_at) == ("proposed", "", None)


def test_decline_needs_a_public_reason(organizer_client, app, make_item):
    item = make_item()
    refused = post_form(organizer_client, f"/agenda/{item.id}/status",
                        {"status": "declined", "reason": ""})
    assert refused.status_code == 422
    assert post_form(organizer_client, f"/agenda/{item.id}/status",
                     {"status": "declined", "reason": "구 사업 범위 밖"}).status_code == 302
    assert "구 사업 범위 밖" in app.test_client().get(f"/agenda/{item.id}").get_data(as_text=True)


def test_assign_department_and_mark_duplicate(organizer_client, app, make_item):
    item = make_item()
    post_form(organizer_client, f"/agenda/{item.id}/assign",
              {"department": "복지정책과", "civil_partners": "강동구사회적경제센터"})
    post_form(organizer_client, f"/agenda/{item.id}/duplicate",
              {"project": "동 복지네트워크 사업", "reason": "이미 시행 중"})
    page = app.test_client().get(f"/agenda/{item.id}").get_data(as_text=True)
    for expected in ("복지정책과", "강동구사회적경제센터", "동 복지네트워크 사업"):
        assert expected in page


def test_hidden_item_shows_the_reason_to_its_author_only(app, organizer_client, client,
                                                         make_user, make_item):
    author = make_user()
    item = make_item("부적절한 제목", author=author)
    response = post_form(organizer_client, f"/agenda/{item.id}/hide",
                         {"reason": "특정인 비방이 포함되어 있습니다"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(AgendaItem, item.id) is not None  # hidden, never deleted
    public = app.test_client().get(f"/agenda/{item.id}").get_data(as_text=True)
    assert "부적절한 제목" not in public and "특정인 비방" not in public
    assert "부적절한 제목" not in app.test_client().get("/agenda").get_data(as_text=True)
    sign_in(client, author.email)
    mine = client.get("/agenda/mine").get_data(as_text=True)
    assert "특정인 비방이 포함되어 있습니다" in mine
    assert db.session.scalars(select(Notice.kind).where(Notice.user_id == author.id)).all() == [
        "hidden"]


def test_hidden_comment_keeps_its_place_with_the_reason(app, organizer_client, district,
                                                        make_item, make_user):
    item = make_item()
    comment = comments.add_comment(district.id, item.id, make_user(), "심한 말")
    commit()
    assert post_form(organizer_client, f"/agenda/{item.id}/comments/{comment.id}/hide",
                     {"reason": "욕설"}).status_code == 302
    page = app.test_client().get(f"/agenda/{item.id}").get_data(as_text=True)
    assert "심한 말" not in page and "숨겨진 댓글입니다. 사유: 욕설" in page


def test_year_round_proposals_wait_in_the_pool(organizer_client, district, make_user):
    from datetime import date

    resident = make_user()
    # After the 2027 cycle's intake with no later cycle: the district pool.
    item = intake.propose(district, resident,
                          proposals.Proposal("연중 제안", "", "jobs", "policy_execution"),
                          date(2027, 6, 1))
    commit()
    assert (item.cycle_id, item.year_round) == (None, True)
    assert post_form(organizer_client, "/agenda/coordinate/adopt-pool").status_code == 302
    db.session.expire_all()
    assert db.session.get(AgendaItem, item.id).cycle_id == district.cycles[0].id


def test_public_api_lists_items_with_sources_and_filters(app, district, cycle, make_item,
                                                         organizer, other_district):
    a, b = make_item("공동육아 활성화"), make_item("공동육아 지원")
    make_item("마을축제", field="culture")
    fused = merging.merge(district.id, [a.id, b.id], organizer,
                          proposals.Proposal("공동육아", "", "welfare", "problem_solving"),
                          "통합")
    commit()
    client = app.test_client()
    data = client.get(f"/api/v1/cycles/{cycle.id}/agenda").get_json()
    assert data["total"] == 4
    by_id = {item["id"]: item for item in data["items"]}
    assert [s["id"] for s in by_id[fused.id]["sources"]] == [a.id, b.id]
    assert by_id[a.id]["status"] == "merged" and by_id[a.id]["merged_into"] == fused.id
    culture = client.get(f"/api/v1/cycles/{cycle.id}/agenda?field=culture").get_json()
    assert [i["title"] for i in culture["items"]] == ["마을축제"]
    foreign = other_district.cycles[0].id
    assert client.get(f"/api/v1/cycles/{foreign}/agenda").status_code == 404


def test_similar_endpoint_finds_korean_near_duplicates(app, make_item):
    make_item("폐지수집어르신 안전장치 지원")
    make_item("주차 공간 공유 방안")
    found = app.test_client().get(
        "/api/v1/agenda/similar?title=폐지 줍는 어르신 안전").get_json()["items"]
    assert [i["title"] for i in found] == ["폐지수집어르신 안전장치 지원"]


def test_similar_check_works_without_script(client, make_user, make_item):
    make_item("중소규모 마을축제 활성화 지원")
    sign_in(client, make_user().email)
    response = post_form(client, "/agenda/propose",
                         {"title": "마을축제", "description": "", "field": "culture",
                          "kind": "problem_solving", "check_similar": "1"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "중소규모 마을축제 활성화 지원" in page and 'value="마을축제"' in page
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(AgendaItem)) == 1


def test_agenda_pages_have_unique_ids_and_no_inline_code(organizer_client, district, make_item,
                                                         organizer):
    import re
    from collections import Counter

    a, b = make_item(), make_item()
    fused = merging.merge(district.id, [a.id, b.id], organizer,
                          proposals.Proposal("통합", "", "welfare", "problem_solving"), "통합")
    comments.add_comment(district.id, fused.id, organizer, "의견")
    commit()
    for path in ("/agenda", "/agenda/propose", "/agenda/mine", "/agenda/coordinate",
                 f"/agenda/{fused.id}", f"/agenda/{a.id}", f"/agenda/{a.id}/edit"):
        html = organizer_client.get(path).get_data(as_text=True)
        repeated = [i for i, n in Counter(re.findall(r'\sid="([^"]+)"', html)).items() if n > 1]
        assert repeated == [], f"repeated ids on {path}"
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert not re.search(r"\sstyle=\"", html) and not re.search(r"\son[a-z]+=\"", html), path


def test_carry_over_item_shows_where_it_came_from(app, district, cycle):
    from datetime import date

    from accounts.services import save_cycle
    from core.models import Phase

    earlier = save_cycle(district.id, 2026, "2026 강동구 지역사회혁신계획", "",
                         {Phase.EVALUATION: (date(2026, 7, 1), date(2026, 12, 15))})
    item = intake.create_carry_over(
        district.id, cycle.id,
        proposals.Proposal("공동육아 나눔터 2기", "", "welfare", "problem_solving"),
        "https://example.kr/evaluations/7", earlier.id)
    commit()
    page = app.test_client().get(f"/agenda/{item.id}").get_data(as_text=True)
    assert "이전 주기의 성과평가에서 이어진 의제입니다." in page
    assert "2026 강동구 지역사회혁신계획" in page
    assert 'href="https://example.kr/evaluations/7"' in page
    with pytest.raises(DomainError):
        intake.create_carry_over(
          district.id, cycle.id,
          proposals.Proposal("x", "", "welfare", "problem_solving"), "<script>", earlier.id)
