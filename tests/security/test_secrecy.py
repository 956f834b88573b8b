"""Hidden results stay hidden, by every route.

A vote that publishes its results only after closing (``results_live`` off) keeps every
number by item to itself until it closes, from an organizer and an admin as from anyone:
through every route of the URL map that takes a vote id, every export kind and format of a
vote (asked on the web, run as a job, fetched, re-run, on the command line, as open data), the
cycle export's vote sheets, ``flask tally`` and the counting services.

The points vote's ballots carry distinctive numbers: three ballots each give 73,519 and 26,481
points, so the items total 220,557 and 79,443. None of them may appear anywhere while the
vote is open. The same vote once closed gives them by the same route, so each refusal is
about secrecy and each check is one that can fail.
"""

import io
import json
import secrets
import subprocess
import zipfile
from dataclasses import dataclass
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

import exports.kinds  # noqa: F401 (registers the export kinds)
from core.db import commit, db, utcnow
from exports.registry import KINDS
from tests.conftest import csrf_token, post_form, sign_in

POINTS_TOTAL = 100_000
SHARES = (73_519, 26_481)
VOTERS = 3
# Every way the numbers of the points vote can be written: per ballot and per item.
NUMBERS = ("73519", "73,519", "26481", "26,481", "220557", "220,557", "79443", "79,443")
HIDDEN_MESSAGE_KO = "마감된 뒤 공개됩니다"
HIDDEN_MESSAGE_EN = "published after it closes"

VOTE_EXPORTS = [pytest.param(kind.name, fmt, id=f"{kind.name}-{fmt}")
                for kind in KINDS.values() if kind.scope == "vote" for fmt in kind.formats]
OPEN_DATA = [pytest.param(kind.name, fmt, id=f"{kind.name}-{fmt}")
             for kind in KINDS.values() if kind.scope == "vote" for fmt in kind.public_formats]
CYCLE_FORMATS = KINDS["cycle"].formats


@pytest.fixture
def ctx(app):
    """A request context: refusals carry lazily translated messages."""
    with app.test_request_context():
        yield app


@dataclass
class Secret:
    district: object
    organizer: object
    admin: object
    points: object
    ranked: object

    @property
    def staff(self):
        return (self.organizer, self.admin)


@pytest.fixture
def secret(ctx, district, make_user):
    """Two open votes that hide their results until closing, with three ballots each: a
    points vote with the distinctive numbers, and a ranked vote (for PrefLib)."""
    from agenda.models import AgendaItem
    from voting.casting import cast_online
    from voting.definition import VoteDefinition, create_vote
    from voting.rules import BallotType

    cycle = district.cycles[0]
    items = []
    for n, title in enumerate(("마을 돌봄 공동체", "골목 안전 지도", "주민 기록관")):
        item = AgendaItem(district_id=district.id, cycle_id=cycle.id, title=title,
                          description="설명", field="welfare", kind="problem_solving",
                          status="shortlisted", shortlisted_for_vote=True,
                          estimated_cost=10_000_000 * (n + 1))
        db.session.add(item)
        items.append(item)
    commit()
    organizer, admin = make_user("organizer"), make_user("admin")
    now = utcnow()
    window = {"agenda_item_ids": [i.id for i in items], "opens_at": now - timedelta(hours=1),
              "closes_at": now + timedelta(days=3), "results_live": False}
    points = create_vote(district.id, cycle.id, VoteDefinition(
        title="점수 배분 투표", ballot_type=BallotType.POINTS, method="points",
        points_total=POINTS_TOTAL, seats=1, **window), organizer)
    ranked = create_vote(district.id, cycle.id, VoteDefinition(
        title="순위 투표", ballot_type=BallotType.RANKED, method="borda", max_choices=3,
        **window), organizer)
    commit()
    for _ in range(VOTERS):
        voter = make_user()
        first, second, third = (item.id for item in points.items)
        cast_online(district.id, points.id, voter,
                    [(first, SHARES[0]), (second, SHARES[1])])
        first, second, third = (item.id for item in ranked.items)
        cast_online(district.id, ranked.id, voter, [(first, 1), (second, 2), (third, 3)])
    commit()
    return Secret(district, organizer, admin, points, ranked)


