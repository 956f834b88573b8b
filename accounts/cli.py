from datetime import timedelta

import click
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from accounts import units
from accounts.retention import purge_personal_data
from accounts.services import create_user, give_city_role, take_city_role
from core.auth import CityRole, Role
from core.db import db, utcnow
from core.errors import NotFound
from core.lifecycle import unit_of_work
from core.models import District


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.RESIDENT.value)
@click.option("--district", "district_slug", default=None,
              help="District slug, e.g. gangdong (not needed for a city account)")
@click.option("--city", "city_role", type=click.Choice([r.value for r in CityRole]),
              default=None,
              help="A city account (서울시): reviewer or coordinator in every district")
@click.option("--name", "display_name", default=None)
@click.option("--unit", "unit_name", default=None,
              help="For --role department or working_group: the unit's name, e.g. 기획예산과")
@with_appcontext
@unit_of_work
def create_user_command(email, password, role, district_slug, city_role, display_name,
                        unit_name):
    """Create a person (or add a role to an existing one) in a district, or a city account
    with --city."""
    try:
        # Staff-made accounts count as verified, so the address must at least be one.
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as error:
        raise click.BadParameter(f"{email!r} is not an email address: {error}",
                                 param_hint="--email") from None
    if district_slug is None and city_role is None:
        raise click.UsageError("name the district with --district (or give --city)")
    district = unit = None
    if district_slug is not None:
        district = db.session.scalars(
            select(District).where(District.slug == district_slug)).first()
        if district is None:
            raise click.UsageError(f"no district with slug {district_slug!r}")
        unit = units.unit_named(district.id, unit_name) if unit_name else None
        if unit_name and unit is None:
            raise click.UsageError(f"no department or working group named {unit_name!r}")
    if city_role is not None:
        user = give_city_role(email, password, city_role, display_name)
        click.echo(f"{user.email}: city {user.city_role} in every district")
    if district is None:
        return
    user = create_user(email, password, Role(role), district, display_name,
                       unit.id if unit else None)
    click.echo(f"{user.email}: {', '.join(sorted(user.roles_in(district.id)))} in {district.slug}")


@click.command("revoke-city-role")
@click.option("--email", required=True)
@with_appcontext
@unit_of_work
def revoke_city_role_command(email):
    """Take a city account's city role away (its district roles stay); audited."""
    try:
        user = take_city_role(email)
    except NotFound:
        raise click.UsageError(f"no city account with the address {email!r}") from None
    click.echo(f"{user.email}: no city role")


@click.command("purge-personal-data")
@click.option("--older-than", "days", type=click.IntRange(min=1), default=None,
              help="Days of inactivity (default: PERSONAL_DATA_RETENTION_DAYS).")
@click.option("--dry-run", is_flag=True, help="Count the people, change nothing.")
@with_appcontext
@unit_of_work
def purge_personal_data_command(days: int | None, dry_run: bool):
    """Erase the contact and demographic data of people inactive past the retention period;
    their anonymous ballots and answers stay."""
    days = days or current_app.config["PERSONAL_DATA_RETENTION_DAYS"]
    cutoff = utcnow() - timedelta(days=days)
    count = purge_personal_data(cutoff, dry_run=dry_run)
    if dry_run:
        click.echo(f"{count} people inactive for {days} days would be purged (dry run)")
        return
    click.echo(f"{count} people inactive for {days} days purged")
