"""Odd input gets a clear refusal in the reader's language and changes nothing: a NUL
(which PostgreSQL refuses in text) in a search, a join code, a proposal, a comment or a name;
a number past 64 bits in a filter or an id. And an error page that cannot fail: after a
flush the database refused, the page still renders, in the reader's language."""

import logging

import pytest
from sqlalchemy import func, select

from core.db import db
from tests.conftest import csrf_token, post_form, sign_in

NUL_KO = "입력에 쓸 수 없는 제어 문자(NUL 등)가 들어 있습니다."
NUL_EN = "The input contains a control character (such as NUL) that cannot be used."
TOO_LARGE_KO = "숫자가 너무 큽니다."
TOO_LARGE_EN = "The number is too large."
SERVER_ERROR_KO = "서버에 문제가 생겼습니다."
SERVER_ERROR_EN = "Something went wrong on the server."
HUGE = "9" * 30


def _row_counts() -> dict[str, int]:
    db.session.rollback()
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables}


@pytest.fixture
def resident(app, make_user):
    user = make_user("resident")
    client = app.test_client()
    sign_in(client, user.email)
    client.user = user
    return client


@pytest.fixture
def item(ctx, district, make_user):
    from agenda import intake, proposals
    from core.db import commit
    from core.tenancy import seoul_today

    data = proposals.Proposal(title="골목 화단 가꾸기", description="함께 꽃을 심습니다.",
                              field="environment", kind="problem_solving")
    created = intake.propose(district, make_user("resident"), data, seoul_today())
    commit()
    return created


def _proposal(**changes) -> dict:
    return {"title": "독거어르신 반찬 나눔 모임", "description": "매주 반찬을 함께 만듭니다.",
            "field": "welfare", "kind": "problem_solving", "area": "", "estimated_cost": "",
            "proposing_group": "", "submit_proposal": "1", **changes}


def _refused(response, message: str, status: int = 400) -> None:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    shown = response.get_json()["error"] if response.is_json else response.get_data(as_text=True)
    assert message in shown


@pytest.mark.parametrize(("language", "nul", "too_large"), [
    ("ko", NUL_KO, TOO_LARGE_KO), ("en", NUL_EN, TOO_LARGE_EN)])
def test_odd_search_and_filter_are_refused_in_the_readers_language(
        app, district, language, nul, too_large):
    client = app.test_client()
    client.set_cookie("lang", language, domain="madang.test")
    _refused(client.get("/agenda", query_string={"q": "화단\x00"}), nul)
    _refused(client.get("/agenda", query_string={"cycle": HUGE}), too_large)
    _refused(client.get("/agenda", query_string={"page": HUGE}), too_large)
    _refused(client.get("/api/v1/agenda/similar", query_string={"title": "a\x00"}), nul)


def test_accept_language_chooses_the_message_without_a_cookie(app, district):
    client = app.test_client()
    response = client.get("/agenda?q=%00", headers={"Accept-Language": "en-US,en;q=0.9"})
    _refused(response, NUL_EN)


def test_json_body_with_nul_or_huge_number_is_refused(app, district):
    client = app.test_client()
    response = client.get("/api/v1/agenda/similar", json={"title": "a\x00b"})
    assert response.status_code == 400
    assert response.get_json() == {"error": NUL_KO + " 내용을 다시 입력하세요.", "status": 400}
    response = client.get("/api/v1/agenda/similar", json={"ids": [1, 2**70]})
    assert response.status_code == 400 and TOO_LARGE_KO in response.get_json()["error"]


def test_nul_in_a_join_code_is_refused(app, district):
    client = app.test_client()
    before = _row_counts()
    _refused(post_form(client, "/forums/join", {"code": "AB\x00CDE"}), NUL_KO)
    _refused(client.get("/j/AB%00CD"), NUL_KO)
    assert _row_counts() == before


@pytest.mark.parametrize("field", ["title", "description", "proposing_group"])
def test_nul_in_a_proposal_is_refused_and_nothing_is_stored(resident, field):
    before = _row_counts()
    response = post_form(resident, "/agenda/propose", _proposal(**{field: "반찬\x00나눔"}))
    _refused(response, NUL_KO)
    assert _row_counts() == before


