"""People in the room: joining (with a cookie token, an account or a seat ticket), the
questions asked once, seats chosen, assigned or balanced, paper participants.

Services flush; the request commits once.
"""

import hashlib
import secrets
from collections import Counter

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core import audit
from core.auth import require_member
from core.db import db, utcnow
from core.errors import Conflict, DomainError, Forbidden, NotFound
from core.i18n import lazy_message
from core.identity import fold_identity
from forums import live
from forums.models import (
    AGE_BANDS,
    GENDER_LABELS,
    Forum,
    ForumTable,
    Participant,
    Seating,
    SeatTicket,
)
from forums.services.loading import (
    JOIN_CODE_ALPHABET,
    MAX_TICKETS_AT_ONCE,
    TICKET_LENGTH,
    is_organizer,
    participant_of_forum,
    table_for_staff,
    table_of_forum,
)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _add_participant(forum: Forum, **fields) -> Participant:
    # People join in bursts; reading the highest number and retrying on a clash lets most
    # of a burst fail. Locking the forum row queues the joins instead (PostgreSQL; SQLite
    # writes one at a time anyway), so the number below is free when it is taken.
    db.session.execute(select(Forum.id).where(Forum.id == forum.id).with_for_update())
    for _attempt in range(10):
        number = (db.session.scalar(
            select(func.max(Participant.number)).where(Participant.forum_id == forum.id)
        ) or 0) + 1
        participant = Participant(forum_id=forum.id, number=number, **fields)
        try:
            with db.session.begin_nested():
                db.session.add(participant)
                db.session.flush()
            return participant
        except IntegrityError:
            # Someone took the number at the same moment, or this account already joined.
            if fields.get("user_id") is not None and participant_for_user(
                    forum, fields["user_id"]) is not None:
                raise Conflict(_l("이미 이 공론장에 참가했습니다.")) from None
    raise Conflict(_l("참가 번호를 만들지 못했습니다. 다시 시도하세요."))


def join_forum(forum: Forum, user=None) -> tuple[Participant, str]:
    """A new participant and the secret token for their cookie (only its hash is stored).
    Anyone may join with the forum's code; one who joins with an account must be a member
    of the forum's district."""
    if user is not None:
        require_member(user, forum.district_id)
    token = secrets.token_urlsafe(32)
    participant = _add_participant(forum, token_hash=hash_token(token),
                                   user_id=user.id if user is not None else None)
    return participant, token


def rejoin(participant: Participant) -> str:
    """A fresh cookie token for a signed-in person returning on another device."""
    token = secrets.token_urlsafe(32)
    participant.token_hash = hash_token(token)
    db.session.flush()
    return token


def participant_for_token(forum: Forum, token: str) -> Participant | None:
    participant = db.session.scalars(
        select(Participant).where(Participant.token_hash == hash_token(token))
    ).first()
    if participant is None or participant.forum_id != forum.id:
        return None
    return participant


def participant_for_user(forum: Forum, user_id: int) -> Participant | None:
    return db.session.scalars(
        select(Participant).where(Participant.forum_id == forum.id,
                                  Participant.user_id == user_id)
    ).first()


def link_account(participant: Participant, user) -> None:
    """Tie a participant who joined anonymously to the account they have signed in with, a
    member of the forum's district."""
    require_member(user, participant.forum.district_id)
    if participant.user_id is None and participant_for_user(participant.forum, user.id) is None:
        participant.user_id = user.id
        db.session.flush()


def record_demographics(participant: Participant, consent: bool, age_band: str | None,
                        gender: str | None, dong: str | None, dong_names: list[str]) -> None:
    """Asked once. Without consent nothing but the fact of having been asked is stored."""
    if participant.demographics_asked_at is not None:
        raise Conflict(_l("인구통계 질문에는 이미 답했습니다."))
    age_band, gender, dong = age_band or None, gender or None, dong or None
    if not consent:
        if age_band or gender or dong:
            raise DomainError(_l("동의하지 않으면 인구통계 정보를 저장하지 않습니다. "
                                 "동의에 체크하거나 입력을 비워 주세요."))
    else:
        if age_band is not None and age_band not in AGE_BANDS:
            raise DomainError(_l("알 수 없는 연령대입니다."))
        if gender is not None and gender not in GENDER_LABELS:
            raise DomainError(_l("알 수 없는 성별입니다."))
        if dong is not None and dong not in dong_names:
            raise DomainError(_l("이 자치구의 동이 아닙니다."))
        participant.consented_at = utcnow()
        participant.age_band, participant.gender, participant.dong = age_band, gender, dong
    participant.demographics_asked_at = utcnow()
    if participant.forum.seating == Seating.BALANCED and participant.table_id is None:
        participant.table_id = balanced_table(participant.forum, participant).id
    db.session.flush()


