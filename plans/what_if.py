"""What-if: the plan's selection beside greedy and MES counts of the same ballots, each with
the budget rules it meets or breaks."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from agenda.models import AgendaItem, Status, Support
from core.db import db
from plans import rules
from plans.building import category_for, project_line
from plans.models import Plan
from plans.settings import budget_rules
from voting.confirmed import approval_ballots, confirmed_selection, confirmed_votes


@dataclass
class Scenario:
    """One way of choosing the plan's agenda projects, with the rules it meets or breaks."""

    method: str
    label: object
    items: list[AgendaItem]
    spent: int
    checks: list[rules.RuleCheck] = field(default_factory=list)

    @property
    def passes(self) -> bool:
        return rules.all_pass(self.checks)


METHOD_LABELS = {
    "greedy": _l("득표순 채우기 (greedy)"),
    "mes": _l("균등 지분 방식 (MES)"),
    "manual": _l("현재 계획 (수동 선정)"),
}
CANDIDATE_STATUSES = (Status.SHORTLISTED.value, Status.IN_VOTE.value, Status.SELECTED.value,
                      Status.NOT_SELECTED.value, Status.IN_PLAN.value)


def what_if_candidates(district_id: int, cycle_id: int) -> list[AgendaItem]:
    """The cycle's vote candidates with a cost estimate, whatever became of them since."""
    return list(db.session.scalars(select(AgendaItem).where(
        AgendaItem.district_id == district_id, AgendaItem.cycle_id == cycle_id,
        AgendaItem.shortlisted_for_vote.is_(True), AgendaItem.hidden_at.is_(None),
        AgendaItem.estimated_cost.is_not(None),
        AgendaItem.status.in_(CANDIDATE_STATUSES)).order_by(AgendaItem.id)))


def _support_ballots(items: Sequence[AgendaItem]) -> tuple[list[list[bool]], list[int]]:
    """Residents' 공감 as approval ballots: one row per supporter, grouped by identical sets."""
    index = {item.id: n for n, item in enumerate(items)}
    rows: dict[int, set[int]] = {}
    for item_id, user_id in db.session.execute(
            select(Support.item_id, Support.user_id).where(Support.item_id.in_(list(index)))):
        rows.setdefault(user_id, set()).add(index[item_id])
    grouped: dict[frozenset, int] = {}
    for chosen in rows.values():
        grouped[frozenset(chosen)] = grouped.get(frozenset(chosen), 0) + 1
    ordered = sorted(grouped.items(), key=lambda pair: sorted(pair[0]))
    approvals = [[n in chosen for n in range(len(items))] for chosen, _count in ordered]
    return approvals, [count for _chosen, count in ordered]


def source_votes(district_id: int, cycle_id: int):
    """The cycle's votes a plan can be built from: those with a confirmed result."""
    return confirmed_votes(district_id, cycle_id)


def what_if_vote(district_id: int, plan: Plan):
    """The vote whose ballots the what-if counts: the cycle's confirmed vote that selected the
    plan's agenda projects, else the most recently confirmed one; None without one."""
    votes = source_votes(district_id, plan.cycle_id)
    in_plan = {p.agenda_item_id for p in plan.projects if p.agenda_item_id is not None}
    for vote in votes:
        if {item for item, _score in confirmed_selection(district_id, vote.id)} <= in_plan:
            return vote
    return votes[0] if votes else None


def _vote_ballots(district_id: int, vote_id: int, items: Sequence[AgendaItem]
                  ) -> tuple[list[list[bool]], list[int]]:
    """The vote's ballots as approvals over ``items`` (items not on its ballot get none)."""
    agenda_ids, rows, counts = approval_ballots(district_id, vote_id)
    column = {agenda_id: n for n, agenda_id in enumerate(agenda_ids)}
    approvals = [[i.id in column and row[column[i.id]] for i in items] for row in rows]
    return approvals, counts


def approval_profile(items: Sequence[AgendaItem], budget: int, ballots=None):
    """Approval ballots over ``items`` with their costs in won: ``ballots`` as
    ``(rows, counts)``, or residents' 공감 when none are given. None without any ballot."""
    from voting.tally import ApprovalProfile

    approvals, counts = ballots if ballots is not None else _support_ballots(items)
    if not approvals:
        return None
    return ApprovalProfile([str(i.id) for i in items], approvals, counts,
                           costs=[i.estimated_cost or 0 for i in items], budget=budget)


def what_if(district_id: int, plan: Plan) -> list[Scenario]:
    """Greedy, MES and the plan's own selection side by side over the cycle's candidates.

    Ballots are those of the plan's confirmed vote (``what_if_vote``), read as approvals, or
    residents' 공감 (support) when the cycle has no confirmed vote; the budget is what the plan
    leaves after its projects not grown from agenda items (foundation-building work), which
    every scenario keeps."""
    from voting.tally import tally

    candidates = what_if_candidates(district_id, plan.cycle_id)
    fixed = [p for p in plan.projects if p.agenda_item_id is None]
    fixed_lines = [project_line(p) for p in fixed]
    room = max(plan.total_budget - sum(p.budget for p in fixed), 0)
    budget = budget_rules(district_id, plan.total_budget)
    in_plan = {p.agenda_item_id: p for p in plan.projects if p.agenda_item_id is not None}

    def lines(items):
        return fixed_lines + [
            project_line(in_plan[i.id]) if i.id in in_plan else rules.ProjectLine(
                i.title, i.estimated_cost or 0, category_for(i), i.field,
                i.dong.name if i.dong else "") for i in items]

    scenarios = []
    vote = what_if_vote(district_id, plan)
    ballots = _vote_ballots(district_id, vote.id, candidates) if vote is not None else None
    profile = approval_profile(candidates, room, ballots) if candidates and room else None
    if profile is not None:
        by_id = {str(i.id): i for i in candidates}
        for method in ("greedy", "mes"):
            winners = [by_id[w] for w in tally(profile, method).winners]
            scenarios.append(Scenario(method, METHOD_LABELS[method], winners,
                                      sum(i.estimated_cost or 0 for i in winners)))
    manual = [p.agenda_item for p in plan.projects if p.agenda_item is not None]
    scenarios.append(Scenario("manual", METHOD_LABELS["manual"], manual,
                              sum(in_plan[i.id].budget for i in manual)))
    for scenario in scenarios:
        scenario.checks = rules.check_budget(lines(scenario.items), budget)
    return scenarios
