"""A vote's exports: definition, anonymised ballots, results with their explanation, and the
research formats (PrefLib for ranked votes, Pabulib for approval, budget and points votes)
that re-count with ``python -m voting.tally`` to exactly the platform's result.

Ballots leave only as distinct ballots with how many people cast each one: no ballot id, no
time, no channel, no demographics, so no choice can be traced to a voter.

A vote whose results are hidden until closing exports nothing of its results or ballots
before it closes, to organizers as to the public (``voting.secrecy``): the kinds find their
vote through ``readable_vote``, which the registry calls when an export is asked for, when
its job runs and when its file is fetched. In a cycle export such a vote's sheet says when its
results open and how many ballots are in, and nothing else.
"""

import json
import shutil
import tempfile

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.db import db
from core.errors import DomainError
from exports import charts, pdf
from exports.kinds.common import label, seoul
from exports.registry import ExportContext, Kind, register, register_scope
from exports.tables import Column, ColumnType, Table
from voting.definition import get_vote
from voting.labels import CHANNEL_LABELS, METHOD_LABELS, SCORE_LABELS
from voting.models import Vote
from voting.results import compute_result
from voting.rules import BallotType
from voting.secrecy import RESULTS_HIDDEN, check_results_readable, results_visible
from voting.stored_ballots import ballot_count, distinct_ballot_count, distinct_ballots
from voting.tally import SEATED_METHODS
from voting.tally.ties import Lot

T = ColumnType


def readable_vote(district_id: int, vote_id: int) -> Vote:
    """The district's vote, refused (``ResultsHidden``, 403) while its results are hidden."""
    vote = get_vote(district_id, vote_id)
    check_results_readable(vote)
    return vote


def _vote(ctx: ExportContext) -> Vote:
    return readable_vote(ctx.district_id, ctx.scope_id)


def votes_of(district_id: int) -> list[tuple[int, str]]:
    return [(v.id, v.title) for v in db.session.scalars(
        select(Vote).where(Vote.district_id == district_id).order_by(Vote.closes_at.desc(),
                                                                     Vote.id))]


register_scope("vote", votes_of)


def _candidates(vote: Vote) -> list[str]:
    return [str(item.agenda_item_id) for item in vote.items]


VOTE_COLUMNS = [
    Column("id", "투표 번호", T.INTEGER), Column("title", "주민투표"),
    Column("ballot_type", "투표 방식"), Column("method", "집계 방법"),
    Column("seats", "선정 수", T.INTEGER), Column("budget_limit", "예산 한도", T.WON),
    Column("opens_at", "시작", T.DATETIME), Column("closes_at", "마감", T.DATETIME),
    Column("tie_seed", "동점 추첨 시드"),
]
ITEM_COLUMNS = [
    Column("position", "순서", T.INTEGER), Column("agenda_item_id", "의제 번호", T.INTEGER),
    Column("title", "의제"), Column("cost", "비용", T.WON),
]


def recount_command(vote: Vote) -> str:
    """The command that re-counts an exported file to the platform's result: the seats for
    the methods that elect a number of winners, MES's completion, the published seed."""
    parts = ["python -m voting.tally FILE", f"--method {vote.method}"]
    if vote.method in SEATED_METHODS:
        parts.append(f"--seats {vote.seats}")
    if vote.method == "mes":
        parts.append(f"--completion {vote.mes_completion}")
    parts.append(f"--seed {vote.tie_seed}")
    return " ".join(parts)


def _definition_tables(vote: Vote) -> list[Table]:
    def vote_rows():
        yield (vote.id, vote.title, str(vote.type_label), label(METHOD_LABELS, vote.method),
               vote.seats, vote.budget_limit, seoul(vote.opens_at), seoul(vote.closes_at),
               vote.tie_seed)

    def item_rows():
        for item in vote.items:
            yield item.position, item.agenda_item_id, item.title, item.cost

    return [Table("vote", "주민투표", VOTE_COLUMNS, vote_rows, lambda: 1),
            Table("vote_items", "투표 대상 의제", ITEM_COLUMNS, item_rows,
                  lambda: len(vote.items))]


