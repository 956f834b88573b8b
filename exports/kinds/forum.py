"""A forum's data: questions, pseudonymous answers, table outputs and the opinion-shift
analysis; and its PDF report with charts."""

import hashlib
import hmac

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from accounts.models import User
from core.db import db
from exports import charts, pdf
from exports.kinds.common import label, seoul
from exports.registry import ExportContext, Kind, register, register_scope
from exports.tables import Column, ColumnType, Table
from forums import report
from forums.models import (
    AGE_BAND_LABELS,
    GENDER_LABELS,
    KIND_LABELS,
    PHASE_LABELS,
    Answer,
    AnswerChoice,
    Forum,
    ForumTable,
    Option,
    Participant,
    Poll,
    Question,
)
from forums.services import forum_of_district

T = ColumnType


def pseudonyms(forum: Forum) -> dict[int, str]:
    """Participant id → "P001"…, ordered by a keyed hash: stable across runs, unrelated to
    the number people saw on their screens or the order they joined in."""
    key = current_app.config["SECRET_KEY"].encode()

    def digest(participant_id: int) -> str:
        message = f"forum:{forum.id}:participant:{participant_id}".encode()
        return hmac.new(key, message, hashlib.sha256).hexdigest()

    ids = db.session.scalars(select(Participant.id).where(Participant.forum_id == forum.id))
    ordered = sorted(ids, key=digest)
    return {pid: f"P{index:03d}" for index, pid in enumerate(ordered, start=1)}


def forums_of(district_id: int) -> list[tuple[int, str]]:
    return [(f.id, f.title) for f in db.session.scalars(
        select(Forum).where(Forum.district_id == district_id)
        .order_by(Forum.held_on.desc(), Forum.id))]


register_scope("forum", forums_of)

FORUM_COLUMNS = [
    Column("id", "공론장 번호", T.INTEGER), Column("title", "공론장"),
    Column("held_on", "개최일", T.DATE), Column("venue", "장소"),
    Column("participants", "참가자 수", T.INTEGER), Column("tables", "테이블 수", T.INTEGER),
]

QUESTION_COLUMNS = [
    Column("topic", "주제 순서", T.INTEGER), Column("topic_title", "주제"),
    Column("question_id", "문항 번호", T.INTEGER), Column("kind", "문항 유형"),
    Column("question", "문항"), Column("option_id", "선택지 번호", T.INTEGER),
    Column("option", "선택지"), Column("agenda_item_id", "연결된 의제 번호", T.INTEGER),
]

PARTICIPANT_COLUMNS = [
    Column("participant", "참가자(가명)"), Column("table", "테이블", T.INTEGER),
    Column("age_band", "연령대", personal=True), Column("gender", "성별", personal=True),
    Column("dong", "거주 동", personal=True),
]

ANSWER_COLUMNS = [
    Column("participant", "참가자(가명)"), Column("phase", "단계"),
    Column("poll_id", "설문 번호", T.INTEGER), Column("question_id", "문항 번호", T.INTEGER),
    Column("question", "문항"), Column("option_id", "선택지 번호", T.INTEGER),
    Column("option", "선택지"), Column("rank", "순위", T.INTEGER),
]

TABLE_COLUMNS = [
    Column("table", "테이블", T.INTEGER), Column("members", "참가자 수", T.INTEGER),
    Column("obstacle", "걸림돌 키워드"), Column("stepping_stone", "디딤돌 키워드"),
    Column("summary", "테이블 요약"), Column("submitted_at", "제출 일시", T.DATETIME),
    Column("facilitator", "퍼실리테이터", personal=True),
]

