"""The database handle, the model base, and commit-time hooks.

Services only flush; the request (or CLI command, or job) commits once through
``commit()``, which also runs work that must wait for the data to be durable
(jobs, realtime messages, mail).
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

import psycopg
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.exc import DBAPIError, DisconnectionError, PendingRollbackError
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True, render_as_batch=True)


def utcnow() -> datetime:
    return datetime.now(UTC)


def on_postgresql() -> bool:
    """Whether the session runs on PostgreSQL (else SQLite), for the few statements that
    must be written per database."""
    return db.session.get_bind().dialect.name == "postgresql"


def database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` says PostgreSQL could not be reached or dropped the connection (a
    restart, a failover, the network), or refused for a moment (a deadlock, a lock or
    statement timeout), rather than that the request itself was wrong: the same request may
    succeed once the database answers again. The pool has already discarded the dead
    connection, so nothing needs restarting."""
    if isinstance(error, DisconnectionError):
        return True
    if isinstance(error, PendingRollbackError):
        # The connection died inside this transaction and something read on before the
        # rollback: the same loss, found one statement later.
        return database_unavailable(error.__cause__) if error.__cause__ else True
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        error = error.orig
    return isinstance(error, psycopg.OperationalError | psycopg.InterfaceError)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC that always comes back timezone-aware.

    SQLite drops the offset; PostgreSQL keeps it. Normalising here means code never
    compares naive with aware datetimes, whichever database runs.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


_PENDING = "madang_after_commit"


def after_commit(callback: Callable[[], None]) -> None:
    """Run ``callback`` once the current transaction has committed; drop it on rollback.

    A savepoint (``begin_nested``) that rolls back drops only what was queued inside it:
    mail, jobs and live messages queued before it still belong to the outer transaction.
    """
    session = db.session()
    if not session.in_transaction() and not session.new and not session.dirty:
        callback()
        return
    queued_in = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append((queued_in, callback))


def commit() -> None:
    """Commit the unit of work, then run what waited for it."""
    session = db.session()
    session.commit()
    pending = session.info.pop(_PENDING, [])
    for _transaction, callback in pending:
        callback()


@event.listens_for(Session, "after_soft_rollback")
def _forget_pending(session: Session, previous_transaction) -> None:
    pending = session.info.get(_PENDING)
    if not pending:
        return
    if previous_transaction.parent is None:
        session.info.pop(_PENDING)
        return
    # A failed flush inside a savepoint ends the flush's own inner transaction and takes the
    # savepoint with it; outside any savepoint the outer transaction's rollback follows.
    savepoint = previous_transaction
    while savepoint is not None and not savepoint.nested:
        savepoint = savepoint.parent
    if savepoint is not None:
        pending[:] = [(transaction, callback) for transaction, callback in pending
                      if not _within(transaction, savepoint)]


def _within(transaction, savepoint) -> bool:
    """Whether ``transaction`` is ``savepoint`` or began inside it."""
    while transaction is not None:
        if transaction is savepoint:
            return True
        transaction = transaction.parent
    return False


def init_app(app) -> None:
    db.init_app(app)
    migrate.init_app(app, db)
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            _configure_sqlite(engine)


def _configure_sqlite(engine) -> None:
    """Make SQLite keep the promises PostgreSQL keeps: foreign keys, real transactions."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; take over.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 5000")
        # Readers do not block the writer: several threads serve the embedded mode.
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # In WAL mode a transaction that has read cannot start writing once another writer
        # has committed since: SQLite refuses at once, whatever the busy timeout. A request
        # that may change data therefore takes the write lock when its transaction begins and
        # waits its turn; pages that only read keep deferred transactions and never wait.
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _may_write() else "BEGIN")


_BACKGROUND = ContextVar("madang_background", default=False)


@contextmanager
def background() -> Iterator[None]:
    """Work run inside a request but not part of it (a job run inline in embedded mode):
    its transactions are its own, and it may write progress on other connections while a
    long read is open, so it must not hold the write lock from the start."""
    token = _BACKGROUND.set(True)
    try:
        yield
    finally:
        _BACKGROUND.reset(token)


def _may_write() -> bool:
    from flask import has_request_context, request

    return (has_request_context() and not _BACKGROUND.get()
            and request.method not in ("GET", "HEAD", "OPTIONS"))
