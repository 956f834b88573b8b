"""Ages as votes and participation statistics count them: the age reached this year
(연 나이) and the statistics' age bands. Pure."""

from __future__ import annotations


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
