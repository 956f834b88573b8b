"""The streaming writers on plain tables: encodings, sheets, formats, determinism."""

import csv
import io
import json
import zipfile
from datetime import UTC, date, datetime

from openpyxl import load_workbook

from exports import writers
from exports.tables import Column, ColumnType, Table, select_personal


def _tables():
    people = [(1, "김주민", "kim@example.kr", 1_250_000, 0.23, date(2027, 2, 10),
               datetime(2027, 2, 10, 1, 30, tzinfo=UTC))]
    columns = [Column("id", "번호", ColumnType.INTEGER), Column("name", "이름", personal=True),
               Column("email", "이메일", personal=True), Column("cost", "예산", ColumnType.WON),
               Column("share", "비율", ColumnType.PERCENT),
               Column("day", "일자", ColumnType.DATE),
               Column("at", "일시", ColumnType.DATETIME)]
    return [Table("people", "참가자 [명단]", columns, lambda: iter(people), lambda: 1),
            Table("notes", "메모", [Column("text", "내용")], lambda: iter([("첫째",), ("둘째",)]),
                  lambda: 2)]


def test_csv_has_bom_and_korean_headers():
    out = io.BytesIO()
    assert writers.write_csv(_tables()[:1], out) == "csv"
    data = out.getvalue()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["번호", "이름", "이메일"]
    assert rows[1][3:6] == ["1250000", "0.23", "2027-02-10"]


def test_several_tables_make_a_zip_that_is_byte_identical_on_rerun():
    first, second = io.BytesIO(), io.BytesIO()
    assert writers.write_csv(_tables(), first) == "zip"
    writers.write_csv(_tables(), second)
    assert first.getvalue() == second.getvalue()
    with zipfile.ZipFile(first) as archive:
        assert archive.namelist() == ["people.csv", "notes.csv"]
        notes = archive.read("notes.csv").decode("utf-8-sig")
        assert notes.splitlines() == ["내용", "첫째", "둘째"]


def test_personal_columns_are_dropped_unless_asked_for():
    kept = select_personal(_tables(), include_personal=False)[0]
    assert [c.key for c in kept.columns] == ["id", "cost", "share", "day", "at"]
    assert list(kept.rows())[0][:2] == (1, 1_250_000)
    assert "김주민" not in repr(list(kept.rows()))
    full = select_personal(_tables(), include_personal=True)[0]
    assert [c.key for c in full.columns][1:3] == ["name", "email"]


def test_xlsx_one_sheet_per_table_frozen_header_and_number_formats():
    out = io.BytesIO()
    writers.write_xlsx(_tables(), out)
    workbook = load_workbook(io.BytesIO(out.getvalue()))
    # Excel forbids [ and ] in sheet names.
    assert workbook.sheetnames == ["참가자  명단", "메모"]
    sheet = workbook["참가자  명단"]
    assert sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]][:4] == ["번호", "이름", "이메일", "예산"]
    assert sheet["A1"].font.b
    assert sheet["D2"].value == 1_250_000 and sheet["D2"].number_format == '#,##0"원"'
    assert sheet["E2"].number_format == "0.0%"
    assert sheet["G2"].value == datetime(2027, 2, 10, 1, 30)


def test_xlsx_is_byte_identical_on_rerun():
    first, second = io.BytesIO(), io.BytesIO()
    writers.write_xlsx(_tables(), first)
    writers.write_xlsx(_tables(), second)
    assert first.getvalue() == second.getvalue()


def test_sheet_names_stay_unique_and_short():
    taken: set[str] = set()
    long = Table("a", "아주 긴 제목" * 10, [], lambda: iter(()))
    names = [writers.sheet_name(long, taken) for _ in range(3)]
    assert len(set(names)) == 3 and all(len(n) <= 31 for n in names)


def test_json_streams_rows_as_objects():
    out = io.BytesIO()
    writers.write_json(_tables(), out, {"kind": "test"})
    document = json.loads(out.getvalue())
    assert document["meta"] == {"kind": "test"}
    people = document["tables"][0]
    assert people["title"] == "참가자 [명단]"
    assert people["rows"][0]["cost"] == 1_250_000
    assert people["rows"][0]["at"] == "2027-02-10T01:30:00+00:00"
    assert [r["text"] for r in document["tables"][1]["rows"]] == ["첫째", "둘째"]


def test_progress_counts_every_row():
    seen = []
    many = Table("n", "숫자", [Column("n", "n", ColumnType.INTEGER)],
                 lambda: ((i,) for i in range(12_345)))
    writers.write_csv([many], io.BytesIO(), seen.append)
    assert sum(seen) == 12_345