def choose_table(participant: Participant, number: int) -> ForumTable:
    forum = participant.forum
    if forum.seating != Seating.CHOSEN:
        raise Forbidden(_l("이 공론장은 운영자가 테이블을 배정합니다."))
    table = next((t for t in forum.tables if t.number == number), None)
    if table is None:
        raise DomainError(_l("그런 번호의 테이블이 없습니다. 테이블 카드의 번호를 확인하세요."))
    participant.table_id = table.id
    db.session.flush()
    return table


def assign_table(forum: Forum, participant_id: int, table_id: int | None) -> Participant:
    participant = participant_of_forum(forum, participant_id)
    participant.table_id = None if table_id is None else table_of_forum(forum, table_id).id
    db.session.flush()
    live.forum_changed(forum.id, reseated=[participant.id])
    audit.record("forum.participant.seat", "participant", participant.id,
                 district_id=forum.district_id,
                 detail={"forum_id": forum.id, "table_id": participant.table_id})
    return participant


def table_of_participant(participant_id: int) -> int | None:
    """Where the participant sits now (their table's id), read afresh."""
    return db.session.scalar(select(Participant.table_id).where(Participant.id == participant_id))


def balanced_table(forum: Forum, participant: Participant) -> ForumTable:
    """The table where this person's age band and gender are rarest, then the smallest,
    then the lowest number: every table gets a mix rather than one kind of neighbour."""
    if not forum.tables:
        raise DomainError(_l("테이블이 없습니다."))
    seated = list(db.session.scalars(
        select(Participant).where(Participant.forum_id == forum.id,
                                  Participant.table_id.is_not(None),
                                  Participant.id != participant.id)
    ))
    sizes = Counter(p.table_id for p in seated)
    same_age = Counter(p.table_id for p in seated
                       if participant.age_band and p.age_band == participant.age_band)
    same_gender = Counter(p.table_id for p in seated
                          if participant.gender and p.gender == participant.gender)
    return min(forum.tables, key=lambda t: (same_age[t.id] + same_gender[t.id], sizes[t.id],
                                            t.number))


def balance_seats(forum: Forum) -> int:
    """Seat everyone without a table, balanced by demographics; returns how many."""
    waiting = list(db.session.scalars(
        select(Participant).where(Participant.forum_id == forum.id,
                                  Participant.table_id.is_(None)).order_by(Participant.number)
    ))
    for participant in waiting:
        participant.table_id = balanced_table(forum, participant).id
        db.session.flush()
    if waiting:
        live.forum_changed(forum.id, reseated=[participant.id for participant in waiting])
    audit.record("forum.seats.balance", "forum", forum.id, district_id=forum.district_id,
                 detail={"seated": len(waiting)})
    return len(waiting)


def add_paper_participant(forum: Forum, table_id: int, user) -> Participant:
    """Someone without a phone: their facilitator enters their answers from paper. They get
    a seat ticket like everyone else (the facilitator hands it over), so their answers to
    counted polls count once, and a phone joined with it later is the same person."""
    table = table_for_staff(forum, table_id, user)
    participant = _add_participant(forum, table_id=table.id)
    seat = issue_tickets(forum, user, 1)[0]
    seat.participant_id = participant.id
    db.session.flush()
    audit.record("forum.paper_participant.add", "participant", participant.id, user,
                 forum.district_id, {"forum_id": forum.id, "table_id": table.id})
    return participant


BAD_TICKET = _l("좌석표 코드가 맞지 않습니다. 받은 좌석표의 코드(XXXX-XXXX)를 다시 확인하세요.")


TICKET_TAKEN = _l("이 좌석표는 다른 계정의 참가자가 쓰고 있습니다. 좌석표를 나눠 준 진행자에게 "
                  "문의하세요.")


TICKET_NEEDED = _l("이 설문은 결과에 반영되므로 좌석표를 받은 참가자만 답할 수 있습니다. 받은 "
                   "좌석표의 코드를 입력하세요.")


