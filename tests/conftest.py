"""Test fixtures: one app per database backend, schema built by the real migrations once,
tables emptied after each test. PostgreSQL and Redis are real servers, named by
TEST_DATABASE_URL and TEST_REDIS_URL; under CI=true their absence fails the run."""

import contextvars
import os
import re
import threading
import time
import uuid
from datetime import date
from pathlib import Path

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from app import create_app
from core.config import RATE_LIMITS
from core.db import db
from core.jobs import wait_for_threads
from core.security import limiter
from core.tenancy import forget_district

IN_CI = os.environ.get("CI") == "true"
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def require_service(variable: str, what: str) -> str:
    url = os.environ.get(variable)
    if url:
        return url
    if IN_CI:
        pytest.fail(f"{variable} is not set: CI must test against a real {what}")
    pytest.skip(f"{variable} is not set: no real {what} to test against")


def require_shared_data() -> Path:
    if SHARED_DATA.is_dir():
        return SHARED_DATA
    if IN_CI:
        pytest.fail(f"shared election data missing at {SHARED_DATA}")
    pytest.skip("shared election data (../shared/data) is absent")


def base_config(tmp_path: Path, database_url: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": None,
        "RATELIMIT_STORAGE_URI": "memory://",
        "SIGNIN_RATE_LIMIT": "1000 per minute",
        "RESET_RATE_LIMIT": "1000 per minute",
        # Every test request comes from one address; tests of a limit set their own.
        **dict.fromkeys(RATE_LIMITS, "100000 per minute"),
        "MAIL_BACKEND": "memory",
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 1024,
        "SERVER_NAME": "madang.test",
        # Pub/sub channels are server-wide in Redis: keep this run's apart from any other.
        "REALTIME_NAMESPACE": f"test-{uuid.uuid4().hex[:12]}",
    }


def _reset_postgres_schema(url: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, as in production, even while the test holds
    one for database checks. Flask would otherwise reuse the test's context, sharing ``g``
    and the database session between requests and hiding real behaviour.

    The test's own session is rolled back around each request, so the request sees only
    committed data and the test afterwards reads what the request committed.
    """

    # Whether a request returns only once the inline jobs it started on threads (exports)
    # have finished, so that tests read their outcome; a test of the waiting sets it False.
    waits_for_jobs = True

    def open(self, *args, **kwargs):
        try:
            if not has_app_context():
                return super().open(*args, **kwargs)
            db.session.rollback()
            try:
                # Flask's contexts live in context variables: in an empty ``Context`` the
                # request finds no app context to reuse and pushes its own.
                return contextvars.Context().run(super().open, *args, **kwargs)
            finally:
                db.session.rollback()
        finally:
            if self.waits_for_jobs:
                wait_for_threads()


def _build_app(tmp_path: Path, backend: str):
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.sqlite3'}"
    else:
        url = require_service("TEST_DATABASE_URL", "PostgreSQL")
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
        _reset_postgres_schema(url)
    os.environ["INSTANCE_PATH"] = str(tmp_path)
    app = create_app(base_config(tmp_path, url))
    app.test_client_class = IsolatedClient
    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parents[1] / "migrations"))
    return app


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def app(request, tmp_path_factory):
    application = _build_app(tmp_path_factory.mktemp(request.param), request.param)
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_tables(request):
    yield
    if "app" not in request.fixturenames:
        return
    application = request.getfixturevalue("app")
    # A delayed live-results publish (forums.live) reads the poll it was started for: let it
    # finish before its rows go, or PostgreSQL may pick it as a deadlock's victim.
    for timer in [t for t in threading.enumerate() if isinstance(t, threading.Timer)]:
        timer.join(timeout=5)
    with application.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        # Another background thread of the test may still be reading; PostgreSQL then aborts
        # the TRUNCATE as a deadlock, and a retry succeeds.
        for attempt in range(5):
            try:
                _empty_tables(tables)
                break
            except OperationalError:
                if attempt == 4:
                    raise
                time.sleep(0.2)
        application.extensions.pop("madang_outbox", None)
        forget_district(application)
        # The app lives for the whole session: without this, the sign-ins of hundreds of
        # sweeping tests add up in one minute's window and a later test is refused with 429.
        limiter.reset()


def _empty_tables(tables: list[str]) -> None:
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # The audit trail refuses TRUNCATE unless the transaction says it means it
            # (migration 0013); only this cleanup between tests ever does.
            connection.execute(text("SET LOCAL madang.allow_audit_purge = on"))
            # A transaction a test left open would make TRUNCATE wait for ever: fail instead.
            connection.execute(text("SET LOCAL lock_timeout = '30s'"))
            quoted = ", ".join(f'"{name}"' for name in tables)
            connection.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                connection.execute(text(f'DELETE FROM "{name}"'))  # noqa: S608 (table names from our metadata)


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def district(ctx):
    from accounts.demo import seed_cycle, seed_district
    from core.db import commit

    created = seed_district()
    seed_cycle(created)
    commit()
    return created


@pytest.fixture
def other_district(ctx):
    """A second district with its own cycle, for cross-tenant checks."""
    from accounts.services import save_cycle
    from core.db import commit
    from core.models import District, Dong, Phase

    other = District(slug="songpa", name_ko="송파구", name_en="Songpa-gu")
    other.dongs.append(Dong(name="잠실본동", position=0))
    db.session.add(other)
    db.session.flush()
    save_cycle(other.id, 2027, "2027 송파구 지역사회혁신계획", "",
               {Phase.INTAKE: (date(2026, 9, 1), date(2026, 12, 31))})
    commit()
    return other


@pytest.fixture
def cycle(district):
    """The district's 2027 cycle, the one the demo seeds."""
    return next(c for c in district.cycles if c.year == 2027)


TEST_PASSWORD = "correct horse battery"  # noqa: S105


@pytest.fixture
def make_user(ctx, district):
    from accounts.services import create_user
    from core.auth import UNIT_ROLES, Role
    from core.db import commit

    counter = iter(range(1, 10_000))

    def make(role: str = "resident", email: str | None = None,
             password: str = TEST_PASSWORD, unit_id: int | None = None):
        address = email or f"{role}{next(counter)}@example.kr"
        if unit_id is None and Role(role) in UNIT_ROLES:
            unit_id = unit_for_tests(district, role).id
        user = create_user(address, password, Role(role), district, display_name=f"{role} 님",
                           unit_id=unit_id)
        commit()
        return user

    return make


def unit_for_tests(district, role: str):
    """The district's test department (or working group, for that role), made once."""
    from accounts import units
    from accounts.models import UnitKind

    kind = UnitKind.DEPARTMENT if role == "department" else UnitKind.WORKING_GROUP
    name = "시험 부서" if kind == UnitKind.DEPARTMENT else "시험 분과"
    return units.unit_named(district.id, name) or units.add_unit(district.id, kind.value, name,
                                                                 None)


@pytest.fixture
def organizer(make_user):
    return make_user("organizer")


CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, path: str = "/") -> str:
    page = client.get(path)
    match = CSRF_PATTERN.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post_form(client, path: str, data: dict | None = None, **kwargs):
    """POST like a browser: with the CSRF token the page carries."""
    payload = {"csrf_token": csrf_token(client), **(data or {})}
    return client.post(path, data=payload, **kwargs)


def sign_in(client, email: str, password: str = TEST_PASSWORD):
    response = post_form(client, "/signin", {"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the whole run, shared by the journeys and the fault tests: Playwright's
    sync API runs one instance at a time."""
    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

    if not CHROMIUM.exists():
        if IN_CI:
            pytest.fail("Chromium is not installed: browser journeys cannot run")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()
