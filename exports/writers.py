"""Streaming writers: tables in, bytes out, rows never held in memory.

Every writer is deterministic: the same tables give byte-identical files, so a retried or
re-run export job produces the same file. Archives (ZIP of CSVs, XLSX) carry a fixed
timestamp and no creation time for that reason.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import BinaryIO

from .tables import Column, ColumnType, Table

# ZIP cannot store times before 1980; a fixed time makes archives byte-for-byte repeatable.
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
Progress = Callable[[int], None]
PROGRESS_EVERY = 5000

# Whole numbers need no format of their own, and leaving them plain keeps big sheets fast.
XLSX_FORMATS = {
    ColumnType.WON: '#,##0"원"',
    ColumnType.PERCENT: "0.0%",
    ColumnType.NUMBER: "0.0000",
    ColumnType.DATE: "yyyy-mm-dd",
    ColumnType.DATETIME: "yyyy-mm-dd hh:mm",
}
XLSX_WIDTHS = {ColumnType.TEXT: 30, ColumnType.DATETIME: 18, ColumnType.DATE: 12}
# Excel refuses these in sheet names and cuts names at 31 characters.
_SHEET_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


# Columns whose values may be dates or decimals (amounts from NUMERIC columns).
_CONVERTED = frozenset({ColumnType.DATE, ColumnType.DATETIME, ColumnType.NUMBER,
                        ColumnType.WON})


# OWASP's rule against formula injection: a spreadsheet runs a cell that begins with one of
# these as a formula (=HYPERLINK to a phishing site, a command through DDE). A quote in front
# makes it text that still reads the same.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value):
    """A text cell as a spreadsheet must receive it: text a spreadsheet would take for a
    formula gets a leading single quote. Numbers (negative ones too) and other values pass
    unchanged. Every CSV and XLSX cell of text, headers included, goes through here."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


# The control characters XLSX cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE, kept here so
# importing the writers does not load openpyxl).
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xlsx_text(value):
    """A text cell for XLSX: safe from formulas, and without the control characters the
    XLSX format cannot hold (openpyxl refuses the whole file otherwise)."""
    value = spreadsheet_text(value)
    if isinstance(value, str):
        return _XLSX_ILLEGAL.sub("", value)
    return value


def _csv_cell(column: Column) -> Callable | None:
    """How a column's values become CSV cells; None when they go as they are."""
    if column.type is ColumnType.TEXT:
        return spreadsheet_text
    if column.type in _CONVERTED:
        return _plain
    return None


def _plain(value):
    """A value as CSV/JSON carry it: dates in ISO 8601, decimals as numbers."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _counted(rows: Iterable[tuple], progress: Progress | None) -> Iterable[tuple]:
    """The rows, reporting to ``progress`` after every batch."""
    if progress is None:
        return rows

    def batches():
        source = iter(rows)
        while batch := list(islice(source, PROGRESS_EVERY)):
            yield from batch
            progress(len(batch))

    return batches()


def write_csv_table(table: Table, out: BinaryIO, progress: Progress | None = None) -> None:
    """One table as CSV in UTF-8 with a byte-order mark, so Excel reads Korean correctly."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=False)
    try:
        writer = csv.writer(text)
        writer.writerow([spreadsheet_text(c.header) for c in table.columns])
        # Only text, dates and decimals need converting; numbers go to csv as they are, which
        # keeps a million-row export of ballots close to a bare csv.writer.
        convert = [(i, cell) for i, c in enumerate(table.columns)
                   if (cell := _csv_cell(c)) is not None]
        rows = _counted(table.rows(), progress)
        if not convert:
            writer.writerows(rows)
        else:
            for row in rows:
                row = list(row)
                for i, cell in convert:
                    row[i] = cell(row[i])
                writer.writerow(row)
        text.flush()
    finally:
        text.detach()


