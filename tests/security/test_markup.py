"""No injected markup: text people type is shown as text wherever a page, a flash, an error
page or a translated sentence quotes it, and JSON carries it as written.

The sentences with ``%(name)s`` parameters all go through ``core.i18n.lazy_message``; these
tests check that rule at its three edges: every catalog sentence rendered with a markup
payload, a walk over the source that refuses a translation call bypassing the rule, and the
real pages (on SQLite and PostgreSQL) after people typed the payload into every text field.
"""

import ast
import contextlib
import io
import json
import re
import secrets
from itertools import product
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import flash, jsonify, render_template_string, session
from flask.json.tag import TaggedJSONSerializer
from flask_babel import force_locale
from markupsafe import escape
from sqlalchemy import select, update

from core.catalogs import PACKAGES, catalog_path
from core.db import commit, db
from core.errors import NotFound
from core.i18n import lazy_message
from tests.conftest import post_form, sign_in
from voting.secrecy import ResultsHidden

ROOT = Path(__file__).resolve().parents[2]

REFRESH = '<meta http-equiv="refresh" content="0;url=//evil.example">'
BOLD = "<b>x</b>"
BREAKOUT = '"><svg onload=alert(1)>'
PAYLOADS = (REFRESH, BOLD, BREAKOUT)
PAYLOAD = " ".join(PAYLOADS)
# Proposal fields refuse closed tags; a tag left open still becomes live markup when a page
# quotes it, closed by the next ">" of the page itself.
OPEN_REFRESH = '<meta http-equiv="refresh" content="0;url=//evil.example"'
# What a browser would act on: the payloads' opening tags, unescaped.
LIVE = ('<meta http-equiv="refresh" content="0;url=//evil', "<b>x", "<svg onload")
ESCAPED = {payload: str(escape(payload)) for payload in (*PAYLOADS, OPEN_REFRESH)}


def live_markup(body: str) -> list[str]:
    return [tag for tag in LIVE if tag in body]


# --- the rule itself ---------------------------------------------------------------------

def test_a_message_is_escaped_in_html_and_plain_as_text(app):
    with app.test_request_context():
        message = lazy_message("‘%(title)s’은(는) 이미 다른 의제에 통합되었습니다.",
                               title=REFRESH)
        html = render_template_string('<div role="alert">{{ message }}</div>', message=message)
        assert live_markup(html) == [] and ESCAPED[REFRESH] in html
        assert str(message) == f"‘{REFRESH}’은(는) 이미 다른 의제에 통합되었습니다."
        assert json.loads(jsonify(error=message).get_data())["error"] == str(message)
        # A number parameter keeps its format; the translator's sentence is not escaped.
        counted = lazy_message("의제 %(n)d건을 통합했습니다.", n=3)
        assert str(escape(counted)) == str(counted) == "의제 3건을 통합했습니다."


def test_a_flashed_message_stays_escaped_through_the_session_cookie(app):
    cookie = TaggedJSONSerializer()  # how Flask stores the session, flashes included
    with app.test_request_context():
        flash(lazy_message("연중 수시 제안 %(n)d건을 %(cycle)s에 반영했습니다.", n=1,
                           cycle=PAYLOAD), "success")
        stored = cookie.loads(cookie.dumps(dict(session)))
    with app.test_request_context():
        session.update(stored)
        html = render_template_string(
            "{% for category, message in get_flashed_messages(with_categories=true) %}"
            "<div>{{ message }}</div>{% endfor %}")
        assert live_markup(html) == [] and all(ESCAPED[p] in html for p in PAYLOADS)


# --- every catalog sentence ----------------------------------------------------------------

PARAMETER = re.compile(r"%\((\w+)\)([sd])")


def _parameterized_msgids() -> list[tuple[str, str]]:
    found = []
    for package in PACKAGES:
        with catalog_path(package).open("rb") as handle:
            for entry in read_po(handle):
                if entry.id and isinstance(entry.id, str) and PARAMETER.search(entry.id):
                    found.append((package, entry.id))
    return found


MSGIDS = _parameterized_msgids()


def test_the_catalogs_have_sentences_with_parameters():
    assert len(MSGIDS) > 40
    assert ("agenda", "‘%(title)s’은(는) 이미 다른 의제에 통합되었습니다.") in MSGIDS