def ballot_tables(ctx: ExportContext) -> list[Table]:
    vote = _vote(ctx)
    value_header = {BallotType.RANKED: "순위", BallotType.POINTS: "점수"}.get(vote.type, "선택")
    columns = [Column("count", "같은 투표지 수", T.INTEGER)] + [
        Column(f"item_{item.agenda_item_id}", f"{item.title} ({value_header})", T.INTEGER)
        for item in vote.items]

    def rows():
        for row, count in distinct_ballots(vote):
            if vote.type == BallotType.RANKED:
                values = [rank + 1 if rank >= 0 else None for rank in row]
            elif vote.type == BallotType.POINTS:
                values = [points or None for points in row]
            else:
                values = [1 if chosen else None for chosen in row]
            yield (count, *values)

    return [*_definition_tables(vote),
            Table("ballots", "투표지 (익명)", columns, rows,
                  lambda: distinct_ballot_count(vote))]


RESULT_COLUMNS = [
    Column("place", "순위", T.INTEGER), Column("agenda_item_id", "의제 번호", T.INTEGER),
    Column("title", "의제"), Column("selected", "선정"), Column("score", "점수", T.FIGURE),
    Column("score_name", "점수 기준"), Column("support", "주민 지지", T.FIGURE),
    Column("combined", "종합 점수", T.NUMBER), Column("cost", "비용", T.WON),
    Column("by_lot", "추첨으로 정함"),
]
ROUND_COLUMNS = [Column("round", "단계", T.INTEGER), Column("explanation", "설명 (JSON)")]
COMPARISON_COLUMNS = [Column("method", "집계 방법"), Column("winners", "선정 의제 번호"),
                      Column("ranking", "순위 (의제 번호)")]


def result_of(vote: Vote) -> dict:
    """Counted by the same function as the results page, without touching its cache: an
    export only reads."""
    return compute_result(vote.id)


def result_lines(result: dict) -> list[dict]:
    """Every candidate of the vote, in the order the results page lists them: the method's
    ranking first (tied items share a place, the next place skips past them), then the items
    the method leaves unranked (MES ranks only what it funds), most resident support first,
    without a place. ``score`` is the method's own figure where it has one (IRV and MES
    decide by rounds and have none)."""
    scores = result.get("scores") if isinstance(result.get("scores"), dict) else {}
    combined = {row["item"]: row["total"] for row in result["combined"]["rows"]}
    selected, drawn = set(result["selected"]), set(result.get("by_lot") or [])
    placed: list[tuple[int | None, str]] = []
    ahead = 0
    for group in result["ranking"] or []:
        placed.extend((ahead + 1, item) for item in group)
        ahead += len(group)
    ranked = {item for _place, item in placed}
    rest = sorted((item for item in result["items"] if item not in ranked),
                  key=lambda item: -result["support"].get(item, 0))
    placed.extend((None, item) for item in rest)
    lines = []
    for place, item in placed:
        info = result["items"][item]
        score = scores.get(item)
        lines.append({"place": place, "item": item, "title": info["title"],
                      "cost": info["cost"], "selected": item in selected,
                      "score": score if isinstance(score, int | float) else None,
                      "support": result["support"].get(item),
                      "combined": combined.get(item), "by_lot": item in drawn})
    return lines


