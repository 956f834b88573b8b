"""Pages every district has: home with the year's timeline, health, language switch, errors."""

import json
from urllib.parse import urlsplit

import psycopg
from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, DisconnectionError, PendingRollbackError

from core import districts, now
from core.auth import ROLE_LABELS, public
from core.db import database_unavailable, db
from core.i18n import LOCALE_COOKIE, lazy_message
from core.lifecycle import wants_json
from core.models import PHASE_GUIDES, PHASE_ORDER
from core.tenancy import (
    current_cycle,
    current_district,
    current_district_id,
    requested_slug,
    seoul_today,
)

bp = Blueprint("core", __name__)


def safe_next_url(target: str | None) -> str | None:
    """Only same-site paths: a ``next`` pointing elsewhere would make sign-in an open redirect."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/")
@public
def home():
    district = current_district()
    cycle = current_cycle(district) if district else None
    roles = (current_user.roles_in(district.id)
             if district and current_user.is_authenticated else set())
    return render_template("core/home.html", district=district, cycle=cycle, roles=roles,
                           today=seoul_today())


@bp.route("/healthz")
@public
def healthz():
    checks = {"database": _check_database(), "redis": _check_redis()}
    healthy = all(state in ("ok", "not configured") for state in checks.values())
    return jsonify(status="ok" if healthy else "error", **checks), 200 if healthy else 503


def _check_database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        return "ok"
    except Exception:
        current_app.logger.exception("health check: database")
        return "error"
    finally:
        db.session.rollback()


def _check_redis() -> str:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return "not configured"
    from core.connections import redis_client

    try:
        redis_client(url).ping()
        return "ok"
    except Exception:
        current_app.logger.exception("health check: redis")
        return "error"


@bp.route("/language", methods=["POST"])
@public
def set_language():
    language = request.form.get("language", "")
    if language not in current_app.config["LANGUAGES"]:
        return render_template("core/error.html", code=400,
                               message=_l("지원하지 않는 언어입니다.")), 400
    target = safe_next_url(request.form.get("next")) or url_for("core.home")
    response = redirect(target)
    response.set_cookie(LOCALE_COOKIE, language, max_age=365 * 24 * 3600, samesite="Lax",
                        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
                        httponly=True)
    return response


TEXT_SIZE_COOKIE = "text"
TEXT_SIZES = ("normal", "large")


def large_text_chosen() -> bool:
    """글자 크게: this device's choice first (a shared family tablet may differ from the
    person's own phone), else the signed-in person's, else normal."""
    chosen = request.cookies.get(TEXT_SIZE_COOKIE)
    if chosen in TEXT_SIZES:
        return chosen == "large"
    return bool(current_user.is_authenticated and getattr(current_user, "large_text", False))


@bp.route("/text-size", methods=["POST"])
@public
def set_text_size():
    size = request.form.get("size", "")
    if size not in TEXT_SIZES:
        return render_error(400, _l("지원하지 않는 글자 크기입니다."))
    if current_user.is_authenticated:
        current_user.large_text = size == "large"
    target = safe_next_url(request.form.get("next")) or url_for("core.home")
    response = redirect(target)
    response.set_cookie(TEXT_SIZE_COOKIE, size, max_age=365 * 24 * 3600, samesite="Lax",
                        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
                        httponly=True)
    return response


ERROR_MESSAGES = {
    400: _l("요청을 처리할 수 없습니다. 입력을 확인하세요."),
    403: _l("이 페이지를 볼 권한이 없습니다."),
    404: _l("찾는 페이지가 없습니다."),
    405: _l("허용되지 않는 요청 방식입니다."),
    413: _l("보낸 내용이 너무 큽니다."),
    429: _l("요청이 너무 많습니다. 잠시 후 다시 시도하세요."),
    500: _l("서버에 문제가 생겼습니다. 잠시 후 다시 시도하세요."),
}


def render_error(code: int, message=None):
    """The error page (or JSON) for ``code`` in the reader's language.

    It rolls the request's work back first: a failed flush leaves the session unusable, and
    the page itself reads the database (the district in the header). It never fails: when
    the page cannot be rendered, a bare page with the same message goes out instead.
    """
    roll_back()
    message = message or ERROR_MESSAGES.get(code, ERROR_MESSAGES[400])
    try:
        if wants_json():
            return jsonify(error=str(message), status=code), code
        return render_template("core/error.html", code=code, message=message), code
    except Exception:
        current_app.logger.exception("the error page for %s could not be rendered", code)
        return _bare_error(code, message)


def roll_back() -> None:
    try:
        db.session.rollback()
    except Exception:
        current_app.logger.exception("rolling back before an error page")
        db.session.remove()


# Shown when even the bare page cannot be translated; both languages, as the reader's is unknown.
_LAST_RESORT = "요청을 처리하지 못했습니다. / The request could not be processed."


def _bare_error(code: int, message) -> Response:
    """The error page with nothing that could fail again: no template, no database."""
    try:
        shown, language = str(message), str(get_locale() or "ko")
    except Exception:
        shown, language = _LAST_RESORT, "ko"
    if wants_json():
        body = json.dumps({"error": shown, "status": code}, ensure_ascii=False)
        return Response(body, code, mimetype="application/json")
    page = (f'<!doctype html><html lang="{escape(language)}"><meta charset="utf-8">'
            f"<title>{code}</title><h1>{escape(shown)}</h1><p>{code}</p></html>")
    return Response(page, code, mimetype="text/html")


# Seconds a client is asked to wait before trying again while the database is away: about
# the time PostgreSQL takes to restart or fail over.
DATABASE_RETRY_AFTER = 30
DATABASE_UNAVAILABLE = _l("지금은 서비스에 연결할 수 없습니다. 잠시 후 다시 시도하세요.")


def database_unavailable_error(error):
    """503 with ``Retry-After`` while the database cannot be reached, in the reader's language
    (JSON for the API), instead of a bare 500: the request may be repeated as it is. The
    page is rendered without the site layout, whose menus read the database."""
    if not database_unavailable(error):
        raise error
    try:
        db.session.rollback()
    except Exception:
        current_app.logger.exception("rollback after losing the database")
    current_app.logger.error("database unavailable: %s", error)
    try:
        message = str(DATABASE_UNAVAILABLE)
        if wants_json():
            response = jsonify(error=message, status=503)
        else:
            page = current_app.jinja_env.get_template("core/unavailable.html")
            response = current_app.response_class(page.render(message=message, code=503,
                                                           retry_url=request.path),
                                                 mimetype="text/html")
    except Exception:
        current_app.logger.exception("rendering the database-unavailable page")
        response = current_app.response_class("503 Service Unavailable", mimetype="text/plain")
    response.status_code = 503
    response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER)
    return response


def unknown_district():
    """A path led by a slug no district has: 404 before any route runs, with a clear page."""
    slug = requested_slug()
    if slug is not None and current_district_id() is None:
        return render_error(404, lazy_message("찾는 페이지가 없습니다. 주소가 ‘/%(slug)s/’로 "
                                              "시작하는 자치구가 없습니다.", slug=slug))
    return None


def init_app(app) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(districts.bp)
    app.before_request(unknown_district)
    now.init_app(app)
    for error in (DBAPIError, DisconnectionError, PendingRollbackError,
                  psycopg.OperationalError, psycopg.InterfaceError):
        app.register_error_handler(error, database_unavailable_error)

    @app.context_processor
    def site_context():
        district = current_district()
        # What the person counts as here, a city account's city role included: the menus.
        roles = (current_user.acts_as(district.id)
                 if district is not None and current_user.is_authenticated else set())
        city_role = current_user.city_role if current_user.is_authenticated else None
        return {"site_district": district, "site_roles": roles, "site_city_role": city_role,
                "role_labels": ROLE_LABELS,
                "phase_guides": PHASE_GUIDES, "phases": PHASE_ORDER,
                "large_text": large_text_chosen()}

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, _l("보안 토큰이 없거나 만료되었습니다. 페이지를 새로 고친 뒤 "
                                   "다시 시도하세요."))

    for code in ERROR_MESSAGES:
        if code == 429:
            continue
        app.register_error_handler(code, lambda error, code=code: render_error(code))

    @app.errorhandler(429)
    def rate_limited(error):
        return render_error(429, getattr(error, "description", None))
