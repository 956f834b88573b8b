"""Kinds × formats on the demo: privacy, tenancy, XLSX sheets, PDF pixels, CLI, open data."""

import csv
import io
import json
import subprocess
import zipfile

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core.db import db
from core.errors import DomainError, NotFound
from tests.conftest import sign_in
from tests.exports.conftest import export_bytes


def _csv(data: bytes, member: str | None = None) -> list[list[str]]:
    if member is not None:
        data = zipfile.ZipFile(io.BytesIO(data)).read(member)
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_agenda_leaves_out_proposers_unless_asked(demo):
    from accounts.models import User
    from agenda.models import AgendaItem
    from core.db import db

    authors = {u.email for u in db.session.query(User).join(
        AgendaItem, AgendaItem.author_id == User.id).filter(
        AgendaItem.cycle_id == demo.cycle.id, AgendaItem.is_draft.is_(False))}
    assert authors
    _, plain = export_bytes("agenda", "csv", demo.district.id, demo.cycle.id)
    text = zipfile.ZipFile(io.BytesIO(plain)).read("agenda_items.csv").decode("utf-8-sig")
    assert not any(email in text for email in authors)
    assert "제안자 이메일" not in text
    _, personal = export_bytes("agenda", "csv", demo.district.id, demo.cycle.id,
                               include_personal=True)
    rows = _csv(personal, "agenda_items.csv")
    assert rows[0][-2:] == ["제안자 이름", "제안자 이메일"]
    assert authors <= {row[-1] for row in rows[1:]}


def test_agenda_keeps_merge_provenance_and_history(demo):
    _, data = export_bytes("agenda", "json", demo.district.id, demo.cycle.id)
    tables = {t["name"]: t for t in json.loads(data)["tables"]}
    merges = tables["agenda_merges"]["rows"]
    assert merges and all(m["fused_item_id"] and m["source_item_id"] for m in merges)
    assert {m["source_item_id"] for m in merges} <= {i["id"] for i in
                                                     tables["agenda_items"]["rows"]}
    assert any(h["action"] == "통합됨" for h in tables["agenda_history"]["rows"])
    assert "actor" not in tables["agenda_history"]["rows"][0]


def test_forum_answers_are_pseudonymous(demo):
    _, data = export_bytes("forum", "json", demo.district.id, demo.forum.id)
    tables = {t["name"]: t for t in json.loads(data)["tables"]}
    answers = tables["forum_answers"]["rows"]
    assert answers and all(a["participant"].startswith("P") for a in answers)
    assert "participant_id" not in answers[0]
    participants = tables["forum_participants"]["rows"]
    assert set(participants[0]) == {"participant", "table"}
    assert len(participants) == len(demo.forum.participants)
    from exports.kinds.forum import pseudonyms

    names = pseudonyms(demo.forum)
    # Not the numbers people saw on their screens, nor the order they joined in.
    in_join_order = [names[p.id] for p in sorted(demo.forum.participants, key=lambda p: p.id)]
    assert in_join_order != sorted(in_join_order)
    shift = [r for r in tables["forum_analysis"]["rows"]
             if r["option"] == "주민 스스로의 거버넌스 의식 부족"][0]
    assert round(shift["pre_share"] * 100) == 12 and round(shift["post_share"] * 100) == 23
    # Every test of the report is in the table, with its interval, family and written p.
    assert shift["pre_ci_low"] < shift["pre_share"] < shift["pre_ci_high"]
    assert 0 < shift["shift_ci_low"] < shift["shift"] < shift["shift_ci_high"]
    assert (shift["moved_in"], shift["moved_out"], shift["p_text"]) == (13, 3, "p = 0.021")
    assert shift["overall_test"] == "Stuart–Maxwell" and shift["overall_df"] == 4
    assert "11%에서 23%로 늘었습니다" in shift["summary"]
    tests = {r["overall_test"] for r in tables["forum_analysis"]["rows"]}
    assert tests == {"Stuart–Maxwell", "Wilcoxon signed-rank"}
    _, personal = export_bytes("forum", "json", demo.district.id, demo.forum.id,
                               include_personal=True)
    rows = {t["name"]: t for t in json.loads(personal)["tables"]}["forum_participants"]["rows"]
    assert {"age_band", "gender", "dong"} <= set(rows[0])
    consented = sum(1 for p in demo.forum.participants if p.consented_at is not None)
    assert sum(1 for r in rows if r["age_band"]) == consented