def _set(vote, **values) -> None:
    from voting.models import Vote

    db.session.rollback()
    vote = db.session.get(Vote, vote.id)
    for name, value in values.items():
        setattr(vote, name, value)
    commit()


def _close(vote) -> None:
    _set(vote, closes_at=utcnow() - timedelta(minutes=1))


def _staff_client(app, user):
    client = app.test_client()
    sign_in(client, user.email)
    return client


def _numbers_in(text: str) -> list[str]:
    return [number for number in NUMBERS if number in text]


def _jobs() -> int:
    from exports.models import ExportJob

    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(ExportJob))


def _ballots(vote) -> int:
    from voting.models import Ballot

    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Ballot).where(
        Ballot.vote_id == vote.id))


def _pdf_text(data: bytes) -> str:
    done = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    return done.stdout.decode()


def _tables(data: bytes, extension: str) -> dict[str, str]:
    """An export file's text, table by table: XLSX cells read with openpyxl, the CSV files of
    a zip, the tables of a JSON file, a PDF's text; a single-part file under ``""``."""
    if extension == "xlsx":
        workbook = load_workbook(io.BytesIO(data), read_only=True)
        return {sheet.title: "\n".join(" ".join("" if v is None else str(v) for v in row)
                                       for row in sheet.iter_rows(values_only=True))
                for sheet in workbook.worksheets}
    if extension == "zip":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return {name.removesuffix(".csv"): archive.read(name).decode("utf-8-sig")
                    for name in archive.namelist()}
    if extension == "json":
        return {table["name"]: json.dumps(table, ensure_ascii=False)
                for table in json.loads(data)["tables"]}
    if extension == "pdf":
        return {"": _pdf_text(data)}
    return {"": data.decode("utf-8-sig")}


def _text(data: bytes, extension: str) -> str:
    return "\n".join(_tables(data, extension).values())


def _file_text(response) -> str:
    """The text of a downloaded export, read by the extension its file name carries."""
    extension = response.headers["Content-Disposition"].rsplit(".", 1)[1].rstrip('"')
    text = _text(response.get_data(), extension)
    response.close()
    return text


def _exported(client, target: str, fmt: str) -> tuple[bytes, str]:
    """Ask for an export on the page, follow its job and download the file."""
    response = post_form(client, "/exports", {"target": target, "format": fmt})
    assert response.status_code == 302, response.get_data(as_text=True)
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    status = client.get(f"/exports/jobs/{job_id}/status").get_json()
    assert status["state"] == "done", status
    download = client.get(status["download_url"])
    assert download.status_code == 200
    data = download.get_data()
    download.close()
    name = download.headers["Content-Disposition"].rsplit(".", 1)[1].rstrip('"')
    return data, name


# --- Every route that takes a vote id --------------------------------------------------------

