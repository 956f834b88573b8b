"""The application factory: configuration, extensions, blueprints and CLI commands."""

import importlib
import os
from pathlib import Path

import click
from dotenv import load_dotenv

from core import db as database
from core import i18n, inputs, lifecycle, mail, realtime, security, tenancy
from core import views as core_views
from core.auth import login_manager
from core.config import DEFAULTS, from_environment

ROOT = Path(__file__).resolve().parent

# In the order the year flows (see ARCHITECTURE.md): each package's blueprint is ``bp`` in its
# views module, and the package itself may have setup(app).
DOMAIN_PACKAGES = ("accounts", "agenda", "forums", "voting", "plans", "exports")


def create_app(config: dict | None = None) -> lifecycle.App:
    load_dotenv(ROOT / ".env")
    instance = os.environ.get("INSTANCE_PATH") or str(ROOT / "instance")
    app = lifecycle.App(__name__, instance_path=instance)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(DEFAULTS)
    app.config.update(from_environment(app.instance_path))
    app.config.update(config or {})
    mail.check_backend(app.config)

    database.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    # Before the blueprints: their <int:...> routes take the id converter.
    inputs.init_app(app)
    realtime.init_app(app)
    login_manager.init_app(app)

    core_views.init_app(app)
    lifecycle.init_app(app)
    for name in DOMAIN_PACKAGES:
        package = importlib.import_module(name)
        if hasattr(package, "setup"):
            package.setup(app)
        app.register_blueprint(importlib.import_module(f"{name}.views").bp)

    tenancy.serve_district_paths(app)
    register_commands(app)
    return app


def register_commands(app: lifecycle.App) -> None:
    import demo
    from accounts.cli import (
        create_user_command,
        purge_personal_data_command,
        revoke_city_role_command,
    )
    from core.backup import backup_command, restore_command
    from core.db import commit
    from core.districts import create_district_command
    from core.jobs import reconcile, work
    from exports.cli import export_command
    from forums.cli import forum_report_command
    from voting.cli import tally_command

    for command in (create_user_command, forum_report_command, tally_command, export_command,
                    backup_command, restore_command, purge_personal_data_command,
                    create_district_command, revoke_city_role_command):
        app.cli.add_command(command)

    @app.cli.command("seed-demo")
    def seed_demo():
        """Load the demo district (강동구, 2027 cycle) from the seed documents; idempotent."""
        lines = demo.seed()
        commit()
        click.echo("\n".join(lines))

    @app.cli.command("worker")
    @click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
    def worker(burst: bool):
        """Run a background job worker (needs REDIS_URL)."""
        work(app, burst=burst)

    @app.cli.command("reconcile-jobs")
    def reconcile_jobs():
        """Send again the jobs Redis forgot or whose worker died (one pass of what
        `flask worker` does every JOB_RECONCILE_SECONDS)."""
        click.echo(f"{reconcile(app)} job(s) sent again or ended")
