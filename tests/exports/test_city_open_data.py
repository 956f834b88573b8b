"""The city-wide open data page and its CSV and JSON files, read by anyone without signing in:
every district on one page, the files carrying the same numbers as the page, spreadsheet
formulas written as text, and links from the district's open data page and the footer."""

import csv
import html
import io
import json
import re

import pytest

from core.db import commit, db
from exports.writers import FORMULA_STARTS
from plans import participation
from plans.models import Plan
from tests.plans import conftest as plan_builders
from tests.plans import test_city_open_data as city_builders
from tests.plans.test_city_open_data import DRAFT_TITLE, DRAFT_TOTAL, SOURCE

# The builders of tests/plans (the plan, its council, the three districts), offered to this
# module's tests as fixtures.
selected = plan_builders.selected
plan = plan_builders.plan
roster = plan_builders.roster
city = city_builders.city

CSV_FILES = ("districts", "participation", "plans")
FORMULA = '=HYPERLINK("http://evil.example","x")'


def _text(markup: str, gap: str = " ") -> str:
    """What a reader sees of some markup: tags replaced by ``gap``, entities read, spaces
    folded."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", gap, markup))).strip()


def _section(page: str, slug: str) -> str:
    start = page.index(f'<section class="panel city-district" id="{slug}"')
    return page[start:page.index("</section>", start)]


def _year_cells(section: str, year: int, label: str = "{}년") -> list[str]:
    """The cells of a year's row in a district's table, in the columns' order."""
    heading = re.escape(label.format(year))
    row = re.search(rf'<tr>\s*<th scope="row">{heading}</th>(.*?)</tr>', section,
                    re.S).group(1)
    return [_text(cell, "") for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def _tables(client) -> dict:
    response = client.get("/city/open-data.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return {table["name"]: table for table in json.loads(response.data)["tables"]}


def _csv_rows(client, name: str) -> list[list[str]]:
    response = client.get(f"/city/open-data/{name}.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert f'filename="madang-city-open-data-{name}.csv"' in \
        response.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))


def _as_csv(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _figure(value, unit: str) -> str:
    return "—" if value is None else f"{value:,}{unit}"


def _percent(value) -> str:
    return f"{value:g}%"


def test_anyone_reads_every_district_on_one_page(client, city):
    response = client.get("/city/open-data")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    seen = _text(page)
    assert "전체 자치구 공개 자료" in seen
    # The header names the city, not the district whose path the page came by.
    assert '<span class="brand__district">서울시</span>' in page
    assert '<span class="brand__district">서울시</span>' in client.get(
        "/songpa/city/open-data").get_data(as_text=True)
    assert [m for m in re.findall(r'class="panel city-district" id="([a-z-]+)"', page)] == \
        ["gangdong", "songpa", "seongdong"]
    seongdong = _section(page, "seongdong")
    # The four recorded years name their one source once.
    assert seongdong.count(SOURCE) == 1 and seongdong.count('href="#source-seongdong-1"') == 4
    assert _year_cells(seongdong, 2020) == ["2,441명", "10일", "—", "—", "—",
                                            "기록된 수치 (출처 1)"]
    gangdong = _section(page, "gangdong")
    assert _year_cells(gangdong, 2027) == ["2명", "10일", "1회", "3명", "5건",
                                           "마당 기록에서 계산"]
    assert "120,000,000원" in gangdong and "33.3%" in gangdong and "기준 30% 이상" in gangdong
    # What the public does not read: another district's unsent plan, a reopened plan's draft.
    assert DRAFT_TITLE not in page and f"{DRAFT_TOTAL:,}" not in page
    assert "아직 공개된 실행계획이 없습니다." in _text(_section(page, "songpa"))
    # Every number is written with its separators, no bare float in the text.
    assert not re.search(r"\d{5,}|\d\.\d{2,}", seen)
    # Each district's pages are linked at that district's own path.
    assert re.search(r'href="[^"]*/seongdong/participation"', page)
    cycle_id = city["gangdong"].cycles[0].id
    assert re.search(rf'href="[^"]*/gangdong/cycles/{cycle_id}/plan"', page)
    # The same page at any district's path.
    assert client.get("/seongdong/city/open-data").get_data(as_text=True).count(SOURCE) == 1


def test_the_page_reads_in_english(client, city):
    client.set_cookie("lang", "en", domain="madang.test")
    page = client.get("/city/open-data").get_data(as_text=True)
    seen = _text(page)
    assert '<html lang="en">' in page and "Open data for all districts" in seen
    assert ("The 2027 plan (Approved) allocates ₩115,000,000 of its ₩120,000,000 budget and "
            "gives 33.3% of the total budget to foundation-building projects, meeting the "
            "minimum of 30%.") in seen
    assert _year_cells(_section(page, "seongdong"), 2020, "{}")[:2] == ["2,441", "10 days"]


def test_the_files_carry_the_same_numbers_as_the_page(client, city):
    tables = _tables(client)
    page = client.get("/city/open-data").get_data(as_text=True)
    for name in CSV_FILES:
        rows = _csv_rows(client, name)
        keys = [column["key"] for column in tables[name]["columns"]]
        assert rows[0] == [column["header"] for column in tables[name]["columns"]]
        assert rows[1:] == [[_as_csv(row[key]) for key in keys]
                            for row in tables[name]["rows"]], name

    for row in tables["districts"]["rows"]:
        assert row["summary_ko"] in _text(_section(page, row["district"]))
    assert [r["name_en"] for r in tables["districts"]["rows"]] == \
        ["Gangdong-gu", "Songpa-gu", "Seongdong-gu"]

    years = tables["participation"]["rows"]
    assert {r["district"] for r in years} == {"gangdong", "songpa", "seongdong"}
    for row in years:
        cells = _year_cells(_section(page, row["district"]), row["year"])
        assert cells[:5] == [_figure(row["voters"], "명"), _figure(row["voting_days"], "일"),
                             _figure(row["forums"], "회"),
                             _figure(row["forum_participants"], "명"),
                             _figure(row["proposals"], "건")], row
        assert ("기록된 수치" in cells[5]) == bool(row["recorded"])
        assert row["source"] == (SOURCE if row["recorded"] else "")

    (plan_row,) = tables["plans"]["rows"]
    assert (plan_row["district"], plan_row["total_budget"], plan_row["allocated"],
            plan_row["foundation_budget"], plan_row["foundation_percent"],
            plan_row["foundation_min_percent"], plan_row["foundation_met"]) == \
        ("gangdong", 120_000_000, 115_000_000, 40_000_000, 33.3, 30, 1)
    card = _text(_section(page, "gangdong"))
    for amount in ("total_budget", "allocated", "foundation_budget"):
        assert f"{plan_row[amount]:,}원" in card
    assert f"{_percent(plan_row['foundation_percent'])} · 기준 " \
           f"{_percent(plan_row['foundation_min_percent'])} 이상 · 충족" in card
    assert DRAFT_TITLE not in json.dumps(tables, ensure_ascii=False)


def test_the_files_are_public_open_data(client, city):
    for path in ("/city/open-data.json", *(f"/city/open-data/{n}.csv" for n in CSV_FILES)):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "public, max-age=300"
        assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_the_csv_writes_formulas_as_text_and_the_json_as_written(ctx, client, city):
    """The house's rule (exports.writers.spreadsheet_text, OWASP's CSV injection): a plan title
    or a source a spreadsheet would run is written with a quote in front."""
    published = db.session.scalars(db.select(Plan).where(
        Plan.district_id == city["gangdong"].id)).one()
    for version in published.versions:
        version.snapshot = {**version.snapshot, "title": FORMULA}
    participation.save_recorded(city["seongdong"].id, 2019, {"voters": 294}, "@SUM(A1)")
    commit()
    cells = [cell for name in CSV_FILES for row in _csv_rows(client, name) for cell in row]
    assert "'" + FORMULA in cells and "'@SUM(A1)" in cells
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
    tables = _tables(client)
    assert tables["plans"]["rows"][0]["title"] == FORMULA
    assert "@SUM(A1)" in [row["source"] for row in tables["participation"]["rows"]]


@pytest.mark.parametrize("path", ["/open-data", "/"])
def test_the_district_open_data_and_the_footer_link_here(client, district, path):
    page = client.get(path).get_data(as_text=True)
    assert re.search(r'href="[^"]*/city/open-data"', page)
