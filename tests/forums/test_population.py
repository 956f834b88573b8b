"""Representativeness: the room compared with the district's residents."""

import pytest
from scipy import stats
from sqlalchemy import select

from core.db import commit, db
from core.errors import DomainError
from forums import analysis, population, report, services
from forums.models import PopulationCount
from tests.conftest import post_form, sign_in


def test_goodness_of_fit_equals_scipy():
    residents = {"10s": 39_000, "20s": 58_000, "30s": 67_000, "40s": 73_000}
    room = {"10s": 3, "20s": 5, "30s": 17, "40s": 11, "unknown": 2}
    result = analysis.representativeness(room, residents)
    observed = [room[c] for c in residents]
    total = sum(residents.values())
    expected = [sum(observed) * n / total for n in residents.values()]
    reference = stats.chisquare(observed, expected)
    assert result["test"]["statistic"] == pytest.approx(reference.statistic, rel=1e-12)
    assert result["test"]["p_value"] == pytest.approx(reference.pvalue, rel=1e-9)
    assert result["test"]["df"] == 3
    assert (result["participants"], result["outside"]) == (36, 2)
    first = result["rows"][0]
    assert first["participant_share"] == pytest.approx(3 / 36)
    assert first["population_share"] == pytest.approx(39_000 / 237_000)
    assert first["difference_points"] == pytest.approx((3 / 36 - 39_000 / 237_000) * 100)


def test_an_empty_room_has_no_test():
    result = analysis.representativeness({}, {"female": 10, "male": 10})
    assert result["test"] is None and result["participants"] == 0


def test_saving_figures_replaces_them_and_validates(ctx, district):
    population.save(district, "gender", {"female": 222_000, "male": 210_000})
    population.save(district, "gender", {"female": 1, "male": 2})
    commit()
    assert population.counts(district.id) == {"gender": {"female": 1, "male": 2}}
    bad_inputs = [
        ("gender", {"female": -1, "male": 3}),
        ("gender", {"female": 5, "male": None}),
        ("gender", {"female": 0, "male": 0}),
        ("gender", {"female": 5, "robot": 3}),
        ("age_band", {"10s": 20_000_000}),
        ("income", {}),
    ]
    for dimension, residents in bad_inputs:
        with pytest.raises(DomainError):
            population.save(district, dimension, residents)
        db.session.rollback()
    assert population.counts(district.id) == {"gender": {"female": 1, "male": 2}}
    population.save(district, "gender", {"female": None, "male": None})
    commit()
    assert population.counts(district.id) == {}


def test_report_compares_consenting_participants(ctx, forum):
    population.save(forum.cycle.district, "gender", {"female": 500, "male": 500})
    for gender in ("female", "female", "male", None):
        participant, _token = services.join_forum(forum)
        services.record_demographics(participant, gender is not None, None, gender, None, [])
    commit()
    built = report.build(forum)
    gender = built["representativeness"]["gender"]
    assert gender["participants"] == 3
    assert [row["participants"] for row in gender["rows"]] == [2, 1]
    assert "age_band" not in built["representativeness"]


def test_organizer_enters_figures_and_bad_input_changes_nothing(client, ctx, district, organizer):
    sign_in(client, organizer.email)
    assert client.get("/forums/population").status_code == 200
    response = post_form(client, "/forums/population/gender",
                         {"gender-c0": "222000", "gender-c1": "210000"})
    assert response.status_code == 302
    for data, status in (({"gender-c0": "-5", "gender-c1": "10"}, 422),
                         ({"gender-c0": "abc", "gender-c1": "10"}, 422),
                         ({"gender-c0": "10", "gender-c1": ""}, 422)):
        assert post_form(client, "/forums/population/gender", data).status_code == status
    assert post_form(client, "/forums/population/income", {}).status_code == 404
    rows = db.session.scalars(select(PopulationCount.residents).order_by(PopulationCount.id))
    assert list(rows) == [222_000, 210_000]


def test_residents_and_facilitators_cannot_enter_figures(app, district, make_user):
    for role in ("resident", "facilitator"):
        client = app.test_client()
        sign_in(client, make_user(role).email)
        assert client.get("/forums/population").status_code == 403
        assert post_form(client, "/forums/population/gender",
                         {"gender-c0": "1", "gender-c1": "1"}).status_code == 403
