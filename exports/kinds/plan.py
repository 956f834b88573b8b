"""A cycle's annual plan: projects with budgets, progress reports and evaluations; and
its PDF report with budget and evaluation charts."""

from flask_babel import lazy_gettext as _l

from agenda.models import FIELD_LABELS as AGENDA_FIELD_LABELS
from core.errors import NotFound
from exports import charts, pdf
from exports.kinds.common import find_cycle, label, seoul
from exports.registry import ExportContext, Kind, register
from exports.tables import Column, ColumnType, Table
from plans import building, evaluation
from plans.models import (
    CATEGORY_LABELS,
    FUNDING_LABELS,
    PERIOD_LABELS,
    PLAN_STATUS_LABELS,
    PROGRESS_LABELS,
    Plan,
)
from plans.published import PublishedPlan, published

T = ColumnType


NO_PLAN = _l("이 주기에는 아직 실행계획이 없습니다.")


def find_plan(district_id: int, cycle_id: int) -> Plan:
    cycle = find_cycle(district_id, cycle_id)
    plan = building.plan_for_cycle(district_id, cycle.id)
    if plan is None:
        raise NotFound(NO_PLAN)
    return plan


def plan_for(ctx: ExportContext) -> Plan | PublishedPlan:
    """The organizers' working plan, or for open data the version the public reads."""
    plan = find_plan(ctx.district_id, ctx.scope_id)
    if not ctx.public:
        return plan
    shown = published(plan)
    if shown is None:
        raise NotFound(NO_PLAN)
    return shown


PLAN_COLUMNS = [
    Column("title", "실행계획"), Column("status", "상태"),
    Column("total_budget", "총예산", T.WON), Column("allocated", "배정액", T.WON),
    Column("foundation_share", "기반구축 비율", T.PERCENT), Column("spent", "집행액", T.WON),
    Column("progress", "가중 진행률", T.PERCENT), Column("approved_at", "승인 일시", T.DATETIME),
]
PROJECT_COLUMNS = [
    Column("position", "순서", T.INTEGER), Column("title", "실행사업"),
    Column("category", "사업 구분"), Column("field", "분야"), Column("dong", "대상 지역"),
    Column("budget", "예산", T.WON), Column("funding", "재원"),
    Column("department", "담당 부서"), Column("civil_partners", "민간 파트너"),
    Column("starts_on", "시작일", T.DATE), Column("ends_on", "종료일", T.DATE),
    Column("vote_rank", "주민투표 순위", T.INTEGER), Column("vote_score", "주민투표 점수"),
    Column("agenda_item_id", "의제 번호", T.INTEGER),
    Column("percent_done", "진행률", T.PERCENT), Column("spent", "집행액", T.WON),
]
PROGRESS_COLUMNS = [
    Column("project", "실행사업"), Column("reported_on", "보고일", T.DATE),
    Column("status", "상태"), Column("percent", "진행률", T.PERCENT),
    Column("spent", "집행액", T.WON), Column("notes", "내용"),
    Column("reporter", "보고자", personal=True),
]
EVALUATION_COLUMNS = [
    Column("project", "실행사업"), Column("period", "평가 구분"),
    Column("score", "평가 점수", T.PERCENT), Column("satisfaction", "만족도", T.INTEGER),
    Column("respondents", "응답자 수", T.INTEGER), Column("self_evaluation", "자체 평가"),
    Column("evaluator", "평가자", personal=True),
]


def tables(ctx: ExportContext) -> list[Table]:
    plan = plan_for(ctx)
    projects = list(plan.projects)

    def plan_rows():
        totals = building.summary(plan)
        yield (plan.title, label(PLAN_STATUS_LABELS, plan.status), plan.total_budget,
               totals["allocated"], totals["foundation_percent"] / 100, totals["spent"],
               totals["progress_percent"] / 100, seoul(plan.approved_at))

    def project_rows():
        for p in projects:
            yield (p.position, p.title, label(CATEGORY_LABELS, p.category),
                   label(AGENDA_FIELD_LABELS, p.field), p.dong or str(_l("구 전체")), p.budget,
                   label(FUNDING_LABELS, p.funding_source), p.department, p.civil_partners,
                   p.starts_on, p.ends_on, p.vote_rank, p.vote_score, p.agenda_item_id,
                   p.percent_done / 100, p.spent)

    def progress_rows():
        for p in projects:
            for r in p.reports:
                yield (p.title, r.reported_on, label(PROGRESS_LABELS, r.status), r.percent / 100,
                       r.spent, r.notes, r.reporter)

    def evaluation_rows():
        for p in projects:
            for e in sorted(p.evaluations, key=lambda e: (e.period != "mid", e.id)):
                yield (p.title, label(PERIOD_LABELS, e.period), e.score_percent / 100,
                       e.satisfaction, e.respondents, e.self_evaluation, e.evaluator)

    return [
        Table("plan", "실행계획", PLAN_COLUMNS, plan_rows, lambda: 1),
        Table("plan_projects", "실행사업", PROJECT_COLUMNS, project_rows, lambda: len(projects)),
        Table("plan_progress", "진행 보고", PROGRESS_COLUMNS, progress_rows,
              lambda: sum(len(p.reports) for p in projects)),
        Table("plan_evaluations", "성과평가", EVALUATION_COLUMNS, evaluation_rows,
              lambda: sum(len(p.evaluations) for p in projects)),
    ]


def write_report(ctx: ExportContext, out) -> str:
    plan = plan_for(ctx)
    totals = building.summary(plan)
    by_category: dict[str, int] = {}
    for p in plan.projects:
        name = label(CATEGORY_LABELS, p.category)
        by_category[name] = by_category.get(name, 0) + p.budget
    budget_chart = charts.bars([(p.title, p.budget / 10_000) for p in plan.projects],
                               unit=str(_l("만원")))
    category_chart = charts.bars(sorted(by_category.items()), unit=str(_l("원")))
    evaluations = [(p, evaluation.latest_evaluation(p)) for p in plan.projects]
    scored = [(p.title, e.score_percent) for p, e in evaluations if e is not None]
    evaluation_chart = charts.bars(scored, unit="%") if scored else ""
    progress_chart = charts.bars([(p.title, p.percent_done) for p in plan.projects], unit="%")
    return pdf.render("plan_report.html", out, plan=plan, totals=totals,
                      status=label(PLAN_STATUS_LABELS, plan.status),
                      budget_chart=budget_chart, category_chart=category_chart,
                      progress_chart=progress_chart, evaluation_chart=evaluation_chart,
                      evaluations=evaluations, category_labels=CATEGORY_LABELS,
                      period_labels=PERIOD_LABELS)


def cycle_tables(ctx: ExportContext) -> list[Table]:
    """The plan's tables inside a whole-cycle export, when the cycle has a plan."""
    try:
        return tables(ctx)
    except NotFound:
        return []


KIND = register(Kind(
    name="plan", label=_l("실행계획과 성과평가"), scope="cycle",
    formats=("csv", "xlsx", "pdf", "json"), find=find_plan, tables=tables, report=write_report,
    public_formats=("csv", "json"), has_personal=True,
))