ANALYSIS_COLUMNS = [
    Column("topic", "주제"), Column("question", "문항"), Column("option", "선택지"),
    Column("pre_n", "사전 응답 수", T.INTEGER), Column("post_n", "사후 응답 수", T.INTEGER),
    Column("paired_n", "사전·사후 모두 응답", T.INTEGER),
    Column("pre_share", "사전 비율", T.PERCENT),
    Column("pre_ci_low", "사전 비율 95% 신뢰구간 하한(Wilson)", T.PERCENT),
    Column("pre_ci_high", "사전 비율 95% 신뢰구간 상한(Wilson)", T.PERCENT),
    Column("post_share", "사후 비율", T.PERCENT),
    Column("post_ci_low", "사후 비율 95% 신뢰구간 하한(Wilson)", T.PERCENT),
    Column("post_ci_high", "사후 비율 95% 신뢰구간 상한(Wilson)", T.PERCENT),
    Column("paired_pre_share", "짝지은 사전 비율", T.PERCENT),
    Column("paired_post_share", "짝지은 사후 비율", T.PERCENT),
    Column("shift", "짝지은 변화(사후−사전)", T.PERCENT),
    Column("shift_ci_low", "변화 95% 신뢰구간 하한(Newcombe)", T.PERCENT),
    Column("shift_ci_high", "변화 95% 신뢰구간 상한(Newcombe)", T.PERCENT),
    Column("cohens_g", "효과크기 Cohen g", T.NUMBER),
    Column("moved_in", "새로 선택", T.INTEGER), Column("moved_out", "선택 철회", T.INTEGER),
    Column("test", "선택지 검정"),
    Column("p_value", "McNemar p값", T.NUMBER), Column("p_text", "McNemar p값 표기"),
    Column("p_holm", "Holm 보정 p값(선택지 가족)", T.NUMBER),
    Column("p_holm_text", "Holm 보정 p값 표기(선택지 가족)"),
    Column("overall_test", "문항 전체 검정"),
    Column("overall_statistic", "문항 전체 검정 통계량", T.NUMBER),
    Column("overall_df", "문항 전체 검정 자유도", T.INTEGER),
    Column("overall_effect", "문항 전체 효과크기(순위이연상관)", T.NUMBER),
    Column("overall_p_value", "문항 전체 p값", T.NUMBER),
    Column("overall_p_text", "문항 전체 p값 표기"),
    Column("overall_p_holm", "Holm 보정 p값(전체 검정 가족)", T.NUMBER),
    Column("overall_p_holm_text", "Holm 보정 p값 표기(전체 검정 가족)"),
    Column("summary", "요약"), Column("summary_en", "요약(영어)"),
]