@pytest.mark.parametrize("locale", ["ko", "en"])
def test_every_catalog_sentence_quotes_its_parameters_as_text(app, locale):
    template = '<div class="alert" role="alert">{{ message }}</div><h1>{{ message }}</h1>'
    failures = []
    with app.test_request_context(), force_locale(locale):
        for package, msgid in MSGIDS:
            params = {name: 7 if kind == "d" else PAYLOAD
                      for name, kind in PARAMETER.findall(msgid)}
            message = lazy_message(msgid, **params)
            html = render_template_string(template, message=message)
            text_params = [name for name, kind in PARAMETER.findall(msgid) if kind == "s"]
            if live_markup(html) or (text_params and ESCAPED[REFRESH] not in html):
                failures.append(f"{package}: {msgid!r} -> {html[:200]!r}")
            if text_params and REFRESH not in str(message):
                failures.append(f"{package}: {msgid!r} loses its plain text: {message}")
    assert failures == []


# --- the source never bypasses the rule -----------------------------------------------------

TRANSLATORS = {"_", "_l", "gettext", "lazy_gettext", "ngettext", "lazy_ngettext", "pgettext",
               "lazy_pgettext", "npgettext", "ugettext"}


def _translator(node) -> str | None:
    if isinstance(node, ast.Call):
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name in TRANSLATORS:
            return name
    return None


def bypasses(source: str) -> list[tuple[int, str]]:
    """Translation calls that fill parameters themselves instead of through lazy_message:
    keyword parameters, ``%`` after translating, or ``.format`` on a translation."""
    found = []
    for node in ast.walk(ast.parse(source)):
        name = _translator(node)
        if name and node.keywords:
            found.append((node.lineno, f"{name}(..., name=value)"))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and _translator(
                node.left):
            found.append((node.lineno, f"{_translator(node.left)}(...) % values"))
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "format" and _translator(node.func.value)):
            found.append((node.lineno, f"{_translator(node.func.value)}(...).format(...)"))
    return found


def _sources() -> list[Path]:
    files = [ROOT / "app.py", ROOT / "demo.py"]
    for package in PACKAGES:
        files += sorted((ROOT / package).rglob("*.py"))
    return files


def test_the_walk_recognises_every_way_around_the_rule():
    source = ('_l("‘%(title)s’", title=item.title)\n'
              'gettext("%(n)d건", **params)\n'
              '_("%(x)s") % {"x": x}\n'
              'lazy_gettext("{x}").format(x=x)\n'
              'lazy_message("‘%(title)s’", title=item.title)\n'
              '_l("제목은 %(max)d자 이하로 입력하세요.")\n')
    assert [line for line, _how in bypasses(source)] == [1, 2, 3, 4]


def test_no_translation_call_fills_parameters_outside_lazy_message():
    found = [f"{path.relative_to(ROOT)}:{line}: {how}"
             for path in _sources() for line, how in bypasses(path.read_text())]
    assert len(_sources()) > 50
    assert found == []


# --- the real pages ------------------------------------------------------------------------

@pytest.fixture
def request_ctx(app, district):
    with app.test_request_context():
        yield app


def _client_as(app, user):
    client = app.test_client()
    sign_in(client, user.email)
    return client


def _assert_text_only(response, *payloads):
    body = response.get_data(as_text=True)
    assert live_markup(body) == [], (response.request.path, response.status_code)
    for payload in payloads:
        assert ESCAPED[payload] in body, (response.request.path, payload)


def test_a_proposal_title_quoted_by_a_merge_conflict_stays_text(app, request_ctx, make_user):
    from agenda.models import AgendaItem

    resident = _client_as(app, make_user("resident"))
    for title in (OPEN_REFRESH, "공동육아 공간 조성", "어린이 놀이공간 마련"):
        proposed = post_form(resident, "/agenda/propose", {
            "title": title, "description": "설명", "field": "welfare",
            "kind": "problem_solving", "area": "", "estimated_cost": "",
            "proposing_group": "", "submit_proposal": "1"})
        assert proposed.status_code == 302, proposed.get_data(as_text=True)
    a, b, c = db.session.scalars(select(AgendaItem.id).order_by(AgendaItem.id)).all()

    organizer = _client_as(app, make_user("organizer"))

    def merge(ids):
        return post_form(organizer, "/agenda/coordinate/merge", {
            "item_ids": [str(i) for i in ids], "title": "공동육아 통합 의제",
            "description": "묶었습니다.", "field": "welfare", "kind": "problem_solving",
            "area": "", "estimated_cost": "", "reason": "같은 문제"})

    assert merge([a, b]).status_code == 302
    conflict = merge([a, c])
    assert conflict.status_code == 409
    _assert_text_only(conflict, OPEN_REFRESH)
    fused = db.session.scalars(select(AgendaItem.id).where(AgendaItem.is_fused.is_(True))).one()
    for path in ("/agenda/coordinate", f"/agenda/{a}", "/agenda", f"/agenda/{fused}"):
        _assert_text_only(organizer.get(path), OPEN_REFRESH)


