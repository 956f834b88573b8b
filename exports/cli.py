"""``flask export KIND --format FMT --out FILE [--cycle ID | --forum ID | --vote ID]
[--district SLUG]``.

One deployment serves many districts: ``--district`` names the one to export from (by
default the deployment's default district), and the scoped object must belong to it.

The same registry and writers as the web; the file appears under its name only when
complete.

The command keeps the secrecy rule as the web does: a vote whose results are hidden until
closing gives no results or ballots before it closes, whoever runs it. An operator at the
server could read the database directly; the platform still offers no route to the numbers
that its own rule, published to the residents, says nobody sees.
"""

import os
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import force_locale
from sqlalchemy import select

from core.db import db
from core.lifecycle import unit_of_work
from core.models import District
from core.tenancy import current_district

from .registry import FORMATS, KINDS, SCOPES, ExportContext, get_kind, run_export


@click.command("export")
@click.argument("kind")
@click.option("--format", "fmt", required=True, help=f"one of {', '.join(FORMATS)}")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--cycle", "cycle_id", type=int, help="cycle id (agenda, participation, cycle)")
@click.option("--forum", "forum_id", type=int, help="forum id (forum)")
@click.option("--vote", "vote_id", type=int, help="vote id (ballots, results)")
@click.option("--district", "slug", help="district slug (default: the deployment's default)")
@click.option("--include-personal", is_flag=True,
              help="include personal data columns (proposers' names, demographics)")
@with_appcontext
@unit_of_work
def export_command(kind, fmt, out, cycle_id, forum_id, vote_id, slug, include_personal):
    """Export KIND (agenda, forum, participation, cycle, ...) of this district to a file."""
    with force_locale("ko"):
        found = get_kind(kind)
        given = {"cycle": cycle_id, "forum": forum_id, "vote": vote_id}
        if found.scope not in SCOPES:
            raise click.UsageError(f"{kind} cannot be exported yet")
        scope_id = given[found.scope]
        if scope_id is None:
            raise click.UsageError(f"{kind} needs --{found.scope} ID "
                                   f"(kinds: {', '.join(KINDS)})")
        district = named_district(slug)
        ctx = ExportContext(district.id, scope_id, include_personal=include_personal)
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(f".{out.name}.{os.getpid()}.part")
        try:
            with open(partial, "wb") as stream:
                extension = run_export(kind, fmt, ctx, stream)
            os.replace(partial, out)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    click.echo(f"{out} ({extension}, {out.stat().st_size:,} bytes)")


def named_district(slug: str | None) -> District:
    """The district ``--district`` names, else the deployment's default; a usage error
    (nonzero exit, nothing written) when there is none."""
    if slug is None:
        district = current_district()
        if district is None:
            raise click.UsageError("no district in the database (run flask seed-demo)")
        return district
    district = db.session.scalar(select(District).where(District.slug == slug))
    if district is None:
        known = db.session.scalars(select(District.slug).order_by(District.slug)).all()
        raise click.UsageError(f"no district with slug {slug!r} "
                               f"(districts: {', '.join(known) or 'none'})")
    return district