def _whole(value):
    """4.0 as 4: a spreadsheet or JSON reader sees a count as a count."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def score_name(method: str, lines: list[dict]) -> str:
    """What the method's score counts, in words; "" when the count gave no score (IRV and
    MES decide by rounds)."""
    if method not in SCORE_LABELS or all(line["score"] is None for line in lines):
        return ""
    return str(SCORE_LABELS[method])


def result_tables(ctx: ExportContext) -> list[Table]:
    vote = _vote(ctx)
    result = result_of(vote)
    lines = result_lines(result)
    name = score_name(vote.method, lines)

    def rows():
        for line in lines:
            yield (line["place"], int(line["item"]), line["title"],
                   "예" if line["selected"] else "아니오", _whole(line["score"]),
                   name if line["score"] is not None else "", _whole(line["support"]),
                   line["combined"], line["cost"], "예" if line["by_lot"] else "")

    def round_rows():
        for number, step in enumerate(result.get("rounds") or [], start=1):
            yield number, json.dumps(step, ensure_ascii=False, sort_keys=True)

    def comparison_rows():
        for other in result["comparison"]:
            yield (label(METHOD_LABELS, other["method"]), ", ".join(other["winners"]),
                   " > ".join("=".join(group) for group in other["ranking"]))

    return [
        *_definition_tables(vote),
        Table("results", "투표 결과", RESULT_COLUMNS, rows, lambda: len(lines)),
        Table("result_rounds", "집계 과정", ROUND_COLUMNS, round_rows,
              lambda: len(result.get("rounds") or [])),
        Table("result_comparison", "집계 방법 비교", COMPARISON_COLUMNS, comparison_rows,
              lambda: len(result["comparison"])),
    ]


def _spooled():
    # The body is written first and the header, which counts it, after: a temporary file
    # holds the body meanwhile, so a million ballots never sit in memory.
    return tempfile.TemporaryFile(prefix="madang-export-")


def write_preflib(ctx: ExportContext, out, progress=None) -> str:
    """Ranked ballots as PrefLib, most common order first. Alternatives are numbered so that
    the published lot over the numbers draws them in the same order as over the agenda ids:
    a re-count with the vote's seed breaks every tie exactly as the platform did."""
    vote = _vote(ctx)
    if vote.type != BallotType.RANKED:
        raise DomainError(_l("PrefLib 형식은 순위 투표만 내보낼 수 있습니다. "
                             "이 투표는 Pabulib 형식으로 내보내세요."), status=400)
    m = len(vote.items)
    platform = Lot(vote.tie_seed, _candidates(vote)).priority
    numbers = Lot(vote.tie_seed, [str(k) for k in range(1, m + 1)]).priority
    number_at_priority = {int(p): k + 1 for k, p in enumerate(numbers)}
    number_of = [number_at_priority[int(platform[i])] for i in range(m)]
    voters = orders = 0
    strict = complete = True
    with _spooled() as body:
        for row, count in distinct_ballots(vote, most_cast_first=True):
            tiers: dict[int, list[int]] = {}
            for i, rank in enumerate(row):
                if rank >= 0:
                    tiers.setdefault(rank, []).append(number_of[i])
            strict = strict and all(len(members) == 1 for members in tiers.values())
            complete = complete and min(row) >= 0
            parts = []
            for rank in sorted(tiers):
                members = sorted(tiers[rank])
                parts.append(str(members[0]) if len(members) == 1
                             else "{" + ",".join(map(str, members)) + "}")
            body.write(f"{count}: {','.join(parts)}\n".encode())
            voters += count
            orders += 1
            if progress is not None:
                progress(1)
        kind = "soi" if strict else ("toc" if complete else "toi")
        lines = [f"# FILE NAME: madang-vote-{vote.id}.{kind}", f"# TITLE: {vote.title}",
                 f"# DATA TYPE: {kind}", "# MODIFICATION TYPE: original",
                 f"# RECOUNT: {recount_command(vote)}",
                 f"# NUMBER ALTERNATIVES: {m}"]
        for i, item in sorted(enumerate(vote.items), key=lambda pair: number_of[pair[0]]):
            lines.append(f"# ALTERNATIVE NAME {number_of[i]}: {item.title} "
                         f"(agenda {item.agenda_item_id})")
        lines += [f"# NUMBER VOTERS: {voters}", f"# NUMBER UNIQUE ORDERS: {orders}"]
        out.write(("\n".join(lines) + "\n").encode())
        body.seek(0)
        shutil.copyfileobj(body, out)
    return kind


def write_pabulib(ctx: ExportContext, out, progress=None) -> str:
    """Approval, budget and points ballots as Pabulib, project ids being the agenda ids the
    platform counts with, one line per ballot as the format requires."""
    vote = _vote(ctx)
    if vote.type == BallotType.RANKED:
        raise DomainError(_l("Pabulib 형식은 찬반·예산·점수 투표를 내보냅니다. "
                             "순위 투표는 PrefLib 형식으로 내보내세요."), status=400)
    ids = _candidates(vote)
    costs = [int(item.cost or 0) for item in vote.items]
    budget = vote.budget_limit if vote.budget_limit else sum(costs)
    vote_type = "cumulative" if vote.type == BallotType.POINTS else "approval"
    voter = 0
    with _spooled() as body:
        for row, count in distinct_ballots(vote):
            chosen = [i for i, value in enumerate(row) if value]
            text = ",".join(ids[i] for i in chosen)
            if vote_type == "cumulative":
                text += ";" + ",".join(str(row[i]) for i in chosen)
            chunk = []
            for _ in range(count):
                voter += 1
                chunk.append(f"{voter};{text}\n")
            body.write("".join(chunk).encode())
            if progress is not None:
                progress(count)
        meta = [("description", vote.title), ("country", "South Korea"), ("unit", "madang"),
                ("instance", str(vote.id)), ("num_projects", str(len(ids))),
                ("num_votes", str(voter)), ("budget", str(budget)), ("vote_type", vote_type),
                ("rule", vote.method), ("currency", "KRW"), ("seed", vote.tie_seed),
                ("comment", recount_command(vote))]
        lines = ["META", "key;value", *[f"{key};{value}" for key, value in meta],
                 "PROJECTS", "project_id;cost;name"]
        lines += [f"{pid};{cost};{item.title.replace(';', ',')}"
                  for pid, cost, item in zip(ids, costs, vote.items, strict=True)]
        lines += ["VOTES", "voter_id;vote" + (";points" if vote_type == "cumulative" else "")]
        out.write(("\n".join(lines) + "\n").encode())
        body.seek(0)
        shutil.copyfileobj(body, out)
    return "pb"