def test_cycle_xlsx_has_one_sheet_per_table(demo):
    extension, data = export_bytes("cycle", "xlsx", demo.district.id, demo.cycle.id)
    assert extension == "xlsx"
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    assert workbook.sheetnames[:3] == ["의제 목록", "의제 통합 이력", "의제 상태 이력"]
    for expected in ("F1 설문 응답", "F1 의견 변화 분석", "실행사업", "성과평가",
                     "단계별 참여 현황"):
        assert expected in workbook.sheetnames
    projects = load_workbook(io.BytesIO(data))["실행사업"]
    assert projects.freeze_panes == "A2"
    budget = [c for c in projects[1] if c.value == "예산"][0].column
    assert projects.cell(2, budget).number_format == '#,##0"원"'


def _png_is_not_blank(pdf: bytes, tmp_path) -> tuple[int, int]:
    source = tmp_path / "report.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", "-gray", str(source),
                    str(tmp_path / "page")], check=True)
    png = next(tmp_path.glob("page*.png"))
    from PIL import Image

    image = Image.open(png).convert("L")
    dark = image.point(lambda value: 255 if value < 128 else 0).histogram()[255]
    return dark, image.width * image.height


def test_vote_results_pdf_has_ranking_selection_and_charts(demo, tmp_path):
    from voting.models import Vote
    from voting.secrecy import results_visible

    vote = next(v for v in db.session.scalars(select(Vote).order_by(Vote.id))
                if results_visible(v))
    extension, pdf = export_bytes("results", "pdf", demo.district.id, vote.id)
    assert extension == "pdf" and pdf.startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()
    assert vote.title.split()[0] in text and "순위와 선정" in text and "종합 점수" in text
    assert vote.tie_seed in text
    dark, total = _png_is_not_blank(pdf, tmp_path)
    assert 0.005 < dark / total < 0.5


@pytest.mark.parametrize("kind", ["forum", "plan"])
def test_pdf_report_has_korean_text_charts_and_ink(demo, kind, tmp_path):
    scope = demo.forum.id if kind == "forum" else demo.cycle.id
    extension, pdf = export_bytes(kind, "pdf", demo.district.id, scope)
    assert extension == "pdf" and pdf.startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-l", "1", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()
    expected = demo.forum.title if kind == "forum" else "실행계획"
    assert expected.split()[0] in text
    assert "12.1%" in text if kind == "forum" else "만원" in text
    dark, total = _png_is_not_blank(pdf, tmp_path)
    assert 0.005 < dark / total < 0.5


def test_pdf_missing_font_says_what_to_install(demo, app):
    from exports.pdf import PdfUnavailable

    app.config["EXPORTS_PDF_FONT"] = "/nonexistent/NotoSansCJK.ttc"
    try:
        with pytest.raises(PdfUnavailable, match="fonts-noto-cjk"):
            export_bytes("forum", "pdf", demo.district.id, demo.forum.id)
    finally:
        app.config.pop("EXPORTS_PDF_FONT")


def test_unknown_kinds_formats_and_foreign_scopes_are_refused(demo, other_district):
    with pytest.raises(NotFound, match="알 수 없는 내보내기 종류"):
        export_bytes("minutes", "csv", demo.district.id, demo.cycle.id)
    with pytest.raises(DomainError, match="알 수 없는 형식") as refused:
        export_bytes("agenda", "docx", demo.district.id, demo.cycle.id)
    assert refused.value.status == 400
    # In words, not codes: the kind's name and the formats as the form lists them.
    refusal = ("‘의제’은\\(는\\) PDF 보고서 형식으로 내보낼 수 없습니다. "
               "가능한 형식: CSV \\(엑셀에서 열림\\), 엑셀 XLSX, JSON")
    with pytest.raises(DomainError, match=refusal):
        export_bytes("agenda", "pdf", demo.district.id, demo.cycle.id)
    foreign_cycle = other_district.cycles[0].id
    with pytest.raises(NotFound):
        export_bytes("agenda", "csv", demo.district.id, foreign_cycle)
    with pytest.raises(NotFound):
        export_bytes("forum", "csv", other_district.id, demo.forum.id)


