"""Residents' pages: propose, browse, item page, support, comments, reports, edits."""

import re

import pytest
from sqlalchemy import func, select

from agenda.models import AgendaItem, Comment, Report, Support
from core.db import db
from tests.conftest import post_form, sign_in


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def _proposal(**changes):
    data = {"title": "독거어르신 반찬 나눔 모임", "description": "**매주** 반찬을 함께 만듭니다.",
            "field": "welfare", "kind": "problem_solving", "area": "", "estimated_cost": "",
            "proposing_group": "", "submit_proposal": "1"}
    data.update(changes)
    return data


@pytest.fixture
def resident_client(client, make_user):
    user = make_user("resident")
    sign_in(client, user.email)
    client.user = user
    return client


def test_resident_proposes_and_the_item_is_public(app, resident_client, district):
    dong = district.dongs[3]
    response = post_form(resident_client, "/agenda/propose",
                         _proposal(area=str(dong.id), estimated_cost="15000000"))
    assert response.status_code == 302
    item = db.session.scalars(select(AgendaItem)).one()
    assert (item.title, item.dong_id, item.estimated_cost, item.is_draft) == (
        "독거어르신 반찬 나눔 모임", dong.id, 15_000_000, False)
    anonymous = app.test_client()
    page = anonymous.get(f"/agenda/{item.id}").get_data(as_text=True)
    assert "<strong>매주</strong>" in page and dong.name in page and "15,000,000원" in page
    listing = anonymous.get("/agenda").get_data(as_text=True)
    assert "독거어르신 반찬 나눔 모임" in listing


def test_draft_is_private_until_published(app, resident_client):
    response = post_form(resident_client, "/agenda/propose",
                         {**_proposal(), "save_draft": "1"})
    assert response.status_code == 302
    item = db.session.scalars(select(AgendaItem)).one()
    assert item.is_draft
    assert app.test_client().get(f"/agenda/{item.id}").status_code == 404
    assert "독거어르신" not in app.test_client().get("/agenda").get_data(as_text=True)
    assert resident_client.get(f"/agenda/{item.id}").status_code == 200
    post_form(resident_client, f"/agenda/{item.id}/edit", _proposal(title="반찬 나눔 모임"))
    db.session.expire_all()
    item = db.session.get(AgendaItem, item.id)
    assert not item.is_draft and item.title == "반찬 나눔 모임"
    assert [e.action for e in item.log] == ["proposed"]


BAD_PROPOSALS = {
    "empty title": {"title": "   "},
    "10,000-character title": {"title": "가" * 10_000},
    "script in title": {"title": "<script>alert(1)</script>"},
    "html in description": {"description": "<img src=x onerror=alert(1)>"},
    "html in group": {"proposing_group": "<b>단체</b>"},
    "negative cost": {"estimated_cost": "-5000"},
    "absurd cost": {"estimated_cost": "999999999999999"},
    "not a number cost": {"estimated_cost": "많이"},
    "unknown field": {"field": "space"},
    "foreign dong": {"area": "999999"},
}


@pytest.mark.parametrize("changes", BAD_PROPOSALS.values(), ids=BAD_PROPOSALS.keys())
def test_bad_proposals_are_refused_and_change_nothing(resident_client, changes):
    response = post_form(resident_client, "/agenda/propose", _proposal(**changes))
    assert 400 <= response.status_code < 500
    assert 'role="alert"' in response.get_data(as_text=True)
    assert _count(AgendaItem) == 0


def test_support_once_then_withdraw(resident_client, make_item):
    item = make_item()
    assert post_form(resident_client, f"/agenda/{item.id}/support").status_code == 302
    again = post_form(resident_client, f"/agenda/{item.id}/support")
    assert again.status_code == 409
    assert "이미 공감한 의제입니다." in again.get_data(as_text=True)
    assert _count(Support) == 1
    assert post_form(resident_client, f"/agenda/{item.id}/support/withdraw").status_code == 302
    assert _count(Support) == 0


def test_editing_someone_elses_item_is_refused(resident_client, make_item):
    item = make_item("원래 제목")
    response = post_form(resident_client, f"/agenda/{item.id}/edit", _proposal(title="바꿈"))
    assert response.status_code == 403
    assert "다른 사람의 의제는 고칠 수 없습니다." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(AgendaItem, item.id).title == "원래 제목"


def test_author_cannot_edit_once_coordination_started(client, make_user, make_item, organizer):
    from agenda import coordination
    from core.db import commit

    author = make_user()
    item = make_item("원래 제목", author=author)
    coordination.set_status(item.id, "under_review", organizer)
    commit()
    sign_in(client, author.email)
    response = post_form(client, f"/agenda/{item.id}/edit", _proposal(title="바꿈"))
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(AgendaItem, item.id).title == "원래 제목"


