"""A ballot as posted or tapped: whole numbers, a ranking typed as ids, one tap of the
ranking screen. Pure; anything unreadable is a malformed ballot (``BallotError``)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from voting.rules import BallotError, BallotRules

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
