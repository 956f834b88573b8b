"""``flask tally <vote_id> [--json]``: a stored vote's result, by the results page's code.

The operator at the server keeps the secrecy rule like everyone else: a vote whose results are
hidden until closing is not counted here before it closes (``voting.secrecy``).
"""

import json

import click
from flask.cli import with_appcontext
from flask_babel import force_locale

from core.db import commit, db
from voting.confirmation import published
from voting.models import Vote
from voting.results import current_result
from voting.secrecy import ResultsHidden


@click.command("tally")
@click.argument("vote_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the result object as JSON.")
@with_appcontext
def tally_command(vote_id: int, as_json: bool):
    """Count a stored vote with the code the results page and the API use."""
    vote = db.session.get(Vote, vote_id)
    if vote is None:
        raise click.ClickException(f"no vote {vote_id}")
    try:
        result, _record = current_result(vote, allow_job=False)
    except ResultsHidden as refusal:
        with force_locale("ko"):
            raise click.ClickException(str(refusal.message)) from None
    commit()
    if as_json:
        click.echo(json.dumps(published(vote, result), ensure_ascii=False, sort_keys=True,
                              indent=2))
        return
    click.echo(f"{result['vote']['title']}: {result['method']}, {result['ballots']} ballots")
    for rank, group in enumerate(result["ranking"] or [], start=1):
        names = ", ".join(result["items"][c]["title"] for c in group)
        click.echo(f"  {rank}. {names}")
