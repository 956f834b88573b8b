"""Proposals that staff enter on behalf of the channel they came through (의제 발굴 채널):
the participatory budget, a dong's plan, a department, the departments' resident proposal
schemes, or a resident's proposal handed in on paper. The channel is data
(``AgendaItem.channel``), shown on the item, filterable and exported; seed 002 §2 asks for
one process that brings together the agendas each department found (주민자치의제,
시민참여예산, 마을의제 등 부서마다 발굴된 의제를 통합 조정하는 프로세스), and §6.1–6.2
names the channels."""

from datetime import date

from flask_babel import lazy_gettext as _l

from agenda.intake import intake_cycle
from agenda.models import CHANNEL_LABELS, AgendaItem, Channel, LogAction, Status
from agenda.proposals import Proposal, clean_proposal, fill_item, is_coordinator, log_step
from core import audit
from core.db import db
from core.errors import DomainError, Forbidden

UNKNOWN_CHANNEL = _l("접수 경로를 고르세요: 주민제안, 참여예산, 동 계획, 부서 제안, 주민제안제 "
                     "중 하나입니다.")


def check_channel(channel: str | None) -> Channel:
    """The channel ``channel`` names, or a 422 listing the five there are."""
    if channel not in {c.value for c in Channel}:
        raise DomainError(UNKNOWN_CHANNEL, field="channel")
    return Channel(channel)


def enter_on_behalf(district, staff, data: Proposal, channel: str | None,
                    today: date) -> AgendaItem:
    """An item an organizer enters for its source: it lands where a resident's proposal made
    ``today`` would (``intake_cycle``), names who proposed it (``proposing_group``, required
    here: the department, dong or committee it came from) and records who entered it."""
    if not is_coordinator(staff, district.id):
        raise Forbidden(_l("다른 경로로 들어온 제안은 운영자만 대신 등록할 수 있습니다."))
    chosen = check_channel(channel)
    data = clean_proposal(district.id, data)
    if not data.proposing_group:
        raise DomainError(_l("제안한 곳(부서, 동, 위원회 등)을 적으세요."),
                          field="proposing_group")
    cycle, year_round = intake_cycle(district, today)
    item = AgendaItem(district_id=district.id, cycle_id=cycle.id if cycle else None,
                      author_id=None, entered_by_id=staff.id, channel=chosen.value,
                      year_round=year_round, status=Status.PROPOSED.value)
    fill_item(item, data)
    db.session.add(item)
    log_step(item, LogAction.PROPOSED, staff, to_status=Status.PROPOSED.value,
             reason=f"{CHANNEL_LABELS[chosen]}: {data.proposing_group}")
    db.session.flush()
    audit.record("agenda.entered_on_behalf", "agenda_item", item.id, staff, district.id,
                 {"channel": chosen.value, "proposing_group": data.proposing_group})
    return item
