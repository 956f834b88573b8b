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
    for family in built["multiplicity"]["families"]:
        click.echo(f"Holm family '{family['name']}': {family['en']}")
    for topic in built["topics"]:
        for question in topic["questions"]:
            click.echo(f"[{topic['position']}] {question['text']}  "
                       f"pre {question['pre_n']}, post {question['post_n']}, "
                       f"paired {question['paired_n']}")
            for option in question["options"]:
                click.echo(f"    {option['label']}: {_option_line(option)}")
            if question["overall"]:
                click.echo(f"    {_overall_line(question['overall'])}")
            click.echo(f"    {question['summary']['ko']}")
            click.echo(f"    {question['summary']['en']}")


def _interval(ci, scale: float = 100, signed: bool = False) -> str:
    if ci is None:
        return "n/a"
    form = "{:+.1f}" if signed else "{:.1f}"
    return f"{form.format(ci[0] * scale)} to {form.format(ci[1] * scale)}"


def _option_line(option: dict) -> str:
    test, shift = option["test"], option["shift"]
    line = (f"{option['pre']['percent']}% → {option['post']['percent']}%  "
            f"(95% CI {_interval(option['pre']['ci'])}% → {_interval(option['post']['ci'])}%)")
    if shift is not None:
        line += (f"; paired {option['paired_pre']['percent']}% → "
                 f"{option['paired_post']['percent']}%, change "
                 f"{shift['difference'] * 100:+.1f} points (Newcombe 95% CI "
                 f"{_interval(shift['ci'], signed=True)})")
    return (line + f"; {test['name']} +{option['moved_in']}/−{option['moved_out']}, "
            f"{test['p_text']}, Holm ({test['family']}) {test['p_holm_text']}")


def _overall_line(test: dict) -> str:
    if "df" in test:
        figures = f"χ² = {test['statistic']:.2f}, df {test['df']}, "
    elif "effect" in test:
        figures = (f"W = {test['statistic']:g} ({test['method']}), "
                   f"rank-biserial r = {test['effect']['value']:+.2f}, ")
    else:
        figures = (f"+{test['discordant']['no_to_yes']}/−{test['discordant']['yes_to_no']}, ")
    return (f"{test['name']} (whole question): {figures}{test['p_text']}, "
            f"Holm ({test['family']}) {test['p_holm_text']}")
