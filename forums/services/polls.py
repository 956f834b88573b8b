"""Polls: opening and closing, live polls for the room or a table, answers stored or
replaced, and the snapshot every screen shows.

Services flush; the request commits once.
"""

from collections import Counter

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from core import audit
from core.db import db, utcnow
from core.errors import Conflict, DomainError, Forbidden, NotFound
from core.i18n import lazy_message
from forums import live
from forums.analysis import percent
from forums.models import (
    Answer,
    AnswerChoice,
    Forum,
    Participant,
    Poll,
    PollPhase,
    PollState,
    Question,
    QuestionKind,
    Topic,
)
from forums.services.loading import (
    NOT_YOUR_TABLE,
    POLL_NOT_FOUND,
    is_organizer,
    poll_of_forum,
    table_for_staff,
)
from forums.services.seating import TICKET_NEEDED, ticket_of
from forums.services.setup import build_question


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
    question = build_question(1, kind, text, labels, max_choices)
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


def _with_what_a_form_draws():
    return (selectinload(Poll.topic).selectinload(Topic.questions).selectinload(Question.options),
            selectinload(Poll.live_questions).selectinload(Question.options),
            selectinload(Poll.table))


def polls_for_participant(forum: Forum, participant: Participant) -> list[Poll]:
    """Open polls this person may answer: topic polls, room live polls, their table's,
    loaded with everything an answer form draws."""
    return list(db.session.scalars(
        select(Poll).where(Poll.forum_id == forum.id, Poll.state == PollState.OPEN,
                           (Poll.table_id.is_(None)) | (Poll.table_id == participant.table_id))
        .options(*_with_what_a_form_draws())
        .order_by(Poll.id)
    ))


def poll_to_draw(forum_id: int, poll_id: int) -> tuple[Poll | None, bool]:
    """An open poll of the forum as every phone draws it before answering, and whether anyone
    has answered it yet (a reopened poll may hold a person's earlier answer, which only their
    own page shows)."""
    poll = db.session.scalars(
        select(Poll).where(Poll.id == poll_id, Poll.forum_id == forum_id,
                           Poll.state == PollState.OPEN)
        .options(*_with_what_a_form_draws())
    ).one_or_none()
    if poll is None:
        return None, False
    answered = db.session.scalar(select(select(Answer.id).where(Answer.poll_id == poll_id)
                                        .exists()))
    return poll, bool(answered)


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
    return answers_by_poll([poll], participant)[poll.id]


def answers_by_poll(polls: list[Poll], participant: Participant) -> dict[int, dict[int, list[int]]]:
    """The participant's chosen options per question, for each of ``polls``, in one query."""
    mine: dict[int, dict[int, list[int]]] = {poll.id: {} for poll in polls}
    rows = db.session.scalars(
        select(Answer).where(Answer.poll_id.in_(list(mine)),
                             Answer.participant_id == participant.id)
        .options(selectinload(Answer.choices))
    )
    for answer in rows:
        mine[answer.poll_id][answer.question_id] = [c.option_id for c in answer.choices]
    return mine


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


def respondents_by_poll(forum: Forum) -> dict[int, int]:
    """How many people answered each of the forum's polls (not how often answers changed)."""
    rows = db.session.execute(
        select(Answer.poll_id, func.count(func.distinct(Answer.participant_id)))
        .join(Poll, Poll.id == Answer.poll_id).where(Poll.forum_id == forum.id)
        .group_by(Answer.poll_id)
    )
    return dict(rows.all())
