"""One deployment, many districts: each is served at its own path (``/<slug>/...``), the
root URLs keep serving the deployment's default district, and a path led by a slug no
district has is a clear 404."""

import re

import pytest
from sqlalchemy import select

from core.audit import AuditEntry
from core.db import db
from core.models import District
from core.tenancy import reserved_segments
from tests.conftest import TEST_PASSWORD, csrf_token, post_form, sign_in


def test_each_district_is_served_at_its_own_path(client, district, other_district):
    home = client.get("/songpa/")
    assert home.status_code == 200
    page = home.get_data(as_text=True)
    assert "송파구 마당" in page
    # Links come out under the district's path: every route works unchanged beneath it.
    assert 'href="/songpa/agenda' in page
    assert "/songpa/static/" in page
    with client.get("/songpa/static/css/madang.css") as stylesheet:
        assert stylesheet.status_code == 200
    assert "강동구 마당" in client.get("/gangdong/").get_data(as_text=True)


def test_the_root_urls_serve_the_default_district(client, district, other_district):
    """As with one district: the root is ``MADANG_DISTRICT``, else the first district."""
    page = client.get("/").get_data(as_text=True)
    assert "강동구 마당" in page
    assert 'href="/agenda' in page


def test_a_path_without_a_trailing_slash_is_the_district_home(client, district, other_district):
    assert "송파구 마당" in client.get("/songpa").get_data(as_text=True)


def test_an_unknown_district_is_a_clear_404(client, district):
    response = client.get("/nowhere/votes")
    assert response.status_code == 404
    assert "/nowhere/’로 시작하는 자치구가 없습니다" in response.get_data(as_text=True)
    api = client.get("/nowhere/api/v1/votes/1")
    assert api.status_code == 404
    assert api.get_json()["status"] == 404


def test_the_district_list_names_each_base_url(client, district, other_district):
    for path in ("/api/v1/districts", "/songpa/api/v1/districts"):
        listed = client.get(path).get_json()["districts"]
        assert [(d["slug"], d["name_ko"], d["base_url"]) for d in listed] == [
            ("gangdong", "강동구", "http://madang.test/gangdong/"),
            ("songpa", "송파구", "http://madang.test/songpa/"),
        ]


@pytest.fixture
def songpa_host(app):
    app.config["DISTRICT_HOSTS"] = {"songpa.madang.test": "songpa"}
    yield "http://songpa.madang.test"
    app.config["DISTRICT_HOSTS"] = {}


def test_a_district_with_a_host_name_is_served_at_that_hosts_root(client, district,
                                                                  other_district, songpa_host):
    page = client.get("/", base_url=songpa_host).get_data(as_text=True)
    assert "송파구 마당" in page
    assert 'href="/agenda' in page
    # With the port a browser sends on a non-default port, and in any case.
    assert "송파구 마당" in client.get("/", base_url="http://SONGPA.madang.test:8080").get_data(
        as_text=True)
    # Other districts' paths work on that host; other hosts keep the default district.
    assert "강동구 마당" in client.get("/gangdong/", base_url=songpa_host).get_data(as_text=True)
    assert "강동구 마당" in client.get("/").get_data(as_text=True)
    listed = client.get("/api/v1/districts").get_json()["districts"]
    assert [d["base_url"] for d in listed] == ["http://madang.test/gangdong/",
                                               "http://songpa.madang.test/"]


def test_a_host_name_naming_no_district_is_a_clear_404(client, district, app):
    app.config["DISTRICT_HOSTS"] = {"gone.madang.test": "gone"}
    try:
        response = client.get("/votes", base_url="http://gone.madang.test")
    finally:
        app.config["DISTRICT_HOSTS"] = {}
    assert response.status_code == 404


def test_a_sign_in_at_one_district_holds_at_every_path(client, district, other_district,
                                                       make_user):
    """The account is the deployment's; its roles are per district."""
    resident = make_user("resident")
    sign_in(client, resident.email)
    token = csrf_token(client, "/songpa/")
    assert re.search(r"로그아웃|sign out", client.get("/songpa/").get_data(as_text=True), re.I)
    refused = client.post("/songpa/agenda/propose", data={"csrf_token": token, "title": "제안"})
    assert refused.status_code == 403


def test_the_apps_own_first_segments_are_reserved(app):
    reserved = reserved_segments(app)
    assert {"agenda", "votes", "static", "api", "admin", "j"} <= reserved
    assert "gangdong" not in reserved


# --- adding a district: the command line and the admin page ---------------------------------


def _districts() -> list[tuple[str, str, list[str]]]:
    return [(d.slug, d.name_ko, [dong.name for dong in d.dongs])
            for d in db.session.scalars(select(District).order_by(District.id))]


