"""Ready-made table polls, so a facilitator opens one with a thumb instead of typing a
question and its options: agree–disagree on five points, yes or no, one of a topic
question's options, one of the tables' keywords, and the table's last polls again."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.db import db
from core.errors import DomainError
from forums import services
from forums.models import Forum, Poll, PollPhase, QuestionKind

LAST_USED = 3
UNKNOWN_TEMPLATE = _l("알 수 없는 투표 틀입니다. 콘솔을 다시 열어 고르세요.")

FIXED = {
    "agree": {"label": _l("동의 정도 (5점)"), "kind": QuestionKind.LIKERT,
              "text": _l("이 방향에 동의하십니까?"), "options": services.LIKERT_DEFAULT},
    "yesno": {"label": _l("예 / 아니요"), "kind": QuestionKind.SINGLE,
              "text": _l("이 제안에 찬성하십니까?"), "options": ("예", "아니요")},
}


def _keywords(forum: Forum) -> list[str]:
    return sorted({word for table in forum.tables
                   for word in (table.obstacle_keyword, table.stepping_stone_keyword) if word})


def _last_used(forum: Forum, table_id: int) -> list[Poll]:
    return list(db.session.scalars(
        select(Poll).where(Poll.forum_id == forum.id, Poll.table_id == table_id,
                           Poll.phase == PollPhase.LIVE)
        .order_by(Poll.id.desc()).limit(LAST_USED)))


def choices(forum: Forum, table_id: int) -> list[dict]:
    """The templates offered on a table's console: key, button label, the question asked."""
    offered = [{"key": key, "label": spec["label"], "text": spec["text"]}
               for key, spec in FIXED.items()]
    for topic in forum.topics:
        for question in topic.questions:
            offered.append({"key": f"topic:{question.id}",
                            "label": _l("주제 선택지 중 하나"), "text": question.text})
    if len(_keywords(forum)) >= 2:
        offered.append({"key": "keywords", "label": _l("키워드 고르기"),
                        "text": _l("가장 먼저 다룰 키워드는 무엇입니까?")})
    for poll in _last_used(forum, table_id):
        offered.append({"key": f"again:{poll.id}", "label": _l("최근에 쓴 투표"),
                        "text": poll.questions[0].text})
    return offered


def resolve(forum: Forum, table_id: int, key: str) -> tuple[str, str, list[str]]:
    """The kind, question and options a template key stands for on this table."""
    if key in FIXED:
        spec = FIXED[key]
        return spec["kind"], str(spec["text"]), list(spec["options"])
    if key == "keywords":
        words = _keywords(forum)
        if len(words) < 2:
            raise DomainError(_l("고를 키워드가 아직 두 개 이상 제출되지 않았습니다."))
        return (QuestionKind.SINGLE, str(_l("가장 먼저 다룰 키워드는 무엇입니까?")),
                words[:services.MAX_OPTIONS])
    prefix, _sep, raw = key.partition(":")
    if prefix == "topic" and raw.isdigit():
        question = services.question_of_forum(forum, int(raw))
        return QuestionKind.SINGLE, question.text, [o.label for o in question.options]
    if prefix == "again" and raw.isdigit():
        poll = services.poll_of_forum(forum, int(raw))
        if poll.phase != PollPhase.LIVE or poll.table_id != table_id:
            raise DomainError(UNKNOWN_TEMPLATE)
        question = poll.questions[0]
        return question.kind, question.text, [o.label for o in question.options]
    raise DomainError(UNKNOWN_TEMPLATE)


def launch(forum: Forum, user, table_id: int, key: str, text: str = "") -> Poll:
    """Open a table poll from a template; ``text``, when given, rewords its question."""
    kind, question, options = resolve(forum, table_id, key)
    return services.launch_live_poll(forum, user, table_id, kind, text.strip() or question,
                                     options)
