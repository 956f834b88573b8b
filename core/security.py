"""CSRF, rate limits, the client address behind trusted proxies and the headers every
response carries."""

from collections.abc import Callable

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from core.tenancy import current_district_id


def client_address() -> str:
    """The rate-limit key of the client address across the whole deployment: for what
    concerns an account rather than a district (sign-in, password reset), so that serving
    more districts does not give a password guesser more tries."""
    return get_remote_address()


def district_key(key: str) -> str:
    """``key`` within the request's district: a venue of one district busy with its vote
    spends none of another district's allowance."""
    return f"district-{current_district_id() or 0}:{key}"


def district_address() -> str:
    """The rate-limit key of the client address in the request's district (the default)."""
    return district_key(get_remote_address())


csrf = CSRFProtect()
limiter = Limiter(key_func=district_address)

TOO_MANY_REQUESTS = _l("요청이 너무 많습니다. 잠시 후 다시 시도하세요.")


def signed_in_account() -> str | None:
    """The rate-limit key of the signed-in person; None (no per-person limit) otherwise."""
    return f"account:{current_user.id}" if current_user.is_authenticated else None


def rate_limited(action: str, person: Callable[[], str | None] = signed_in_account,
                 per: str = "ACCOUNT", exempt_when: Callable[[], bool] | None = None):
    """Limit a route's POSTs per client address (``<action>_RATE_LIMIT_PER_ADDRESS``) and per
    person (``<action>_RATE_LIMIT_PER_<per>``, keyed by ``person()``). A refused request
    stops before the view runs, so it changes nothing.

    Both are needed: one address may be a whole venue behind a NAT (a loose limit), and one
    person may come from many addresses (a tight limit)."""

    def exempt() -> bool:
        return exempt_when is not None and exempt_when()

    def by_address():
        return current_app.config[f"{action}_RATE_LIMIT_PER_ADDRESS"]

    def by_person():
        return current_app.config[f"{action}_RATE_LIMIT_PER_{per}"]

    def decorate(view):
        view = limiter.limit(by_person, key_func=lambda: district_key(person() or ""),
                             methods=["POST"],
                             error_message=TOO_MANY_REQUESTS,
                             exempt_when=lambda: exempt() or person() is None)(view)
        return limiter.limit(by_address, methods=["POST"], error_message=TOO_MANY_REQUESTS,
                             exempt_when=exempt)(view)

    return decorate

# No inline scripts or styles anywhere: every script and stylesheet is a file under static/.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def add_security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if response.mimetype == "text/html":
        # Pages can show personal data; keep them out of shared caches.
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def accepts_uploads(limit: int):
    """Let a view take request bodies of up to ``limit`` bytes (a photo from a phone) where
    every other route keeps ``MAX_CONTENT_LENGTH``."""

    def mark(view):
        view.upload_limit = limit
        return view

    return mark


def _body_limit() -> None:
    # Before the CSRF check, which is the first to read the form.
    from flask import current_app, request

    view = current_app.view_functions.get(request.endpoint)
    limit = getattr(view, "upload_limit", None)
    if limit is not None:
        request.max_content_length = limit


def init_app(app) -> None:
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        # The address each trusted proxy appended, so rate limits key on the resident, not on
        # the proxy every request comes through; and the scheme, so links in mail say https.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    app.before_request(_body_limit)
    csrf.init_app(app)
    limiter.init_app(app)
    app.after_request(add_security_headers)
    if app.config.get("SESSION_COOKIE_SECURE"):
        app.after_request(_strict_transport)


def _strict_transport(response):
    response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response
