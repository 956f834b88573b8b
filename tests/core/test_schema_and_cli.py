from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from accounts.models import User
from core.db import db
from core.models import Cycle, District


def test_migrations_match_the_models(ctx):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_seed_demo_is_idempotent_and_prints_accounts(app, ctx):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    counts = (db.session.query(User).count(), db.session.query(Cycle).count())
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    db.session.expire_all()
    assert (db.session.query(User).count(), db.session.query(Cycle).count()) == counts
    for role in ("organizer", "facilitator", "resident", "admin", "city"):
        assert f"{role}@demo.madang.kr" in second.output
    district = db.session.scalars(select(District).where(District.slug == "gangdong")).one()
    assert district.name_ko == "강동구" and len(district.dongs) == 19


def test_create_user_command(app, district):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "--email", "New@Example.kr", "--password",
                                 "a long password", "--role", "facilitator", "--district",
                                 "gangdong"])
    assert result.exit_code == 0, result.output
    assert "facilitator" in result.output
    bad = runner.invoke(args=["create-user", "--email", "x@example.kr", "--password",
                              "a long password", "--district", "nowhere"])
    assert bad.exit_code != 0 and "nowhere" in bad.output
    weak = runner.invoke(args=["create-user", "--email", "y@example.kr", "--password", "short",
                               "--district", "gangdong"])
    assert weak.exit_code != 0
    db.session.expire_all()
    refused = User.email.in_(["x@example.kr", "y@example.kr"])
    assert db.session.query(User).filter(refused).count() == 0