def test_create_district_adds_one_served_at_its_path(app, ctx, client, district, tmp_path):
    dongs = tmp_path / "dongs.txt"
    dongs.write_text("왕십리제2동\n\n마장동\n왕십리제2동\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=[
        "create-district", "--slug", "seongdong", "--name", "성동구", "--name-en", "Seongdong-gu",
        "--dongs", str(dongs)])
    assert result.exit_code == 0, result.output
    assert "served at /seongdong/" in result.output
    db.session.rollback()
    assert _districts()[-1] == ("seongdong", "성동구", ["왕십리제2동", "마장동"])
    assert "성동구 마당" in client.get("/seongdong/").get_data(as_text=True)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "district.create")
                               ).one()
    assert entry.actor_id is None and entry.detail == {"slug": "seongdong", "dongs": 2}


@pytest.mark.parametrize(("slug", "says"), [
    ("gangdong", "이미 다른 자치구가 쓰고 있습니다"),
    ("Seong_dong", "영문 소문자, 숫자, 하이픈"),
    ("-seongdong", "영문 소문자, 숫자, 하이픈"),
    ("s", "영문 소문자, 숫자, 하이픈"),
    ("votes", "사이트의 주소에 쓰이고 있어"),
])
def test_create_district_refuses_a_bad_or_taken_slug(app, ctx, district, slug, says):
    before = _districts()
    result = app.test_cli_runner().invoke(args=["create-district", "--slug", slug,
                                                "--name", "성동구"])
    assert result.exit_code == 1
    assert says in result.output
    db.session.rollback()
    assert _districts() == before


def test_an_admin_adds_a_district_on_the_districts_page(client, ctx, district, other_district,
                                                        make_user):
    from accounts.services import create_user
    from core.auth import Role
    from core.db import commit

    create_user("org@songpa.example.kr", TEST_PASSWORD, Role.ORGANIZER, other_district,
                display_name="송파 운영자")
    commit()
    admin = make_user("admin")
    sign_in(client, admin.email)
    page = client.get("/admin/districts").get_data(as_text=True)
    assert "송파 운영자" in page and "잠실본동" in page and "http://madang.test/songpa/" in page
    added = post_form(client, "/admin/districts", {
        "slug": "seongdong", "name_ko": "성동구", "name_en": "", "dongs": "왕십리제2동\r\n마장동"})
    assert added.status_code == 302
    db.session.rollback()
    assert _districts()[-1] == ("seongdong", "성동구", ["왕십리제2동", "마장동"])
    seongdong = db.session.scalars(select(District).where(District.slug == "seongdong")).one()
    assert seongdong.name_en == "성동구"
    # The admin who added it is its first admin, and names its organizers at its path.
    assert admin.roles_in(seongdong.id) == {"admin"}
    assert post_form(client, "/seongdong/organize/members", {
        "email": "org@songpa.example.kr", "role": "organizer"}).status_code == 302
    # Another account may be named first admin; a district that has one takes no other.
    post_form(client, "/admin/districts", {"slug": "jongno", "name_ko": "종로구",
                                           "first_admin": "ORG@songpa.example.kr"})
    db.session.rollback()
    jongno = db.session.scalars(select(District).where(District.slug == "jongno")).one()
    assert {m.user.email for m in _admins_of(jongno.id)} == {"org@songpa.example.kr"}
    from accounts.services import grant_first_admin
    from core.errors import Conflict

    with pytest.raises(Conflict):
        grant_first_admin(jongno.id, None, admin)


def _admins_of(district_id):
    from accounts.models import Membership

    return db.session.scalars(select(Membership).where(Membership.district_id == district_id,
                                                       Membership.role == "admin")).all()


@pytest.mark.parametrize(("form", "says"), [
    ({"slug": "songpa", "name_ko": "송파구"}, "이미 다른 자치구가 쓰고 있습니다"),
    ({"slug": "Song pa", "name_ko": "송파구"}, "영문 소문자, 숫자, 하이픈"),
    ({"slug": "seongdong", "name_ko": ""}, "이 항목을 입력하세요"),
    ({"slug": "seongdong", "name_ko": "성동구", "dongs": "동" * 41},
     "너무 깁니다"),
    ({"slug": "seongdong", "name_ko": "성동구", "first_admin": "nobody@example.kr"},
     "그 이메일로 가입한 사람이 없습니다"),
])
def test_the_districts_page_refuses_bad_input_and_adds_nothing(client, ctx, district,
                                                               other_district, make_user,
                                                               form, says):
    sign_in(client, make_user("admin").email)
    before = _districts()
    refused = post_form(client, "/admin/districts", form)
    assert 400 <= refused.status_code < 500
    assert says in refused.get_data(as_text=True)
    db.session.rollback()
    assert _districts() == before


