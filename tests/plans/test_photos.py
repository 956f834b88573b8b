"""Photos on progress reports: cleaned of metadata, described in words, stored whole,
served only as this district's, refused with a reason when they are not photos."""

import io
from datetime import date
from pathlib import Path

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from core.db import commit, db
from plans import photos, progress
from plans.models import ProgressReport
from tests.conftest import csrf_token, post_form, sign_in
from tests.plans.conftest import approve, city_round, review_round

GPS = 0x8825  # the EXIF tag that holds where a photo was taken


def _photo(size=(2400, 1800), fmt="JPEG", with_gps=True) -> bytes:
    image = Image.new("RGB", size, (30, 120, 60))
    exif = Image.Exif()
    if with_gps:
        exif[0x010F] = "PhoneMaker"  # camera make
        exif[GPS] = {1: "N", 2: (37.0, 32.0, 0.0), 3: "E", 4: (127.0, 7.0, 0.0)}
    out = io.BytesIO()
    image.save(out, fmt, **({"exif": exif} if fmt == "JPEG" else {}))
    return out.getvalue()


@pytest.fixture
def project(ctx, district, plan, organizer, roster):
    with ctx.test_request_context():
        review_round(district, plan, organizer)
        approve(district, plan, organizer, roster)
        city_round(district, plan, organizer)
        commit()
    return plan.projects[0]


@pytest.fixture
def staff_client(client, organizer):
    sign_in(client, organizer.email)
    return client


def _report(client, project_id, **fields):
    data = {"reported_on": "2027-06-30", "status": "on_track", "percent": "40",
            "spent": "1000000", "notes": "첫 모임을 열었습니다.", **fields}
    return post_form(client, f"/plans/projects/{project_id}/progress", data,
                     content_type="multipart/form-data")


def test_cleaning_strips_metadata_turns_upright_and_bounds_the_size():
    cleaned = Image.open(io.BytesIO(photos.cleaned(_photo())))
    assert cleaned.format == "JPEG" and max(cleaned.size) == photos.MAX_SIDE
    assert not cleaned.getexif() and "icc_profile" not in cleaned.info
    rotated = Image.new("RGB", (40, 20))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: turn 90 degrees to show upright
    out = io.BytesIO()
    rotated.save(out, "JPEG", exif=exif)
    assert Image.open(io.BytesIO(photos.cleaned(out.getvalue()))).size == (20, 40)
    for bad in (b"GIF89a not really", b"%PDF-1.7", b""):
        with pytest.raises(photos.PhotoError):
            photos.cleaned(bad)
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    with pytest.raises(photos.PhotoError, match="not_a_photo"):
        photos.cleaned(gif.getvalue())


def test_a_report_with_a_photo_shows_it_without_metadata_on_the_public_page(
        staff_client, client, project, cycle):
    response = _report(staff_client, project.id, photo=(io.BytesIO(_photo()), "현장.jpg"),
                       photo_alt="주민들이 공유 부엌에서 반찬을 만드는 모습")
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.rollback()
    report = db.session.get(ProgressReport, project.reports[-1].id)
    assert report.photo.endswith(".jpg") and report.photo_alt.startswith("주민들이")
    # Stored in the district's own folder.
    stored = (Path(staff_client.application.config["PHOTOS_DIR"]) / str(project.plan.district_id)
              / report.photo)
    with Image.open(stored) as image:
        assert not image.getexif()
    page = client.get(f"/cycles/{cycle.id}/plan").get_data(as_text=True)
    assert f'alt="{report.photo_alt}"' in page
    with client.get(f"/plans/photos/{report.photo}") as served:
        assert served.status_code == 200 and served.mimetype == "image/jpeg"
        assert b"PhoneMaker" not in served.data and served.data == stored.read_bytes()


@pytest.mark.parametrize(("content", "alt", "message"), [
    (None, "", "무엇이 보이는지"),
    (b"<svg onload=alert(1)>", "현장 사진", "사진 파일이 아닙니다"),
])
def test_bad_photos_are_refused_and_store_nothing(staff_client, project, content, alt,
                                                   message):
    folder = Path(staff_client.application.config["PHOTOS_DIR"])
    before = set(folder.rglob("*")) if folder.exists() else set()
    data = {"photo": (io.BytesIO(content or _photo()), "현장.jpg"), "photo_alt": alt}
    response = _report(staff_client, project.id, **data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(type(project), project.id).reports == []
    after = set(folder.rglob("*")) if folder.exists() else set()
    assert after == before


def test_a_body_over_the_upload_limit_is_refused_with_413(staff_client, project):
    too_big = b"\xff\xd8" + bytes(photos.MAX_BYTES + 128 * 1024)
    # Encoded in memory: the test client would spool a body this large to a temporary file
    # that nobody closes when the server (rightly) never reads it.
    boundary, body = encode_multipart(MultiDict({
        "csrf_token": csrf_token(staff_client), "reported_on": "2027-06-30",
        "status": "on_track", "percent": "40", "spent": "0", "photo_alt": "큰 사진",
        "photo": FileStorage(io.BytesIO(too_big), "큰.jpg")}))
    response = staff_client.post(f"/plans/projects/{project.id}/progress", data=body,
                                 content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413
    assert "너무 큽니다" in response.get_data(as_text=True)
    # Other forms keep the ordinary limit.
    big_comment = post_form(staff_client, "/signin", {"email": "x" * (3 * 1024 * 1024)})
    assert big_comment.status_code == 413


def test_photos_of_another_district_or_unknown_names_are_not_served(client, ctx, project):
    from core.models import District

    report = progress.report_progress(
        project.plan.district_id, project.id, reported_on=date(2027, 6, 30),
        status="on_track", percent=10, spent=0, notes="", reporter="",
        photo=_photo(with_gps=False), photo_alt="현장")
    commit()
    with client.get(f"/plans/photos/{report.photo}") as served:
        assert served.status_code == 200
    assert client.get("/plans/photos/없는사진.jpg").status_code == 404
    assert client.get("/plans/photos/..%2Fsecret_key").status_code == 404
    other = District(slug="songpa", name_ko="송파구", name_en="Songpa-gu")
    db.session.add(other)
    plan = project.plan
    plan.district_id = other.id
    commit()
    assert client.get(f"/plans/photos/{report.photo}").status_code == 404


def test_a_photo_stored_before_district_folders_is_still_served_to_its_district_only(
        client, ctx, project):
    from core.models import District

    report = progress.report_progress(
        project.plan.district_id, project.id, reported_on=date(2027, 6, 30),
        status="on_track", percent=10, spent=0, notes="", reporter="",
        photo=_photo(with_gps=False), photo_alt="현장")
    commit()
    flat = progress.photos_dir()
    # As the flat layout left it: the file directly in PHOTOS_DIR.
    (progress.district_photos_dir(project.plan.district_id) / report.photo).rename(
        flat / report.photo)
    with client.get(f"/plans/photos/{report.photo}") as served:
        assert served.status_code == 200
        assert served.data == (flat / report.photo).read_bytes()
    other = District(slug="songpa", name_ko="송파구", name_en="Songpa-gu")
    db.session.add(other)
    commit()
    assert client.get(f"/songpa/plans/photos/{report.photo}").status_code == 404
    project.plan.district_id = other.id
    commit()
    assert client.get(f"/plans/photos/{report.photo}").status_code == 404
    with client.get(f"/songpa/plans/photos/{report.photo}") as served:
        assert served.status_code == 200