def _vote_routes(app) -> list[tuple[str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        if "vote_id" in rule.arguments:
            for method in sorted(rule.methods & {"GET", "POST"}):
                found.append((method, rule.rule))
    return found


def test_no_route_with_a_vote_id_shows_a_hidden_vote_s_numbers(app, secret):
    routes = _vote_routes(app)
    # The vote page, ballot, receipt, results page, its confirmation, the API and the staff
    # screens all take part in the sweep.
    assert {("GET", "/votes/<int:vote_id>/results"),
            ("POST", "/votes/<int:vote_id>/results/confirm"),
            ("GET", "/api/v1/votes/<int:vote_id>/results")} <= set(routes)
    # Closing the vote now ends the secret by design (hidden results are published at the
    # close): it is swept last, once every other route was asked while the vote was open.
    closing = ("POST", "/organize/votes/<int:vote_id>/close")
    assert closing in routes
    routes = [route for route in routes if route != closing] + [closing]
    for user in secret.staff:
        client = _staff_client(app, user)
        for method, rule in routes:
            if (method, rule) == closing and user is not secret.staff[-1]:
                continue
            path = rule.replace("<int:vote_id>", str(secret.points.id))
            assert "<" not in path, rule
            if method == "GET":
                answers = [client.get(path),
                           client.get(path, headers={"Accept": "application/json"})]
            else:
                token = csrf_token(client)
                answers = [client.post(path, data={"csrf_token": token}),
                           client.post(path, data={"csrf_token": token},
                                       headers={"Accept": "application/json"})]
            for answer in answers:
                body = answer.get_data(as_text=True)
                assert answer.status_code < 500, (user.email, method, rule)
                assert not _numbers_in(body), (user.email, method, rule, _numbers_in(body))
    assert _ballots(secret.points) == VOTERS


def test_hidden_results_page_and_api_say_so_with_the_turnout_and_show_them_once_closed(
        app, secret):
    client = _staff_client(app, secret.organizer)
    page = client.get(f"/votes/{secret.points.id}/results").get_data(as_text=True)
    assert HIDDEN_MESSAGE_KO.split()[0] in page and "투표지: 3장" in page
    api = client.get(f"/api/v1/votes/{secret.points.id}/results")
    assert api.status_code == 403
    assert api.get_json()["ballots"] == VOTERS and HIDDEN_MESSAGE_KO in api.get_json()["error"]
    english = client.get(f"/api/v1/votes/{secret.points.id}/results",
                         headers={"Accept-Language": "en"})
    assert HIDDEN_MESSAGE_EN in english.get_json()["error"]
    refused = post_form(client, f"/votes/{secret.points.id}/results/confirm")
    assert refused.status_code == 409 and not _numbers_in(refused.get_data(as_text=True))

    _close(secret.points)
    page = client.get(f"/votes/{secret.points.id}/results").get_data(as_text=True)
    assert "220,557" in page
    api = client.get(f"/api/v1/votes/{secret.points.id}/results")
    assert api.status_code == 200 and "220557" in api.get_data(as_text=True)


def test_live_results_are_readable_while_open(app, secret):
    _set(secret.points, results_live=True)
    client = _staff_client(app, secret.organizer)
    api = client.get(f"/api/v1/votes/{secret.points.id}/results")
    assert api.status_code == 200 and "220557" in api.get_data(as_text=True)


# --- Exports of a vote: asked, run, re-run, fetched --------------------------------------------

def _vote_for(secret, fmt):
    return secret.ranked if fmt == "preflib" else secret.points


@pytest.mark.parametrize(("kind", "fmt"), VOTE_EXPORTS)
def test_a_hidden_vote_s_export_is_refused_when_asked_and_made_once_closed(
        app, secret, kind, fmt):
    vote = _vote_for(secret, fmt)
    for user in secret.staff:
        client = _staff_client(app, user)
        response = post_form(client, "/exports", {"target": f"{kind}:{vote.id}", "format": fmt})
        body = response.get_data(as_text=True)
        assert response.status_code == 403, (user.email, response.status_code)
        assert HIDDEN_MESSAGE_KO in body and not _numbers_in(body)
        assert _jobs() == 0
    response = post_form(client, "/exports", {"target": f"{kind}:{vote.id}", "format": fmt},
                         headers={"Accept-Language": "en"})
    assert response.status_code == 403 and HIDDEN_MESSAGE_EN in response.get_data(as_text=True)
    assert _jobs() == 0

    _close(vote)
    data, extension = _exported(client, f"{kind}:{vote.id}", fmt)
    text = _text(data, extension)
    if vote is secret.points:
        assert _numbers_in(text), (kind, fmt)
    else:
        assert f"# NUMBER VOTERS: {VOTERS}" in text


@pytest.mark.parametrize(("kind", "fmt"), VOTE_EXPORTS)
def test_a_job_for_a_vote_that_hid_its_results_fails_and_writes_nothing(
        app, secret, kind, fmt):
    """The vote may hide its results between the request and the work: the job asks again,
    fails with the reason and leaves no file; a re-run is refused as a new request is."""
    from exports.jobs import build_export
    from exports.models import ExportJob, JobState
    from exports.services import exports_dir

    vote = _vote_for(secret, fmt)
    folder = exports_dir() / str(secret.district.id)
    before = sorted(folder.iterdir()) if folder.exists() else []
    job = ExportJob(district_id=secret.district.id, requester_id=secret.organizer.id,
                    kind=kind, format=fmt, scope_id=vote.id, token=secrets.token_urlsafe(32),
                    state=JobState.QUEUED.value)
    db.session.add(job)
    commit()
    build_export(job.id)
    db.session.rollback()
    job = db.session.get(ExportJob, job.id)
    assert job.state == JobState.FAILED and HIDDEN_MESSAGE_KO in job.error
    assert job.file_name is None and sorted(folder.iterdir()) == before
    client = _staff_client(app, secret.organizer)
    rerun = post_form(client, f"/exports/jobs/{job.id}/rerun")
    assert rerun.status_code == 403 and HIDDEN_MESSAGE_KO in rerun.get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(ExportJob, job.id).state == JobState.FAILED

    _close(vote)
    assert post_form(client, f"/exports/jobs/{job.id}/rerun").status_code == 302
    db.session.rollback()
    assert db.session.get(ExportJob, job.id).state == JobState.DONE


def test_a_file_made_while_results_were_live_is_not_served_once_they_are_hidden(app, secret):
    _set(secret.points, results_live=True)
    client = _staff_client(app, secret.organizer)
    response = post_form(client, "/exports", {"target": f"results:{secret.points.id}",
                                              "format": "csv"})
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    url = client.get(f"/exports/jobs/{job_id}/status").get_json()["download_url"]
    _set(secret.points, results_live=False)
    download = client.get(url)
    assert download.status_code == 403 and not _numbers_in(download.get_data(as_text=True))
    _close(secret.points)
    download = client.get(url)
    assert download.status_code == 200 and _numbers_in(_file_text(download))


# --- The cycle export --------------------------------------------------------------------------

def _vote_sheets(tables: dict[str, str]) -> dict[str, str]:
    """The cycle export's vote sheets: ``V1 투표 결과`` in a workbook, ``v1_results`` else."""
    return {name: text for name, text in tables.items()
            if name[:1] in "vV" and name[1:2].isdigit()}


@pytest.mark.parametrize("fmt", CYCLE_FORMATS)
def test_the_cycle_export_says_a_hidden_vote_s_results_are_hidden(app, secret, fmt):
    cycle = secret.district.cycles[0]
    for user in secret.staff:
        client = _staff_client(app, user)
        data, extension = _exported(client, f"cycle:{cycle.id}", fmt)
        tables = _tables(data, extension)
        assert not _numbers_in("\n".join(tables.values()))
        sheets = _vote_sheets(tables)
        assert len(sheets) == 2, list(tables)
        for text in sheets.values():
            assert HIDDEN_MESSAGE_KO in text and "선정" not in text
            assert "예" not in text.split() and "아니오" not in text.split()

    _close(secret.points)
    data, extension = _exported(client, f"cycle:{cycle.id}", fmt)
    sheets = _vote_sheets(_tables(data, extension))
    shown = [text for text in sheets.values() if _numbers_in(text)]
    assert len(shown) == 1 and "선정" in shown[0] and HIDDEN_MESSAGE_KO not in shown[0]


# --- Open data -------------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "fmt"), OPEN_DATA)
def test_open_data_refuses_a_hidden_vote_and_publishes_it_once_closed(app, secret, kind, fmt):
    vote = _vote_for(secret, fmt)
    client = app.test_client()
    url = f"/api/v1/open-data/{kind}/{vote.id}.{fmt}"
    response = client.get(url)
    assert response.status_code == 403 and not _numbers_in(response.get_data(as_text=True))
    assert HIDDEN_MESSAGE_KO in response.get_json()["error"]
    english = client.get(url, headers={"Accept-Language": "en"})
    assert HIDDEN_MESSAGE_EN in english.get_json()["error"]
    _close(vote)
    response = client.get(url)
    assert response.status_code == 200
    text = _file_text(response)
    assert _numbers_in(text) if vote is secret.points else f"NUMBER VOTERS: {VOTERS}" in text


CITY_OPEN_DATA = ("/city/open-data", "/city/open-data/districts.csv",
                  "/city/open-data/participation.csv", "/city/open-data/plans.csv",
                  "/city/open-data.json")


def test_the_city_open_data_shows_a_hidden_vote_s_turnout_only(app, secret):
    """The city-wide page and its files give the district's year its turnout (three voters)
    while the votes are open, and no number of any item."""
    client = app.test_client()
    for path in CITY_OPEN_DATA:
        response = client.get(path)
        assert response.status_code == 200, path
        assert not _numbers_in(response.get_data(as_text=True)), path
    (year,) = [table for table in client.get("/city/open-data.json").get_json()["tables"]
               if table["name"] == "participation"][0]["rows"]
    assert year["voters"] == VOTERS


# --- The command line and the services -------------------------------------------------------

def test_flask_tally_and_flask_export_refuse_a_hidden_vote(app, secret, tmp_path):
    runner = app.test_cli_runner()
    tally = runner.invoke(args=["tally", str(secret.points.id), "--json"])
    assert tally.exit_code != 0 and HIDDEN_MESSAGE_KO in tally.output
    assert not _numbers_in(tally.output)
    for kind in ("results", "ballots"):
        out = tmp_path / f"{kind}.json"
        done = runner.invoke(args=["export", kind, "--format", "json", "--out", str(out),
                                   "--vote", str(secret.points.id)])
        assert done.exit_code != 0 and HIDDEN_MESSAGE_KO in done.output
        assert not out.exists() and not list(tmp_path.glob(".*.part"))

    _close(secret.points)
    tally = runner.invoke(args=["tally", str(secret.points.id), "--json"])
    assert tally.exit_code == 0 and "220557" in tally.output
    out = tmp_path / "results.json"
    done = runner.invoke(args=["export", "results", "--format", "json", "--out", str(out),
                               "--vote", str(secret.points.id)])
    assert done.exit_code == 0 and _numbers_in(out.read_text())


def test_every_service_that_reads_ballots_or_results_refuses_a_hidden_vote(secret):
    from voting.confirmed import approval_ballots
    from voting.jobs import count_vote
    from voting.models import VoteResult
    from voting.results import compute_result, current_result
    from voting.secrecy import ResultsHidden
    from voting.stored_ballots import (
        approval_rows,
        ballot_count,
        distinct_ballot_count,
        distinct_ballots,
        folded_ballots,
    )

    vote = secret.points
    readers = {
        "current_result": lambda: current_result(vote, allow_job=False),
        "compute_result": lambda: compute_result(vote.id),
        "distinct_ballots": lambda: list(distinct_ballots(vote)),
        "distinct_ballot_count": lambda: distinct_ballot_count(vote),
        "folded_ballots": lambda: folded_ballots(vote),
        "approval_rows": lambda: approval_rows(vote),
        "approval_ballots": lambda: approval_ballots(secret.district.id, vote.id),
    }
    for name, read in readers.items():
        with pytest.raises(ResultsHidden):
            read()
            pytest.fail(f"{name} read a hidden vote")
        db.session.rollback()
    count_vote(vote.id)
    db.session.rollback()
    record = db.session.get(VoteResult, vote.id)
    assert record.status == "failed" and record.result is None
    assert ballot_count(vote.id) == VOTERS

    _close(vote)
    db.session.expire_all()
    for name, read in readers.items():
        assert read() is not None, name
    count_vote(vote.id)
    commit()
    record = db.session.get(VoteResult, vote.id)
    assert record.status == "done" and record.result["support"]