def test_the_districts_page_speaks_english(client, ctx, district, make_user):
    sign_in(client, make_user("admin").email)
    page = client.get("/admin/districts", headers={"Accept-Language": "en"})
    assert "Add a district" in page.get_data(as_text=True)
    refused = post_form(client, "/admin/districts", {"slug": "a_b", "name_ko": "x"},
                        headers={"Accept-Language": "en"})
    assert "lowercase letters, digits and hyphens" in refused.get_data(as_text=True)


def test_only_an_admin_sees_the_districts_page(client, ctx, district, make_user):
    sign_in(client, make_user("organizer").email)
    assert client.get("/admin/districts").status_code == 403
    assert post_form(client, "/admin/districts",
                     {"slug": "seongdong", "name_ko": "성동구"}).status_code == 403


def test_signing_up_at_a_districts_path_makes_a_member_of_that_district(client, ctx, district,
                                                                         other_district):
    from accounts.models import User

    signed_up = post_form(client, "/songpa/signup", {
        "display_name": "송파 주민", "email": "new@songpa.example.kr",
        "password": TEST_PASSWORD, "confirm": TEST_PASSWORD})
    assert signed_up.status_code == 302
    assert signed_up.location.startswith("/songpa/")
    db.session.rollback()
    person = db.session.scalars(select(User).where(User.email == "new@songpa.example.kr")).one()
    assert person.roles_in(other_district.id) == {"resident"}
    assert person.roles_in(district.id) == set()


def test_under_the_request_gate_a_districts_static_files_never_wait(app, client, district,
                                                                   other_district, monkeypatch):
    """gunicorn puts the gate beneath the district paths: it sees ``/static/...`` in
    ``/songpa/static/...`` and lets it by while every slot is taken."""
    from core import gate

    paths, plain = app.wsgi_app, app.wsgi_app.wsgi_app
    monkeypatch.setitem(app.config, "REQUESTS_AT_ONCE", 1)
    monkeypatch.setitem(app.config, "REQUEST_WAIT_SECONDS", 0.1)
    gate.install(app)
    try:
        paths.wsgi_app.turns.enter()
        with client.get("/songpa/static/css/madang.css") as stylesheet:
            assert stylesheet.status_code == 200
        assert client.get("/songpa/votes").status_code == 503
    finally:
        paths.wsgi_app = plain


def test_each_districts_exports_are_written_under_its_own_folder(app, ctx, district,
                                                                 other_district, make_user):
    """Export files are not table rows: each district's land in EXPORTS_DIR/<its id>/, and a
    job of one district is not found at the other's path."""
    from pathlib import Path

    from accounts.services import create_user
    from core.auth import Role
    from core.db import commit
    from exports.models import ExportJob
    from exports.services import file_path

    here = make_user("organizer")
    there = create_user("org@songpa.example.kr", TEST_PASSWORD, Role.ORGANIZER, other_district)
    commit()
    jobs = {}
    for slug, person, cycle_id in (("gangdong", here, district.cycles[0].id),
                                   ("songpa", there, other_district.cycles[0].id)):
        browser = app.test_client()
        sign_in(browser, person.email)
        asked = browser.post(f"/{slug}/exports", data={
            "csrf_token": csrf_token(browser, f"/{slug}/"), "target": f"agenda:{cycle_id}",
            "format": "csv"})
        assert asked.status_code == 302, asked.get_data(as_text=True)
        assert asked.location.startswith(f"/{slug}/exports/jobs/")
        jobs[slug] = (browser, int(asked.location.rsplit("/", 1)[-1]))
    db.session.rollback()
    folder = Path(app.config["EXPORTS_DIR"])
    for slug, owner in (("gangdong", district), ("songpa", other_district)):
        job = db.session.get(ExportJob, jobs[slug][1])
        assert job.state == "done" and job.district_id == owner.id
        written = file_path(job)
        assert written.parent == folder / str(owner.id) and written.is_file()
    songpa_browser, _ = jobs["songpa"]
    assert songpa_browser.get(f"/songpa/exports/jobs/{jobs['gangdong'][1]}").status_code == 404


def test_an_added_district_is_audited_and_its_name_is_text(client, ctx, district, make_user):
    admin = make_user("admin")
    sign_in(client, admin.email)
    added = post_form(client, "/admin/districts", {
        "slug": "seongdong", "name_ko": "<b>성동구</b>", "dongs": "<i>마장동</i>"})
    assert added.status_code == 302
    page = client.get("/admin/districts").get_data(as_text=True)
    assert "&lt;b&gt;성동구&lt;/b&gt;" in page and "<b>성동구" not in page
    assert "&lt;i&gt;마장동&lt;/i&gt;" in page
    db.session.rollback()
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "district.create")
                               ).one()
    assert entry.actor_id == admin.id and entry.detail["slug"] == "seongdong"
