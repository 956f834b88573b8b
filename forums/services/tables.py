"""The tables' work (steps, keywords, summary) and what decides the screens' layout.

Services flush; the request commits once.
"""

from collections import Counter

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import audit
from core.db import db, utcnow
from core.errors import DomainError
from core.i18n import lazy_message
from forums import live
from forums.models import (
    KEYWORD_MAX,
    SUMMARY_MAX,
    Forum,
    ForumTable,
    Poll,
    PollState,
)
from forums.services.loading import TABLE_STEPS, table_for_staff


def submit_table_outputs(forum: Forum, table_id: int, user, obstacle: str, stepping_stone: str,
                         summary: str) -> ForumTable:
    table = table_for_staff(forum, table_id, user)
    obstacle, stepping_stone, summary = obstacle.strip(), stepping_stone.strip(), summary.strip()
    if not obstacle or not stepping_stone:
        raise DomainError(_l("걸림돌과 디딤돌 키워드를 하나씩 입력하세요."))
    if len(obstacle) > KEYWORD_MAX or len(stepping_stone) > KEYWORD_MAX:
        raise DomainError(lazy_message("키워드는 %(n)d자 이내로 입력하세요.", n=KEYWORD_MAX))
    if len(summary) > SUMMARY_MAX:
        raise DomainError(lazy_message("요약은 %(n)d자 이내로 입력하세요.", n=SUMMARY_MAX))
    table.obstacle_keyword, table.stepping_stone_keyword = obstacle, stepping_stone
    table.summary, table.outputs_submitted_at = summary, utcnow()
    db.session.flush()
    live.forum_changed(forum.id)
    audit.record("forum.table.keywords", "forum_table", table.id, user, forum.district_id,
                 {"forum_id": forum.id, "obstacle": obstacle, "stepping_stone": stepping_stone})
    return table


def set_table_step(forum: Forum, table_id: int, user, step: int) -> ForumTable:
    table = table_for_staff(forum, table_id, user)
    if not 0 <= step < len(TABLE_STEPS):
        raise DomainError(_l("알 수 없는 진행 단계입니다."))
    table.current_step = step
    db.session.flush()
    audit.record("forum.table.step", "forum_table", table.id, user, forum.district_id,
                 {"forum_id": forum.id, "step": step})
    return table


def keyword_cloud(forum: Forum) -> list[dict]:
    """Table keywords with their frequency and a size class 1–5 for the word cloud."""
    counts = Counter()
    for table in forum.tables:
        for kind, word in (("obstacle", table.obstacle_keyword),
                           ("stepping_stone", table.stepping_stone_keyword)):
            if word:
                counts[(kind, word)] += 1
    if not counts:
        return []
    top = max(counts.values())
    return [{"word": word, "kind": kind, "count": count,
             "size": 1 + round(4 * (count - 1) / (top - 1)) if top > 1 else 3}
            for (kind, word), count in sorted(counts.items(), key=lambda item: item[0][1])]


def screen_state(forum_id: int) -> dict:
    """What decides what screens and phones show: the open polls (the room's, and each
    table's as ``poll@table``), when each was opened (a reopened poll is a new opening), the
    reported tables and the projection's control."""
    open_polls = db.session.execute(
        select(Poll.id, Poll.table_id, Poll.opened_at)
        .where(Poll.forum_id == forum_id, Poll.state == PollState.OPEN).order_by(Poll.id)
    ).all()
    reported = db.session.execute(
        select(ForumTable.id, ForumTable.outputs_submitted_at)
        .where(ForumTable.forum_id == forum_id, ForumTable.outputs_submitted_at.is_not(None))
        .order_by(ForumTable.id)
    )
    screen = db.session.execute(
        select(Forum.screen_version, Forum.screen_frozen).where(Forum.id == forum_id)).first()
    return {"forum": forum_id,
            "open_polls": [poll_id for poll_id, table_id, _ in open_polls if table_id is None],
            "table_polls": [f"{poll_id}@{table_id}" for poll_id, table_id, _ in open_polls
                            if table_id is not None],
            "opened": {str(poll_id): opened_at.timestamp() if opened_at else 0
                       for poll_id, _, opened_at in open_polls},
            "outputs": [f"{table_id}@{at.timestamp():.0f}" for table_id, at in reported],
            "screen": screen.screen_version if screen else 0,
            "frozen": bool(screen.screen_frozen) if screen else False}