def write_csv(tables: list[Table], out: BinaryIO, progress: Progress | None = None) -> str:
    """A single table as ``.csv``; several as a ``.zip`` holding one CSV per table.

    Returns the file extension written.
    """
    if len(tables) == 1:
        write_csv_table(tables[0], out, progress)
        return "csv"
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in tables:
            info = zipfile.ZipInfo(f"{table.name}.csv", date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w") as member:
                write_csv_table(table, member, progress)
    return "zip"


def write_json(tables: list[Table], out: BinaryIO, meta: dict,
               progress: Progress | None = None) -> str:
    """``{"meta": ..., "tables": [{"name", "title", "columns", "rows": [{key: value}]}]}``,
    written row by row."""
    text = io.TextIOWrapper(out, encoding="utf-8", newline="\n")
    try:
        text.write('{"meta": ')
        text.write(json.dumps(meta, ensure_ascii=False, default=_plain, sort_keys=True))
        text.write(', "tables": [')
        for number, table in enumerate(tables):
            if number:
                text.write(", ")
            columns = [{"key": c.key, "header": c.header, "type": str(c.type)}
                       for c in table.columns]
            text.write(f'{{"name": {json.dumps(table.name)}, '
                       f'"title": {json.dumps(table.title, ensure_ascii=False)}, '
                       f'"columns": {json.dumps(columns, ensure_ascii=False)}, "rows": [')
            keys = [c.key for c in table.columns]
            for index, row in enumerate(_counted(table.rows(), progress)):
                text.write(",\n" if index else "\n")
                text.write(json.dumps({k: _plain(v) for k, v in zip(keys, row, strict=True)},
                                      ensure_ascii=False))
            text.write("]}")
        text.write("]}\n")
        text.flush()
    finally:
        text.detach()
    return "json"


def sheet_name(table: Table, taken: set[str]) -> str:
    """The table's Korean title, made acceptable to Excel and unique in the workbook."""
    base = table.title.translate(_SHEET_FORBIDDEN).strip()[:31] or table.name[:31]
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def _xlsx_value(value, column: Column):
    if isinstance(value, str):
        return _xlsx_text(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        # Excel has no time zones; the sources give Seoul time already.
        return value.replace(tzinfo=None)
    if isinstance(value, Decimal):
        return _plain(value)
    return value


def write_xlsx(tables: list[Table], out: BinaryIO, progress: Progress | None = None) -> str:
    """One sheet per table: Korean headers in bold, the header row frozen, won and percent
    formats. openpyxl's write-only mode streams each sheet to disk as it goes."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    workbook.properties.creator = "Madang"
    workbook.properties.created = datetime(*FIXED_ZIP_TIME)
    workbook.properties.modified = datetime(*FIXED_ZIP_TIME)
    taken: set[str] = set()
    bold = Font(bold=True)
    for table in tables:
        sheet = workbook.create_sheet(sheet_name(table, taken))
        sheet.freeze_panes = "A2"
        for index, column in enumerate(table.columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = XLSX_WIDTHS.get(
                column.type, 14)
        header = []
        for column in table.columns:
            cell = WriteOnlyCell(sheet, value=_xlsx_text(column.header))
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        formats = [XLSX_FORMATS.get(c.type) for c in table.columns]
        for row in _counted(table.rows(), progress):
            values = []
            for value, column, number_format in zip(row, table.columns, formats, strict=True):
                value = _xlsx_value(value, column)
                if number_format is None or value is None:
                    values.append(value)
                else:
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.number_format = number_format
                    values.append(cell)
            sheet.append(values)
    if not tables:
        workbook.create_sheet("빈 내보내기")
    with tempfile.TemporaryDirectory(prefix="madang-xlsx-") as scratch:
        raw = Path(scratch) / "raw.xlsx"
        workbook.save(raw)
        repack_zip(raw, out)
    return "xlsx"


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def repack_zip(source: Path, out: BinaryIO) -> None:
    """Copy a ZIP with every member's time fixed, so equal contents give equal bytes.

    openpyxl stamps the save time into the document properties; that goes too.
    """
    with zipfile.ZipFile(source) as original, \
            zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member in original.infolist():
            info = zipfile.ZipInfo(member.filename, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            if member.filename == "docProps/core.xml":
                fixed = _MODIFIED.sub(rb"\g<1>1980-01-01T00:00:00Z\g<2>",
                                      original.read(member))
                archive.writestr(info, fixed)
                continue
            with original.open(member) as src, archive.open(info, "w") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
