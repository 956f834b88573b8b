import re

from tests.conftest import csrf_token, post_form, sign_in

# CSRF on every POST route: tests/security/test_held_defences.py.


def test_security_headers_and_no_inline_scripts(client, district, make_user):
    user = make_user("organizer")
    sign_in(client, user.email)
    for path in ("/", "/signin", "/me", "/organize"):
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        html = response.get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), f"inline script on {path}"
        assert not re.search(r"\sstyle=\"", html), f"inline style on {path}"
        assert not re.search(r"\son[a-z]+=\"", html), f"inline handler on {path}"


def test_session_cookie_is_http_only(client, make_user):
    user = make_user()
    response = sign_in(client, user.email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_sign_in_does_not_redirect_off_site(client, make_user):
    user = make_user()
    response = post_form(client, "/signin?next=https://evil.example/steal",
                         {"email": user.email, "password": "correct horse battery"})
    assert response.status_code == 302
    assert response.location in ("/", "http://madang.test/")


def test_sign_in_is_rate_limited(app, client, make_user):
    from core.security import limiter

    user = make_user()
    app.config["SIGNIN_RATE_LIMIT"] = "3 per minute"
    limiter.reset()
    try:
        statuses = [
            post_form(client, "/signin", {"email": user.email, "password": "wrong password!"})
            .status_code for _ in range(4)
        ]
    finally:
        app.config["SIGNIN_RATE_LIMIT"] = "1000 per minute"
        limiter.reset()
    assert statuses == [401, 401, 401, 429]


def test_oversized_request_is_refused(client, district):
    token = csrf_token(client)
    response = client.post("/signup", data={"csrf_token": token, "display_name": "x" * (3 << 20)})
    assert response.status_code == 413
