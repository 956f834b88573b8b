"""The city-wide open data (public, no sign-in): every district of the deployment on one page,
and the same figures as CSV and JSON.

It answers at the root (``/city/open-data``) and, like every route, under any district's path;
what it shows is the same either way, since it reads every district (``plans.city_open_data``)
and only what each already publishes. The page and the files are made from one list of
figures; the files are Korean documents, like every export, with each district's sentence in
Korean and in English, and their text cells go through the house's spreadsheet rule
(``writers.spreadsheet_text``, applied by ``writers.write_csv_table``)."""

import io

from flask import Response, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from core.auth import public
from core.districts import base_url
from plans import city_open_data

from . import writers
from .registry import MEDIA_TYPES
from .tables import Column, ColumnType, Table

T = ColumnType
FILE_NAME = "madang-city-open-data"

DISTRICT_COLUMNS = [
    Column("district", "자치구 주소 이름"), Column("name_ko", "자치구"),
    Column("name_en", "자치구(영문)"), Column("summary_ko", "요약"),
    Column("summary_en", "요약(영문)"),
]
PARTICIPATION_COLUMNS = [
    Column("district", "자치구 주소 이름"), Column("name_ko", "자치구"),
    Column("year", "연도", T.INTEGER), Column("recorded", "기록된 수치", T.INTEGER),
    Column("basis", "근거"), Column("voters", "주민투표 참여자", T.INTEGER),
    Column("voting_days", "투표 기간(일)", T.INTEGER), Column("forums", "공론장 수", T.INTEGER),
    Column("forum_participants", "공론장 참가자 수", T.INTEGER),
    Column("proposals", "의제 제안 수", T.INTEGER), Column("source", "출처"),
]
PLAN_COLUMNS = [
    Column("district", "자치구 주소 이름"), Column("name_ko", "자치구"),
    Column("year", "연도", T.INTEGER), Column("title", "실행계획"),
    Column("status", "상태 코드"), Column("status_label", "상태"),
    Column("amendment_in_review", "변경안 심의 중", T.INTEGER),
    Column("version", "공개된 판", T.INTEGER), Column("total_budget", "총 예산(원)", T.WON),
    Column("allocated", "편성액(원)", T.WON),
    Column("foundation_budget", "기반구축 사업 예산(원)", T.WON),
    Column("foundation_percent", "기반구축 비율(총 예산 대비, %)", T.NUMBER),
    Column("foundation_min_percent", "기반구축 최소 비율(%)", T.NUMBER),
    Column("foundation_met", "기반구축 기준 충족", T.INTEGER),
]


def _sentence(entry) -> str:
    return f"{entry.participation_sentence} {entry.plan_sentence}"


def tables(figures: list[city_open_data.DistrictFigures]) -> list[Table]:
    """The page's figures as the download's tables: districts with their sentences, years,
    plans. Read in Korean (labels) except the English sentence."""

    def district_rows():
        for entry in figures:
            with force_locale("en"):
                english = _sentence(entry)
            yield (entry.district.slug, entry.district.name_ko, entry.district.name_en,
                   _sentence(entry), english)

    def participation_rows():
        for entry in figures:
            for year in entry.years:
                yield (entry.district.slug, entry.district.name_ko, year.year,
                       int(year.recorded),
                       str(_l("기록된 수치") if year.recorded else _l("마당 기록에서 계산")),
                       year.voters, year.voting_days, year.forums, year.forum_participants,
                       year.proposals, year.source)

    def plan_rows():
        for entry in figures:
            for plan in entry.plans:
                yield (entry.district.slug, entry.district.name_ko, plan.year, plan.title,
                       plan.status, str(plan.status_label), int(plan.amendment_in_review),
                       plan.version, plan.total_budget, plan.allocated, plan.foundation_budget,
                       plan.foundation_percent, plan.foundation_min_percent,
                       int(plan.foundation_met))

    return [
        Table("districts", "자치구별 요약", DISTRICT_COLUMNS, district_rows,
              lambda: len(figures)),
        Table("participation", "자치구별 연도별 참여 현황", PARTICIPATION_COLUMNS,
              participation_rows, lambda: sum(len(e.years) for e in figures)),
        Table("plans", "자치구별 실행계획", PLAN_COLUMNS, plan_rows,
              lambda: sum(len(e.plans) for e in figures)),
    ]


def _in_district(district, endpoint: str, **values) -> str:
    """A page of ``district`` at its own path, whichever district's path this page was read
    at."""
    path = url_for(endpoint, **values)[len(request.script_root):]
    return base_url(district) + path.lstrip("/")


def _download(data: bytes, extension: str, name: str) -> Response:
    response = Response(data, mimetype=MEDIA_TYPES[extension])
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{extension}"'
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _csv(table_name: str) -> Response:
    with force_locale("ko"):
        table = next(t for t in tables(city_open_data.city_figures()) if t.name == table_name)
        with io.BytesIO() as out:
            writers.write_csv_table(table, out)
            data = out.getvalue()
    return _download(data, "csv", f"{FILE_NAME}-{table_name}")


@public
def page():
    # The whole city's page: the header names Seoul, not the district of the path it came by.
    return render_template("exports/city_open_data.html",
                           districts=city_open_data.city_figures(), in_district=_in_district,
                           percent=city_open_data.percent_text, site_district=None,
                           city_wide=True)


@public
def districts_csv():
    return _csv("districts")


@public
def participation_csv():
    return _csv("participation")


@public
def plans_csv():
    return _csv("plans")


@public
def json_file():
    with force_locale("ko"):
        figures = city_open_data.city_figures()
        with io.BytesIO() as out:
            writers.write_json(tables(figures), out, {
                "kind": "city_open_data", "districts": len(figures),
                "foundation_percent": "기반구축 사업 예산 ÷ 총 예산 × 100 "
                                      "(편성액이 아닌 총 예산 대비)"})
            data = out.getvalue()
    return _download(data, "json", FILE_NAME)
