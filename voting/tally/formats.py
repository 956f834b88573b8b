"""Readers for PrefLib (.soc, .soi, .toc, .toi) and Pabulib (.pb) files.

A malformed file raises :class:`ParseError` naming the line, so a person can fix it.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np

from .profiles import ApprovalProfile, PointsProfile, RankedProfile

PREFLIB_TYPES = {"soc", "soi", "toc", "toi"}


class ParseError(ValueError):
    """A file that cannot be read as ballots; ``line`` is 1-based (0 when not tied to a line)."""

    def __init__(self, message: str, line: int = 0, path: str = "") -> None:
        self.message = message
        self.line = line
        self.path = path
        where = ", ".join(part for part in (path, f"line {line}" if line else "") if part)
        super().__init__(f"{where}: {message}" if where else message)


def read_file(path: str | Path) -> RankedProfile | ApprovalProfile | PointsProfile:
    """Read a PrefLib or Pabulib file by its extension.

    PrefLib files give a :class:`RankedProfile`; Pabulib approval votes an
    :class:`ApprovalProfile`; cumulative and scoring votes a :class:`PointsProfile`; ordinal
    votes a :class:`RankedProfile` carrying the project costs and budget.
    """
    path = Path(path)
    suffix = path.suffix.lower().lstrip(".")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise ParseError(f"not UTF-8 text ({error.reason})", path=str(path)) from None
    try:
        if suffix in PREFLIB_TYPES:
            return parse_preflib(text, suffix)
        if suffix == "pb":
            return parse_pabulib(text)
    except ParseError as error:
        raise ParseError(error.message, error.line, str(path)) from None
    raise ParseError(
        f"unknown file type .{suffix}: expected .soc, .soi, .toc, .toi or .pb", path=str(path)
    )


def _aggregate(matrix: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Merge identical ballot rows, adding up their counts."""
    if matrix.shape[0] == 0:
        return matrix, counts
    unique, inverse = np.unique(matrix, axis=0, return_inverse=True)
    merged = np.bincount(inverse.ravel(), weights=counts, minlength=unique.shape[0])
    return unique, np.rint(merged).astype(np.int64)


_PREFLIB_LINE = re.compile(r"^\s*(\d+)\s*:\s*(.*?)\s*$")


def _preflib_ranking(body: str, line: int, m: int) -> list[list[int]]:
    tiers: list[list[int]] = []
    position = 0
    while position < len(body):
        if body[position] in ", ":
            position += 1
            continue
        if body[position] == "{":
            end = body.find("}", position)
            if end < 0:
                raise ParseError("a tie opened with '{' is not closed", line)
            members = [x.strip() for x in body[position + 1 : end].split(",") if x.strip()]
            if not members:
                raise ParseError("empty tie '{}'", line)
            tiers.append([_preflib_id(x, line, m) for x in members])
            position = end + 1
        else:
            end = position
            while end < len(body) and body[end] not in ",{":
                end += 1
            tiers.append([_preflib_id(body[position:end].strip(), line, m)])
            position = end
    return tiers


def _preflib_id(token: str, line: int, m: int) -> int:
    if not token.isdigit() or not 1 <= int(token) <= m:
        raise ParseError(f"{token!r} is not an alternative number from 1 to {m}", line)
    return int(token) - 1


def parse_preflib(text: str, kind: str) -> RankedProfile:
    """Parse PrefLib ``soc``/``soi``/``toc``/``toi`` text into a ranked profile.

    Ids are the alternative numbers as text ("1", "2", ...).  Complete types (``soc``, ``toc``)
    must rank every alternative; strict types (``soc``, ``soi``) must not tie any.
    """
    m = None
    rankings: list[list[list[int]]] = []
    counts: list[int] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            key, _, value = line[1:].partition(":")
            if key.strip().upper() == "NUMBER ALTERNATIVES":
                if not value.strip().isdigit() or int(value) < 1:
                    raise ParseError("NUMBER ALTERNATIVES must be a positive whole number", number)
                m = int(value)
            continue
        if m is None:
            raise ParseError("ballots start before the '# NUMBER ALTERNATIVES' header", number)
        match = _PREFLIB_LINE.match(line)
        if not match:
            raise ParseError("expected 'count: ranking', e.g. '12: 3,1,2'", number)
        count = int(match.group(1))
        tiers = _preflib_ranking(match.group(2), number, m)
        flat = [c for tier in tiers for c in tier]
        if len(set(flat)) != len(flat):
            raise ParseError("an alternative appears twice in one ballot", number)
        if kind in ("soc", "soi") and any(len(tier) > 1 for tier in tiers):
            raise ParseError(f"a .{kind} file has strict orders, but this ballot has a tie", number)
        if kind in ("soc", "toc") and len(flat) != m:
            raise ParseError(
                f"a .{kind} file has complete orders; this ballot ranks {len(flat)} of {m}", number
            )
        rankings.append(tiers)
        counts.append(count)
    if m is None:
        raise ParseError("missing the '# NUMBER ALTERNATIVES' header", 1)
    ranks = np.full((len(rankings), m), -1, dtype=np.int16)
    for row, tiers in enumerate(rankings):
        for position, tier in enumerate(tiers):
            ranks[row, tier] = position
    unique, merged = _aggregate(ranks, np.array(counts, dtype=np.int64))
    return RankedProfile([str(i) for i in range(1, m + 1)], unique, merged)


