"""Export jobs from the browser side: progress, private expiring logged links, re-runs,
a worker that died, and no half-written file ever served."""

import re
from datetime import timedelta

from core.db import db, utcnow
from tests.conftest import post_form, sign_in


def _ask(client, demo, target: str, fmt: str, **extra):
    return post_form(client, "/exports", {"target": target, "format": fmt, **extra})


def _get(client, url):
    """GET a download and close it, as a browser would, so the file handle is released."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def _job(job_id):
    from exports.models import ExportJob

    db.session.rollback()
    return db.session.get(ExportJob, job_id)


def _job_id(response) -> int:
    return int(re.search(r"/exports/jobs/(\d+)", response.headers["Location"]).group(1))


def test_organizer_exports_with_progress_and_downloads_once_logged(demo, client):
    sign_in(client, demo.organizer, demo.organizer_password)
    response = _ask(client, demo, f"cycle:{demo.cycle.id}", "xlsx")
    assert response.status_code == 302
    job_id = _job_id(response)
    page = client.get(f"/exports/jobs/{job_id}").get_data(as_text=True)
    assert "<progress" in page and 'value="100"' in page
    status = client.get(f"/exports/jobs/{job_id}/status").get_json()
    assert status["state"] == "done" and status["progress"] == 100 and status["ready"]
    assert status["rows_done"] == status["rows_total"] > 0
    download = _get(client, status["download_url"])
    assert download.status_code == 200
    assert download.headers["Content-Type"].startswith("application/vnd.openxml")
    assert "private" in download.headers["Cache-Control"]
    assert download.data.startswith(b"PK")
    job = _job(job_id)
    assert len(job.downloads) == 1 and job.downloads[0].user_id == job.requester_id
    assert job.sha256 and job.file_size == len(download.data)


def test_links_are_private_to_the_requester(demo, client, make_user, app):
    sign_in(client, demo.organizer, demo.organizer_password)
    job_id = _job_id(_ask(client, demo, f"agenda:{demo.cycle.id}", "csv"))
    url = client.get(f"/exports/jobs/{job_id}/status").get_json()["download_url"]
    other = app.test_client()
    colleague = make_user("organizer")
    sign_in(other, colleague.email)
    refused = other.get(url)
    assert refused.status_code == 404
    assert "요청한 사람만" in refused.get_data(as_text=True)
    assert other.get(f"/exports/jobs/{job_id}").status_code == 404
    assert other.get(f"/exports/jobs/{job_id}/status").status_code == 404
    assert client.get("/exports/download/not-a-real-token").status_code == 404
    assert _job(job_id).downloads == []


def test_expired_links_answer_410_and_a_rerun_gives_the_same_file(demo, client):
    sign_in(client, demo.organizer, demo.organizer_password)
    job_id = _job_id(_ask(client, demo, f"forum:{demo.forum.id}", "json"))
    first = _job(job_id)
    old_url, old_sha = f"/exports/download/{first.token}", first.sha256
    first.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    expired = client.get(old_url)
    assert expired.status_code == 410 and "만료" in expired.get_data(as_text=True)
    assert client.get(f"/exports/jobs/{job_id}/status").get_json()["expired"]
    rerun = post_form(client, f"/exports/jobs/{job_id}/rerun")
    assert rerun.status_code == 302
    again = _job(job_id)
    assert again.state == "done" and again.attempts == 2
    assert again.sha256 == old_sha
    assert client.get(old_url).status_code == 404
    assert _get(client, f"/exports/download/{again.token}").status_code == 200
    assert post_form(client, f"/exports/jobs/{job_id}/rerun").status_code == 409


def test_a_job_whose_worker_died_ends_failed_and_can_be_rerun(demo, client, app):
    from pathlib import Path

    from exports.models import JobState

    sign_in(client, demo.organizer, demo.organizer_password)
    job_id = _job_id(_ask(client, demo, f"agenda:{demo.cycle.id}", "xlsx"))
    job = _job(job_id)
    good_sha = job.sha256
    # What a crash leaves: the row still running, its heartbeat old, a partial file beside.
    Path(app.config["EXPORTS_DIR"], str(job.district_id), f"{job.id}.xlsx").unlink()
    partial = Path(app.config["EXPORTS_DIR"], str(job.district_id), f".{job.id}-1.part")
    partial.write_bytes(b"PK half")
    job.state, job.progress, job.file_name = JobState.RUNNING.value, 40, None
    job.heartbeat_at = utcnow() - timedelta(seconds=app.config["EXPORT_STALE_SECONDS"] + 5)
    job.expires_at = None
    db.session.commit()
    assert client.get(f"/exports/download/{job.token}").status_code == 409
    status = client.get(f"/exports/jobs/{job_id}/status").get_json()
    assert status["state"] == "failed" and "다시 실행" in status["error"]
    page = client.get(f"/exports/jobs/{job_id}").get_data(as_text=True)
    assert "다시 실행" in page
    assert post_form(client, f"/exports/jobs/{job_id}/rerun").status_code == 302
    done = _job(job_id)
    assert done.state == "done" and done.sha256 == good_sha


def test_a_failing_export_ends_failed_with_a_message(demo, client, app):
    sign_in(client, demo.organizer, demo.organizer_password)
    app.config["EXPORTS_PDF_FONT"] = "/nonexistent/font.ttc"
    try:
        job_id = _job_id(_ask(client, demo, f"forum:{demo.forum.id}", "pdf"))
    finally:
        app.config.pop("EXPORTS_PDF_FONT")
    job = _job(job_id)
    assert job.state == "failed" and "fonts-noto-cjk" in job.error
    from pathlib import Path

    assert not list(Path(app.config["EXPORTS_DIR"], str(job.district_id)).glob(
        f".{job_id}-*.part"))


def test_bad_requests_are_refused_with_a_message(demo, client, other_district):
    sign_in(client, demo.organizer, demo.organizer_password)
    unsupported = _ask(client, demo, f"agenda:{demo.cycle.id}", "pdf")
    assert unsupported.status_code == 422
    page = unsupported.get_data(as_text=True)
    assert re.search(r'id="format-error">‘의제’은\(는\) PDF 보고서 형식으로 내보낼 수 없습니다. '
                     r"가능한 형식: CSV \(엑셀에서 열림\), 엑셀 XLSX, JSON<", page)
    english = post_form(client, "/exports", {"target": f"agenda:{demo.cycle.id}",
                                             "format": "pdf"},
                        headers={"Accept-Language": "en"})
    assert english.status_code == 422
    assert "cannot be exported as PDF report" in english.get_data(as_text=True)
    foreign = _ask(client, demo, f"agenda:{other_district.cycles[0].id}", "csv")
    assert foreign.status_code == 422
    unknown = _ask(client, demo, f"agenda:{demo.cycle.id}", "docx")
    assert unknown.status_code == 422
    no_personal = _ask(client, demo, f"participation:{demo.cycle.id}", "csv",
                       include_personal="y")
    assert no_personal.status_code == 400
    from exports.models import ExportJob

    db.session.rollback()
    assert db.session.query(ExportJob).count() == 0


def test_personal_data_needs_an_explicit_request(demo, client):
    sign_in(client, demo.organizer, demo.organizer_password)
    plain = _job(_job_id(_ask(client, demo, f"agenda:{demo.cycle.id}", "json")))
    assert not plain.include_personal
    assert "제안자 이메일" not in _get(client, f"/exports/download/{plain.token}").get_data(
        as_text=True)
    personal = _job(_job_id(_ask(client, demo, f"agenda:{demo.cycle.id}", "json",
                                 include_personal="y")))
    assert personal.include_personal
    assert "제안자 이메일" in _get(client, f"/exports/download/{personal.token}").get_data(
        as_text=True)


def test_residents_cannot_export(demo, client, make_user):
    resident = make_user("resident")
    sign_in(client, resident.email)
    assert client.get("/exports").status_code == 403
    assert _ask(client, demo, f"agenda:{demo.cycle.id}", "csv").status_code == 403


def test_every_kind_downloads_in_every_format_through_the_pages(demo, client):
    """What the export page offers, an organizer can download: each kind in each of its
    formats, through a job whose page shows the finished progress bar."""
    from exports.registry import MEDIA_TYPES, targets
    from tests.exports.conftest import close_hidden_votes
    from voting.models import Vote
    from voting.rules import BallotType

    close_hidden_votes(demo.cycle.id)
    sign_in(client, demo.organizer, demo.organizer_password)
    first = {}
    for kind, scope_id, _title in targets(demo.district.id):
        first.setdefault(kind.name, (kind, []))[1].append(scope_id)
    assert set(first) >= {"agenda", "forum", "participation", "plan", "ballots", "results",
                          "cycle"}
    checked = 0
    for name, (kind, scope_ids) in first.items():
        for fmt in kind.formats:
            candidates = scope_ids
            if name == "ballots":
                # PrefLib holds ranked votes, Pabulib the others.
                candidates = [i for i in scope_ids if (db.session.get(Vote, i).type
                                                       == BallotType.RANKED) == (fmt == "preflib")]
            # Not every object has every kind (a later cycle has no plan yet): the first that
            # has one is exported.
            response = next(r for r in (_ask(client, demo, f"{name}:{i}", fmt)
                                        for i in candidates) if r.status_code == 302)
            job_id = _job_id(response)
            page = client.get(f"/exports/jobs/{job_id}").get_data(as_text=True)
            assert "<progress" in page, (name, fmt)
            status = client.get(f"/exports/jobs/{job_id}/status").get_json()
            assert status["state"] == "done" and status["ready"], (name, fmt, status)
            download = _get(client, status["download_url"])
            assert download.status_code == 200 and len(download.data) > 0, (name, fmt)
            if fmt in ("xlsx", "pdf", "json"):
                assert download.headers["Content-Type"] == MEDIA_TYPES[fmt], (name, fmt)
            checked += 1
    assert checked >= 20


def test_the_form_offers_each_material_only_its_formats(demo, client):
    from exports.registry import KINDS
    from voting.models import Vote
    from voting.rules import BallotType

    sign_in(client, demo.organizer, demo.organizer_password)
    page = client.get("/exports").get_data(as_text=True)
    targets = re.findall(
        r'<option data-formats="([a-z ]+)"(?: selected)? value="([a-z]+):(\d+)"', page)
    assert {kind for _formats, kind, _id in targets} >= {"agenda", "forum", "results",
                                                         "ballots"}
    for formats, kind, scope_id in targets:
        assert formats.split() == list(KINDS[kind].formats_for(int(scope_id)))
    # A vote's ballots go to the one research format that holds its ballot type.
    ballots = {int(i): formats.split() for formats, kind, i in targets if kind == "ballots"}
    for vote_id, formats in ballots.items():
        ranked = db.session.get(Vote, vote_id).type == BallotType.RANKED
        assert ("preflib" in formats, "pabulib" in formats) == (ranked, not ranked)
    # Without the script, the list holds the formats of the material shown first.
    first = KINDS[targets[0][1]].formats_for(int(targets[0][2]))
    select = re.search(r'<select[^>]*name="format".*?</select>', page, re.S).group(0)
    assert re.findall(r'<option value="([a-z]+)"', select) == list(first)
    refused = re.findall(r'<option disabled hidden value="([a-z]+)"', select)
    assert set(refused) == {"csv", "xlsx", "pdf", "json", "preflib", "pabulib"} - set(first)
    # Posted anyway: refused beside the field, in words, and nothing is recorded.
    ranked_vote = next(i for i, formats in ballots.items() if "preflib" in formats)
    wrong = _ask(client, demo, f"ballots:{ranked_vote}", "pabulib")
    assert wrong.status_code == 422
    assert re.search(r'id="format-error">‘투표지 \(익명\)’은\(는\) Pabulib \(참여예산형 투표\) '
                     r"형식으로 내보낼 수 없습니다. 가능한 형식: CSV \(엑셀에서 열림\), 엑셀 XLSX, "
                     r"JSON, PrefLib \(순위 투표\)<", wrong.get_data(as_text=True))
    from exports.models import ExportJob

    db.session.rollback()
    assert db.session.query(ExportJob).count() == 0


def test_job_pages_name_the_material_in_words(demo, client):
    sign_in(client, demo.organizer, demo.organizer_password)
    job_id = _job_id(_ask(client, demo, f"forum:{demo.forum.id}", "pdf"))
    page = client.get(f"/exports/jobs/{job_id}").get_data(as_text=True)
    assert "공론장 · PDF 보고서" in page or "공론장" in page.split("PDF 보고서")[0]
    assert ">forum ·" not in page and "forum · " not in page
    english = client.get(f"/exports/jobs/{job_id}", headers={"Accept-Language": "en"})
    text = english.get_data(as_text=True)
    assert "PDF report" in text and "forum ·" not in text
    listing = client.get("/exports").get_data(as_text=True)
    assert f"#{job_id} forum" not in listing


def test_a_report_being_made_shows_work_going_on_without_row_figures(demo, client):
    """A PDF is not written row by row: while it is made the bar moves without a value and no
    "0 / 12 rows" appears; a CSV in progress shows its rows."""
    from exports.models import JobState

    sign_in(client, demo.organizer, demo.organizer_password)
    pdf = _job(_job_id(_ask(client, demo, f"forum:{demo.forum.id}", "pdf")))
    assert pdf.rows_total == 0
    csv_job = _job(_job_id(_ask(client, demo, f"agenda:{demo.cycle.id}", "csv")))
    assert csv_job.rows_done == csv_job.rows_total > 0
    pdf.state, pdf.progress, pdf.heartbeat_at = JobState.RUNNING.value, 0, utcnow()
    csv_job.state, csv_job.progress, csv_job.rows_done = JobState.RUNNING.value, 40, 4
    csv_job.heartbeat_at = utcnow()
    db.session.commit()
    page = client.get(f"/exports/jobs/{pdf.id}").get_data(as_text=True)
    bar = re.search(r"<progress[^>]*>", page).group(0)
    assert "value=" not in bar and 'data-rows-known="false"' in bar
    assert re.search(r'<span data-field="figures" hidden>', page)
    assert "만드는 중" in page
    status = client.get(f"/exports/jobs/{pdf.id}/status").get_json()
    assert status["state"] == "running" and not status["rows_known"]
    page = client.get(f"/exports/jobs/{csv_job.id}").get_data(as_text=True)
    assert 'value="40"' in re.search(r"<progress[^>]*>", page).group(0)
    assert re.search(r'<span data-field="figures">', page)
    assert client.get(f"/exports/jobs/{csv_job.id}/status").get_json()["rows_known"]
