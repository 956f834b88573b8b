"""Configuration from the environment: the database pool a gunicorn worker runs on, the
districts' host names."""

import threading

import pytest
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


def test_a_connection_the_server_closed_in_the_pool_is_replaced_unseen(monkeypatch, tmp_path):
    """The pool pings a connection as it hands it out: one the server ended while it waited
    (a restart, an idle timeout) is replaced, and the request gets no error."""
    url = require_service("TEST_DATABASE_URL", "PostgreSQL")
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DATABASE_POOL_SIZE", "1")
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("MAIL_BACKEND", "memory")
    from app import create_app
    from core.db import db

    app = create_app()
    first = _backend(app)
    admin = create_engine(url)
    with admin.connect() as connection:
        # Waits (up to 5 s) until the backend has exited, not only been signalled.
        assert connection.execute(text("SELECT pg_terminate_backend(:pid, 5000)"),
                                  {"pid": first}).scalar()
    admin.dispose()
    second = _backend(app)
    with app.app_context():
        db.engine.dispose()
    assert second != first


def _backend(app) -> int:
    from core.db import db

    with app.app_context():
        return db.session.execute(text("SELECT pg_backend_pid()")).scalar()


def test_district_hosts_are_read_as_host_to_slug_in_lower_case():
    from core.config import district_hosts

    assert district_hosts("") == {}
    assert district_hosts(" GD.example.kr=gangdong , sd.example.kr=seongdong,") == {
        "gd.example.kr": "gangdong", "sd.example.kr": "seongdong"}
    for bad in ("gd.example.kr", "=gangdong", "gd.example.kr="):
        with pytest.raises(ValueError, match="DISTRICT_HOSTS"):
            district_hosts(bad)
