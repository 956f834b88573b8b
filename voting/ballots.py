"""Ballot rules: what a valid ballot of each type looks like, checked on plain data.

No Flask and no database here, so the rules are tested directly and the same code decides
for every channel (online, paper, forum). A ballot arrives as ``(item, value)`` pairs as
submitted; ``validate`` either returns the canonical form or raises :class:`BallotError`
with a code the web layer turns into a message in the reader's language.

Canonical forms (what is stored and counted):

- ranked: ``(item, rank)`` with ranks 1..r, best first, ``r <= max_ranks``;
- approval and budget: ``(item, 1)`` in the vote's item order;
- points: ``(item, points)`` with ``points > 0`` in the vote's item order, summing to the total.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from core.identity import fold_name


class BallotType(StrEnum):
    RANKED = "ranked"
    APPROVAL = "approval"
    BUDGET = "budget"
    POINTS = "points"


# Counting methods of the tally engine that apply to each ballot type; the first is the default.
METHODS_BY_TYPE: dict[BallotType, tuple[str, ...]] = {
    BallotType.RANKED: ("borda", "schulze", "ranked-pairs", "copeland", "irv", "stv"),
    BallotType.APPROVAL: ("approval",),
    BallotType.BUDGET: ("greedy", "mes"),
    BallotType.POINTS: ("points",),
}


class BallotError(ValueError):
    """A ballot (or a ballot definition) that breaks a rule; ``code`` names the rule."""

    def __init__(self, code: str, **params: int) -> None:
        super().__init__(code, params)
        self.code = code
        self.params = params


Entries = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class BallotRules:
    """The rules a vote sets for its ballots.

    ``items`` are the vote's item ids in display order. ``max_choices`` is k (ranked: rank
    up to k; approval: at most k), ``min_choices`` is m (at least m chosen or ranked).
    ``costs`` and ``budget_limit`` apply to budget ballots, ``points_total`` to points ballots.
    """

    ballot_type: BallotType
    items: tuple[int, ...]
    min_choices: int = 1
    max_choices: int | None = None
    costs: Mapping[int, int] = field(default_factory=dict)
    budget_limit: int | None = None
    points_total: int | None = None

    @property
    def limit(self) -> int:
        """The most items one ballot may choose or rank."""
        return self.max_choices if self.max_choices is not None else len(self.items)

    def definition_problems(self) -> list[BallotError]:
        """What is wrong with the definition itself (for the organizer's form)."""
        problems: list[BallotError] = []
        n = len(self.items)
        if n < 2:
            problems.append(BallotError("too_few_items", n=2))
        if len(set(self.items)) != n:
            problems.append(BallotError("duplicate_item"))
        if self.min_choices < 0:
            problems.append(BallotError("bad_min"))
        if self.max_choices is not None and not 1 <= self.max_choices <= max(n, 1):
            problems.append(BallotError("bad_max", n=n))
        if self.min_choices > self.limit:
            problems.append(BallotError("min_above_max"))
        if self.ballot_type == BallotType.BUDGET:
            if not self.budget_limit or self.budget_limit <= 0:
                problems.append(BallotError("bad_budget"))
            missing = [i for i in self.items if self.costs.get(i) is None]
            if missing:
                problems.append(BallotError("missing_cost", n=len(missing)))
            elif self.budget_limit and min(
                (self.costs[i] for i in self.items), default=0
            ) > self.budget_limit:
                problems.append(BallotError("nothing_fits"))
        if self.ballot_type == BallotType.POINTS and (
            not self.points_total or self.points_total <= 0
        ):
            problems.append(BallotError("bad_points_total"))
        return problems


def validate(rules: BallotRules, entries: Sequence[tuple[int, int]]) -> Entries:
    """Check a submitted ballot against ``rules`` and return its canonical form.

    Raises :class:`BallotError` naming the first broken rule; the order of the checks puts
    structural problems (unknown or repeated items) before counting ones.
    """
    known = set(rules.items)
    seen: set[int] = set()
    for item, _value in entries:
        if item not in known:
            raise BallotError("unknown_item")
        if item in seen:
            raise BallotError("duplicate_item")
        seen.add(item)
    if rules.ballot_type == BallotType.RANKED:
        return _ranked(rules, entries)
    if rules.ballot_type == BallotType.POINTS:
        return _points(rules, entries)
    return _chosen(rules, entries)


def _count_limits(rules: BallotRules, chosen: int) -> None:
    if chosen > rules.limit:
        raise BallotError("too_many", k=rules.limit)
    if chosen < max(rules.min_choices, 1):
        raise BallotError("too_few", m=max(rules.min_choices, 1))


def _ranked(rules: BallotRules, entries: Sequence[tuple[int, int]]) -> Entries:
    ranks = [rank for _item, rank in entries]
    if len(set(ranks)) != len(ranks):
        raise BallotError("duplicate_rank")
    _count_limits(rules, len(entries))
    if sorted(ranks) != list(range(1, len(ranks) + 1)):
        raise BallotError("rank_gap", n=len(ranks))
    return tuple(sorted(((item, rank) for item, rank in entries), key=lambda e: e[1]))


def _chosen(rules: BallotRules, entries: Sequence[tuple[int, int]]) -> Entries:
    if any(value != 1 for _item, value in entries):
        raise BallotError("malformed")
    _count_limits(rules, len(entries))
    chosen = {item for item, _value in entries}
    if rules.ballot_type == BallotType.BUDGET:
        spent = sum(rules.costs[item] for item in chosen)
        if spent > (rules.budget_limit or 0):
            raise BallotError("over_budget", limit=rules.budget_limit or 0, spent=spent)
    return tuple((item, 1) for item in rules.items if item in chosen)


def _points(rules: BallotRules, entries: Sequence[tuple[int, int]]) -> Entries:
    if any(value < 0 for _item, value in entries):
        raise BallotError("negative_points")
    given = {item: value for item, value in entries if value > 0}
    total = sum(given.values())
    if total != rules.points_total:
        raise BallotError("points_total", total=rules.points_total or 0, given=total)
    _count_limits(rules, len(given))
    return tuple((item, given[item]) for item in rules.items if item in given)


_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,12}")


