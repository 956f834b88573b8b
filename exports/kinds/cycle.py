"""A whole cycle in one file: every stage's tables, one XLSX sheet per table."""

from flask_babel import lazy_gettext as _l

from exports.kinds import agenda, forum, participation, plan, vote
from exports.kinds.common import find_cycle
from exports.registry import ExportContext, Kind, register
from exports.tables import Table

# Further stages (votes, plans) append a function (ctx) -> list[Table] here.
CYCLE_PARTS: list = []


def tables(ctx: ExportContext) -> list[Table]:
    found = agenda.tables(ctx)
    for number, held in enumerate(participation.forums_of_cycle(ctx), start=1):
        found += forum.forum_tables(ctx, held, prefix=f"F{number} ")
    found += vote.cycle_tables(ctx)
    found += plan.cycle_tables(ctx)
    for part in CYCLE_PARTS:
        found += part(ctx)
    found += participation.tables(ctx)
    return found


KIND = register(Kind(
    name="cycle", label=_l("연차 계획 주기 전체"), scope="cycle", formats=("xlsx", "json", "csv"),
    find=find_cycle, tables=tables, has_personal=True,
))
