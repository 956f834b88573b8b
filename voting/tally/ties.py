"""The published lot: a seed string turns into one fixed order of the candidates.

Anyone holding the seed and the candidate ids can recompute the order: each candidate gets
the SHA-256 digest of ``seed + U+001F + id``, and the lower digest is drawn first.  A tie is
broken in favour of the candidate drawn first, and a tie for last place eliminates the
candidate drawn last.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

import numpy as np

RULE = "lot: order candidates by SHA-256(seed + U+001F + id), lowest first; first drawn is favoured"


class Lot:
    """A seeded order over candidate indices; ``priority[i]`` is 0 for the first drawn."""

    def __init__(self, seed: str, candidates: Sequence[str]) -> None:
        self.seed = seed
        digests = [hashlib.sha256(f"{seed}\x1f{c}".encode()).hexdigest() for c in candidates]
        drawn = sorted(range(len(candidates)), key=lambda i: digests[i])
        self.priority = np.empty(len(candidates), dtype=np.int64)
        self.priority[drawn] = np.arange(len(candidates))

    def first(self, indices: Iterable[int]) -> int:
        """The favoured candidate among ``indices``."""
        return min(indices, key=lambda i: self.priority[i])

    def last(self, indices: Iterable[int]) -> int:
        """The candidate among ``indices`` drawn last (the one a tie for last eliminates)."""
        return max(indices, key=lambda i: self.priority[i])

    def order(self, indices: Iterable[int]) -> list[int]:
        """``indices`` sorted from favoured to least favoured."""
        return sorted(indices, key=lambda i: self.priority[i])

    def describe(self) -> dict[str, str]:
        """The rule and seed as published with a result."""
        return {"rule": RULE, "seed": self.seed}