def parse_int(text: str | None) -> int:
    """A whole number typed or posted; anything else is a malformed ballot."""
    value = (text or "").strip()
    if not _WHOLE_NUMBER.fullmatch(value):
        raise BallotError("malformed")
    return int(value)


def parse_ranking(text: str | None) -> list[tuple[int, int]]:
    """A ranking posted as comma-separated item ids, best first, into ``(item, rank)`` pairs."""
    parts = [p for p in (text or "").split(",") if p.strip()]
    if len(parts) > 500:
        raise BallotError("malformed")
    return [(parse_int(part), rank) for rank, part in enumerate(parts, start=1)]


def move(order: Sequence[int], action: str, rules: BallotRules) -> list[int]:
    """Apply one tap of the ranking screen (``up:ID``, ``down:ID``, ``add:ID``, ``remove:ID``)
    to a draft ranking, returning the new order. The draft is not a ballot until cast."""
    verb, _, raw = action.partition(":")
    item = parse_int(raw)
    if item not in rules.items:
        raise BallotError("unknown_item")
    result = list(order)
    if verb == "add":
        if item in result:
            raise BallotError("duplicate_item")
        if len(result) >= rules.limit:
            raise BallotError("too_many", k=rules.limit)
        result.append(item)
        return result
    if item not in result:
        raise BallotError("malformed")
    position = result.index(item)
    if verb == "remove":
        result.pop(position)
    elif verb == "up" and position > 0:
        result[position - 1], result[position] = result[position], result[position - 1]
    elif verb == "down" and position < len(result) - 1:
        result[position + 1], result[position] = result[position], result[position + 1]
    elif verb not in ("up", "down"):
        raise BallotError("malformed")
    return result


# --- Identity and receipts --------------------------------------------------------------

def new_salt() -> str:
    return secrets.token_hex(16)


def account_identity(user_id: int) -> str:
    """The identity of a person known by their account."""
    return f"account:{user_id}"


def person_identity(name: str, birth_date: date, dong_id: int) -> str:
    """The identity of a person known by name, birth date and dong (checked in person).

    The name is compared as ``core.identity.fold_name`` spells it (spaces, letter case,
    invisible characters and Unicode variants do not matter), so the same person typed
    twice at two tables gives the same identity.
    """
    return f"person:{fold_name(name)}|{birth_date.isoformat()}|{dong_id}"


def voter_key(salt: str, identity: str) -> str:
    """The per-vote pseudonym under which a person's one ballot is stored.

    Keyed with the vote's own salt, so the same person has unrelated keys in different votes.
    """
    return hmac.new(salt.encode(), identity.encode(), hashlib.sha256).hexdigest()


def request_digest(entries: Sequence[tuple[int, int]]) -> str:
    """A digest of a cast's ballot as submitted, kept with its ``Idempotency-Key``: a retry
    must carry the same choices (in any order) to be answered from the stored answer."""
    content = json.dumps(sorted([int(item), int(value)] for item, value in entries),
                         separators=(",", ":"))
    return hashlib.sha256(f"cast\x1f{content}".encode()).hexdigest()


RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


def new_receipt_code() -> str:
    """Twelve characters from a 32-letter alphabet (60 bits), shown as XXXX-XXXX-XXXX."""
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalise_receipt_code(text: str) -> str | None:
    """A receipt code as typed (any case, spaces or dashes) in its printed form, or None."""
    raw = "".join(ch for ch in text.upper() if ch.isalnum())
    if len(raw) != 12 or any(ch not in RECEIPT_ALPHABET for ch in raw):
        return None
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def receipt_lookup(code: str) -> str:
    """Where a receipt's ballot is found; the code itself is never stored."""
    return hashlib.sha256(f"receipt\x1f{code}".encode()).hexdigest()


def receipt_seal(salt: str, code: str, entries: Entries) -> str:
    """A digest binding the receipt to the choices; recomputed on verification, so a stored
    ballot that no longer matches what was cast is detected."""
    content = json.dumps([list(e) for e in entries], separators=(",", ":"))
    return hashlib.sha256(f"{salt}\x1f{code}\x1f{content}".encode()).hexdigest()


def window_status(opens_at: datetime, closes_at: datetime, now: datetime) -> str:
    """Where ``now`` falls in a vote's window: upcoming, open (opening instant included) or
    closed (closing instant included)."""
    if now < opens_at:
        return "upcoming"
    if now < closes_at:
        return "open"
    return "closed"


def age_in_year(birth_year: int, year: int) -> int:
    """Age reached during ``year`` (the rule many resident votes use: 연 나이)."""
    return year - birth_year


AGE_BANDS = ((0, 19, "-19"), (20, 29, "20-29"), (30, 39, "30-39"), (40, 49, "40-49"),
             (50, 59, "50-59"), (60, 69, "60-69"), (70, 200, "70+"))


def age_band(birth_year: int | None, year: int) -> str | None:
    """The participation statistics' age band, or None when the birth year is not known."""
    if birth_year is None:
        return None
    age = age_in_year(birth_year, year)
    for low, high, label in AGE_BANDS:
        if low <= age <= high:
            return label
    return None
