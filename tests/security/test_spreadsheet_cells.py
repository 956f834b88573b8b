"""Text that a spreadsheet would run as a formula (OWASP's CSV injection) leaves every CSV
and XLSX export as text: a leading quote in front, the value still readable, no formula
cell in any workbook; numbers, negative ones too, stay numbers."""

import csv
import io
import zipfile

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from core.db import db
from exports.tables import Column, ColumnType, Table
from exports.writers import FORMULA_STARTS, spreadsheet_text, write_csv, write_xlsx
from tests.exports.conftest import close_hidden_votes

FORMULAS = ['=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
ESCAPED = ["'" + formula for formula in FORMULAS]
# XML, inside XLSX, keeps a carriage return as a line feed.
ESCAPED_XLSX = [value.replace("\r", "\n") for value in ESCAPED]
# Where proposal titles (and the texts copied from them) are kept.
TITLED = ("agenda_item", "vote_item", "plan_project", "forum_topic")
# The kinds whose files carry those titles; the others must still hold no formula.
CARRY_TITLES = ("agenda", "cycle", "ballots", "results", "plan", "forum")


def _csv_cells(data: bytes, extension: str) -> list[str]:
    if extension == "zip":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [archive.read(name) for name in archive.namelist()]
    else:
        members = [data]
    return [cell for member in members
            for row in csv.reader(io.StringIO(member.decode("utf-8-sig"), newline=""))
            for cell in row]


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _assert_csv_safe(cells: list[str], where: str) -> None:
    for cell in cells:
        assert not cell.startswith(FORMULA_STARTS) or _is_number(cell), f"{where}: {cell!r}"


def _xlsx_cells(data: bytes) -> list:
    workbook = load_workbook(io.BytesIO(data))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


def _assert_xlsx_safe(cells: list, where: str) -> None:
    for cell in cells:
        assert cell.data_type != "f", f"{where}: formula {cell.value!r} in {cell.coordinate}"
        if isinstance(cell.value, str):
            assert not cell.value.startswith(FORMULA_STARTS), f"{where}: {cell.value!r}"


@pytest.fixture
def titled_demo(ctx, monkeypatch):
    """The demo district, with every proposal, plan project and forum topic titled as a
    formula."""
    from forums import live

    monkeypatch.setattr(live, "poll_changed", lambda poll_id: None)
    monkeypatch.setattr(live, "forum_changed", lambda forum_id, reseated=None: None)
    import demo
    from accounts import demo as accounts_demo
    from core.db import commit

    demo.seed()
    commit()
    for table in TITLED:
        ids = db.session.scalars(text(f"SELECT id FROM {table} ORDER BY id")).all()  # noqa: S608
        for number, row_id in enumerate(ids):
            db.session.execute(text(f"UPDATE {table} SET title = :title WHERE id = :id"),  # noqa: S608
                               {"title": FORMULAS[number % len(FORMULAS)], "id": row_id})
    commit()
    district = accounts_demo.seed_district()
    # A vote that hides its results while open exports none of them (test_secrecy.py).
    for cycle in district.cycles:
        close_hidden_votes(cycle.id)
    return district


def test_every_csv_and_xlsx_export_writes_formulas_as_text(titled_demo):
    from core.errors import Conflict, NotFound
    from exports.registry import KINDS, ExportContext, run_export, targets

    assert {"agenda", "cycle", "forum", "participation", "plan", "ballots", "results"} <= set(
        KINDS), "a new kind of export: add it to CARRY_TITLES if it shows titles"
    demo_cycle = next(c.id for c in titled_demo.cycles if c.year == 2027)
    checked = set()
    for kind, scope_id, _title in targets(titled_demo.id):
        for fmt in {"csv", "xlsx"} & set(kind.formats):
            out = io.BytesIO()
            try:
                extension = run_export(kind.name, fmt, ExportContext(
                    titled_demo.id, scope_id, include_personal=True), out)
            except (NotFound, Conflict):
                continue  # a cycle without a plan yet, a vote still open
            where = f"{kind.name} {scope_id} {fmt}"
            if fmt == "csv":
                cells = _csv_cells(out.getvalue(), extension)
                _assert_csv_safe(cells, where)
                shown = set(cells)
            else:
                cells = _xlsx_cells(out.getvalue())
                _assert_xlsx_safe(cells, where)
                shown = {cell.value for cell in cells}
            if kind.name in CARRY_TITLES and shown & set(ESCAPED + ESCAPED_XLSX):
                checked.add((kind.name, fmt))
            if kind.name == "agenda" and scope_id == demo_cycle:
                # Every title there, each still readable after its quote.
                assert set(ESCAPED if fmt == "csv" else ESCAPED_XLSX) <= shown, where
    expected = {(name, fmt) for name in CARRY_TITLES for fmt in ("csv", "xlsx")
                if fmt in KINDS[name].formats}
    assert checked == expected, f"no escaped title in {expected - checked}"


def test_public_open_data_csv_writes_formulas_as_text(app, titled_demo):
    from exports.registry import targets

    client = app.test_client()
    seen = set()
    for kind, scope_id, _title in targets(titled_demo.id, public=True):
        if "csv" not in kind.public_formats:
            continue
        response = client.get(f"/api/v1/open-data/{kind.name}/{scope_id}.csv")
        if response.status_code in (404, 409):
            continue  # a cycle without a plan yet, a vote still open
        assert response.status_code == 200, f"{kind.name} {scope_id}"
        extension = "zip" if response.mimetype == "application/zip" else "csv"
        cells = _csv_cells(response.get_data(), extension)
        _assert_csv_safe(cells, f"open data {kind.name} {scope_id}")
        seen |= set(cells)
    assert set(ESCAPED) <= seen


def _mixed_table() -> Table:
    columns = [Column("title", "=제목"), Column("count", "수", ColumnType.INTEGER),
               Column("cost", "비용", ColumnType.WON), Column("share", "비율", ColumnType.PERCENT)]
    rows = [(formula, -5, -1_000, -0.25) for formula in FORMULAS] + [("보통 제목", 3, 10, 0.5)]
    return Table("mixed", "섞인 표", columns, lambda: rows, lambda: len(rows))


def test_numbers_stay_numbers_and_text_gets_the_quote():
    assert [spreadsheet_text(value) for value in FORMULAS] == ESCAPED
    assert spreadsheet_text(-5) == -5 and spreadsheet_text("보통") == "보통"
    assert spreadsheet_text("") == ""
    out = io.BytesIO()
    write_csv([_mixed_table()], out)
    rows = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"), newline="")))
    assert rows[0] == ["'=제목", "수", "비용", "비율"]
    assert [row[0] for row in rows[1:]] == [*ESCAPED, "보통 제목"]
    assert rows[1][1:] == ["-5", "-1000", "-0.25"]
    out = io.BytesIO()
    write_xlsx([_mixed_table()], out)
    sheet = load_workbook(io.BytesIO(out.getvalue())).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "'=제목"
    assert [row[0] for row in values[1:]] == [*ESCAPED_XLSX, "보통 제목"]
    assert values[1][1:] == (-5, -1000, -0.25)
    for row in sheet.iter_rows(min_row=2):
        assert row[0].data_type == "s" and row[1].data_type == "n" and row[2].data_type == "n"
