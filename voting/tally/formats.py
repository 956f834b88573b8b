"""Readers for PrefLib (.soc, .soi, .toc, .toi) and Pabulib (.pb) files.

A malformed file raises :class:`ParseError` naming the line, so a person can fix it.

Ballots are read in bulk: a PrefLib body is parsed with numpy over whole blocks of lines, a
Pabulib VOTES section column by column.  Lines the bulk pass does not take (ties, blank or
unusual lines) and blocks it finds wrong go through the line-by-line reader, which gives the
same profile for good lines and names the line and the problem for bad ones.
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal, InvalidOperation
from itertools import repeat
from pathlib import Path
from typing import BinaryIO

import numpy as np

from .profiles import ApprovalProfile, PointsProfile, RankedProfile

PREFLIB_TYPES = {"soc", "soi", "toc", "toi"}

# A PrefLib body is read this many bytes (of whole lines) at a time, so a million-line file
# never holds more than one block's per-byte arrays at once.
BLOCK_BYTES = 1 << 23

# The bytes strict ballot lines are made of; a line with any other byte (a tie's braces, a
# letter, a '#' comment) goes to the line-by-line reader.
_PLAIN_BYTES = b"0123456789,: \t\r\n"
_PLAIN = np.zeros(256, dtype=bool)
_PLAIN[list(_PLAIN_BYTES)] = True
# Numbers this long fit an int64 exactly; longer ones are left to the line-by-line reader,
# which names the line.
_MAX_DIGITS = 15
# Ranks are stored as int16 at most.
_MAX_ALTERNATIVES = 32_000
_COUNTED_HEADERS = {"NUMBER VOTERS": "voters", "NUMBER UNIQUE ORDERS": "ballot lines"}


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
    with path.open("rb") as stream:
        try:
            if suffix in PREFLIB_TYPES:
                return read_preflib(stream, suffix)
            if suffix == "pb":
                return parse_pabulib(_decode(stream.read()))
        except ParseError as error:
            raise ParseError(error.message, error.line, str(path)) from None
    raise ParseError(
        f"unknown file type .{suffix}: expected .soc, .soi, .toc, .toi or .pb", path=str(path)
    )


def _decode(data: bytes, first_line: int = 1) -> str:
    """UTF-8 text (a leading byte-order mark dropped), or the line of the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = first_line + data.count(b"\n", 0, error.start)
        raise ParseError(f"not UTF-8 text ({error.reason})", line) from None


def _sortable(matrix: np.ndarray) -> np.ndarray:
    """One opaque value per row whose byte order is the rows' lexicographic order."""
    if matrix.dtype == np.bool_:
        keys = np.packbits(matrix, axis=1)
    else:
        size = matrix.dtype.itemsize
        # Flipping the sign bit orders signed numbers as unsigned ones; big-endian bytes then
        # compare like the numbers.
        unsigned = matrix.view(f"u{size}") ^ np.array(1 << (8 * size - 1), dtype=f"u{size}")
        keys = unsigned.astype(f">u{size}").view(np.uint8)
    keys = np.ascontiguousarray(keys)
    return keys.view(np.dtype((np.void, keys.shape[1]))).ravel()


