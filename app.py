"""The application factory: configuration, extensions, blueprints and CLI commands."""

import os
from pathlib import Path

import click
from dotenv import load_dotenv
from flask import Flask

from core import db as database
from core import i18n, realtime, security
from core import views as core_views
from core.auth import login_manager
from core.config import DEFAULTS, from_environment

ROOT = Path(__file__).resolve().parent


def create_app(config: dict | None = None) -> Flask:
    load_dotenv(ROOT / ".env")
    app = Flask(__name__, instance_path=os.environ.get("INSTANCE_PATH") or str(ROOT / "instance"))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(DEFAULTS)
    app.config.update(from_environment(app.instance_path))
    app.config.update(config or {})

    database.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    realtime.init_app(app)
    login_manager.init_app(app)

    core_views.init_app(app)
    from accounts import bp as accounts_bp
    from accounts import setup as accounts_setup

    accounts_setup(app)
    app.register_blueprint(accounts_bp)
    from agenda import bp as agenda_bp
    from agenda import setup as agenda_setup

    agenda_setup(app)
    app.register_blueprint(agenda_bp)
    from forums import bp as forums_bp
    from forums import setup as forums_setup

    forums_setup(app)
    app.register_blueprint(forums_bp)
    from plans import bp as plans_bp
    from plans import setup as plans_setup

    plans_setup(app)
    app.register_blueprint(plans_bp)
    from exports import bp as exports_bp
    from exports import setup as exports_setup

    exports_setup(app)
    app.register_blueprint(exports_bp)

    register_commands(app)
    return app


def register_commands(app: Flask) -> None:
    from accounts import demo as accounts_demo
    from accounts.cli import create_user_command
    from agenda import demo as agenda_demo
    from core.db import commit
    from core.jobs import work
    from exports.cli import export_command
    from forums import demo as forums_demo
    from forums.cli import forum_report_command
    from plans import demo as plans_demo

    app.cli.add_command(create_user_command)
    app.cli.add_command(forum_report_command)
    app.cli.add_command(export_command)

    @app.cli.command("seed-demo")
    def seed_demo():
        """Load the demo district (강동구, 2027 cycle) from the seed documents; idempotent."""
        accounts = accounts_demo.seed()
        accounts += agenda_demo.seed()
        district = accounts_demo.seed_district()
        cycle = next(c for c in district.cycles if c.year == 2027)
        forum = forums_demo.seed(district, cycle)
        plan = plans_demo.seed(district, cycle)
        commit()
        click.echo("Demo accounts (email / password / role):")
        for email, password, role in accounts:
            click.echo(f"  {email}  {password}  {role}")
        for email, password, _name in forums_demo.FACILITATORS[1:]:
            click.echo(f"  {email}  {password}  facilitator")
        click.echo(f"Demo forum {forum.id}: {forum.title} (join code {forum.join_code})")
        click.echo(f"Demo plan {plan.id}: {plan.title} ({plan.status})")

    @app.cli.command("worker")
    @click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
    def worker(burst: bool):
        """Run a background job worker (needs REDIS_URL)."""
        work(app, burst=burst)
