"""Forum operations: set-up, joining, seats, polls and answers, table outputs.

Services flush; the request commits once. Every object loaded by id is checked against
the forum (and the forum against the district), so foreign ids end in 404.
"""

import hashlib
import secrets
from collections import Counter
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from accounts.models import Membership, User
from agenda import coordination, proposals
from core import audit
from core.auth import Role, require_member
from core.db import db, utcnow
from core.errors import Conflict, DomainError, Forbidden, NotFound
from core.i18n import lazy_message
from core.identity import fold_identity
from core.models import Cycle
from forums import live
from forums.analysis import percent
from forums.models import (
    AGE_BANDS,
    GENDER_LABELS,
    KEYWORD_MAX,
    SUMMARY_MAX,
    Answer,
    AnswerChoice,
    Forum,
    ForumTable,
    Option,
    Participant,
    Poll,
    PollPhase,
    PollState,
    Question,
    QuestionKind,
    Seating,
    SeatTicket,
    Topic,
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


# --- loading with ownership checks ---------------------------------------------------------

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


# --- set-up ------------------------------------------------------------------------------

def _new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def _check_settings(seating: str, table_count: int, expected_participants: int) -> None:
    if seating not in set(Seating):
        raise DomainError(_l("알 수 없는 좌석 배정 방식입니다."))
    if not 1 <= table_count <= MAX_TABLES:
        raise DomainError(lazy_message("테이블은 1개에서 %(n)d개까지 만들 수 있습니다.",
                                       n=MAX_TABLES))
    if expected_participants < 0:
        raise DomainError(_l("예상 참가자 수는 0 이상이어야 합니다."))


def create_forum(district_id: int, cycle_id: int, title: str, held_on: date, venue: str,
                 expected_participants: int, seating: str, table_count: int) -> Forum:
    """A forum with numbered tables 1..``table_count`` and a fresh join code."""
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None or cycle.district_id != district_id:
        raise NotFound(_l("연차 계획 주기를 찾을 수 없습니다."))
    _check_settings(seating, table_count, expected_participants)
    for _attempt in range(5):
        forum = Forum(district_id=district_id, cycle_id=cycle_id, title=title.strip(),
                      held_on=held_on, venue=venue.strip(),
                      expected_participants=expected_participants, seating=seating,
                      join_code=_new_join_code())
        forum.tables = [ForumTable(number=n) for n in range(1, table_count + 1)]
        try:
            with db.session.begin_nested():
                db.session.add(forum)
                db.session.flush()
            audit.record("forum.create", "forum", forum.id, district_id=district_id,
                         detail={"title": forum.title, "tables": table_count})
            return forum
        except IntegrityError:
            continue  # the join code was taken: the unique index decided, draw again
    raise Conflict(_l("참가 코드를 만들지 못했습니다. 다시 시도하세요."))


def update_forum(forum: Forum, title: str, held_on: date, venue: str,
                 expected_participants: int, seating: str, table_count: int) -> None:
    """Change a forum's settings. Tables are added at the end; a table can be taken away
    only while nothing happened at it (nobody seated, no facilitator, no outputs, no table
    poll), so nothing recorded is lost."""
    _check_settings(seating, table_count, expected_participants)
    surplus = [table for table in forum.tables if table.number > table_count]
    used = [table.number for table in surplus
            if table.members or table.facilitator_id is not None
            or table.outputs_submitted_at is not None
            or any(poll.table_id == table.id for poll in forum.polls)]
    if used:
        raise Conflict(lazy_message("참가자·퍼실리테이터·결과·투표가 있는 테이블은 "
                                    "없앨 수 없습니다: %(tables)s번 테이블.",
                                    tables=", ".join(map(str, used))))
    for table in surplus:
        forum.tables.remove(table)
    for number in range(len(forum.tables) + 1, table_count + 1):
        forum.tables.append(ForumTable(number=number))
    forum.title, forum.held_on, forum.venue = title.strip(), held_on, venue.strip()
    forum.expected_participants, forum.seating = expected_participants, seating
    db.session.flush()
    audit.record("forum.edit", "forum", forum.id, district_id=forum.district_id,
                 detail={"title": forum.title, "tables": table_count, "seating": seating})


def add_topic(forum: Forum, title: str, description: str = "",
              agenda_item_id: int | None = None) -> Topic:
    """A topic in the next position (optionally deliberating one of the district's agenda
    items), with its pre and post polls ready to open."""
    if agenda_item_id is not None:
        proposals.get_item(forum.district_id, agenda_item_id)
    position = len(forum.topics) + 1
    topic = Topic(position=position, title=title.strip(), description=description.strip(),
                  agenda_item_id=agenda_item_id)
    forum.topics.append(topic)
    db.session.flush()
    for phase in (PollPhase.PRE, PollPhase.POST):
        db.session.add(Poll(forum_id=forum.id, topic_id=topic.id, phase=phase))
    db.session.flush()
    audit.record("forum.topic.add", "topic", topic.id, district_id=forum.district_id,
                 detail={"title": topic.title, "agenda_item_id": agenda_item_id})
    return topic


def topic_of_forum(forum: Forum, topic_id: int) -> Topic:
    topic = db.session.get(Topic, topic_id)
    if topic is None or topic.forum_id != forum.id:
        raise NotFound(_l("이 공론장에 그런 주제가 없습니다."))
    return topic


def update_topic(topic: Topic, title: str, description: str) -> None:
    """Reword a topic; its questions and answers stay as they are."""
    if not title.strip():
        raise DomainError(_l("주제를 입력하세요."))
    topic.title, topic.description = title.strip(), description.strip()
    db.session.flush()
    audit.record("forum.topic.edit", "topic", topic.id, district_id=topic.forum.district_id,
                 detail={"title": topic.title})


def question_of_forum(forum: Forum, question_id: int) -> Question:
    """A question of one of the forum's topics (live-poll questions are fixed at launch)."""
    question = db.session.get(Question, question_id)
    if question is None or question.topic is None or question.topic.forum_id != forum.id:
        raise NotFound(_l("이 공론장에 그런 질문이 없습니다."))
    return question


def _check_question(kind: str, text: str, labels: list[str], max_choices: int | None) -> None:
    if kind not in set(QuestionKind):
        raise DomainError(_l("알 수 없는 질문 유형입니다."))
    if not text.strip():
        raise DomainError(_l("질문을 입력하세요."))
    if not 2 <= len(labels) <= MAX_OPTIONS:
        raise DomainError(lazy_message("선택지는 2개에서 %(n)d개까지입니다.", n=MAX_OPTIONS))
    if len(set(labels)) != len(labels):
        raise DomainError(_l("같은 선택지가 두 번 있습니다."))
    if max_choices is not None and not 1 <= max_choices <= len(labels):
        raise DomainError(_l("고를 수 있는 개수는 1과 선택지 수 사이여야 합니다."))
    if any(len(label) > 200 for label in labels):
        raise DomainError(_l("선택지는 200자 이내로 입력하세요."))


def _clean_labels(kind: str, labels: list[str]) -> list[str]:
    cleaned = [label.strip() for label in labels if label.strip()]
    if kind == QuestionKind.LIKERT and not cleaned:
        return list(LIKERT_DEFAULT)
    return cleaned


def _build_question(position: int, kind: str, text: str, labels: list[str],
                    max_choices: int | None) -> Question:
    labels = _clean_labels(kind, labels)
    if kind != QuestionKind.MULTIPLE:
        max_choices = None
    _check_question(kind, text, labels, max_choices)
    question = Question(position=position, kind=kind, text=text.strip(), max_choices=max_choices)
    question.options = [Option(position=i, label=label) for i, label in enumerate(labels, 1)]
    return question


def _refuse_once_answered(topic: Topic, message) -> None:
    answered = db.session.scalar(
        select(func.count(Answer.id)).join(Poll).where(Poll.topic_id == topic.id)
    )
    if answered:
        raise Conflict(message)


def add_question(topic: Topic, kind: str, text: str, labels: list[str],
                 max_choices: int | None = None) -> Question:
    """A question asked identically in the topic's pre and post polls; fixed once answered,
    so pre and post answers stay comparable."""
    _refuse_once_answered(topic, _l("이미 답변이 있는 주제에는 질문을 더할 수 없습니다."))
    question = _build_question(len(topic.questions) + 1, kind, text, labels, max_choices)
    topic.questions.append(question)
    db.session.flush()
    audit.record("forum.question.add", "question", question.id,
                 district_id=topic.forum.district_id, detail={"topic_id": topic.id, "kind": kind})
    return question


ANSWERED_QUESTION = _l("이미 답변이 있는 주제의 질문은 고치거나 지울 수 없습니다. 사전·사후 답을 "
                       "비교할 수 있도록 질문은 답을 받기 전에만 바뀝니다.")


def update_question(question: Question, text: str, labels: list[str],
                    max_choices: int | None = None) -> None:
    """Reword a question and its options (its kind stays) until the topic has answers.
    Options keep their places, so a reworded option is the same option."""
    _refuse_once_answered(question.topic, ANSWERED_QUESTION)
    labels = _clean_labels(question.kind, labels)
    if (any(option.agenda_item_id for option in question.options)
            and labels != [option.label for option in question.options]):
        raise DomainError(_l("의제 순위 질문의 선택지는 공론장 후보 의제입니다. 질문 문장만 "
                             "고칠 수 있습니다."))
    if question.kind != QuestionKind.MULTIPLE:
        max_choices = None
    _check_question(question.kind, text, labels, max_choices)
    question.text, question.max_choices = text.strip(), max_choices
    for option, label in zip(question.options, labels, strict=False):
        option.label = label
    for position in range(len(question.options) + 1, len(labels) + 1):
        question.options.append(Option(position=position, label=labels[position - 1]))
    del question.options[len(labels):]
    db.session.flush()
    audit.record("forum.question.edit", "question", question.id,
                 district_id=question.topic.forum.district_id,
                 detail={"topic_id": question.topic_id})


def remove_question(question: Question) -> None:
    """Take a question off its topic until the topic has answers; the rest close ranks."""
    topic = question.topic
    _refuse_once_answered(topic, ANSWERED_QUESTION)
    topic.questions.remove(question)
    for position, other in enumerate(topic.questions, start=1):
        other.position = position
    db.session.flush()
    audit.record("forum.question.remove", "question", question.id,
                 district_id=topic.forum.district_id, detail={"topic_id": topic.id})


def forum_candidates(forum: Forum) -> list:
    """Agenda items the cycle shortlisted for deliberation at forums."""
    return coordination.shortlisted_items(forum.cycle_id, for_vote=False, for_forum=True)


def add_agenda_ranking(topic: Topic, text: str) -> Question:
    """A ranking question over the agenda items shortlisted for forums, each option tied to
    its item so the forum's ranking can be read per agenda item."""
    items = forum_candidates(topic.forum)
    if not 2 <= len(items) <= MAX_OPTIONS:
        raise DomainError(lazy_message("순위를 매길 공론장 후보 의제가 2개에서 %(n)d개 "
                                       "사이여야 합니다.", n=MAX_OPTIONS))
    question = add_question(topic, QuestionKind.RANKING, text, [i.title[:200] for i in items])
    for option, item in zip(question.options, items, strict=True):
        option.agenda_item_id = item.id
    db.session.flush()
    return question


def agenda_ranking(forum: Forum) -> dict[int, int]:
    """Borda points per agenda item from the forum's post-poll rankings (n−1 points for a
    first place down to 0 for the last): what the vote can take in as a component."""
    option_count = (
        select(func.count(Option.id)).where(Option.question_id == Question.id)
        .correlate(Question).scalar_subquery()
    )
    rows = db.session.execute(
        select(Option.agenda_item_id, AnswerChoice.rank, option_count)
        .join(AnswerChoice, AnswerChoice.option_id == Option.id)
        .join(Question, Question.id == Option.question_id)
        .join(Answer, Answer.id == AnswerChoice.answer_id)
        .join(Poll, Poll.id == Answer.poll_id)
        .where(Poll.forum_id == forum.id, Poll.phase == PollPhase.POST,
               Question.kind == QuestionKind.RANKING, Option.agenda_item_id.is_not(None))
    )
    points: Counter = Counter()
    for item_id, rank, size in rows:
        points[item_id] += size - rank
    return dict(points)


def set_facilitator(forum: Forum, table_id: int, user_id: int | None) -> ForumTable:
    table = table_of_forum(forum, table_id)
    if user_id is not None:
        allowed = {u.id for u in facilitators_of(forum.district_id)}
        if user_id not in allowed:
            raise DomainError(_l("이 자치구의 퍼실리테이터만 테이블을 맡을 수 있습니다."))
    table.facilitator_id = user_id
    db.session.flush()
    audit.record("forum.facilitator.set", "forum_table", table.id, district_id=forum.district_id,
                 detail={"forum_id": forum.id, "table": table.number, "facilitator_id": user_id})
    return table


def set_poll_state(forum: Forum, poll_id: int, state: str) -> Poll:
    """Open or close a poll. Closed polls may be reopened; drafts cannot be closed."""
    poll = poll_of_forum(forum, poll_id)
    if state == PollState.OPEN:
        if not poll.questions:
            raise DomainError(_l("질문이 없는 설문은 열 수 없습니다."))
        poll.state, poll.opened_at, poll.closed_at = PollState.OPEN, utcnow(), None
    elif state == PollState.CLOSED:
        if poll.state != PollState.OPEN:
            raise Conflict(_l("진행 중인 설문만 마감할 수 있습니다."))
        poll.state, poll.closed_at = PollState.CLOSED, utcnow()
    else:
        raise DomainError(_l("알 수 없는 설문 상태입니다."))
    # Screens learn of the new state at once, not only at the next answer.
    db.session.execute(update(Poll).where(Poll.id == poll.id).values(version=Poll.version + 1))
    db.session.flush()
    db.session.refresh(poll)
    live.poll_changed(poll.id)
    live.forum_changed(forum.id)
    audit.record(f"forum.poll.{state}", "poll", poll.id, district_id=forum.district_id,
                 detail={"forum_id": forum.id, "phase": poll.phase})
    return poll


def launch_live_poll(forum: Forum, user, table_id: int | None, kind: str, text: str,
                     labels: list[str], max_choices: int | None = None) -> Poll:
    """A quick poll, open at once: for one table (its facilitator) or the room (organizers)."""
    if table_id is None:
        if not is_organizer(user, forum.district_id):
            raise Forbidden(_l("전체 실시간 투표는 운영자만 시작할 수 있습니다."))
    else:
        table_for_staff(forum, table_id, user)
    question = _build_question(1, kind, text, labels, max_choices)
    poll = Poll(forum_id=forum.id, table_id=table_id, phase=PollPhase.LIVE,
                state=PollState.OPEN, opened_at=utcnow(), created_by_id=user.id)
    poll.live_questions = [question]
    db.session.add(poll)
    db.session.flush()
    live.poll_changed(poll.id)
    live.forum_changed(forum.id)
    audit.record("forum.live_poll.launch", "poll", poll.id, user, forum.district_id,
                 {"forum_id": forum.id, "table_id": table_id, "kind": kind})
    return poll


def close_live_poll(forum: Forum, poll_id: int, user) -> Poll:
    poll = poll_of_forum(forum, poll_id)
    if poll.phase != PollPhase.LIVE:
        raise NotFound(POLL_NOT_FOUND)
    if poll.table_id is None:
        if not is_organizer(user, forum.district_id):
            raise Forbidden(_l("전체 실시간 투표는 운영자만 마감할 수 있습니다."))
    else:
        table_for_staff(forum, poll.table_id, user)
    return set_poll_state(forum, poll.id, PollState.CLOSED)


# --- participants ------------------------------------------------------------------------

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
    audit.record("forum.participant.seat", "participant", participant.id,
                 district_id=forum.district_id,
                 detail={"forum_id": forum.id, "table_id": participant.table_id})
    return participant


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


# --- seat tickets --------------------------------------------------------------------------

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


# --- answers -----------------------------------------------------------------------------

def polls_for_participant(forum: Forum, participant: Participant) -> list[Poll]:
    """Open polls this person may answer: topic polls, room live polls, their table's."""
    return list(db.session.scalars(
        select(Poll).where(Poll.forum_id == forum.id, Poll.state == PollState.OPEN,
                           (Poll.table_id.is_(None)) | (Poll.table_id == participant.table_id))
        .order_by(Poll.id)
    ))


POLL_NOT_OPEN = _l("이 설문은 지금 답할 수 없습니다. 진행 중인 설문에만 답할 수 있습니다.")


def submit_answers(forum: Forum, poll_id: int, participant: Participant,
                   answers: dict[int, list[int]], entered_by=None) -> int:
    """Store (or replace) this participant's answers to an open poll; returns how many.

    ``answers`` maps question ids to option ids (in rank order for ranking questions).
    Anything outside the poll's questions and options is refused before anything is stored.
    """
    poll = poll_of_forum(forum, poll_id)
    if participant.forum_id != forum.id:
        raise NotFound(_l("이 공론장에 그런 참가자가 없습니다."))
    if poll.table_id is not None and poll.table_id != participant.table_id:
        raise Forbidden(_l("다른 테이블의 투표에는 답할 수 없습니다."))
    if poll.counted and ticket_of(participant) is None:
        raise Forbidden(TICKET_NEEDED)
    if entered_by is not None:
        if participant.table_id is None:
            raise Forbidden(NOT_YOUR_TABLE)
        table_for_staff(forum, participant.table_id, entered_by)
    questions = {q.id: q for q in poll.questions}
    cleaned = {}
    for question_id, option_ids in answers.items():
        question = questions.get(question_id)
        if question is None:
            raise DomainError(_l("이 설문에 없는 질문입니다."))
        if option_ids:
            cleaned[question_id] = _validated_choices(question, option_ids)
    if not cleaned:
        raise DomainError(_l("답을 하나 이상 고르세요."))
    if poll.state != PollState.OPEN:
        raise Conflict(POLL_NOT_OPEN)
    for question_id, option_ids in cleaned.items():
        _store_answer(poll.id, question_id, participant.id, option_ids, entered_by)
    # The guarded bump comes last. It refuses an answer whose poll closed meanwhile (the
    # caller rolls back, so nothing stays stored) and, on PostgreSQL, locks the poll row until
    # the commit, so closing and answering cannot interleave. Taking that lock only now keeps
    # a room answering at once from queueing behind each other's inserts.
    bumped = db.session.execute(
        update(Poll).where(Poll.id == poll.id, Poll.state == PollState.OPEN)
        .values(version=Poll.version + 1)
    ).rowcount
    if not bumped:
        raise Conflict(POLL_NOT_OPEN)
    db.session.flush()
    live.poll_changed(poll.id)
    if entered_by is not None:
        # Who entered a paper participant's answers, never the answers themselves.
        audit.record("forum.paper_answers.enter", "participant", participant.id, entered_by,
                     forum.district_id, {"forum_id": forum.id, "poll_id": poll.id})
    return len(cleaned)


def _validated_choices(question: Question, option_ids: list[int]) -> list[int]:
    known = {o.id for o in question.options}
    if any(option_id not in known for option_id in option_ids):
        raise DomainError(_l("선택지에 없는 답입니다."))
    if len(set(option_ids)) != len(option_ids):
        raise DomainError(_l("같은 선택지를 두 번 고를 수 없습니다."))
    kind = question.kind
    if kind in (QuestionKind.SINGLE, QuestionKind.LIKERT) and len(option_ids) != 1:
        raise DomainError(_l("이 질문에는 하나만 고를 수 있습니다."))
    if kind == QuestionKind.MULTIPLE and question.max_choices and \
            len(option_ids) > question.max_choices:
        raise DomainError(lazy_message("최대 %(n)d개까지 고를 수 있습니다.",
                                       n=question.max_choices))
    if kind == QuestionKind.RANKING and len(option_ids) != len(known):
        raise DomainError(_l("모든 항목에 서로 다른 순위를 매기세요."))
    return list(option_ids)


def _store_answer(poll_id: int, question_id: int, participant_id: int, option_ids: list[int],
                  entered_by) -> None:
    key = (Answer.poll_id == poll_id, Answer.question_id == question_id,
           Answer.participant_id == participant_id)
    answer = db.session.scalars(select(Answer).where(*key)).first()
    if answer is None:
        answer = Answer(poll_id=poll_id, question_id=question_id, participant_id=participant_id)
        try:
            with db.session.begin_nested():
                db.session.add(answer)
                db.session.flush()
        except IntegrityError:
            # The same person answered from two tabs at once: the unique index keeps one row.
            answer = db.session.scalars(select(Answer).where(*key)).one()
    answer.choices.clear()
    db.session.flush()
    answer.choices.extend(AnswerChoice(option_id=o, rank=r) for r, o in enumerate(option_ids, 1))
    answer.answered_at = utcnow()
    answer.entered_by_id = entered_by.id if entered_by is not None else None


def answers_of(poll: Poll, participant: Participant) -> dict[int, list[int]]:
    rows = db.session.scalars(
        select(Answer).where(Answer.poll_id == poll.id, Answer.participant_id == participant.id)
    )
    return {a.question_id: [c.option_id for c in a.choices] for a in rows}


def poll_snapshot(poll_id: int) -> dict | None:
    """The whole state of a poll's results: what a screen shows, with its version."""
    poll = db.session.get(Poll, poll_id)
    if poll is None:
        return None
    counts = Counter()
    first_places = Counter()
    respondents = Counter()
    rows = db.session.execute(
        select(Answer.question_id, AnswerChoice.option_id, AnswerChoice.rank)
        .join(AnswerChoice, AnswerChoice.answer_id == Answer.id)
        .where(Answer.poll_id == poll.id)
    )
    for question_id, option_id, rank in rows:
        counts[option_id] += 1
        if rank == 1:
            first_places[option_id] += 1
            respondents[question_id] += 1
    questions = []
    for question in poll.questions:
        total = respondents[question.id]
        # Ranking bars show first places; every other kind shows how many picked the option.
        source = first_places if question.kind == QuestionKind.RANKING else counts
        questions.append({
            "id": question.id, "text": question.text, "kind": question.kind,
            "respondents": total,
            "options": [{"id": o.id, "label": o.label, "count": source[o.id],
                         "percent": percent(source[o.id], total)}
                        for o in question.options],
        })
    return {"poll": poll.id, "forum_id": poll.forum_id, "version": poll.version,
            "state": poll.state, "phase": poll.phase, "questions": questions}


# --- tables ------------------------------------------------------------------------------

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
    """What decides the big screen's layout: the room's open polls and the reported tables."""
    open_polls = db.session.scalars(
        select(Poll.id).where(Poll.forum_id == forum_id, Poll.state == PollState.OPEN,
                              Poll.table_id.is_(None)).order_by(Poll.id)
    )
    reported = db.session.execute(
        select(ForumTable.id, ForumTable.outputs_submitted_at)
        .where(ForumTable.forum_id == forum_id, ForumTable.outputs_submitted_at.is_not(None))
        .order_by(ForumTable.id)
    )
    return {"forum": forum_id, "open_polls": list(open_polls),
            "outputs": [f"{table_id}@{at.timestamp():.0f}" for table_id, at in reported]}