def _aggregate(matrix: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Merge identical ballot rows, adding up their counts; rows come out in lexicographic
    order.  Sorting the rows as opaque byte strings is many times faster than numpy's
    ``unique(axis=0)``, which compares them field by field."""
    if matrix.shape[0] == 0:
        return matrix, counts
    _, first, inverse = np.unique(_sortable(matrix), return_index=True, return_inverse=True)
    merged = np.bincount(inverse.ravel(), weights=counts, minlength=first.shape[0])
    return matrix[first], np.rint(merged).astype(np.int64)


# ---- PrefLib ---------------------------------------------------------------------------


def parse_preflib(text: str, kind: str) -> RankedProfile:
    """Parse PrefLib ``soc``/``soi``/``toc``/``toi`` text into a ranked profile.

    Ids are the alternative numbers as text ("1", "2", ...).  Complete types (``soc``, ``toc``)
    must rank every alternative; strict types (``soc``, ``soi``) must not tie any.  The
    header's ``NUMBER VOTERS`` and ``NUMBER UNIQUE ORDERS``, when given, must match the body.
    """
    return read_preflib(io.BytesIO(text.encode("utf-8")), kind)


def read_preflib(stream: BinaryIO, kind: str) -> RankedProfile:
    """Read PrefLib ballots from a binary stream, one block of lines at a time."""
    header, header_lines, block, number = _preflib_header(stream, kind)
    m = header.get("NUMBER ALTERNATIVES")
    if m is None:
        if not block and number == 1:
            raise ParseError("the file is empty", 1)
        if block:
            raise ParseError("ballots start before the '# NUMBER ALTERNATIVES' header", number)
        raise ParseError("missing the '# NUMBER ALTERNATIVES' header", 1)
    ranks: list[np.ndarray] = []
    counts: list[np.ndarray] = []
    while block:
        if not block.endswith(b"\n"):
            block += stream.readline()
        block_ranks, block_counts = _preflib_block(block, number, m, kind)
        ranks.append(block_ranks)
        counts.append(block_counts)
        number += block.count(b"\n")
        block = stream.read(BLOCK_BYTES)
    matrix = np.concatenate(ranks) if ranks else np.empty((0, m), dtype=_rank_dtype(m))
    weights = np.concatenate(counts) if counts else np.empty(0, dtype=np.int64)
    found = {"NUMBER VOTERS": int(weights.sum()), "NUMBER UNIQUE ORDERS": matrix.shape[0]}
    for key, what in _COUNTED_HEADERS.items():
        if key in header and header[key] != found[key]:
            raise ParseError(
                f"the header says {key} {header[key]}, but the file has {found[key]} {what} "
                f"(is the file cut short?)",
                header_lines[key],
            )
    unique, merged = _aggregate(matrix, weights)
    return RankedProfile([str(i) for i in range(1, m + 1)], unique, merged)


def _rank_dtype(m: int) -> type:
    # Ranks run up to m - 1, with -1 for unranked.
    return np.int8 if m < 127 else np.int16


def _preflib_header(
    stream: BinaryIO, kind: str
) -> tuple[dict[str, int], dict[str, int], bytes, int]:
    """The ``#`` lines before the first ballot: their numbers, the line of each, the first
    block of ballot lines, and that block's first line number."""
    header: dict[str, int] = {}
    header_lines: dict[str, int] = {}
    number = 0
    while True:
        raw = stream.readline()
        if not raw:
            return header, header_lines, b"", number + 1
        number += 1
        line = _decode(raw, number).strip()
        if not line:
            continue
        if not line.startswith("#"):
            return header, header_lines, raw + stream.read(BLOCK_BYTES), number
        key, _, value = line[1:].partition(":")
        key, value = key.strip().upper(), value.strip()
        if key == "NUMBER ALTERNATIVES":
            if not _is_number(value) or not 1 <= int(value) <= _MAX_ALTERNATIVES:
                raise ParseError("NUMBER ALTERNATIVES must be a whole number from 1 to "
                                 f"{_MAX_ALTERNATIVES:,}", number)
        elif key in _COUNTED_HEADERS:
            if not _is_number(value):
                raise ParseError(f"{key} must be a whole number, not {value!r}", number)
        elif key == "DATA TYPE" and value and value.lower() != kind:
            raise ParseError(f"the header says DATA TYPE {value}, but the file is a .{kind}",
                             number)
        else:
            continue
        header[key] = int(value)
        header_lines[key] = number


def _is_number(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= _MAX_DIGITS


def _preflib_block(
    block: bytes, first: int, m: int, kind: str
) -> tuple[np.ndarray, np.ndarray]:
    """The ballots of a block of whole lines starting at line ``first``: strict, plain lines
    in bulk, the others line by line."""
    if not block.endswith(b"\n"):
        block += b"\n"
    data = np.frombuffer(block, dtype=np.uint8)
    ends = np.flatnonzero(data == ord("\n"))
    starts = np.concatenate(([0], ends[:-1] + 1))
    digits = (data >= ord("0")) & (data <= ord("9"))
    odd = ~np.logical_or.reduceat(digits, starts)
    if block.translate(None, _PLAIN_BYTES):
        odd |= np.logical_or.reduceat(~_PLAIN[data], starts)
    parts = []
    if not odd.all():
        plain = data if not odd.any() else data[np.repeat(~odd, ends - starts + 1)]
        bulk = _bulk_ballots(plain, m, kind)
        if bulk is None:
            # Something in the block is wrong: the careful reader names the first bad line.
            every_line = np.arange(starts.shape[0])
            return _careful_ballots(block, starts, ends, every_line, first, m, kind)
        parts.append(bulk)
    if odd.any():
        parts.append(_careful_ballots(block, starts, ends, np.flatnonzero(odd), first, m, kind))
    if not parts:
        return np.empty((0, m), dtype=_rank_dtype(m)), np.empty(0, dtype=np.int64)
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _bulk_ballots(data: np.ndarray, m: int, kind: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Strict ballot lines ``count: id,id,...`` (spaces allowed between the parts), each
    ending in a newline, as a rank matrix and counts; None when any line is not well formed
    or breaks a rule of the file type."""
    digits = np.concatenate(([False], (data >= ord("0")) & (data <= ord("9"))))
    # Where runs of digits start and end (exclusive), alternately: the data ends in a newline.
    edges = np.flatnonzero(digits[1:] != digits[:-1])
    starts, ends = edges[0::2], edges[1::2]
    separators = np.flatnonzero((data == ord(":")) | (data == ord(",")) | (data == ord("\n")))
    # Numbers and separators alternate, one separator after each number: count ':' id
    # (',' id)* newline, line after line.
    if separators.shape[0] != starts.shape[0]:
        return None
    if (separators < ends).any() or (separators[:-1] > starts[1:]).any():
        return None
    after = data[separators]
    before = np.concatenate(([ord("\n")], after[:-1]))
    is_count = before == ord("\n")
    if ((after == ord(":")) != is_count).any():
        return None
    lengths = ends - starts
    if lengths.max() > _MAX_DIGITS:
        return None
    # Each number's value, one digit place at a time (numbers are a few digits long).
    values = data[starts].astype(np.int64) - ord("0")
    for place in range(1, int(lengths.max())):
        longer = np.flatnonzero(lengths > place)
        values[longer] = values[longer] * 10 + (data[starts[longer] + place] - ord("0"))
    count_at = np.flatnonzero(is_count)
    lines = count_at.shape[0]
    width, uneven = divmod(values.shape[0], lines)
    if not uneven and (count_at == np.arange(0, values.shape[0], width)).all():
        return _even_ballots(values.reshape(lines, width), m, kind)
    row = np.cumsum(is_count)[~is_count] - 1
    ids = values[~is_count] - 1
    if ((ids < 0) | (ids >= m)).any():
        return None
    ranked = np.bincount(row, minlength=lines)
    if (ranked > m).any() or (kind in ("soc", "toc") and (ranked != m).any()):
        return None
    ranks = np.full(lines * m, -1, dtype=_rank_dtype(m))
    ranks[row * m + ids] = np.flatnonzero(~is_count) - count_at[row] - 1
    ranks = ranks.reshape(lines, m)
    if ((ranks >= 0).sum(axis=1) != ranked).any():
        return None  # an alternative appears twice in a ballot
    return ranks, values[is_count]


def _even_ballots(table: np.ndarray, m: int, kind: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Ballot lines that all rank the same number of alternatives (every line of a complete
    file), as a table of numbers: the count, then the ids; None when a rule is broken."""
    ids = table[:, 1:] - 1
    ranked = ids.shape[1]
    if ranked > m or (kind in ("soc", "toc") and ranked != m) or ((ids < 0) | (ids >= m)).any():
        return None
    lines = table.shape[0]
    ranks = np.full((lines, m), -1, dtype=_rank_dtype(m))
    ranks.reshape(-1)[ids + (np.arange(lines) * m)[:, None]] = np.arange(ranked)
    if ((ranks >= 0).sum(axis=1) != ranked).any():
        return None  # an alternative appears twice in a ballot
    return ranks, table[:, 0].copy()


def _careful_ballots(
    block: bytes,
    starts: np.ndarray,
    ends: np.ndarray,
    which: np.ndarray,
    first: int,
    m: int,
    kind: str,
) -> tuple[np.ndarray, np.ndarray]:
    """The ballots on lines ``which`` of the block, read one by one."""
    ranks = []
    counts = []
    for index in which.tolist():
        ballot = _careful_line(block[starts[index] : ends[index]], first + index, m, kind)
        if ballot is None:
            continue
        count, tiers = ballot
        row = np.full(m, -1, dtype=_rank_dtype(m))
        for position, tier in enumerate(tiers):
            row[tier] = position
        ranks.append(row)
        counts.append(count)
    if not ranks:
        return np.empty((0, m), dtype=_rank_dtype(m)), np.empty(0, dtype=np.int64)
    return np.stack(ranks), np.array(counts, dtype=np.int64)


def _careful_line(
    raw: bytes, number: int, m: int, kind: str
) -> tuple[int, list[list[int]]] | None:
    """One ballot line as (count, tiers of 0-based alternatives); None for a blank line or a
    comment."""
    line = _decode(raw, number).strip()
    if not line:
        return None
    if line.startswith("#"):
        key = line[1:].partition(":")[0].strip().upper()
        if key == "NUMBER ALTERNATIVES" or key in _COUNTED_HEADERS:
            raise ParseError(f"the header line '# {key}' comes after the first ballot", number)
        return None
    count, colon, body = line.partition(":")
    if not colon:
        raise ParseError("expected 'count: ranking', e.g. '12: 3,1,2'", number)
    count = count.strip()
    if not (count.isascii() and count.isdigit()):
        raise ParseError(f"the count {count!r} is not a whole number", number)
    if len(count) > _MAX_DIGITS:
        raise ParseError(f"the count {count} is too large", number)
    tiers = _preflib_ranking(body, number, m)
    flat = [c for tier in tiers for c in tier]
    if len(set(flat)) != len(flat):
        raise ParseError("an alternative appears twice in one ballot", number)
    if kind in ("soc", "soi") and any(len(tier) > 1 for tier in tiers):
        raise ParseError(f"a .{kind} file has strict orders, but this ballot has a tie", number)
    if kind in ("soc", "toc") and len(flat) != m:
        raise ParseError(
            f"a .{kind} file has complete orders; this ballot ranks {len(flat)} of {m}", number
        )
    return int(count), tiers


def _preflib_ranking(body: str, line: int, m: int) -> list[list[int]]:
    """``3,{1,4},2`` as [[2], [0, 3], [1]]: the places of the ranking, best first."""
    places = []
    depth = start = 0
    for position, char in enumerate(body):
        if char == "{":
            if depth:
                raise ParseError("a tie '{' opens inside another tie", line)
            depth = 1
        elif char == "}":
            if not depth:
                raise ParseError("a '}' closes no tie", line)
            depth = 0
        elif char == "," and not depth:
            places.append(body[start:position].strip())
            start = position + 1
    if depth:
        raise ParseError("a tie opened with '{' is not closed", line)
    places.append(body[start:].strip())
    if places == [""]:
        raise ParseError("the ballot ranks no alternative", line)
    tiers = []
    for place in places:
        if not place:
            raise ParseError("an empty place in the ranking (two commas in a row, or one at "
                             "the end)", line)
        if place.startswith("{"):
            if not place.endswith("}"):
                raise ParseError(f"{place!r}: a tie must be one place, '{{...}}'", line)
            members = [x.strip() for x in place[1:-1].split(",")]
            if members == [""]:
                raise ParseError("empty tie '{}'", line)
            tiers.append([_preflib_id(x, line, m) for x in members])
        else:
            tiers.append([_preflib_id(place, line, m)])
    return tiers


def _preflib_id(token: str, line: int, m: int) -> int:
    if not (token.isascii() and token.isdigit()) or not 1 <= int(token) <= m:
        raise ParseError(f"{token!r} is not an alternative number from 1 to {m}", line)
    return int(token) - 1


# ---- Pabulib ---------------------------------------------------------------------------


def _whole_number(token: str, what: str, line: int) -> int:
    try:
        value = Decimal(token.strip())
    except InvalidOperation:
        raise ParseError(f"{what} {token!r} is not a number", line) from None
    if not value.is_finite() or value != value.to_integral_value():
        raise ParseError(f"{what} {token!r} is not a whole number", line)
    return int(value)


def _fields(raw: str) -> list[str]:
    # Only quoted fields need the csv module; plain rows split faster by hand.
    return next(csv.reader([raw], delimiter=";")) if '"' in raw else raw.split(";")


_SECTION = re.compile(r"^[ \t]*(META|PROJECTS|VOTES)[ \t]*\r?$", re.MULTILINE | re.IGNORECASE)
_SPACE = re.compile(r"\s")


def _sections(text: str) -> dict[str, tuple[list[int], list[str]]]:
    """The line numbers and the non-blank lines of each section."""
    markers = list(_SECTION.finditer(text))
    before = text[: markers[0].start()] if markers else text
    if before.strip():
        lines = before.splitlines()
        blank = next(i for i, line in enumerate(lines) if line.strip())
        raise ParseError("expected a META, PROJECTS or VOTES section first", blank + 1)
    sections: dict[str, list[tuple[int, str]]] = {}
    for marker, following in zip(markers, [*markers[1:], None], strict=True):
        first = text.count("\n", 0, marker.start()) + 2
        body = text[marker.end() : following.start() if following else len(text)]
        lines = body.splitlines()[1:]  # the marker's own line ends where the body starts
        numbers = list(range(first, first + len(lines)))
        if not all(map(str.strip, lines)):
            kept = [(number, line) for number, line in zip(numbers, lines, strict=True)
                    if line.strip()]
            numbers, lines = [n for n, _ in kept], [line for _, line in kept]
        section = sections.setdefault(marker.group(1).upper(), ([], []))
        section[0].extend(numbers)
        section[1].extend(lines)
    return sections


def parse_pabulib(text: str) -> ApprovalProfile | PointsProfile | RankedProfile:
    """Parse Pabulib ``.pb`` text.

    Project ids stay text.  Approval votes give an approval profile; cumulative and scoring
    votes a points profile (the ``points`` column); ordinal votes a ranked profile in the
    order listed.  Costs and the META budget travel with the profile.  META's ``num_votes``
    and ``num_projects``, when given, must match the file.
    """
    if not text.strip():
        raise ParseError("the file is empty", 1)
    sections = _sections(text)
    for needed in ("META", "PROJECTS", "VOTES"):
        if needed not in sections or not sections[needed][1]:
            raise ParseError(f"the {needed} section is missing", 1)
    meta: dict[str, str] = {}
    meta_lines: dict[str, int] = {}
    for number, raw in zip(*sections["META"], strict=True):
        fields = _fields(raw)
        # A META value may itself contain the separator (free-text comments do).
        meta[fields[0].strip()] = ";".join(fields[1:]).strip()
        meta_lines[fields[0].strip()] = number
    projects, costs = _projects(*sections["PROJECTS"])
    if "budget" not in meta:
        raise ParseError("META has no budget", 1)
    budget = _whole_number(meta["budget"], "budget", meta_lines["budget"])
    vote_type = meta.get("vote_type", "").lower()
    if vote_type not in ("approval", "cumulative", "scoring", "ordinal"):
        raise ParseError(f"unsupported vote_type {vote_type!r}", meta_lines.get("vote_type", 1))
    if not projects:
        raise ParseError("no projects", 1)
    numbers, lines = sections["VOTES"]
    for key, found in (("num_projects", len(projects)), ("num_votes", len(lines) - 1)):
        if key in meta and _whole_number(meta[key], key, meta_lines[key]) != found:
            raise ParseError(
                f"META says {key} {meta[key]}, but the file has {found} "
                f"(is the file cut short?)",
                meta_lines[key],
            )
    matrix = _votes(numbers, lines, projects, vote_type)
    unique, merged = _aggregate(matrix, np.ones(matrix.shape[0], dtype=np.int64))
    if vote_type == "approval":
        return ApprovalProfile(projects, unique, merged, costs, budget)
    if vote_type == "ordinal":
        return RankedProfile(projects, unique, merged, costs, budget)
    return PointsProfile(projects, unique, merged, costs, budget)


def _projects(numbers: list[int], lines: list[str]) -> tuple[list[str], list[int]]:
    header = [f.strip() for f in _fields(lines[0])]
    if "project_id" not in header or "cost" not in header:
        raise ParseError("PROJECTS needs project_id and cost columns", numbers[0])
    id_column, cost_column = header.index("project_id"), header.index("cost")
    projects: list[str] = []
    costs: list[int] = []
    seen: set[str] = set()
    for number, raw in zip(numbers[1:], lines[1:], strict=True):
        fields = _fields(raw)
        _check_width("PROJECTS", fields, header, number)
        project = fields[id_column].strip()
        if project in seen:
            raise ParseError(f"project {project!r} is listed twice", number)
        seen.add(project)
        projects.append(project)
        costs.append(_whole_number(fields[cost_column], "cost", number))
    return projects, costs


def _check_width(section: str, fields: list[str], header: list[str], number: int) -> None:
    if len(fields) != len(header):
        raise ParseError(
            f"{section} row has {len(fields)} fields, the header has {len(header)}", number
        )


def _votes(
    numbers: list[int], lines: list[str], projects: list[str], vote_type: str
) -> np.ndarray:
    """The VOTES rows as a ballot matrix: approvals, points or ranks (-1 for unranked)."""
    header = [f.strip() for f in _fields(lines[0])]
    if "vote" not in header:
        raise ParseError("VOTES needs a vote column", numbers[0])
    numbers, column = numbers[1:], _columns(numbers[1:], lines[1:], header)
    items, row = _cell_items(column("vote"))
    index = {p: i for i, p in enumerate(projects)}
    try:
        columns = np.fromiter(map(index.__getitem__, items), dtype=np.int64, count=len(items))
    except KeyError as error:
        where = items.index(error.args[0])
        raise ParseError(f"vote for unknown project {error.args[0]!r}",
                         numbers[row[where]]) from None
    voters, m = len(numbers), len(projects)
    listed = np.bincount(row, minlength=voters)
    voted = np.zeros((voters, m), dtype=bool)
    voted[row, columns] = True
    twice = np.flatnonzero(voted.sum(axis=1) != listed)
    if twice.shape[0]:
        raise ParseError("a project appears twice in one vote", numbers[twice[0]])
    if vote_type == "approval":
        return voted
    if vote_type == "ordinal":
        ranks = np.full((voters, m), -1, dtype=np.int16)
        first_of_row = np.repeat(np.cumsum(listed) - listed, listed)
        ranks[row, columns] = np.arange(row.shape[0]) - first_of_row
        return ranks
    cells = column("points") if "points" in header else [""] * voters
    values: list[int] = []
    for voter, (number, cell) in enumerate(zip(numbers, cells, strict=True)):
        given = cell.split(",") if cell.strip() else []
        if len(given) != listed[voter]:
            raise ParseError("points must give one number per voted project", number)
        values.extend(_whole_number(p, "points", number) for p in given)
    points = np.zeros((voters, m), dtype=np.int64)
    points[row, columns] = values
    return points


def _columns(numbers: list[int], lines: list[str], header: list[str]):
    """A function giving a VOTES column by its header name."""
    width = len(header)
    separators = map(str.count, lines, repeat(";"))
    if any('"' in raw for raw in lines) or any(n != width - 1 for n in separators):
        table = [_fields(raw) for raw in lines]
        for number, fields in zip(numbers, table, strict=True):
            _check_width("VOTES", fields, header, number)
        return lambda name: [fields[header.index(name)] for fields in table]
    # Plain rows of the right width: one split over the whole section, read by stride.
    flat = ";".join(lines).split(";")
    return lambda name: flat[header.index(name) :: width]


def _cell_items(cells: list[str]) -> tuple[list[str], np.ndarray]:
    """Every project id of the vote cells in order, and the row each one comes from.  Ids
    are separated by commas; spaces around them and empty places are ignored."""
    lengths = [cell.count(",") + 1 if cell else 0 for cell in cells]
    joined = ",".join(cell for cell in cells if cell)
    items = joined.split(",") if joined else []
    row = np.repeat(np.arange(len(cells)), lengths)
    if "" in items or _SPACE.search(joined):
        kept = [(item.strip(), r) for item, r in zip(items, row.tolist(), strict=True)
                if item.strip()]
        items = [item for item, _ in kept]
        row = np.array([r for _, r in kept], dtype=np.int64)
    return items, row