def test_a_cycle_title_quoted_by_a_flash_stays_text(app, request_ctx, district, make_user):
    organizer = _client_as(app, make_user("organizer"))
    cycle = district.cycles[0]
    phases = {f"{p.phase}_{edge}": getattr(p, f"{edge}s_on").isoformat()
              for p in cycle.phases for edge in ("start", "end")}
    renamed = post_form(organizer, f"/organize/cycles/{cycle.id}", {
        "year": str(cycle.year), "title": PAYLOAD, "description": PAYLOAD, **phases})
    assert renamed.status_code == 302, renamed.get_data(as_text=True)
    # Adopting the year-round proposals says so in a flash that names the cycle.
    adopted = post_form(organizer, "/agenda/coordinate/adopt-pool", follow_redirects=True)
    assert adopted.status_code == 200
    _assert_text_only(adopted, *PAYLOADS)
    _assert_text_only(organizer.get(f"/organize/cycles/{cycle.id}"), *PAYLOADS)


def test_forum_table_facilitator_and_poll_option_names_stay_text(app, request_ctx, make_user):
    from forums.models import Forum

    facilitator = make_user("facilitator")
    # A facilitator's own name, written at sign-up, is shown to the organizer's console.
    facilitator.display_name = "<b>x</b> 님"
    commit()
    organizer = _client_as(app, make_user("organizer"))
    created = post_form(organizer, "/forums/", {
        "title": PAYLOAD, "held_on": "2027-02-10", "venue": PAYLOAD,
        "expected_participants": "30", "table_count": "3", "seating": "chosen"})
    assert created.status_code == 302, created.get_data(as_text=True)
    forum = db.session.scalars(select(Forum)).one()
    assert post_form(organizer, f"/forums/{forum.id}/topics",
                     {"title": PAYLOAD, "description": PAYLOAD}).status_code == 302
    db.session.rollback()
    forum = db.session.get(Forum, forum.id)
    topic, table = forum.topics[0], forum.tables[0]
    added = post_form(organizer, f"/forums/{forum.id}/topics/{topic.id}/questions", {
        "kind": "single", "text": PAYLOAD, "options": f"{REFRESH}\n{BOLD}\n{BREAKOUT}"})
    assert added.status_code == 302, added.get_data(as_text=True)
    assigned = post_form(organizer, f"/forums/{forum.id}/tables/{table.id}/facilitator",
                         {"facilitator": str(facilitator.id)}, follow_redirects=True)
    assert assigned.status_code == 200
    _assert_text_only(assigned, *PAYLOADS, BOLD)

    for path in ("/forums/", f"/forums/{forum.id}/manage", f"/forums/{forum.id}/screen",
                 f"/forums/{forum.id}/report", f"/forums/{forum.id}/edit"):
        _assert_text_only(organizer.get(path), REFRESH)
    at_the_table = _client_as(app, facilitator)
    # The facilitator's page lists "<forum title> · 1번 테이블", a translated sentence.
    _assert_text_only(at_the_table.get("/facilitate"), *PAYLOADS)
    _assert_text_only(at_the_table.get(f"/forums/{forum.id}/tables/{table.id}"), *PAYLOADS)


def test_a_json_refusal_quotes_the_request_as_written(app, request_ctx):
    from urllib.parse import quote

    refused = app.test_client().get(f"/api/v1/open-data/{quote(BREAKOUT)}/1.csv")
    assert refused.status_code == 404 and refused.mimetype == "application/json"
    error = refused.get_json()["error"]
    assert BREAKOUT in error and "&lt;" not in error


def _shortlisted_items(district, organizer, count=3):
    from agenda import coordination, intake, proposals
    from tests.agenda.conftest import INTAKE_DAY

    items = []
    for n in range(count):
        item = intake.propose(district, organizer, proposals.Proposal(
            title=f"의제 {n} {OPEN_REFRESH}", description="설명", field="welfare",
            kind="problem_solving"), INTAKE_DAY)
        coordination.shortlist(district.id, item.id, organizer, for_forum=False, for_vote=True,
                               reason="후보")
        items.append(item)
    commit()
    return items


