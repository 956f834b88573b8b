"""``flask export KIND --format FMT --out FILE [--cycle ID | --forum ID | --vote ID]``.

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

from core.lifecycle import unit_of_work
from core.tenancy import current_district

from .registry import FORMATS, KINDS, SCOPES, ExportContext, get_kind, run_export


@click.command("export")
@click.argument("kind")
@click.option("--format", "fmt", required=True, help=f"one of {', '.join(FORMATS)}")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--cycle", "cycle_id", type=int, help="cycle id (agenda, participation, cycle)")
@click.option("--forum", "forum_id", type=int, help="forum id (forum)")
@click.option("--vote", "vote_id", type=int, help="vote id (ballots, results)")
@click.option("--include-personal", is_flag=True,
              help="include personal data columns (proposers' names, demographics)")
@with_appcontext
@unit_of_work
def export_command(kind, fmt, out, cycle_id, forum_id, vote_id, include_personal):
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
        district = current_district()
        if district is None:
            raise click.UsageError("no district in the database (run flask seed-demo)")
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
