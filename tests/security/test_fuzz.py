"""Every route, fed odd input (NUL, numbers past any column, negatives, unicode, long text)
in its path, its query and its form fields, by a visitor, an organizer and a resident:
a refusal is fine, a server error never is. Runs once per database backend: NUL reaches
PostgreSQL's refusal only on PostgreSQL."""

import re
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import text

from core.db import db
from tests.conftest import csrf_token, sign_in

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "accounts", "agenda", "forums", "voting", "plans", "exports")

# Path parts and the table whose first row gives a valid value for them.
ID_TABLES = {
    "cycle_id": "cycle", "finding_id": "plan_finding", "forum_id": "forum",
    "item_id": "agenda_item", "job_id": "export_job", "limit_id": "budget_limit",
    "meeting_id": "council_meeting", "member_id": "council_member",
    "membership_id": "membership",
    "motion_id": "council_motion", "participant_id": "forum_participant", "plan_id": "plan",
    "poll_id": "forum_poll", "project_id": "plan_project", "question_id": "forum_question",
    "record_id": "recorded_participation", "report_id": "agenda_report", "scope_id": "cycle",
    "table_id": "forum_table",
    "topic_id": "forum_topic", "vote_id": "vote",
}
TEXT_PARTS = {"dimension": "age_band", "kind": "agenda", "fmt": "csv", "filename": "x",
              "name": "x.jpg", "token": "x"}

ODD_TEXT = ["bad\x00input", "9" * 30, str(2**31), str(2**62), "-1", "", "마당🌱\u202e" * 40,
            "x" * 3000]
ODD_IDS = [str(2**31), "99999999999999999999999", "-1", "%00"]
ODD_PATH_TEXT = ["%00", quote("마당🌱"), "x" * 2000]

# Server-sent event streams never end; signing out would end the session under test.
SKIPPED = ("static", "accounts.sign_out")
# Run last: they take the organizer's rights away or empty what other routes need.
LAST = ("accounts.revoke_role", "voting.reset_vote")


def _names_views_read() -> set[str]:
    """Form and query names read straight from the request in the views."""
    pattern = re.compile(r"""request\.(?:form|args)\.(?:get|getlist)\(\s*["']([\w-]+)["']"""
                         r"""|["']([\w-]+)["']\s+in\s+request\.form""")
    names = set()
    for package in PACKAGES:
        for source in (ROOT / package).glob("**/*.py"):
            for match in pattern.finditer(source.read_text(encoding="utf-8")):
                names.add(match.group(1) or match.group(2))
    return names


def _form_field_names() -> set[str]:
    from flask_wtf import FlaskForm
    from wtforms.fields.core import UnboundField

    names, pending = set(), list(FlaskForm.__subclasses__())
    while pending:
        form = pending.pop()
        pending.extend(form.__subclasses__())
        for klass in form.__mro__:
            names.update(name for name, value in vars(klass).items()
                         if isinstance(value, UnboundField))
    return names


def _path(rule, values: dict) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: values[m.group(1)], rule.rule)


def _first_id(table: str) -> str:
    found = db.session.execute(text(f"SELECT min(id) FROM {table}")).scalar()  # noqa: S608
    return str(found or 1)


def _valid_for(rule, valid: dict) -> dict:
    if rule.rule.startswith("/plans/"):
        return {**valid, "comment_id": valid["plan_comment_id"]}
    return valid


def _valid_values() -> dict:
    values = dict(TEXT_PARTS)
    for part, table in ID_TABLES.items():
        values[part] = _first_id(table)
    # Comments on an agenda item and on a plan live in two tables.
    values["comment_id"] = _first_id("agenda_comment")
    values["plan_comment_id"] = _first_id("review_comment")
    values["number"] = "1"
    values["code"] = db.session.execute(text("SELECT min(join_code) FROM forum")).scalar()
    return values