def forum_tables(ctx: ExportContext, forum: Forum, prefix: str = "") -> list[Table]:
    """The forum's tables; ``prefix`` keeps sheet names apart when a cycle holds several."""
    names = pseudonyms(forum) if not ctx.public else {}
    key = prefix.strip().lower() + "_" if prefix else ""

    def forum_rows():
        yield (forum.id, forum.title, forum.held_on, forum.venue, len(forum.participants),
               len(forum.tables))

    def question_rows():
        for topic in forum.topics:
            for question in topic.questions:
                for option in question.options:
                    yield (topic.position, topic.title, question.id,
                           label(KIND_LABELS, question.kind), question.text, option.id,
                           option.label, option.agenda_item_id)

    def participant_rows():
        rows = []
        for person in forum.participants:
            rows.append((names[person.id], person.table.number if person.table else None,
                         label(AGE_BAND_LABELS, person.age_band),
                         label(GENDER_LABELS, person.gender), person.dong or ""))
        yield from sorted(rows, key=lambda row: row[0])

    answer_query = (select(Answer.participant_id, Poll.phase, Poll.id, Question.id, Question.text,
                           Option.id, Option.label, AnswerChoice.rank)
                    .join(Poll, Poll.id == Answer.poll_id)
                    .join(Question, Question.id == Answer.question_id)
                    .join(AnswerChoice, AnswerChoice.answer_id == Answer.id)
                    .join(Option, Option.id == AnswerChoice.option_id)
                    .where(Poll.forum_id == forum.id))

    def answer_rows():
        # A forum is at most a few hundred people: sorting here keeps the order free of
        # anything that hints at who answered when.
        rows = [(names[pid], label(PHASE_LABELS, phase), poll_id, qid, text, oid, option, rank)
                for pid, phase, poll_id, qid, text, oid, option, rank
                in db.session.execute(answer_query)]
        yield from sorted(rows, key=lambda r: (r[2], r[3], r[0], r[7]))

    def table_rows():
        query = (select(ForumTable, User.display_name)
                 .outerjoin(User, User.id == ForumTable.facilitator_id)
                 .where(ForumTable.forum_id == forum.id).order_by(ForumTable.number))
        for table, facilitator in db.session.execute(query):
            yield (table.number, len(table.members), table.obstacle_keyword or "",
                   table.stepping_stone_keyword or "", table.summary,
                   seoul(table.outputs_submitted_at), facilitator or "")

    def analysis_rows():
        for topic in report.build(forum)["topics"]:
            for question in topic["questions"]:
                overall = question["overall"] or {}
                effect = overall.get("effect")
                whole = (overall.get("name", ""), overall.get("statistic"), overall.get("df"),
                         effect["value"] if effect else None, overall.get("p_value"),
                         overall.get("p_text", ""), overall.get("p_holm"),
                         overall.get("p_holm_text", ""), question["summary"]["ko"],
                         question["summary"]["en"])
                for option in question["options"]:
                    shift, test = option["shift"] or {}, option["test"]
                    pre_ci = option["pre"]["ci"] or (None, None)
                    post_ci = option["post"]["ci"] or (None, None)
                    shift_ci = shift.get("ci") or (None, None)
                    yield (topic["title"], question["text"], option["label"], question["pre_n"],
                           question["post_n"], question["paired_n"], option["pre"]["share"],
                           *pre_ci, option["post"]["share"], *post_ci,
                           option["paired_pre"]["share"], option["paired_post"]["share"],
                           shift.get("difference"), *shift_ci, shift.get("cohens_g"),
                           option["moved_in"], option["moved_out"], test["name"],
                           test["p_value"], test["p_text"], test["p_holm"],
                           test["p_holm_text"], *whole)

    def size(rows):
        return lambda: sum(1 for _ in rows())

    analysis = Table(f"{key}forum_analysis", f"{prefix}의견 변화 분석", ANALYSIS_COLUMNS,
                     analysis_rows, size(analysis_rows))
    if ctx.public:
        return [Table(f"{key}forum", f"{prefix}공론장", FORUM_COLUMNS, forum_rows,
                      lambda: 1), analysis]
    return [
        Table(f"{key}forum", f"{prefix}공론장", FORUM_COLUMNS, forum_rows, lambda: 1),
        Table(f"{key}forum_questions", f"{prefix}주제와 문항", QUESTION_COLUMNS,
              question_rows, size(question_rows)),
        Table(f"{key}forum_participants", f"{prefix}참가자", PARTICIPANT_COLUMNS,
              participant_rows, lambda: len(forum.participants)),
        Table(f"{key}forum_answers", f"{prefix}설문 응답", ANSWER_COLUMNS, answer_rows,
              size(answer_rows)),
        Table(f"{key}forum_tables", f"{prefix}테이블 결과", TABLE_COLUMNS, table_rows,
              lambda: len(forum.tables)),
        analysis,
    ]


def tables(ctx: ExportContext) -> list[Table]:
    return forum_tables(ctx, forum_of_district(ctx.district_id, ctx.scope_id))


def write_report(ctx: ExportContext, out) -> str:
    forum = forum_of_district(ctx.district_id, ctx.scope_id)
    built = report.build(forum)
    figures = []
    for topic in built["topics"]:
        for question in topic["questions"]:
            rows = [(o["label"], o["pre"]["share"], o["post"]["share"])
                    for o in question["options"]]
            figures.append({"topic": topic, "question": question,
                            "chart": charts.paired_bars(rows)})
    outputs = [t for t in forum.tables if t.obstacle_keyword or t.stepping_stone_keyword
               or t.summary]
    return pdf.render("forum_report.html", out, forum=forum, report=built, figures=figures,
                      outputs=outputs)


KIND = register(Kind(
    name="forum", label=_l("공론장"), scope="forum", formats=("csv", "xlsx", "pdf", "json"),
    find=forum_of_district, tables=tables, report=write_report, public_formats=("csv", "json"),
    has_personal=True,
))