def test_other_control_characters_are_refused_but_line_breaks_and_tabs_are_kept(resident):
    from agenda.models import AgendaItem

    before = _row_counts()
    _refused(post_form(resident, "/agenda/propose", _proposal(title="반찬\x1b[31m")), NUL_KO)
    assert _row_counts() == before
    response = post_form(resident, "/agenda/propose",
                         _proposal(description="첫 줄\r\n둘째 줄\t들여쓰기"))
    assert response.status_code == 302
    assert db.session.scalars(select(AgendaItem.description)).one() == "첫 줄\r\n둘째 줄\t들여쓰기"


def test_nul_in_a_comment_is_refused_in_english_too(resident, item):
    before = _row_counts()
    _refused(post_form(resident, f"/agenda/{item.id}/comments", {"body": "좋아요\x00"}), NUL_KO)
    resident.set_cookie("lang", "en", domain="madang.test")
    _refused(post_form(resident, f"/agenda/{item.id}/comments", {"body": "좋아요\x00"}), NUL_EN)
    assert _row_counts() == before


def test_nul_in_a_name_is_refused(app, district, resident):
    from accounts.models import User

    before = _row_counts()
    stranger = app.test_client()
    _refused(post_form(stranger, "/signup", {
        "display_name": "홍\x00길동", "email": "hong@example.kr",
        "password": "long enough password", "confirm": "long enough password"}), NUL_KO)
    token = csrf_token(resident, "/me")
    _refused(resident.post("/me", data={"csrf_token": token, "consent": "y",
                                        "occupation": "학\x00생"}), NUL_KO)
    assert _row_counts() == before
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(User)) == before["user_account"]


@pytest.mark.parametrize("path", ["/agenda/{big}", "/agenda/{big}/edit", "/votes/{big}",
                                  "/api/v1/cycles/{big}/agenda", "/cycles/{big}/plan"])
@pytest.mark.parametrize("big", [2**31, 2**63, 10**30])
def test_an_id_past_the_columns_is_not_found(app, district, path, big):
    response = app.test_client().get(path.format(big=big))
    assert response.status_code == 404


def test_a_number_past_a_32_bit_column_in_a_form_is_refused(app, district, make_user, ctx):
    from forums.models import Forum

    organizer = app.test_client()
    sign_in(organizer, make_user("organizer").email)
    before = _row_counts()
    response = post_form(organizer, "/forums/", {
        "title": "원탁토론회", "held_on": "2026-12-20", "venue": "구청",
        "expected_participants": str(2**31), "table_count": "8", "seating": "free"})
    assert response.status_code == 422
    assert _row_counts() == before
    assert db.session.scalar(select(func.count()).select_from(Forum)) == 0


def _failing_view(district_slug: str, bad_name: str):
    """A view whose flush the database refuses, leaving its session to be rolled back."""
    def view():
        from core.models import District

        db.session.add(District(slug=district_slug, name_ko=bad_name, name_en="Broken"))
        db.session.flush()
        return "unreachable"

    return view


@pytest.mark.parametrize(("language", "message"), [("ko", SERVER_ERROR_KO),
                                                   ("en", SERVER_ERROR_EN)])
def test_error_page_after_a_failed_flush_renders_and_logs(
        app, district, make_user, monkeypatch, caplog, language, message):
    # On PostgreSQL the flush fails on the NUL; on both on the duplicate slug.
    monkeypatch.setitem(app.view_functions, "core.home",
                        _failing_view(district.slug, "강\x00동구"))
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    client = app.test_client()
    sign_in(client, make_user("organizer").email)
    client.set_cookie("lang", language, domain="madang.test")
    before = _row_counts()
    with caplog.at_level(logging.ERROR):
        response = client.get("/")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert message in page
    # The whole layout, not a bare fallback: the page could read the database again.
    assert "<nav" in page and "500" in page
    assert any(record.exc_info for record in caplog.records), "the error was not logged"
    assert _row_counts() == before


def test_error_page_falls_back_to_a_bare_page_when_the_template_fails(
        app, district, monkeypatch, caplog):
    import core.views

    def broken_template(*args, **kwargs):
        raise RuntimeError("template broke")

    monkeypatch.setattr(core.views, "render_template", broken_template)
    client = app.test_client()
    client.set_cookie("lang", "en", domain="madang.test")
    with caplog.at_level(logging.ERROR):
        response = client.get("/agenda/999999")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    # The refusal's own message, in the reader's language, on the bare page.
    assert "There is no such agenda item." in response.get_data(as_text=True)
    assert any("could not be rendered" in record.getMessage() for record in caplog.records)