def test_a_vote_title_and_its_items_stay_text(app, request_ctx, district, make_user):
    from voting.models import Vote

    organizer_user = make_user("organizer")
    items = _shortlisted_items(district, organizer_user)
    organizer = _client_as(app, organizer_user)
    created = post_form(organizer, "/organize/votes/new", {
        "title": PAYLOAD, "description": PAYLOAD, "ballot_type": "approval",
        "items": [str(i.id) for i in items], "min_choices": "1", "max_choices": "2",
        "opens_at": "2026-01-01T09:00", "closes_at": "2099-01-01T18:00",
        "method": "approval", "seats": "2", "weight_vote": "100", "weight_forum": "0",
        "weight_review": "0"}, follow_redirects=True)
    assert created.status_code == 200, created.get_data(as_text=True)
    _assert_text_only(created, *PAYLOADS)
    vote = db.session.scalars(select(Vote)).one()
    resident = _client_as(app, make_user("resident"))
    for client, path in ((organizer, "/organize/votes"), (organizer, f"/votes/{vote.id}"),
                         (resident, "/votes"), (resident, f"/votes/{vote.id}"),
                         (resident, f"/votes/{vote.id}/ballot"),
                         (organizer, f"/organize/votes/{vote.id}/entry")):
        _assert_text_only(client.get(path), REFRESH)
    api = resident.get(f"/api/v1/votes/{vote.id}").get_json()
    assert api["title"] == PAYLOAD


def test_a_plan_project_name_stays_text(app, request_ctx, district, make_user):
    from agenda import coordination, intake, proposals
    from plans import building, review
    from plans.models import PlanProject
    from tests.agenda.conftest import INTAKE_DAY

    organizer_user = make_user("organizer")
    cycle = district.cycles[0]
    item = intake.propose(district, organizer_user, proposals.Proposal(
        "공동육아 공간", "설명", "welfare", "problem_solving", None, 40_000_000), INTAKE_DAY)
    coordination.shortlist(district.id, item.id, organizer_user, False, True, "후보")
    coordination.set_status(item.id, "in_vote", organizer_user, notify=False)
    coordination.set_status(item.id, "selected", organizer_user, notify=False)
    plan = building.create_plan_from_selection(district.id, cycle.id, [(item.id, "")], "주민투표",
                                               100_000_000, organizer_user)
    commit()
    organizer = _client_as(app, organizer_user)
    added = post_form(organizer, f"/plans/{plan.id}/projects", {
        "title": PAYLOAD, "budget": "10000000", "category": "foundation",
        "funding_source": "city", "field": "welfare", "summary": PAYLOAD,
        "department": PAYLOAD[:100],
        "team": BREAKOUT, "civil_partners": PAYLOAD, "fusion_tags": ""},
        follow_redirects=True)
    assert added.status_code == 200, added.get_data(as_text=True)
    _assert_text_only(added, *PAYLOADS)
    project = db.session.scalars(select(PlanProject).where(PlanProject.title == PAYLOAD)).one()
    # The public reads the plan as submitted, so the project reaches every page once sent.
    review.submit_to_council(district.id, plan.id, organizer_user)
    commit()
    for path in (f"/plans/manage?cycle={cycle.id}", f"/plans/projects/{project.id}/edit",
                 f"/plans/projects/{project.id}/report", f"/cycles/{cycle.id}/plan",
                 f"/cycles/{cycle.id}/plan/what-if"):
        _assert_text_only(organizer.get(path), REFRESH)
    # JSON carries text as written, never the HTML-escaped form.
    published = organizer.get(f"/api/v1/cycles/{cycle.id}/plan").get_data(as_text=True)
    assert PAYLOAD in [p["title"] for p in json.loads(published)["projects"]]
    assert "&lt;" not in published


# --- every page, after people typed markup into every text field ---------------------------