def test_open_data_without_signing_in(demo, client):
    page = client.get("/open-data")
    assert page.status_code == 200
    assert f"/api/v1/open-data/plan/{demo.cycle.id}.csv" in page.get_data(as_text=True)
    response = client.get(f"/api/v1/open-data/plan/{demo.cycle.id}.json")
    assert response.status_code == 200
    names = [t["name"] for t in response.get_json()["tables"]]
    assert names == ["plan", "plan_projects", "plan_progress", "plan_evaluations"]
    evaluations = response.get_json()["tables"][3]
    assert "evaluator" not in {c["key"] for c in evaluations["columns"]}
    csv_response = client.get(f"/api/v1/open-data/agenda/{demo.cycle.id}.csv")
    assert csv_response.status_code == 200 and csv_response.data.startswith(b"PK")
    assert client.get(f"/api/v1/open-data/agenda/{demo.cycle.id}.xlsx").status_code == 404
    assert client.get(f"/api/v1/open-data/cycle/{demo.cycle.id}.json").status_code == 404
    assert client.get(f"/api/v1/open-data/votes/{demo.cycle.id}.json").status_code == 404
    assert client.get("/api/v1/open-data/plan/99999.json").status_code == 404


def test_open_data_forum_has_no_individual_answers(demo, client):
    response = client.get(f"/api/v1/open-data/forum/{demo.forum.id}.json")
    assert [t["name"] for t in response.get_json()["tables"]] == ["forum", "forum_analysis"]


def test_cli_writes_the_same_bytes_as_the_registry(demo, app, tmp_path):
    out = tmp_path / "agenda.xlsx"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["export", "agenda", "--format", "xlsx", "--out", str(out),
                                 "--cycle", str(demo.cycle.id)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == export_bytes("agenda", "xlsx", demo.district.id,
                                            demo.cycle.id)[1]
    refused = runner.invoke(args=["export", "agenda", "--format", "pdf", "--out",
                                  str(tmp_path / "x.pdf"), "--cycle", str(demo.cycle.id)])
    assert refused.exit_code != 0 and "PDF" in refused.output
    assert not (tmp_path / "x.pdf").exists()
    missing = runner.invoke(args=["export", "forum", "--format", "csv", "--out",
                                  str(tmp_path / "f.csv"), "--cycle", "1"])
    assert missing.exit_code != 0 and "--forum" in missing.output


def test_cli_exports_the_district_it_names(demo, app, tmp_path):
    from core.models import Cycle, District

    seongdong = db.session.scalar(select(District).where(District.slug == "seongdong"))
    cycle = db.session.scalar(select(Cycle).where(Cycle.district_id == seongdong.id))
    assert seongdong.id != demo.district.id
    runner = app.test_cli_runner()
    out = tmp_path / "seongdong" / "agenda.csv"
    result = runner.invoke(args=["export", "agenda", "--format", "csv", "--out", str(out),
                                 "--cycle", str(cycle.id), "--district", "seongdong"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == export_bytes("agenda", "csv", seongdong.id, cycle.id)[1]
    assert sorted(p.name for p in out.parent.iterdir()) == ["agenda.csv"]
    # Without --district the default district is exported, which does not hold that cycle.
    elsewhere = tmp_path / "gangdong.csv"
    refused = runner.invoke(args=["export", "agenda", "--format", "csv", "--out",
                                  str(elsewhere), "--cycle", str(cycle.id)])
    assert refused.exit_code != 0
    assert not elsewhere.exists() and list(tmp_path.glob(".*.part")) == []


def test_cli_refuses_an_unknown_district_and_writes_nothing(demo, app, tmp_path):
    out = tmp_path / "exports" / "agenda.csv"
    result = app.test_cli_runner().invoke(args=[
        "export", "agenda", "--format", "csv", "--out", str(out), "--cycle",
        str(demo.cycle.id), "--district", "nowhere"])
    assert result.exit_code != 0
    assert "no district with slug 'nowhere'" in result.output
    assert "gangdong" in result.output and "seongdong" in result.output
    assert not (tmp_path / "exports").exists()


def test_signed_in_organizer_page_lists_every_kind(demo, client):
    sign_in(client, demo.organizer, demo.organizer_password)
    page = client.get("/exports").get_data(as_text=True)
    for value in (f"agenda:{demo.cycle.id}", f"forum:{demo.forum.id}",
                  f"plan:{demo.cycle.id}", f"cycle:{demo.cycle.id}"):
        assert f'value="{value}"' in page
