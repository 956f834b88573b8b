"""What an export is made of: named tables of typed columns whose rows stream.

Pure data, no Flask and no database: the writers turn a list of tables into CSV, XLSX or
JSON without holding the rows, so a million ballots pass through in constant memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum


class ColumnType(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    WON = "won"
    PERCENT = "percent"
    NUMBER = "number"
    # A count or score: whole numbers stay whole (4, not 4.0000), fractions keep theirs.
    FIGURE = "figure"
    DATE = "date"
    DATETIME = "datetime"


@dataclass(frozen=True)
class Column:
    """One column: a stable machine ``key`` (JSON, CSV header line 2 is never used) and the
    Korean ``header`` people read in spreadsheets. ``personal`` columns are left out unless
    personal data was asked for explicitly."""

    key: str
    header: str
    type: ColumnType = ColumnType.TEXT
    personal: bool = False


@dataclass
class Table:
    """A table whose rows are produced on demand by ``rows()``, in a fixed order.

    ``count`` gives the number of rows up front (for progress) without reading them.
    ``name`` is the file or sheet name; ``title`` the Korean caption.
    """

    name: str
    title: str
    columns: list[Column]
    rows: Callable[[], Iterable[tuple]]
    count: Callable[[], int] = field(default=lambda: 0)

    def without_personal(self) -> Table:
        """The same table with personal columns dropped (from the rows too)."""
        keep = [i for i, c in enumerate(self.columns) if not c.personal]
        if len(keep) == len(self.columns):
            return self
        source = self.rows

        def rows() -> Iterator[tuple]:
            for row in source():
                yield tuple(row[i] for i in keep)

        return Table(self.name, self.title, [self.columns[i] for i in keep], rows, self.count)


def select_personal(tables: list[Table], include_personal: bool) -> list[Table]:
    """Drop personal columns unless they were asked for."""
    return tables if include_personal else [t.without_personal() for t in tables]