def _new_ticket_code() -> str:
    raw = "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(TICKET_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalise_ticket(text: str | None) -> str | None:
    """A ticket code as typed (any case, spaces or dashes, full-width letters) in its
    printed form, or None."""
    raw = "".join(ch for ch in fold_identity(text or "").upper() if ch.isalnum())
    if len(raw) != TICKET_LENGTH or any(ch not in JOIN_CODE_ALPHABET for ch in raw):
        return None
    return f"{raw[:4]}-{raw[4:]}"


def may_issue_tickets(forum: Forum, user) -> bool:
    """Organizers of the district and the forum's table facilitators hand out tickets."""
    return is_organizer(user, forum.district_id) or any(
        table.facilitator_id == user.id for table in forum.tables)


def issue_tickets(forum: Forum, user, count: int) -> list[SeatTicket]:
    """``count`` new seat tickets for the forum, each with a fresh code."""
    if not may_issue_tickets(forum, user):
        raise Forbidden(_l("좌석표는 운영자와 이 공론장의 퍼실리테이터만 발급할 수 있습니다."))
    if not 1 <= count <= MAX_TICKETS_AT_ONCE:
        raise DomainError(lazy_message("좌석표는 한 번에 1장에서 %(n)d장까지 발급할 수 "
                                       "있습니다.", n=MAX_TICKETS_AT_ONCE))
    issued = []
    for _ticket in range(count):
        for _attempt in range(5):
            seat = SeatTicket(forum_id=forum.id, code=_new_ticket_code(), issued_by_id=user.id)
            try:
                with db.session.begin_nested():
                    db.session.add(seat)
                    db.session.flush()
                break
            except IntegrityError:
                continue  # the code was taken in this forum: the unique index decided
        else:
            raise Conflict(_l("좌석표 코드를 만들지 못했습니다. 다시 시도하세요."))
        issued.append(seat)
    audit.record("forum.tickets.issue", "forum", forum.id, user, forum.district_id,
                 {"count": len(issued)})
    return issued


def tickets_of(forum: Forum, issued_by: int | None = None) -> list[SeatTicket]:
    query = select(SeatTicket).where(SeatTicket.forum_id == forum.id)
    if issued_by is not None:
        query = query.where(SeatTicket.issued_by_id == issued_by)
    return list(db.session.scalars(query.order_by(SeatTicket.id)))


def ticket_of(participant: Participant) -> SeatTicket | None:
    return db.session.scalars(select(SeatTicket).where(
        SeatTicket.participant_id == participant.id)).first()


def enter_with_ticket(forum: Forum, code: str, current: Participant | None = None,
                      user=None) -> tuple[Participant, str | None]:
    """Who a browser presenting a seat ticket is: the ticket's participant when it has one,
    else ``current`` (this browser's participant, still without a ticket) or a new
    participant, who now holds the ticket. Returns the participant and, when the browser
    needs a new cookie, its token.

    Joining again with a ticket (cleared cookies, another phone) gives a fresh token to the
    same participant, so its answers are replaced, never added; the old cookie stops
    working. The ticket row is locked, so two phones presenting one new ticket at once get
    one participant. One who presents it signed in must be a member of the forum's
    district."""
    if user is not None:
        require_member(user, forum.district_id)
    user_id = user.id if user is not None else None
    normalised = normalise_ticket(code)
    seat = None if normalised is None else db.session.scalars(
        select(SeatTicket).where(SeatTicket.forum_id == forum.id,
                                 SeatTicket.code == normalised).with_for_update()).first()
    if seat is None:
        raise NotFound(BAD_TICKET)
    holder = seat.participant
    if current is not None and holder is not None and current.id == holder.id:
        return holder, None
    if current is not None and ticket_of(current) is not None:
        raise Conflict(_l("이미 다른 좌석표로 참가했습니다. 한 사람은 좌석표 한 장으로 "
                          "참가합니다."))
    if holder is None:
        token = None
        if current is None:
            current, token = join_forum(forum, user)
        seat.participant_id = current.id
        db.session.flush()
        return current, token
    owner = user_id if user_id is not None else (current.user_id if current else None)
    if owner is not None and holder.user_id not in (None, owner):
        raise Conflict(TICKET_TAKEN)
    if owner is not None and holder.user_id is None:
        if participant_for_user(forum, owner) is not None:
            raise Conflict(TICKET_TAKEN)
        holder.user_id = owner
    return holder, rejoin(holder)