HIDDEN_COLUMNS = [Column("title", "주민투표"), Column("closes_at", "마감", T.DATETIME),
                  Column("ballots", "들어온 투표지 수", T.INTEGER), Column("notice", "안내")]


def _hidden_results_table(vote: Vote) -> Table:
    """What a cycle export says of a vote whose results are still hidden: when they open and
    the turnout, which is not a result (``voting.secrecy``)."""

    def rows():
        yield (vote.title, seoul(vote.closes_at), ballot_count(vote.id),
               str(RESULTS_HIDDEN))

    return Table("results", "투표 결과", HIDDEN_COLUMNS, rows, lambda: 1)


def cycle_tables(ctx: ExportContext) -> list[Table]:
    """Each vote's results inside a whole-cycle export; a vote whose results are hidden gets
    its sheet all the same, saying so, so the workbook keeps its shape as votes close."""
    found = []
    votes = db.session.scalars(select(Vote).where(Vote.district_id == ctx.district_id,
                                                  Vote.cycle_id == ctx.scope_id)
                               .order_by(Vote.id))
    for number, vote in enumerate(votes, start=1):
        if results_visible(vote):
            table = result_tables(ExportContext(ctx.district_id, vote.id))[2]
        else:
            table = _hidden_results_table(vote)
        found.append(Table(f"v{number}_{table.name}", f"V{number} {table.title}",
                           table.columns, table.rows, table.count))
    return found


def ballot_formats(vote_id: int) -> tuple[str, ...]:
    """A vote's ballots go to one research format: PrefLib for a ranked vote, Pabulib for
    the others; the export form offers only that one."""
    vote = db.session.get(Vote, vote_id)
    research = "preflib" if vote is not None and vote.type == BallotType.RANKED else "pabulib"
    return ("csv", "xlsx", "json", research)


BALLOTS = register(Kind(
    name="ballots", label=_l("투표지 (익명)"), scope="vote",
    formats=("csv", "xlsx", "json", "preflib", "pabulib"), find=readable_vote,
    tables=ballot_tables, special={"preflib": write_preflib, "pabulib": write_pabulib},
    public_formats=("csv", "json", "preflib", "pabulib"), offered=ballot_formats,
))
def write_results_report(ctx: ExportContext, out) -> str:
    """The vote's result as a printable report: every candidate with its place, score,
    support, combined score and selection, the charts, and the turnout by channel."""
    vote = _vote(ctx)
    result = result_of(vote)
    rows = result_lines(result)
    support_chart = charts.bars([(r["title"], r["support"] or 0) for r in rows])
    combined_chart = charts.bars([(r["title"], round(r["combined"] or 0, 1)) for r in rows],
                                 unit=str(_l("점")))
    turnout_chart = charts.bars([(day["date"], day["cumulative"]) for day in result["turnout"]],
                                unit=str(_l("표")))
    comparison = [{"method": label(METHOD_LABELS, other["method"]),
                   "winners": [result["items"][item]["title"] for item in other["winners"]]}
                  for other in result["comparison"]]
    channels = [(str(CHANNEL_LABELS[channel]), n) for channel, n in result["channels"].items()
                if channel in CHANNEL_LABELS]
    return pdf.render("vote_report.html", out, vote=vote, result=result, rows=rows,
                      method=label(METHOD_LABELS, vote.method),
                      score_name=score_name(vote.method, rows),
                      support_chart=support_chart, combined_chart=combined_chart,
                      turnout_chart=turnout_chart, comparison=comparison, channels=channels,
                      ballots=sum(result["channels"].values()))


RESULTS = register(Kind(
    name="results", label=_l("투표 결과와 설명"), scope="vote",
    formats=("csv", "xlsx", "pdf", "json"), find=readable_vote, tables=result_tables,
    report=write_results_report, public_formats=("csv", "json"),
))
