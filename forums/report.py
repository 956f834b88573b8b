"""A forum's opinion-shift report: answers read from the database, figures from analysis.

The report page, the big screen's pre/post comparison and ``flask forum-report`` all
come from ``build`` so they can never disagree.
"""

from collections import defaultdict

from sqlalchemy import select

from core.db import db
from forums import analysis, population
from forums.models import Answer, Forum, ForumTable, PollPhase, QuestionKind


def _answers(poll_ids: list[int]) -> dict[tuple[int, int], dict[int, list[int]]]:
    """(poll, question) → participant → option ids in rank order."""
    found: dict[tuple[int, int], dict[int, list[int]]] = defaultdict(dict)
    if not poll_ids:
        return found
    rows = db.session.scalars(select(Answer).where(Answer.poll_id.in_(poll_ids)))
    for answer in rows:
        found[(answer.poll_id, answer.question_id)][answer.participant_id] = [
            c.option_id for c in answer.choices]
    return found


def _topic_polls(forum: Forum) -> dict[int, dict[str, int]]:
    polls: dict[int, dict[str, int]] = defaultdict(dict)
    for poll in forum.polls:
        if poll.phase != PollPhase.LIVE:
            polls[poll.topic_id][poll.phase] = poll.id
    return polls


def build(forum: Forum) -> dict:
    """Every topic question with its before/after figures, paired tests and breakdowns."""
    polls = _topic_polls(forum)
    answers = _answers([pid for phases in polls.values() for pid in phases.values()])
    tables = {p.id: p.table.number if p.table else None for p in forum.participants}
    ages = {p.id: p.age_band for p in forum.participants}
    genders = {p.id: p.gender for p in forum.participants}
    topics, tests = [], []
    for topic in forum.topics:
        questions = []
        for question in topic.questions:
            pre = answers.get((polls[topic.id].get(PollPhase.PRE), question.id), {})
            post = answers.get((polls[topic.id].get(PollPhase.POST), question.id), {})
            entry = _question(question, pre, post, tables, ages, genders)
            tests.extend(entry["tests"])
            questions.append(entry)
        topics.append({"id": topic.id, "position": topic.position, "title": topic.title,
                       "questions": questions})
    for test, adjusted in zip(tests, analysis.holm([t["p_value"] for t in tests]), strict=True):
        test["p_holm"] = adjusted
    return {"forum": {"id": forum.id, "title": forum.title, "held_on": forum.held_on.isoformat(),
                      "participants": len(forum.participants), "tables": len(forum.tables)},
            "topics": topics, "representativeness": population.room_against_district(forum)}


def _question(question, pre: dict, post: dict, tables: dict, ages: dict, genders: dict) -> dict:
    option_ids = [o.id for o in question.options]
    labels = {o.id: o.label for o in question.options}
    ranking = question.kind == QuestionKind.RANKING
    # A ranking is compared by what people put first.
    picks_pre = {k: v[:1] if ranking else v for k, v in pre.items()}
    picks_post = {k: v[:1] if ranking else v for k, v in post.items()}
    pairing = analysis.pair(pre, post)
    paired = set(pairing.paired)
    all_pre = analysis.distribution(picks_pre, option_ids)
    all_post = analysis.distribution(picks_post, option_ids)
    paired_pre = analysis.distribution({k: v for k, v in picks_pre.items() if k in paired},
                                       option_ids)
    paired_post = analysis.distribution({k: v for k, v in picks_post.items() if k in paired},
                                        option_ids)
    options, tests = [], []
    for option_id in option_ids:
        shift = analysis.mcnemar({k: option_id in v for k, v in picks_pre.items()},
                                 {k: option_id in v for k, v in picks_post.items()})
        test = {"name": "McNemar", "label": labels[option_id], "question": question.text,
                "statistic": shift["statistic"], "p_value": shift["p_value"]}
        tests.append(test)
        options.append({
            "id": option_id, "label": labels[option_id],
            "pre": all_pre[option_id], "post": all_post[option_id],
            "paired_pre": paired_pre[option_id], "paired_post": paired_post[option_id],
            "moved_in": shift["b"], "moved_out": shift["c"], "test": test,
        })
    entry = {"id": question.id, "text": question.text, "kind": question.kind,
             "pre_n": len(pre), "post_n": len(post), "paired_n": pairing.n,
             "attrition": pairing.attrition, "options": options, "tests": tests,
             "matrix": None, "overall": None}
    single_pre = {k: v[0] for k, v in picks_pre.items() if len(v) == 1}
    single_post = {k: v[0] for k, v in picks_post.items() if len(v) == 1}
    if question.kind in (QuestionKind.SINGLE, QuestionKind.LIKERT, QuestionKind.RANKING):
        entry["matrix"] = analysis.transition_matrix(single_pre, single_post, option_ids)
    if question.kind == QuestionKind.LIKERT:
        score = {o.id: o.position for o in question.options}
        result = analysis.wilcoxon_signed_rank({k: score[v] for k, v in single_pre.items()},
                                               {k: score[v] for k, v in single_post.items()})
        entry["overall"] = {"name": "Wilcoxon", "question": question.text, "label": "",
                            "statistic": result["statistic"], "p_value": result["p_value"]}
    elif len(option_ids) > 2 and question.kind != QuestionKind.MULTIPLE:
        result = analysis.stuart_maxwell(entry["matrix"])
        entry["overall"] = {"name": "Stuart–Maxwell", "question": question.text, "label": "",
                            "statistic": result["statistic"], "p_value": result["p_value"],
                            "df": result["df"]}
    if entry["overall"] is not None:
        tests.append(entry["overall"])
    entry["by_table"] = analysis.breakdown(tables, picks_pre, picks_post, option_ids)
    entry["by_age"] = analysis.breakdown(ages, picks_pre, picks_post, option_ids)
    entry["by_gender"] = analysis.breakdown(genders, picks_pre, picks_post, option_ids)
    return entry


def topic_comparison(forum: Forum) -> list[dict]:
    """Pre vs post shares per question, for the big screen."""
    return build(forum)["topics"]


def table_results(forum: Forum, table: ForumTable) -> list[dict]:
    """The topic questions as answered by this table's members, before and after."""
    members = {p.id for p in table.members}
    polls = _topic_polls(forum)
    answers = _answers([pid for phases in polls.values() for pid in phases.values()])
    results = []
    for topic in forum.topics:
        for question in topic.questions:
            option_ids = [o.id for o in question.options]
            rows = {}
            for phase in (PollPhase.PRE, PollPhase.POST):
                given = answers.get((polls[topic.id].get(phase), question.id), {})
                rows[phase] = analysis.distribution(
                    {k: v[:1] if question.kind == QuestionKind.RANKING else v
                     for k, v in given.items() if k in members}, option_ids)
                rows[f"{phase}_n"] = sum(1 for k in given if k in members)
            results.append({"topic": topic.title, "text": question.text,
                            "options": [{"label": o.label, "pre": rows["pre"][o.id],
                                         "post": rows["post"][o.id]} for o in question.options],
                            "pre_n": rows["pre_n"], "post_n": rows["post_n"]})
    return results