# The columns people write in (through a form, an import or another channel), by table.
# Codes, statuses, choices, hashes and file names are not text anyone types.
WRITTEN_TEXT = {
    "user_account": ["display_name"],
    "cycle": ["title", "description"],
    "agenda_item": ["title", "description", "proposing_group", "decline_reason",
                    "shortlist_reason", "department", "civil_partners", "duplicate_of_project",
                    "hidden_reason", "origin"],
    "agenda_comment": ["body", "hidden_reason"],
    "agenda_log_entry": ["reason"],
    "agenda_merge": ["reason", "undo_reason"],
    "agenda_notice": ["reason"],
    "agenda_report": ["reason"],
    "forum": ["title", "venue"],
    "forum_topic": ["title", "description"],
    "forum_question": ["text"],
    "forum_option": ["label"],
    "forum_table": ["obstacle_keyword", "stepping_stone_keyword", "summary"],
    "vote": ["title", "description"],
    "vote_item": ["title"],
    "plan": ["title", "source_label", "rules_override_reason", "results_summary"],
    "plan_project": ["title", "summary", "department", "team", "civil_partners"],
    "plan_milestone": ["title"],
    "plan_log": ["note"],
    "plan_version": ["note"],
    "plan_finding": ["title", "body"],
    "review_comment": ["title", "body", "resolution"],
    "progress_report": ["notes", "reporter", "photo_alt"],
    "evaluation": ["self_evaluation", "evaluator"],
    "rubric_criterion": ["name"],
    "budget_limit": ["name"],
    "council_member": ["name", "affiliation"],
    "council_meeting": ["title", "minutes"],
    "council_motion": ["title"],
    "city_decision": ["note", "decided_by"],
    "org_unit": ["name"],
    "existing_project": ["title", "description"],
}
SNAPSHOT_TEXT = {"title", "summary", "department", "team", "civil_partners"}
# GET routes the sweep does not open, and why.
NOT_SWEPT = {
    "static": "files shipped with the code",
    "forums.screen_stream": "an event stream that stays open",
    "forums.poll_stream": "an event stream that stays open",
    "accounts.reset_password": "needs a mailed token",
    "accounts.verify_email": "needs a mailed token",
    "exports.download": "needs a finished export's token",
    "plans.progress_photo": "an image file",
}


MARKUP_TYPES = {"text/html", "image/svg+xml"}
# Text for programs and spreadsheets: people's text as written, never HTML-escaped.
DATA_TYPES = {"application/json", "text/csv", "text/plain", "text/event-stream"}


def _markup_for(length: int | None, row_id: int) -> str:
    """The most payload a column holds, made unique per row (some titles are unique)."""
    for candidate in (PAYLOAD, REFRESH, f"{BREAKOUT}{BOLD}", BREAKOUT, BOLD):
        text = f"{candidate} {row_id}"
        if length is None or len(text) <= length:
            return text
    raise AssertionError(f"no payload fits {length} characters")


def _write_markup_everywhere() -> None:
    tables = db.metadata.tables
    for table_name, columns in WRITTEN_TEXT.items():
        table = tables[table_name]
        for row_id in db.session.scalars(select(table.c.id)).all():
            db.session.execute(update(table).where(table.c.id == row_id).values({
                name: _markup_for(table.c[name].type.length, row_id) for name in columns}))
    versions = tables["plan_version"]
    for row_id, snapshot in db.session.execute(select(versions.c.id, versions.c.snapshot)).all():
        for project in snapshot["projects"]:
            project.update({key: PAYLOAD for key in SNAPSHOT_TEXT if key in project})
        db.session.execute(update(versions).where(versions.c.id == row_id).values(
            snapshot={**snapshot, "title": PAYLOAD}))
    decisions = tables["city_decision"]
    for row_id, items in db.session.execute(select(decisions.c.id, decisions.c["items"])).all():
        written = [{**item, "title": PAYLOAD, "body": PAYLOAD, "answer": PAYLOAD}
                   for item in items]
        db.session.execute(update(decisions).where(decisions.c.id == row_id).values(
            items=written))
    commit()


def _add_what_the_demo_lacks(district) -> None:
    from accounts.services import user_by_email
    from agenda import moderation
    from agenda.models import AgendaItem
    from exports.models import ExportJob
    from plans import settings

    item = db.session.scalars(select(AgendaItem).where(
        AgendaItem.district_id == district.id, AgendaItem.is_draft.is_(False))).first()
    moderation.report(district.id, user_by_email("resident@demo.madang.kr"), item.id, "신고 사유")
    settings.set_budget_limit(district.id, "field", "welfare", 1_000_000, None)
    # A failed export whose error quotes what it was about, for each staff account.
    for email in ("admin@demo.madang.kr", "organizer@demo.madang.kr"):
        db.session.add(ExportJob(district_id=district.id, requester_id=user_by_email(email).id,
                                 kind="plan", format="csv", scope_id=district.cycles[0].id,
                                 token=secrets.token_hex(16), state="failed", error=PAYLOAD))
    commit()


