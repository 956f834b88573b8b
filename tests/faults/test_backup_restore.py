"""`flask backup` and `flask restore`: the demo district backed up and restored into an empty
database gives back every row, every vote's result and the same exports, byte for byte; a
restore over a database that holds data is refused unless forced."""

import hashlib
import json
import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from app import create_app
from core.db import db
from core.tenancy import current_district_id
from tests.conftest import base_config
from tests.exports.conftest import close_hidden_votes
from voting.models import Vote

RESTORE_DATABASE = "restore"


def _seed_demo(app) -> None:
    """The demo, with the votes that hide their results while open closed: their tallies and
    ballots are then readable, so the comparison covers every vote's ballots."""
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        for cycle_id in db.session.scalars(select(Vote.cycle_id).distinct()).all():
            close_hidden_votes(cycle_id)


def _cli(app, *args: str):
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result


def _row_counts(app) -> dict:
    with app.app_context(), db.engine.connect() as connection:
        counts = {table.name: connection.scalar(select(func.count()).select_from(table))
                  for table in db.metadata.sorted_tables}
        counts["alembic_version"] = connection.scalar(
            text("SELECT version_num FROM alembic_version"))
    return counts


def _file_digest(app, tmp_path: Path, *args: str) -> str:
    out = tmp_path / f"export-{len(list(tmp_path.iterdir()))}"
    _cli(app, "export", *args, "--out", str(out))
    return hashlib.sha256(out.read_bytes()).hexdigest()


def _snapshot(app, tmp_path: Path) -> dict:
    """Every table's row count (taken first: counting a vote caches its result) in every
    district, and for the district the commands serve every vote's published result and
    digests of the results and cycle exports."""
    counts = _row_counts(app)
    with app.app_context():
        votes = db.session.execute(select(Vote.id, Vote.cycle_id)
                                   .where(Vote.district_id == current_district_id())
                                   .order_by(Vote.id)).all()
    folder = tmp_path / f"exports-{os.urandom(4).hex()}"
    folder.mkdir()
    tallies = {vote_id: json.loads(_cli(app, "tally", str(vote_id), "--json").output)
               for vote_id, _cycle in votes}
    exports = {vote_id: _file_digest(app, folder, "results", "--format", "csv",
                                     "--vote", str(vote_id)) for vote_id, _cycle in votes}
    for cycle_id in {cycle for _vote, cycle in votes}:
        exports[f"cycle {cycle_id}"] = _file_digest(app, folder, "cycle", "--format", "json",
                                                    "--cycle", str(cycle_id))
    return {"counts": counts, "tallies": tallies, "exports": exports}


@pytest.fixture
def empty_database(app, tmp_path):
    """The URL of a second, empty database of the same kind as the app's."""
    with app.app_context():
        url = db.engine.url
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"{url.database}_{RESTORE_DATABASE}"
    maintenance = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with maintenance.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with maintenance.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        maintenance.dispose()


def _second_app(tmp_path: Path, url: str):
    instance = tmp_path / "second-instance"
    instance.mkdir()
    previous = os.environ.get("INSTANCE_PATH")
    os.environ["INSTANCE_PATH"] = str(instance)
    try:
        return create_app(base_config(instance, url))
    finally:
        if previous is not None:
            os.environ["INSTANCE_PATH"] = previous


def test_demo_survives_backup_and_restore_into_an_empty_database(app, tmp_path, empty_database):
    _seed_demo(app)
    backup_file = tmp_path / "madang.backup"
    _cli(app, "backup", "--out", str(backup_file))
    before = _snapshot(app, tmp_path)
    assert before["tallies"] and before["counts"]["ballot"] > 0

    restored = _second_app(tmp_path, empty_database)
    try:
        _cli(restored, "restore", str(backup_file))
        after = _snapshot(restored, tmp_path)
        assert after == before

        # A second restore finds data, and is refused until forced.
        counts = _row_counts(restored)
        refused = restored.test_cli_runner().invoke(args=["restore", str(backup_file)])
        assert refused.exit_code == 2
        assert "--force" in refused.output and "already holds data" in refused.output
        assert _row_counts(restored) == counts
        _cli(restored, "restore", "--force", str(backup_file))
        assert _snapshot(restored, tmp_path) == before
    finally:
        with restored.app_context():
            db.engine.dispose()


def test_restore_over_data_is_refused_and_changes_nothing(app, tmp_path):
    _seed_demo(app)
    backup_file = tmp_path / "madang.backup"
    _cli(app, "backup", "--out", str(backup_file))
    _cli(app, "create-user", "--email", "after-backup@example.kr", "--password",
         "a long password", "--district", "gangdong")
    counts = _row_counts(app)

    refused = app.test_cli_runner().invoke(args=["restore", str(backup_file)])

    assert refused.exit_code == 2
    assert "already holds data" in refused.output and "--force" in refused.output
    assert _row_counts(app) == counts


def test_restore_refuses_a_file_that_is_not_a_backup(app, tmp_path):
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("hello")
    result = app.test_cli_runner().invoke(args=["restore", str(not_a_backup)])
    assert result.exit_code == 1
    assert "is not a" in result.output