def test_comments_with_one_level_of_replies(resident_client, make_item):
    item = make_item()
    post_form(resident_client, f"/agenda/{item.id}/comments", {"body": "좋은 제안입니다"})
    top = db.session.scalars(select(Comment)).one()
    assert post_form(resident_client, f"/agenda/{item.id}/comments",
                     {"body": "동의합니다", "parent_id": str(top.id)}).status_code == 302
    reply = db.session.scalars(select(Comment).where(Comment.parent_id == top.id)).one()
    deeper = post_form(resident_client, f"/agenda/{item.id}/comments",
                       {"body": "답글의 답글", "parent_id": str(reply.id)})
    assert deeper.status_code == 422
    for bad in ("", "<script>alert(1)</script>", "가" * 10_000):
        assert post_form(resident_client, f"/agenda/{item.id}/comments",
                         {"body": bad}).status_code == 422
    assert _count(Comment) == 2
    page = resident_client.get(f"/agenda/{item.id}").get_data(as_text=True)
    assert "좋은 제안입니다" in page and "동의합니다" in page


def test_report_once_per_resident(resident_client, make_item):
    item = make_item()
    assert post_form(resident_client, f"/agenda/{item.id}/report",
                     {"reason": "욕설이 있습니다"}).status_code == 302
    assert post_form(resident_client, f"/agenda/{item.id}/report",
                     {"reason": "다시"}).status_code == 409
    assert _count(Report) == 1


def test_user_markdown_is_sanitized_on_the_page(app, make_item):
    item = make_item(description="[눌러](javascript:alert(1)) [구청](https://www.gangdong.go.kr)")
    page = app.test_client().get(f"/agenda/{item.id}").get_data(as_text=True)
    assert "javascript:" not in page
    assert 'href="https://www.gangdong.go.kr"' in page
    assert re.search(r'rel="noopener noreferrer nofollow"', page)


def test_foreign_district_items_are_not_found(resident_client, other_district, make_item):
    theirs = make_item(district_=other_district)
    for path in (f"/agenda/{theirs.id}", f"/agenda/{theirs.id}/edit"):
        assert resident_client.get(path).status_code == 404
    for action in ("support", "comments", "report"):
        response = post_form(resident_client, f"/agenda/{theirs.id}/{action}",
                             {"body": "x", "reason": "x"})
        assert response.status_code == 404
    assert _count(Support) == 0 and _count(Comment) == 0 and _count(Report) == 0


def test_browse_filters_search_sort_and_pages(app, district, make_item, make_user):
    popular = make_item("공동육아 나눔터", field="welfare")
    make_item("마을축제 활성화", field="culture")
    for _ in range(2):
        from agenda import supporters
        from core.db import commit

        supporters.support(district.id, popular.id, make_user())
        commit()
    anonymous = app.test_client()
    culture = anonymous.get("/agenda?field=culture").get_data(as_text=True)
    assert "마을축제 활성화" in culture and "공동육아 나눔터" not in culture
    found = anonymous.get("/agenda?q=육아").get_data(as_text=True)
    assert "공동육아 나눔터" in found and "마을축제" not in found
    ranked = anonymous.get("/agenda?sort=supported").get_data(as_text=True)
    assert ranked.index("공동육아 나눔터") < ranked.index("마을축제 활성화")
    assert anonymous.get("/agenda?page=999&field=nonsense").status_code == 200


def test_coordinator_edits_a_fused_item_until_it_enters_a_vote(client, make_item, make_user,
                                                                organizer, district):
    from agenda import coordination, merging
    from agenda.models import LogAction
    from core.db import commit
    from tests.agenda.conftest import fused_proposal

    a, b = make_item("공동육아 모임"), make_item("공동육아 공간")
    fused = merging.merge(district.id, [a.id, b.id], organizer, fused_proposal(), "비슷함")
    commit()
    resident = make_user("resident")
    sign_in(client, resident.email)
    refused = post_form(client, f"/agenda/{fused.id}/edit", _proposal(title="바꿈"))
    assert refused.status_code == 403
    sign_in(client, organizer.email)
    assert "고치기" in client.get(f"/agenda/{fused.id}").get_data(as_text=True)
    page = client.get(f"/agenda/{fused.id}/edit").get_data(as_text=True)
    assert "통합 의제" in page
    saved = post_form(client, f"/agenda/{fused.id}/edit",
                      _proposal(title="공동육아 공간과 모임 지원", estimated_cost="30000000"))
    assert saved.status_code == 302
    db.session.expire_all()
    item = db.session.get(AgendaItem, fused.id)
    assert (item.title, item.estimated_cost) == ("공동육아 공간과 모임 지원", 30_000_000)
    assert item.log[-1].action == LogAction.EDITED and item.log[-1].actor_id == organizer.id
    assert post_form(client, f"/agenda/{fused.id}/edit",
                     _proposal(title="")).status_code == 422
    coordination.shortlist(district.id, fused.id, organizer, False, True, "주민투표 후보")
    coordination.set_status(fused.id, "in_vote", organizer)
    commit()
    frozen = post_form(client, f"/agenda/{fused.id}/edit", _proposal(title="투표 중에 바꿈"))
    assert frozen.status_code == 409
    assert "고칠 수 없습니다" in frozen.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(AgendaItem, fused.id).title == "공동육아 공간과 모임 지원"


def test_support_counts_read_as_english_numbers(resident_client, make_item):
    item = make_item("하나뿐인 공감")
    post_form(resident_client, f"/agenda/{item.id}/support")
    english = resident_client.get("/agenda", headers={"Accept-Language": "en"},
                                  ).get_data(as_text=True)
    assert "1 supporter<" in english and "1 supporters" not in english
    assert "공감 1<" in resident_client.get("/agenda").get_data(as_text=True)