def _route_values() -> dict[str, list]:
    tables = db.metadata.tables

    def column(table: str, name: str = "id") -> list:
        return sorted(set(db.session.scalars(select(tables[table].c[name]))))

    return {
        "item_id": column("agenda_item"), "cycle_id": column("cycle"), "vote_id": column("vote"),
        "forum_id": column("forum"), "table_id": column("forum_table"),
        "topic_id": column("forum_topic"), "question_id": column("forum_question"),
        "participant_id": column("forum_participant")[:2],
        "meeting_id": column("council_meeting"), "project_id": column("plan_project"),
        "number": column("plan_version", "number"), "code": column("forum", "join_code"),
        "job_id": column("export_job"), "poll_id": column("forum_poll"),
    }


def _sweep_urls(app, district) -> list[str]:
    from exports.registry import targets

    values = _route_values()
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in NOT_SWEPT:
            continue
        if rule.endpoint == "exports.open_data_file":
            urls += [f"/api/v1/open-data/{kind.name}/{scope_id}.{fmt}"
                     for kind, scope_id, _title in targets(district.id, public=True)
                     for fmt in kind.public_formats]
            continue
        names = sorted(rule.arguments)
        missing = [name for name in names if not values.get(name)]
        assert missing == [], f"{rule.rule}: no values for {missing}; fill them or say why not"
        for combination in product(*(values[name] for name in names)):
            urls.append(rule.build(dict(zip(names, combination, strict=True)))[1])
    return urls


class _CapturedPdf:
    """Stands in for WeasyPrint: keeps the HTML a report would be printed from."""

    pages: list[str] = []

    def __init__(self, string: str) -> None:
        self.pages.append(string)

    def write_pdf(self, out) -> None:
        out.write(b"%PDF-")


def test_no_page_or_report_shows_markup_people_typed(app, district, monkeypatch):
    import demo
    from accounts.demo import CITY_ACCOUNT, DEMO_ACCOUNTS, DEPARTMENT_ACCOUNT
    from exports import pdf
    from exports.registry import ExportContext, run_export, targets

    with app.test_request_context():
        demo.seed()
        commit()
        _add_what_the_demo_lacks(district)
        _write_markup_everywhere()
        urls = _sweep_urls(app, district)
    assert len(urls) > 100
    live, escaped_in_data, pages_quoting = [], [], 0
    department = (DEPARTMENT_ACCOUNT[0], DEPARTMENT_ACCOUNT[1], "department", "")
    # The city's reviewer reads every district's plan: its board quotes them all.
    city = (CITY_ACCOUNT[0], CITY_ACCOUNT[1], "city", "")
    for email, password, role, _name in (*DEMO_ACCOUNTS, department, city):
        if role not in ("admin", "organizer", "facilitator", "city", "department"):
            continue
        client = app.test_client()
        sign_in(client, email, password)
        for url in urls:
            response = client.get(url)
            body = response.get_data().decode(errors="replace")
            if response.mimetype in MARKUP_TYPES:
                if live_markup(body):
                    live.append(f"{role} {url} {response.status_code}: {live_markup(body)}")
                pages_quoting += ESCAPED[BOLD] in body
            elif response.mimetype in DATA_TYPES and ESCAPED[BOLD] in body:
                escaped_in_data.append(f"{role} {url} ({response.mimetype})")
    assert live == []
    assert escaped_in_data == []
    # The sweep saw the payload: most pages quote something people wrote.
    assert pages_quoting > len(urls)

    # PDF reports are printed from HTML: the same text must reach it as text.
    monkeypatch.setattr(pdf, "_weasyprint", lambda: type("weasyprint", (), {"HTML": _CapturedPdf}))
    monkeypatch.setattr(pdf, "fonts", lambda: {"regular": "", "bold": ""})
    _CapturedPdf.pages = []
    with app.app_context():
        for kind, scope_id, _title in targets(district.id):
            if "pdf" not in kind.formats:
                continue
            # A cycle without a plan has no plan report; a vote whose results are hidden
            # until it closes has none of its results printed (test_secrecy.py).
            with contextlib.suppress(NotFound, ResultsHidden):
                run_export(kind.name, "pdf", ExportContext(district.id, scope_id), io.BytesIO())
    assert len(_CapturedPdf.pages) >= 3
    assert [live_markup(html) for html in _CapturedPdf.pages] == [[]] * len(_CapturedPdf.pages)
    assert all(ESCAPED[BOLD] in html for html in _CapturedPdf.pages)
