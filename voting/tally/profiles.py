"""Ballots as numpy arrays with multiplicities.

A profile holds one row per distinct ballot and a ``counts`` vector saying how many voters
cast that ballot, so a vote of a million ballots is a handful of arrays, never a million
Python objects.  Candidate (project) ids are kept as text, exactly as a file or the app
names them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np


class ProfileError(ValueError):
    """Ballots that cannot form a profile (wrong shape, unknown candidate, negative count)."""


def _candidates(candidates: Sequence[str]) -> tuple[str, ...]:
    ids = tuple(str(c) for c in candidates)
    if len(set(ids)) != len(ids):
        raise ProfileError("candidate ids must be unique")
    if not ids:
        raise ProfileError("a profile needs at least one candidate")
    return ids


def _counts(counts: np.ndarray | Sequence[int] | None, rows: int) -> np.ndarray:
    if counts is None:
        return np.ones(rows, dtype=np.int64)
    result = np.asarray(counts, dtype=np.int64)
    if result.shape != (rows,):
        raise ProfileError(f"counts must have one entry per ballot row ({rows})")
    if (result < 0).any():
        raise ProfileError("counts must not be negative")
    return result


def _budget_fields(
    candidates: tuple[str, ...], costs: Sequence[int] | np.ndarray | None, budget: int | None
) -> np.ndarray | None:
    if costs is None:
        return None
    result = np.asarray(costs, dtype=np.int64)
    if result.shape != (len(candidates),):
        raise ProfileError("costs must have one entry per project")
    if (result < 0).any():
        raise ProfileError("costs must not be negative")
    if budget is not None and budget < 0:
        raise ProfileError("the budget must not be negative")
    return result


def _digest(*parts: object) -> str:
    """A short BLAKE2b over the profile, used as the default published tie-breaking seed.

    BLAKE2b rather than SHA-256 because a million ballots are tens of megabytes to hash, and
    the buffers are hashed in place rather than copied.
    """
    digest = hashlib.blake2b(digest_size=8)
    for part in parts:
        if isinstance(part, np.ndarray):
            digest.update(str(part.dtype).encode())
            digest.update(str(part.shape).encode())
            digest.update(memoryview(np.ascontiguousarray(part)).cast("B"))
        else:
            digest.update(repr(part).encode())
    return digest.hexdigest()


def _matrix(name: str, values, ids: tuple[str, ...], *, dtype=None,
            integers: bool = False) -> np.ndarray:
    """Ballot rows as a matrix with one column per candidate."""
    matrix = np.asarray(values, dtype=dtype)
    if matrix.ndim != 2 or matrix.shape[1] != len(ids):
        raise ProfileError(f"{name} must be a matrix with {len(ids)} columns")
    if integers and not np.issubdtype(matrix.dtype, np.integer):
        raise ProfileError(f"{name} must be integers")
    return matrix


class _Ballots:
    """What every profile holds besides its ballot matrix: candidates, how many voters cast
    each row, and the optional costs and budget."""

    counts: np.ndarray

    def _keep(self, ids: tuple[str, ...], name: str, matrix: np.ndarray, counts,
              costs, budget) -> None:
        # The profiles are frozen dataclasses with their own constructors.
        object.__setattr__(self, "candidates", ids)
        object.__setattr__(self, name, matrix)
        object.__setattr__(self, "counts", _counts(counts, matrix.shape[0]))
        object.__setattr__(self, "costs", _budget_fields(ids, costs, budget))
        object.__setattr__(self, "budget", budget)

    @property
    def voters(self) -> int:
        """Number of voters (sum of the ballot multiplicities)."""
        return int(self.counts.sum())


@dataclass(frozen=True, eq=False)
class RankedProfile(_Ballots):
    """Ranked ballots as a rank matrix.

    ``ranks[i, c]`` is the position of candidate ``c`` on ballot row ``i``: 0 is the top, equal
    numbers are ties, and a negative number means the candidate is not ranked.  Unranked
    candidates count as tied below every ranked candidate (the extended strict preference).
    ``counts[i]`` is the number of voters who cast ballot row ``i``.

    ``costs`` and ``budget`` are set for ordinal participatory budgeting files, where the same
    ballots can also be counted by points (see :meth:`positional_points`).
    """

    candidates: tuple[str, ...]
    ranks: np.ndarray
    counts: np.ndarray
    costs: np.ndarray | None = None
    budget: int | None = None
    _strict: bool | None = field(default=None, repr=False)
    _orders: np.ndarray | None = field(default=None, repr=False)
    _columns: np.ndarray | None = field(default=None, repr=False)

    def __init__(
        self,
        candidates: Sequence[str],
        ranks: np.ndarray | Sequence[Sequence[int]],
        counts: np.ndarray | Sequence[int] | None = None,
        costs: np.ndarray | Sequence[int] | None = None,
        budget: int | None = None,
    ) -> None:
        ids = _candidates(candidates)
        matrix = _matrix("ranks", ranks, ids, integers=True)
        m = len(ids)
        if matrix.size and int(matrix.max()) >= m:
            raise ProfileError(f"a rank must be below the number of candidates ({m})")
        # Unranked becomes m, so "a is preferred to b" is simply ranks[a] < ranks[b].
        dtype = np.int8 if m < 127 else np.int16
        if matrix.size and int(matrix.min()) >= 0:
            normalised = matrix.astype(dtype, copy=False)
        else:
            normalised = np.where(matrix < 0, m, matrix).astype(dtype, copy=False)
        self._keep(ids, "ranks", normalised, counts, costs, budget)
        object.__setattr__(self, "_strict", None)
        object.__setattr__(self, "_orders", None)
        object.__setattr__(self, "_columns", None)

    @classmethod
    def from_rankings(
        cls,
        candidates: Sequence[str],
        rankings: Sequence[Sequence[str | Sequence[str]]],
        counts: Sequence[int] | None = None,
    ) -> RankedProfile:
        """Build a profile from rankings written as lists of ids, best first.

        An entry may be a list of ids to express a tie, e.g. ``["b", ["a", "c"]]``.
        Candidates left out are unranked.
        """
        index = {c: i for i, c in enumerate(_candidates(candidates))}
        ranks = np.full((len(rankings), len(index)), -1, dtype=np.int64)
        for row, ranking in enumerate(rankings):
            for position, entry in enumerate(ranking):
                group = [entry] if isinstance(entry, str) else list(entry)
                for candidate in group:
                    if candidate not in index:
                        raise ProfileError(f"unknown candidate {candidate!r}")
                    if ranks[row, index[candidate]] >= 0:
                        raise ProfileError(f"candidate {candidate!r} is ranked twice")
                    ranks[row, index[candidate]] = position
        return cls(candidates, ranks, counts)

    @property
    def unranked(self) -> int:
        """The rank value that marks an unranked candidate."""
        return len(self.candidates)

    def is_complete(self) -> bool:
        """True when every ballot ranks every candidate."""
        return not bool((self.ranks == self.unranked).any())

    def columns(self) -> np.ndarray:
        """The rank matrix transposed into one contiguous row per candidate.

        Column-wise passes over a million ballots are the hot loops of the margin methods
        and the strictness check; the transposed copy is made once and shared.
        """
        if self._columns is None:
            object.__setattr__(self, "_columns", np.ascontiguousarray(self.ranks.T))
        return self._columns

    def is_strict(self) -> bool:
        """True when no ballot ties two ranked candidates (truncation is allowed)."""
        if self._strict is None:
            object.__setattr__(self, "_strict", self._check_strict())
        return bool(self._strict)

    def _check_strict(self) -> bool:
        m = self.unranked
        ranked = self.ranks < m
        lengths = ranked.sum(axis=1)
        if m <= 62:
            # k ranked candidates hold positions 0..k-1 exactly once when the bits 1 << rank
            # of a ballot's ranked candidates add up to 2**k - 1: k bits can only cover k
            # distinct positions.  Column by column keeps every temporary one vector long.
            # 32-bit words are enough up to 30 candidates and halve the memory traffic.
            word = np.int32 if m <= 30 else np.int64
            covered = np.zeros(self.ranks.shape[0], dtype=word)
            shifted = np.empty_like(covered)
            complete = self.is_complete()
            for column in self.columns():
                np.left_shift(1, column, out=shifted, dtype=word)
                covered |= shifted if complete else np.where(column < m, shifted, 0)
            return bool((covered == (np.left_shift(1, lengths, dtype=word) - 1)).all())
        orders = self._scatter_orders()
        # Otherwise: k candidates fill exactly the first k slots of the order matrix.
        return np.array_equal(orders[:, :m] != m, np.arange(m) < lengths[:, None])

    def _scatter_orders(self) -> np.ndarray:
        m = self.unranked
        rows, columns = self.ranks.shape
        orders = np.full((rows, columns + 1), m, dtype=np.int16)
        ranked = self.ranks < m
        if ranked.all():
            orders[np.arange(rows)[:, None], self.ranks] = np.arange(m, dtype=np.int16)
        else:
            r, c = np.nonzero(ranked)
            orders[r, self.ranks[r, c]] = c
        return orders

    def orders(self) -> np.ndarray:
        """Strict ballots as candidate indices best first, padded with ``len(candidates)``.

        The matrix has one extra padding column, so a pointer past the last preference
        always reads the padding value.
        """
        if not self.is_strict():
            raise ProfileError("these ballots tie candidates; the method needs strict rankings")
        if self._orders is None:
            object.__setattr__(self, "_orders", self._scatter_orders())
        return self._orders

    def positional_points(self) -> PointsProfile:
        """Points as Pabulib counts ordinal ballots: of k ranked items, the first gets k, last 1."""
        if not self.is_strict():
            raise ProfileError("positional points need strict rankings")
        m = self.unranked
        ranked = self.ranks < m
        lengths = ranked.sum(axis=1, keepdims=True)
        points = np.where(ranked, lengths - self.ranks, 0)
        return PointsProfile(self.candidates, points, self.counts, self.costs, self.budget)

    def digest(self) -> str:
        """Fingerprint of the ballots, the default seed for the published lot."""
        return _digest(self.candidates, self.ranks, self.counts)


@dataclass(frozen=True, eq=False)
class ApprovalProfile(_Ballots):
    """Approval ballots: ``approvals[i, c]`` is True when ballot row ``i`` approves ``c``.

    ``costs`` (one per project) and ``budget`` are needed by the budgeting methods.
    """

    candidates: tuple[str, ...]
    approvals: np.ndarray
    counts: np.ndarray
    costs: np.ndarray | None = None
    budget: int | None = None

    def __init__(
        self,
        candidates: Sequence[str],
        approvals: np.ndarray | Sequence[Sequence[bool]],
        counts: np.ndarray | Sequence[int] | None = None,
        costs: np.ndarray | Sequence[int] | None = None,
        budget: int | None = None,
    ) -> None:
        ids = _candidates(candidates)
        self._keep(ids, "approvals", _matrix("approvals", approvals, ids, dtype=bool), counts,
                   costs, budget)

    def digest(self) -> str:
        """Fingerprint of the ballots, the default seed for the published lot."""
        return _digest(self.candidates, self.approvals, self.counts, self.costs, self.budget)


@dataclass(frozen=True, eq=False)
class PointsProfile(_Ballots):
    """Points ballots (cumulative or scoring votes): ``points[i, c]`` points from row ``i``."""

    candidates: tuple[str, ...]
    points: np.ndarray
    counts: np.ndarray
    costs: np.ndarray | None = None
    budget: int | None = None

    def __init__(
        self,
        candidates: Sequence[str],
        points: np.ndarray | Sequence[Sequence[int]],
        counts: np.ndarray | Sequence[int] | None = None,
        costs: np.ndarray | Sequence[int] | None = None,
        budget: int | None = None,
    ) -> None:
        ids = _candidates(candidates)
        matrix = _matrix("points", points, ids, integers=True)
        self._keep(ids, "points", matrix.astype(np.int64, copy=False), counts, costs, budget)

    def digest(self) -> str:
        """Fingerprint of the ballots, the default seed for the published lot."""
        return _digest(self.candidates, self.points, self.counts, self.costs, self.budget)


Profile = RankedProfile | ApprovalProfile | PointsProfile
