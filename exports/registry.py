"""The registry of export kinds × formats, and the one function that runs an export.

A kind knows which object it is scoped to (cycle, forum, vote), how to find that object in
a district (so another district's data is never reachable), which tables it has and which
formats it offers. The web, the jobs and ``flask export`` all go through ``run_export``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from core.errors import DomainError, NotFound
from core.i18n import lazy_message

from . import writers
from .labels import FORMAT_LABELS
from .tables import Table, select_personal

FORMATS = ("csv", "xlsx", "pdf", "json", "preflib", "pabulib")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "zip": "application/zip",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "json": "application/json",
    "soi": "text/plain; charset=utf-8",
    "toc": "text/plain; charset=utf-8",
    "toi": "text/plain; charset=utf-8",
    "pb": "text/plain; charset=utf-8",
}


@dataclass(frozen=True)
class ExportContext:
    """What one export is about: the district, the scoped object, and who may see what."""

    district_id: int
    scope_id: int
    include_personal: bool = False
    # Public open data: only what anyone may read (no hidden items, no personal data).
    public: bool = False


Progress = Callable[[int], None]


@dataclass
class Kind:
    """One kind of export.

    ``find(district_id, scope_id)`` returns the scoped object or raises ``NotFound`` (or, for
    a vote's results and ballots, ``voting.secrecy.ResultsHidden`` while they are hidden); it
    is asked when an export is requested, when it runs and when its file is fetched;
    ``tables(ctx)`` lists the tables; ``report(ctx)`` builds the PDF;
    ``special`` writes formats that are not table-shaped (PrefLib, Pabulib).
    """

    name: str
    label: object
    scope: str
    formats: tuple[str, ...]
    find: Callable[[int, int], object]
    tables: Callable[[ExportContext], list[Table]] | None = None
    report: Callable[[ExportContext, BinaryIO], str] | None = None
    special: dict[str, Callable[[ExportContext, BinaryIO, Progress | None], str]] = field(
        default_factory=dict)
    public_formats: tuple[str, ...] = ()
    # Whether a "with personal data" request means anything for this kind.
    has_personal: bool = False
    # ``offered(scope_id)``: the formats one object offers, when not every object offers all
    # of the kind's (a ranked vote's ballots go to PrefLib, the others' to Pabulib).
    offered: Callable[[int], tuple[str, ...]] | None = None

    def formats_for(self, scope_id: int) -> tuple[str, ...]:
        return self.offered(scope_id) if self.offered is not None else self.formats

    def title(self, obj) -> str:
        return getattr(obj, "title", "") or str(obj)


KINDS: dict[str, Kind] = {}
# scope name → function(district_id) giving [(id, title)] of the objects one can export.
SCOPES: dict[str, Callable[[int], list[tuple[int, str]]]] = {}


def register(kind: Kind) -> Kind:
    KINDS[kind.name] = kind
    return kind


def register_scope(name: str, lister: Callable[[int], list[tuple[int, str]]]) -> None:
    SCOPES[name] = lister


def targets(district_id: int, public: bool = False) -> list[tuple[Kind, int, str]]:
    """Every (kind, object id, object title) one can export in a district, in menu order."""
    found = []
    for kind in KINDS.values():
        if public and not kind.public_formats:
            continue
        for scope_id, title in SCOPES[kind.scope](district_id):
            found.append((kind, scope_id, title))
    return found


def get_kind(name: str) -> Kind:
    kind = KINDS.get(name)
    if kind is None:
        raise NotFound(lazy_message("알 수 없는 내보내기 종류입니다: %(kind)s. "
                                    "가능한 종류: %(kinds)s", kind=name, kinds=", ".join(KINDS)))
    return kind


def check_format(kind: Kind, fmt: str) -> None:
    """Refuse a format the kind does not offer, naming the kind and the formats in words."""
    offered = ", ".join(str(FORMAT_LABELS[f]) for f in kind.formats)
    if fmt not in FORMATS:
        raise DomainError(lazy_message("알 수 없는 형식입니다. 가능한 형식: %(formats)s",
                                       formats=offered), status=400)
    if fmt not in kind.formats:
        raise DomainError(lazy_message("‘%(kind)s’은(는) %(format)s 형식으로 내보낼 수 없습니다. "
                                       "가능한 형식: %(formats)s", kind=kind.label,
                                       format=FORMAT_LABELS[fmt], formats=offered),
                          status=400)


def count_rows(kind: Kind, fmt: str, ctx: ExportContext) -> int:
    """How many rows the export will write, for the progress bar; 0 when it does not go row
    by row (a PDF report, a research file), and the page shows work going on without a
    figure."""
    if kind.tables is None or fmt == "pdf" or fmt in kind.special:
        return 0
    return sum(table.count() for table in kind.tables(ctx))


def run_export(kind_name: str, fmt: str, ctx: ExportContext, out: BinaryIO,
               progress: Progress | None = None) -> str:
    """Write one export to ``out``; returns the file extension. Checks the kind, the format
    and that the scoped object belongs to the district before reading anything.

    Files are Korean documents (Korean headers and labels) whoever asks and wherever the
    work runs, so the same request always gives the same bytes.
    """
    kind = get_kind(kind_name)
    check_format(kind, fmt)
    with force_locale("ko"):
        return _run(kind, fmt, ctx, out, progress)


def _run(kind: Kind, fmt: str, ctx: ExportContext, out: BinaryIO,
         progress: Progress | None) -> str:
    if ctx.public and fmt not in kind.public_formats:
        raise NotFound(_l("공개 자료로 제공하지 않는 내보내기입니다."))
    kind.find(ctx.district_id, ctx.scope_id)
    if fmt in kind.special:
        return kind.special[fmt](ctx, out, progress)
    if fmt == "pdf":
        return kind.report(ctx, out)
    tables = select_personal(kind.tables(ctx), ctx.include_personal and not ctx.public)
    if fmt == "csv":
        return writers.write_csv(tables, out, progress)
    if fmt == "xlsx":
        return writers.write_xlsx(tables, out, progress)
    meta = {"kind": kind.name, "scope": kind.scope, "scope_id": ctx.scope_id,
            "personal_data": ctx.include_personal and not ctx.public}
    return writers.write_json(tables, out, meta, progress)
