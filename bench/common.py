"""What the benchmarks share: a throwaway PostgreSQL database with the schema migrated, an
app on it, and a free loopback port to serve it on."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
SERVER_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@contextlib.contextmanager
def throwaway_database(name: str, server_url: str = SERVER_URL) -> Iterator[str]:
    """A new, empty database called ``name`` on the server, dropped afterwards; yields its
    URL. A database of that name left by an interrupted run is replaced."""
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def migrated_app(database_url: str, instance: Path, **config):
    """The app on ``database_url`` with every migration applied; quick password hashing,
    since benchmark accounts are throwaway."""
    from flask_migrate import upgrade

    from app import create_app

    os.environ["INSTANCE_PATH"] = str(instance)
    instance.mkdir(parents=True, exist_ok=True)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": None,
                      "MAIL_BACKEND": "memory",
                      "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024, **config})
    with app.app_context():
        # Alembic logs each migration at INFO; benchmarks print only their result lines.
        logging.disable(logging.INFO)
        upgrade(directory=str(ROOT / "migrations"))
        logging.disable(logging.NOTSET)
    return app


def free_port() -> int:
    """A loopback port nothing listens on just now, for a server the benchmark starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
