"""Configuration from the environment: the database pool a gunicorn worker runs on."""

import threading
import time

from sqlalchemy import create_engine, text

from tests.conftest import require_service


def test_a_burst_beyond_the_pool_waits_for_pooled_connections(monkeypatch, tmp_path):
    """Threads past the pool size wait for a pooled connection instead of each opening (and
    closing) a PostgreSQL connection of its own for one request."""
    url = require_service("TEST_DATABASE_URL", "PostgreSQL")
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DATABASE_POOL_SIZE", "3")
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("MAIL_BACKEND", "memory")
    from app import create_app
    from core.db import db

    app = create_app()
    backends, start = [], threading.Barrier(12)

    def request_like():
        start.wait()
        for _ in range(5):
            with app.app_context():
                backends.append(db.session.execute(text(
                    "SELECT pg_backend_pid() FROM pg_sleep(0.01)")).scalar())

    threads = [threading.Thread(target=request_like) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        db.engine.dispose()
    assert len(backends) == 60
    assert len(set(backends)) <= 3


def _pooled_app(monkeypatch, tmp_path, idle_seconds: str):
    url = require_service("TEST_DATABASE_URL", "PostgreSQL")
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DATABASE_POOL_SIZE", "1")
    monkeypatch.setenv("DATABASE_PING_AFTER_IDLE", idle_seconds)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("MAIL_BACKEND", "memory")
    from app import create_app

    return create_app(), url


def _backend(app) -> int:
    from core.db import db

    with app.app_context():
        return db.session.execute(text("SELECT pg_backend_pid()")).scalar()


def test_a_connection_the_server_closed_while_idle_is_replaced_unseen(monkeypatch, tmp_path):
    from core.db import db

    app, url = _pooled_app(monkeypatch, tmp_path, "0.2")
    first = _backend(app)
    admin = create_engine(url)
    with admin.connect() as connection:
        assert connection.execute(text("SELECT pg_terminate_backend(:pid)"),
                                  {"pid": first}).scalar()
    admin.dispose()
    time.sleep(0.3)
    # The pooled connection is dead; the request gets a new one instead of an error.
    second = _backend(app)
    with app.app_context():
        db.engine.dispose()
    assert second != first


def test_only_a_connection_idle_for_a_while_is_checked(monkeypatch, tmp_path):
    from core.db import db

    app, _url = _pooled_app(monkeypatch, tmp_path, "0.2")
    with app.app_context():
        dialect = db.engine.dialect
    pings = []
    ping = dialect.do_ping
    monkeypatch.setattr(dialect, "do_ping", lambda connection: pings.append(1) or ping(connection))
    # Back-to-back requests (a busy server) reuse the connection without a round trip.
    backends = {_backend(app) for _ in range(5)}
    assert pings == []
    time.sleep(0.3)
    backends.add(_backend(app))
    with app.app_context():
        db.engine.dispose()
    assert pings == [1] and len(backends) == 1
