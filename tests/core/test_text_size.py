"""글자 크게: a larger-text mode chosen per device and remembered per account."""

from tests.conftest import TEST_PASSWORD, post_form, sign_in


def _large(html: str) -> bool:
    return '<html lang="ko" class="text-large">' in html


def test_every_page_offers_larger_text_and_the_device_remembers_it(client, district):
    html = client.get("/").get_data(as_text=True)
    assert not _large(html) and 'aria-pressed="false"' in html and "글자 크게" in html
    response = post_form(client, "/text-size", {"size": "large", "next": "/agenda"})
    assert response.status_code == 302 and response.location.endswith("/agenda")
    for path in ("/", "/agenda", "/signin", "/votes"):
        page = client.get(path).get_data(as_text=True)
        assert _large(page) and 'aria-pressed="true"' in page, path
    post_form(client, "/text-size", {"size": "normal"})
    assert not _large(client.get("/").get_data(as_text=True))


def test_the_account_carries_the_choice_to_a_new_device(app, client, district, make_user):
    from accounts.models import User
    from core.db import db

    user = make_user(email="reader@example.kr")
    sign_in(client, "reader@example.kr")
    post_form(client, "/text-size", {"size": "large"})
    assert db.session.get(User, user.id).large_text is True

    other_device = app.test_client()
    assert not _large(other_device.get("/").get_data(as_text=True))
    sign_in(other_device, "reader@example.kr", TEST_PASSWORD)
    assert _large(other_device.get("/").get_data(as_text=True))
    # This device's own choice wins over the account's, e.g. a family's shared tablet.
    post_form(other_device, "/text-size", {"size": "normal"})
    assert not _large(other_device.get("/").get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(User, user.id).large_text is False


def test_an_unknown_size_is_refused_and_changes_nothing(client, district, make_user):
    from accounts.models import User
    from core.db import db

    user = make_user(email="reader@example.kr")
    sign_in(client, "reader@example.kr")
    response = post_form(client, "/text-size", {"size": "huge"})
    assert response.status_code == 400
    assert "지원하지 않는 글자 크기입니다." in response.get_data(as_text=True)
    assert "text=" not in response.headers.get("Set-Cookie", "")
    db.session.expire_all()
    assert db.session.get(User, user.id).large_text is False


def test_the_switch_needs_the_pages_csrf_token(client, district):
    assert client.post("/text-size", data={"size": "large"}).status_code == 400
    assert not _large(client.get("/").get_data(as_text=True))


def test_the_switch_never_redirects_off_site(client, district):
    response = post_form(client, "/text-size", {"size": "large", "next": "https://evil.example"})
    assert response.status_code == 302 and response.location.endswith("/")
