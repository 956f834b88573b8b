import click
from email_validator import EmailNotValidError, validate_email
from flask.cli import with_appcontext
from sqlalchemy import select

from accounts.services import create_user
from core.auth import Role
from core.db import commit, db
from core.errors import DomainError
from core.models import District


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.RESIDENT.value)
@click.option("--district", "district_slug", required=True, help="District slug, e.g. gangdong")
@click.option("--name", "display_name", default=None)
@with_appcontext
def create_user_command(email, password, role, district_slug, display_name):
    """Create a person (or add a role to an existing one) in a district."""
    try:
        # Staff-made accounts count as verified, so the address must at least be one.
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as error:
        raise click.BadParameter(f"{email!r} is not an email address: {error}",
                                 param_hint="--email") from None
    district = db.session.scalars(select(District).where(District.slug == district_slug)).first()
    if district is None:
        raise click.UsageError(f"no district with slug {district_slug!r}")
    try:
        user = create_user(email, password, Role(role), district, display_name)
        commit()
    except DomainError as error:
        raise click.ClickException(str(error.message)) from None
    click.echo(f"{user.email}: {', '.join(sorted(user.roles_in(district.id)))} in {district.slug}")
