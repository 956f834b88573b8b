"""Loading with ownership checks: every object loaded by id is checked against the forum
(and the forum against the district), so foreign ids end in 404; the limits and messages
the other rooms share.

Services flush; the request commits once.
"""


from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from accounts.models import Membership, User
from core.auth import Role
from core.db import db
from core.errors import Forbidden, NotFound
from forums.models import (
    Forum,
    ForumTable,
    Participant,
    Poll,
)

JOIN_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


JOIN_CODE_LENGTH = 6


TICKET_LENGTH = 8


MAX_TICKETS_AT_ONCE = 300


MAX_TABLES = 60


MAX_OPTIONS = 12


LIKERT_DEFAULT = ("전혀 그렇지 않다", "그렇지 않다", "보통이다", "그렇다", "매우 그렇다")


# The steps a facilitator walks a table through (shown on the console).

TABLE_STEPS = (
    _l("인사와 규칙 안내"),
    _l("사전 설문"),
    _l("주제 토론"),
    _l("키워드 정리"),
    _l("사후 설문과 요약 제출"),
)


FORUM_NOT_FOUND = _l("공론장을 찾을 수 없습니다.")


TABLE_NOT_FOUND = _l("이 공론장에 그런 테이블이 없습니다.")


POLL_NOT_FOUND = _l("설문을 찾을 수 없습니다.")


NOT_YOUR_TABLE = _l("담당한 테이블에서만 할 수 있습니다.")


def forum_of_district(district_id: int, forum_id: int) -> Forum:
    forum = db.session.get(Forum, forum_id)
    if forum is None or forum.district_id != district_id:
        raise NotFound(FORUM_NOT_FOUND)
    return forum


def forum_by_code(district_id: int, code: str) -> Forum:
    normalized = (code or "").strip().upper().replace(" ", "").replace("-", "")
    forum = db.session.scalars(select(Forum).where(Forum.join_code == normalized)).first()
    if forum is None or forum.district_id != district_id:
        raise NotFound(_l("참가 코드가 맞지 않습니다. 화면에 보이는 코드를 다시 확인하세요."))
    return forum


def table_of_forum(forum: Forum, table_id: int) -> ForumTable:
    table = db.session.get(ForumTable, table_id)
    if table is None or table.forum_id != forum.id:
        raise NotFound(TABLE_NOT_FOUND)
    return table


def poll_of_forum(forum: Forum, poll_id: int) -> Poll:
    poll = db.session.get(Poll, poll_id)
    if poll is None or poll.forum_id != forum.id:
        raise NotFound(POLL_NOT_FOUND)
    return poll


def participant_of_forum(forum: Forum, participant_id: int) -> Participant:
    participant = db.session.get(Participant, participant_id)
    if participant is None or participant.forum_id != forum.id:
        raise NotFound(_l("이 공론장에 그런 참가자가 없습니다."))
    return participant


def is_organizer(user, district_id: int) -> bool:
    return user.has_role(district_id, Role.ORGANIZER)


def table_for_staff(forum: Forum, table_id: int, user) -> ForumTable:
    """A table its own facilitator (or an organizer of the district) may work on."""
    table = table_of_forum(forum, table_id)
    if table.facilitator_id != user.id and not is_organizer(user, forum.district_id):
        raise Forbidden(NOT_YOUR_TABLE)
    return table


def forums_of_district(district_id: int) -> list[Forum]:
    return list(db.session.scalars(
        select(Forum).where(Forum.district_id == district_id)
        .order_by(Forum.held_on.desc(), Forum.id.desc())
    ))


def tables_of_facilitator(district_id: int, user_id: int) -> list[ForumTable]:
    return list(db.session.scalars(
        select(ForumTable).join(Forum)
        .where(Forum.district_id == district_id, ForumTable.facilitator_id == user_id)
        .order_by(Forum.held_on.desc(), ForumTable.number)
    ))


def facilitators_of(district_id: int) -> list[User]:
    return list(db.session.scalars(
        select(User).join(Membership)
        .where(Membership.district_id == district_id, Membership.role == Role.FACILITATOR)
        .order_by(User.display_name, User.id)
    ))