def _whole_number(token: str, what: str, line: int) -> int:
    try:
        value = Decimal(token.strip())
    except InvalidOperation:
        raise ParseError(f"{what} {token!r} is not a number", line) from None
    if value != value.to_integral_value():
        raise ParseError(f"{what} {token!r} is not a whole number", line)
    return int(value)


def _sections(text: str) -> Iterable[tuple[str, int, list[str]]]:
    section = None
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped:
            continue
        if stripped.upper() in ("META", "PROJECTS", "VOTES"):
            section = stripped.upper()
            continue
        if section is None:
            raise ParseError("expected a META, PROJECTS or VOTES section first", number)
        yield section, number, next(csv.reader([raw], delimiter=";"))


def parse_pabulib(text: str) -> ApprovalProfile | PointsProfile | RankedProfile:
    """Parse Pabulib ``.pb`` text.

    Project ids stay text.  Approval votes give an approval profile; cumulative and scoring
    votes a points profile (the ``points`` column); ordinal votes a ranked profile in the
    order listed.  Costs and the META budget travel with the profile.
    """
    meta: dict[str, str] = {}
    meta_lines: dict[str, int] = {}
    headers: dict[str, list[str]] = {}
    projects: list[str] = []
    costs: list[int] = []
    votes: list[tuple[int, list[str], list[str] | None]] = []
    seen_sections: set[str] = set()
    for section, number, fields in _sections(text):
        if section not in headers:
            headers[section] = [f.strip() for f in fields]
            seen_sections.add(section)
            continue
        if section == "META":
            # A META value may itself contain the separator (free-text comments do).
            meta[fields[0].strip()] = ";".join(fields[1:]).strip()
            meta_lines[fields[0].strip()] = number
            continue
        header = headers[section]
        if len(fields) != len(header):
            raise ParseError(
                f"{section} row has {len(fields)} fields, the header has {len(header)}", number
            )
        row = dict(zip(header, fields, strict=True))
        if section == "PROJECTS":
            if "project_id" not in row or "cost" not in row:
                raise ParseError("PROJECTS needs project_id and cost columns", number)
            project = row["project_id"].strip()
            if project in projects:
                raise ParseError(f"project {project!r} is listed twice", number)
            projects.append(project)
            costs.append(_whole_number(row["cost"], "cost", number))
        else:
            if "vote" not in row:
                raise ParseError("VOTES needs a vote column", number)
            items = [x.strip() for x in row["vote"].split(",") if x.strip()]
            points = row.get("points")
            votes.append(
                (number, items, [x.strip() for x in points.split(",")] if points else None)
            )
    for needed in ("META", "PROJECTS", "VOTES"):
        if needed not in seen_sections:
            raise ParseError(f"the {needed} section is missing", 1)
    if "budget" not in meta:
        raise ParseError("META has no budget", 1)
    budget = _whole_number(meta["budget"], "budget", meta_lines["budget"])
    vote_type = meta.get("vote_type", "").lower()
    index = {p: i for i, p in enumerate(projects)}
    m = len(projects)
    if not m:
        raise ParseError("no projects", 1)
    if vote_type == "approval":
        matrix = np.zeros((len(votes), m), dtype=bool)
    elif vote_type in ("cumulative", "scoring"):
        matrix = np.zeros((len(votes), m), dtype=np.int64)
    elif vote_type == "ordinal":
        matrix = np.full((len(votes), m), -1, dtype=np.int16)
    else:
        line = meta_lines.get("vote_type", 1)
        raise ParseError(f"unsupported vote_type {vote_type!r}", line)
    for row, (number, items, points) in enumerate(votes):
        if len(set(items)) != len(items):
            raise ParseError("a project appears twice in one vote", number)
        columns = []
        for item in items:
            if item not in index:
                raise ParseError(f"vote for unknown project {item!r}", number)
            columns.append(index[item])
        if vote_type == "approval":
            matrix[row, columns] = True
        elif vote_type == "ordinal":
            matrix[row, columns] = np.arange(len(columns))
        else:
            if points is None or len(points) != len(columns):
                raise ParseError("points must give one number per voted project", number)
            matrix[row, columns] = [_whole_number(p, "points", number) for p in points]
    counts = np.ones(len(votes), dtype=np.int64)
    unique, merged = _aggregate(matrix, counts)
    if vote_type == "approval":
        return ApprovalProfile(projects, unique, merged, costs, budget)
    if vote_type == "ordinal":
        return RankedProfile(projects, unique, merged, costs, budget)
    return PointsProfile(projects, unique, merged, costs, budget)
