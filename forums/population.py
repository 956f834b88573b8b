"""The district's population per demographic group, and how a forum's room compares to it."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from core import audit
from core.db import db
from core.errors import DomainError
from core.i18n import lazy_message
from core.models import District
from forums import analysis
from forums.models import AGE_BANDS, POPULATION_DIMENSIONS, Forum, PopulationCount

POPULATION_GENDERS = ("female", "male")
MAX_RESIDENTS = 10_000_000


def categories(district: District, dimension: str) -> tuple[str, ...]:
    """The groups a dimension is counted in: age bands, the two registered genders, or the
    district's dongs."""
    if dimension == "age_band":
        return AGE_BANDS
    if dimension == "gender":
        return POPULATION_GENDERS
    if dimension == "dong":
        return tuple(d.name for d in district.dongs)
    raise DomainError(_l("알 수 없는 인구 구분입니다."), status=400)


def counts(district_id: int) -> dict[str, dict[str, int]]:
    """Residents per dimension and category, as entered; dimensions with no figures are absent."""
    found: dict[str, dict[str, int]] = {}
    for row in db.session.scalars(
        select(PopulationCount).where(PopulationCount.district_id == district_id)
        .order_by(PopulationCount.id)
    ):
        found.setdefault(row.dimension, {})[row.category] = row.residents
    return found


def save(district: District, dimension: str, residents: dict[str, int | None]) -> None:
    """Replace one dimension's figures. Every category needs a whole number from 0 up;
    leaving them all empty removes the dimension."""
    known = categories(district, dimension)
    if set(residents) - set(known):
        raise DomainError(_l("이 자치구에 없는 구분이 있습니다."), status=400)
    values = [residents.get(category) for category in known]
    db.session.execute(delete(PopulationCount).where(
        PopulationCount.district_id == district.id, PopulationCount.dimension == dimension))
    audit.record("population.save", "district", district.id, district_id=district.id,
                 detail={"dimension": dimension,
                         "residents": sum(value or 0 for value in values)})
    if all(value is None for value in values):
        return
    if any(value is None for value in values):
        raise DomainError(_l("모든 구분의 인구를 입력하거나 모두 비워 두세요."))
    if any(value < 0 or value > MAX_RESIDENTS for value in values):
        raise DomainError(lazy_message("인구는 0 이상 %(max)d 이하로 입력하세요.",
                                       max=MAX_RESIDENTS))
    if sum(values) == 0:
        raise DomainError(_l("인구 합계가 0입니다."))
    for category, value in zip(known, values, strict=True):
        db.session.add(PopulationCount(district_id=district.id, dimension=dimension,
                                       category=category, residents=value))
    db.session.flush()


def room_against_district(forum: Forum) -> dict[str, dict]:
    """For each dimension with population figures: the consenting participants compared
    with the district's residents."""
    population = counts(forum.district_id)
    result = {}
    for dimension in POPULATION_DIMENSIONS:
        if dimension not in population:
            continue
        sample: dict[str, int] = {}
        for participant in forum.participants:
            value = getattr(participant, dimension)
            if value is not None:
                sample[value] = sample.get(value, 0) + 1
        result[dimension] = analysis.representativeness(sample, population[dimension])
    return result
