"""Backup and restore of the whole database, migration version included.

PostgreSQL goes through its own client tools (``pg_dump``/``pg_restore``, custom format),
which copy a consistent snapshot of a live database; SQLite through its online backup API
(``sqlite3.Connection.backup``), which copies the pages of a live database safely. The
connection's password reaches the tools through ``PGPASSWORD``, never the command line, where
any user of the machine could read it.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import func, inspect, select
from sqlalchemy.engine import Engine

from core.db import db

PG_MAGIC = b"PGDMP"
SQLITE_MAGIC = b"SQLite format 3\x00"


class BackupError(Exception):
    """A backup or restore that could not run; the message says why."""


class DatabaseNotEmpty(BackupError):
    """A restore that would write over data, refused without ``force``."""


def backup(engine: Engine, out: Path) -> None:
    """Write the whole database to ``out``; the file appears under its name only when complete."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.{os.getpid()}.part")
    try:
        if engine.dialect.name == "postgresql":
            _run("pg_dump", ["--format=custom", f"--file={partial}"], engine)
        else:
            source = sqlite3.connect(_sqlite_path(engine))
            target = sqlite3.connect(partial)
            try:
                source.backup(target)
            finally:
                target.close()
                source.close()
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)


def restore(engine: Engine, source: Path, force: bool = False) -> None:
    """Replace the database with the backup in ``source``.

    Refuses (``DatabaseNotEmpty``) when any of the application's tables holds a row, unless
    ``force``: a restore over live data would lose everything written since the backup.
    """
    postgres = engine.dialect.name == "postgresql"
    _check_backup_file(source, PG_MAGIC if postgres else SQLITE_MAGIC)
    filled = tables_with_rows(engine)
    if filled and not force:
        raise DatabaseNotEmpty(
            f"the database already holds data (in {', '.join(filled[:5])}"
            f"{', ...' if len(filled) > 5 else ''}); restoring would write over it. "
            "Back it up first, then run restore again with --force to replace it.")
    # The restore replaces what pooled connections would still see.
    db.session.remove()
    engine.dispose()
    if postgres:
        # --clean drops what the backup recreates (a migrated but empty schema too); one
        # transaction, so a failed restore leaves the database as it was.
        _run("pg_restore", ["--clean", "--if-exists", "--no-owner", "--single-transaction",
                            f"--dbname={engine.url.database}", str(source)], engine)
    else:
        backup_file = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        target = sqlite3.connect(_sqlite_path(engine))
        try:
            backup_file.backup(target)
        finally:
            target.close()
            backup_file.close()
    engine.dispose()


def tables_with_rows(engine: Engine) -> list[str]:
    """The application's tables (those of the models) that hold at least one row."""
    existing = set(inspect(engine).get_table_names())
    filled = []
    with engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            if table.name in existing and connection.scalar(
                    select(func.count()).select_from(select(table).limit(1).subquery())):
                filled.append(table.name)
    return filled


def _check_backup_file(source: Path, magic: bytes) -> None:
    try:
        with open(source, "rb") as stream:
            head = stream.read(len(magic))
    except OSError as error:
        raise BackupError(f"cannot read {source}: {error.strerror}") from None
    if head != magic:
        kind = "pg_dump custom-format" if magic == PG_MAGIC else "SQLite"
        raise BackupError(f"{source} is not a {kind} backup, the kind this database needs")


def _sqlite_path(engine: Engine) -> str:
    path = engine.url.database
    if not path or path == ":memory:":
        raise BackupError("an in-memory SQLite database has nothing to back up or restore")
    return path


def _run(tool: str, arguments: list[str], engine: Engine) -> None:
    executable = shutil.which(tool)
    if executable is None:
        raise BackupError(f"{tool} is not installed: install the PostgreSQL client tools "
                          "(Debian: apt-get install postgresql-client) of the server's version")
    completed = subprocess.run([executable, *arguments], env=_client_environment(engine),  # noqa: S603 (a found tool, fixed arguments)
                               capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise BackupError(f"{tool} failed: {completed.stderr.strip()}")


def _client_environment(engine: Engine) -> dict[str, str]:
    """The connection for libpq's tools, as the environment variables they read."""
    url = engine.url
    given = {"PGHOST": url.host, "PGPORT": url.port, "PGUSER": url.username,
             "PGPASSWORD": url.password, "PGDATABASE": url.database,
             "PGSSLMODE": url.query.get("sslmode")}
    return {**os.environ, **{name: str(value) for name, value in given.items() if value}}


@click.command("backup")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(out: Path):
    """Write the whole database to a file (pg_dump custom format, or an SQLite copy)."""
    try:
        backup(db.engine, out)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{out} ({out.stat().st_size:,} bytes)")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
@with_appcontext
def restore_command(source: Path, force: bool):
    """Replace the database with a backup made by `flask backup`."""
    try:
        restore(db.engine, source, force=force)
    except DatabaseNotEmpty as error:
        click.echo(f"Error: {error}", err=True)
        raise click.exceptions.Exit(2) from None
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"restored {source}")