def _routes(app):
    rules = [rule for rule in app.url_map.iter_rules()
             if rule.endpoint not in SKIPPED and not rule.endpoint.endswith("stream")]
    return sorted(rules, key=lambda rule: (rule.endpoint in LAST, rule.rule))


def _odd_path_values(rule, valid: dict):
    """The rule's ids all odd at once, then each text part in turn, the others valid."""
    ids = [part for part in rule.arguments if rule._converters[part].regex == r"\d+"]
    if ids:
        for value in ODD_IDS:
            yield {**valid, **dict.fromkeys(ids, value)}
    for part in sorted(set(rule.arguments) - set(ids)):
        for value in ODD_PATH_TEXT:
            yield {**valid, part: value}


class Fuzz:
    def __init__(self):
        self.failures = []
        self.requests = 0

    def send(self, client, method: str, path: str, who: str, **kwargs):
        self.requests += 1
        try:
            response = client.open(path, method=method, **kwargs)
        except Exception as error:  # noqa: BLE001 (each server error is listed, not the first)
            self.failures.append(f"{who} {method} {path[:120]}: {error!r}"[:400])
            return None
        if response.status_code >= 500:
            self.failures.append(f"{who} {method} {path[:120]}: {response.status_code}")
        return response


@pytest.fixture
def demo(ctx, monkeypatch):
    from forums import live

    # Screens are not watching; their delayed pushes would race the cleanup after the test.
    monkeypatch.setattr(live, "poll_changed", lambda poll_id: None)
    monkeypatch.setattr(live, "forum_changed", lambda forum_id, reseated=None: None)
    import demo as whole_demo
    from core.db import commit

    whole_demo.seed()
    commit()


def test_no_route_answers_odd_input_with_a_server_error(app, demo):
    field_names = sorted(_form_field_names() | _names_views_read())
    every_valid = _valid_values()
    fuzz = Fuzz()
    anonymous = app.test_client()
    staff, resident = app.test_client(), app.test_client()
    sign_in(staff, "organizer@demo.madang.kr", "demo-organizer-2027")
    sign_in(resident, "resident@demo.madang.kr", "demo-resident-2027")
    sessions = [("organizer", staff, csrf_token(staff)),
                ("resident", resident, csrf_token(resident))]
    for rule in _routes(app):
        methods = rule.methods - {"HEAD", "OPTIONS"}
        valid = _valid_for(rule, every_valid)
        path = _path(rule, valid)
        # A path is matched before its method is looked at: one method tries the odd paths.
        method = "GET" if "GET" in methods else "POST"
        for values in _odd_path_values(rule, valid):
            fuzz.send(staff, method, _path(rule, values), "organizer",
                      data={"csrf_token": sessions[0][2]} if method == "POST" else None)
        if "GET" in methods:
            fuzz.send(anonymous, "GET", path, "visitor")
            for value in ODD_TEXT:
                fuzz.send(staff, "GET", path, "organizer",
                          query_string={name: value for name in field_names})
        if "POST" in methods:
            for who, client, token in sessions:
                for value in ODD_TEXT:
                    body = {name: value for name in field_names}
                    fuzz.send(client, "POST", path, who, data={**body, "csrf_token": token})
    assert not fuzz.failures, f"{len(fuzz.failures)} of {fuzz.requests} requests:\n" + \
        "\n".join(fuzz.failures[:60])


def test_the_fuzz_reaches_the_database_with_a_nul(app, ctx):
    """The odd values would fail on PostgreSQL if they got past the input check: the fuzz
    tests what it claims to."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("only PostgreSQL refuses NUL in text")
    from sqlalchemy.exc import DataError

    with pytest.raises(DataError):
        db.session.execute(text("SELECT CAST(:value AS text)"), {"value": ODD_TEXT[0]})
    db.session.rollback()
    with pytest.raises(DataError):
        db.session.execute(text("SELECT CAST(:value AS integer)"), {"value": 2**31})
    db.session.rollback()
