import json

import click
from flask.cli import with_appcontext

from core.db import db
from forums import report
from forums.models import Forum


@click.command("forum-report")
@click.argument("forum_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the whole report as JSON.")
@with_appcontext
def forum_report_command(forum_id: int, as_json: bool):
    """Opinion shifts of a forum: the same figures as its report page."""
    forum = db.session.get(Forum, forum_id)
    if forum is None:
        raise click.BadParameter(f"no forum {forum_id}", param_hint="FORUM_ID")
    built = report.build(forum)
    if as_json:
        click.echo(json.dumps(built, ensure_ascii=False, indent=2, default=str))
        return
    click.echo(f"{built['forum']['title']} ({built['forum']['held_on']})")
    for topic in built["topics"]:
        for question in topic["questions"]:
            click.echo(f"[{topic['position']}] {question['text']}  "
                       f"pre {question['pre_n']}, post {question['post_n']}, "
                       f"paired {question['paired_n']}")
            for option in question["options"]:
                click.echo(f"    {option['label']}: {option['pre']['percent']}% → "
                           f"{option['post']['percent']}%  "
                           f"(McNemar p = {option['test']['p_value']:.4g}, "
                           f"Holm {option['test']['p_holm']:.4g})")
