"""Madang's counting engine: pure functions over ballots held as numpy arrays.

The one entry point the app needs is :func:`tally`::

    from voting.tally import RankedProfile, tally

    profile = RankedProfile.from_rankings(["a", "b", "c"], [["a", "b"], ["c"]], counts=[5, 3])
    result = tally(profile, "irv", seed="2025-budget-vote")
    result.to_dict()   # method, ballots, candidates, winners, ranking, ties, scores, rounds, ...

Files in PrefLib or Pabulib format are read with :func:`read_file`.
"""

from __future__ import annotations

from .budget import COMPLETIONS, greedy, mes, top_scores
from .formats import ParseError, read_file
from .profiles import ApprovalProfile, PointsProfile, Profile, ProfileError, RankedProfile
from .ranked import borda, copeland, irv, pairwise, ranked_pairs, schulze
from .result import TallyResult
from .stv import stv
from .ties import Lot

RANKED_METHODS = ("borda", "schulze", "ranked-pairs", "copeland", "irv", "stv")
METHODS = (*RANKED_METHODS, "approval", "greedy", "mes", "points")
# Methods that elect a stated number of winners; the budgeting methods fund what the budget
# allows instead, so a number of seats means nothing to them and is refused.
SEATED_METHODS = (*RANKED_METHODS, "approval", "points")


class MethodError(ValueError):
    """A method that does not exist, or does not apply to these ballots."""


def applicable_methods(profile: Profile) -> tuple[str, ...]:
    """The method names that can count ``profile``."""
    if isinstance(profile, RankedProfile):
        if not profile.is_strict():
            # Runoff counts and positional points need one candidate per position.
            return ("borda", "schulze", "ranked-pairs", "copeland")
        budgeting = ("points", "greedy") if profile.costs is not None else ()
        return (*RANKED_METHODS, *budgeting)
    if isinstance(profile, ApprovalProfile):
        return ("approval", "greedy", "mes") if profile.costs is not None else ("approval",)
    return ("points", "greedy") if profile.costs is not None else ("points",)


def tally(
    profile: Profile,
    method: str,
    *,
    seats: int | None = None,
    budget: int | None = None,
    seed: str | None = None,
    completion: str | None = None,
) -> TallyResult:
    """Count ``profile`` by ``method`` and return the result with its explanation.

    ``seats`` is the number of winners (default 1) for every method in ``SEATED_METHODS``,
    each filling them by the rule its result states in ``seat_rule`` (IRV becomes sequential
    IRV); ``greedy`` and ``mes`` fund what the budget allows and refuse ``seats``.
    ``budget`` overrides the profile's own budget for ``greedy`` and ``mes``; ``seed`` is the
    published lot's seed for breaking ties (default: a fingerprint of the ballots, so the same
    ballots always give the same result); ``completion`` is how ``mes`` spends what its equal
    shares leave (``"add1"`` by default, ``"greedy"`` or ``"none"``) and is refused by the
    other methods.  Raises :class:`MethodError` for an unknown or inapplicable method or an
    option it does not take, and :class:`ProfileError` for ballots it cannot count.
    """
    if method not in METHODS:
        raise MethodError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    if method not in applicable_methods(profile):
        kind = type(profile).__name__.removesuffix("Profile").lower()
        if isinstance(profile, RankedProfile) and not profile.is_strict():
            kind = "ranked ballots with ties"
        else:
            kind = f"{kind} ballots" + (" without costs" if profile.costs is None else "")
        raise MethodError(
            f"method {method!r} does not apply to {kind}; "
            f"use one of {', '.join(applicable_methods(profile))}"
        )
    seats = _seats(method, seats, len(profile.candidates))
    if completion is not None and method != "mes":
        raise MethodError(f"method {method!r} takes no completion; only mes completes its "
                          "outcome")
    if completion is not None and completion not in COMPLETIONS:
        raise MethodError(f"unknown completion {completion!r}; choose one of "
                          f"{', '.join(COMPLETIONS)}")
    lot = Lot(profile.digest() if seed is None else seed, profile.candidates)
    if isinstance(profile, RankedProfile):
        if method in ("points", "greedy"):
            profile = profile.positional_points()
        else:
            ranked = {
                "borda": borda,
                "schulze": schulze,
                "ranked-pairs": ranked_pairs,
                "copeland": copeland,
                "irv": irv,
                "stv": stv,
            }
            return ranked[method](profile, lot, seats)
    if method in ("approval", "points"):
        return top_scores(profile, lot, seats)
    if method == "greedy":
        return greedy(profile, lot, budget)
    return mes(profile, lot, budget, completion or "add1")


def _seats(method: str, seats: int | None, candidates: int) -> int:
    """The number of winners ``method`` is to elect, or a :class:`MethodError` saying why
    ``seats`` cannot be honoured."""
    if method not in SEATED_METHODS:
        if seats is not None:
            raise MethodError(f"method {method!r} funds the projects the budget allows and "
                              "takes no number of seats; leave --seats out or use --budget")
        return 1
    if seats is None:
        return 1
    if seats < 1:
        raise MethodError(f"method {method!r} needs at least one seat, not {seats}")
    if seats > candidates:
        raise MethodError(f"{seats} seats but only {candidates} candidates; choose at most "
                          f"{candidates}")
    return seats


__all__ = [
    "ApprovalProfile",
    "COMPLETIONS",
    "Lot",
    "METHODS",
    "MethodError",
    "ParseError",
    "PointsProfile",
    "Profile",
    "ProfileError",
    "RankedProfile",
    "SEATED_METHODS",
    "TallyResult",
    "applicable_methods",
    "pairwise",
    "read_file",
    "tally",
]
