"""Setting a forum up: the forum and its tables, topics and the questions asked before and
after, the agenda ranking, facilitators.

Services flush; the request commits once.
"""

import secrets
from collections import Counter
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from agenda import coordination, proposals
from core import audit
from core.db import db
from core.errors import Conflict, DomainError, NotFound
from core.i18n import lazy_message
from core.models import Cycle
from forums.models import (
    Answer,
    AnswerChoice,
    Forum,
    ForumTable,
    Option,
    Poll,
    PollPhase,
    Question,
    QuestionKind,
    Seating,
    Topic,
)
from forums.services.loading import (
    JOIN_CODE_ALPHABET,
    JOIN_CODE_LENGTH,
    LIKERT_DEFAULT,
    MAX_OPTIONS,
    MAX_TABLES,
    facilitators_of,
    table_of_forum,
)


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


def build_question(position: int, kind: str, text: str, labels: list[str],
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
    question = build_question(len(topic.questions) + 1, kind, text, labels, max_choices)
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
