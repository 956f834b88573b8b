"""A forum's opinion-shift report: answers read from the database, figures from analysis.

The report page, the big screen's pre/post comparison and ``flask forum-report`` all
come from ``build`` so they can never disagree.
"""

from collections import defaultdict

from flask_babel import force_locale
from sqlalchemy import select

from core.db import db
from core.i18n import N_, lazy_message
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


# The two families Holm's adjustment runs over, named in every output. Per-option tests in
# one family with the overall ones would mix tests that are not independent (the options of a
# single-choice question move together) and make a real shift read as noise.
FAMILY_OVERALL = "overall"
FAMILY_OPTIONS = "options"
FAMILIES = {
    FAMILY_OVERALL: N_("문항마다 하나인 전체 검정(Stuart–Maxwell, Wilcoxon 부호순위 또는 "
                       "McNemar 정확검정)을 이 공론장의 문항 %(count)s개에 걸쳐 Holm 보정"),
    FAMILY_OPTIONS: N_("선택지별 McNemar 정확검정을 같은 문항의 선택지끼리 Holm 보정"),
}


def build(forum: Forum) -> dict:
    """Every topic question with its before/after figures, paired tests and breakdowns."""
    polls = _topic_polls(forum)
    answers = _answers([pid for phases in polls.values() for pid in phases.values()])
    tables = {p.id: p.table.number if p.table else None for p in forum.participants}
    ages = {p.id: p.age_band for p in forum.participants}
    genders = {p.id: p.gender for p in forum.participants}
    topics, overall = [], []
    for topic in forum.topics:
        questions = []
        for question in topic.questions:
            pre = answers.get((polls[topic.id].get(PollPhase.PRE), question.id), {})
            post = answers.get((polls[topic.id].get(PollPhase.POST), question.id), {})
            entry = _question(question, pre, post, tables, ages, genders)
            if entry["overall"] is not None:
                overall.append(entry["overall"])
            questions.append(entry)
        topics.append({"id": topic.id, "position": topic.position, "title": topic.title,
                       "questions": questions})
    _adjust(overall)
    return {"forum": {"id": forum.id, "title": forum.title, "held_on": forum.held_on.isoformat(),
                      "participants": len(forum.participants), "tables": len(forum.tables)},
            "multiplicity": {
                "method": "Holm", "confidence": analysis.CONFIDENCE,
                "families": [
                    {"name": FAMILY_OVERALL, "tests": len(overall),
                     **_both(FAMILIES[FAMILY_OVERALL], count=len(overall))},
                    {"name": FAMILY_OPTIONS, **_both(FAMILIES[FAMILY_OPTIONS])}]},
            "topics": topics, "representativeness": population.room_against_district(forum)}


def _adjust(tests: list[dict]) -> None:
    for test, adjusted in zip(tests, analysis.holm([t["p_value"] for t in tests]), strict=True):
        test["p_holm"] = adjusted
        test["p_text"] = analysis.format_p(test["p_value"])
        test["p_holm_text"] = analysis.format_p(adjusted)


def _both(msgid: str, **params) -> dict:
    """A sentence in Korean and in English, as plain text: the JSON and the CSV carry both,
    and a page shows the one in its reader's language (escaped there like any text)."""
    found = {}
    for locale in ("ko", "en"):
        with force_locale(locale):
            found[locale] = str(lazy_message(msgid, **params))
    return found


def _with_interval(share: dict) -> dict:
    return {**share, "ci": analysis.wilson_interval(share["count"], share["respondents"])}


def _shares(picks: dict, option_ids: list) -> dict:
    respondents = len(picks)
    return {option: _with_interval({**share, "respondents": respondents})
            for option, share in analysis.distribution(picks, option_ids).items()}


def _question(question, pre: dict, post: dict, tables: dict, ages: dict, genders: dict) -> dict:
    option_ids = [o.id for o in question.options]
    labels = {o.id: o.label for o in question.options}
    ranking = question.kind == QuestionKind.RANKING
    # A ranking is compared by what people put first.
    picks_pre = {k: v[:1] if ranking else v for k, v in pre.items()}
    picks_post = {k: v[:1] if ranking else v for k, v in post.items()}
    pairing = analysis.pair(pre, post)
    paired = set(pairing.paired)
    all_pre = _shares(picks_pre, option_ids)
    all_post = _shares(picks_post, option_ids)
    paired_pre = _shares({k: v for k, v in picks_pre.items() if k in paired}, option_ids)
    paired_post = _shares({k: v for k, v in picks_post.items() if k in paired}, option_ids)
    options, tests = [], []
    for option_id in option_ids:
        result = analysis.mcnemar({k: option_id in v for k, v in picks_pre.items()},
                                  {k: option_id in v for k, v in picks_post.items()})
        test = {"name": result["name"], "family": FAMILY_OPTIONS, "label": labels[option_id],
                "question": question.text,
                "discordant": {"no_to_yes": result["b"], "yes_to_no": result["c"]},
                "p_value": result["p_value"]}
        tests.append(test)
        options.append({
            "id": option_id, "label": labels[option_id],
            "pre": all_pre[option_id], "post": all_post[option_id],
            "paired_pre": paired_pre[option_id], "paired_post": paired_post[option_id],
            "moved_in": result["b"], "moved_out": result["c"], "shift": result["shift"],
            "test": test,
        })
    _adjust(tests)
    entry = {"id": question.id, "text": question.text, "kind": question.kind,
             "pre_n": len(pre), "post_n": len(post), "paired_n": pairing.n,
             "attrition": pairing.attrition, "options": options, "tests": tests,
             "matrix": None, "overall": None}
    single_pre = {k: v[0] for k, v in picks_pre.items() if len(v) == 1}
    single_post = {k: v[0] for k, v in picks_post.items() if len(v) == 1}
    if question.kind in (QuestionKind.SINGLE, QuestionKind.LIKERT, QuestionKind.RANKING):
        entry["matrix"] = analysis.transition_matrix(single_pre, single_post, option_ids)
    overall = None
    if question.kind == QuestionKind.LIKERT:
        score = {o.id: o.position for o in question.options}
        result = analysis.wilcoxon_signed_rank({k: score[v] for k, v in single_pre.items()},
                                               {k: score[v] for k, v in single_post.items()})
        overall = {"name": result["name"], "statistic": result["statistic"],
                   "method": result["method"], "n": result["n"],
                   "effect": {"name": "rank-biserial", "value": result["rank_biserial"]},
                   "mean_shift": result["mean_shift"], "p_value": result["p_value"]}
    elif question.kind != QuestionKind.MULTIPLE and len(option_ids) > 2:
        result = analysis.stuart_maxwell(entry["matrix"])
        overall = {"name": result["name"], "statistic": result["statistic"],
                   "df": result["df"], "p_value": result["p_value"]}
    elif question.kind != QuestionKind.MULTIPLE and len(option_ids) == 2:
        # With two options the first one's yes/no shift is the whole question's shift.
        first = tests[0]
        overall = {"name": first["name"], "discordant": first["discordant"],
                   "p_value": first["p_value"]}
    if overall is not None:
        entry["overall"] = {**overall, "family": FAMILY_OVERALL, "question": question.text,
                            "label": ""}
        tests.append(entry["overall"])
    entry["summary"] = question_summary(pairing.n, options)
    entry["by_table"] = analysis.breakdown(tables, picks_pre, picks_post, option_ids)
    entry["by_age"] = analysis.breakdown(ages, picks_pre, picks_post, option_ids)
    entry["by_gender"] = analysis.breakdown(genders, picks_pre, picks_post, option_ids)
    return entry


SUMMARY_NONE = N_("토론 전과 후에 모두 답한 사람이 없어 의견 변화를 잴 수 없습니다.")
SUMMARY_SAME = N_("토론 전과 후에 모두 답한 %(n)s명의 선택 비율은 달라지지 않았습니다.")
SUMMARY_UP = N_("토론 전과 후에 모두 답한 %(n)s명 가운데 ‘%(option)s’%(particle)s 고른 사람이 "
                "%(before)s%%에서 %(after)s%%로 늘었습니다(변화의 95%% 신뢰구간 "
                "%(low)s~%(high)s%%p).")
SUMMARY_DOWN = N_("토론 전과 후에 모두 답한 %(n)s명 가운데 ‘%(option)s’%(particle)s 고른 사람이 "
                  "%(before)s%%에서 %(after)s%%로 줄었습니다(변화의 95%% 신뢰구간 "
                  "%(low)s~%(high)s%%p).")
SUMMARY_UNSURE = N_("토론 전과 후에 모두 답한 %(n)s명 가운데 ‘%(option)s’%(particle)s 고른 사람이 "
                    "%(before)s%%에서 %(after)s%%로 바뀌었지만, 변화의 95%% 신뢰구간"
                    "(%(low)s~%(high)s%%p)이 0을 포함하므로 우연일 수 있습니다.")


def question_summary(paired_n: int, options: list[dict]) -> dict:
    """One plain sentence on the question's largest paired shift and its interval."""
    if not paired_n:
        return _both(SUMMARY_NONE)
    # On a tie the rise is told: "more chose X" reads more plainly than "fewer chose Y".
    largest = max(options, key=lambda o: (abs(o["shift"]["difference"]),
                                          o["shift"]["difference"]))
    shift = largest["shift"]
    if shift["difference"] == 0:
        return _both(SUMMARY_SAME, n=paired_n)
    low, high = shift["ci"]
    if low > 0:
        sentence = SUMMARY_UP
    elif high < 0:
        sentence = SUMMARY_DOWN
    else:
        sentence = SUMMARY_UNSURE
    return _both(sentence, n=paired_n, option=largest["label"],
                 particle=object_particle(largest["label"]),
                 before=largest["paired_pre"]["percent"],
                 after=largest["paired_post"]["percent"],
                 low=_points(low), high=_points(high))


def _points(share: float) -> str:
    """A change in percentage points with its sign, whole points (−0 shown as 0)."""
    points = round(share * 100)
    return f"{points:+d}".replace("-", "−") if points else "0"


def object_particle(word: str) -> str:
    """을 after a final consonant, 를 after a vowel; 을(를) when the word does not end in a
    Hangul syllable (a number, Latin letters, a closing bracket)."""
    last = word.rstrip()[-1:] if word.strip() else ""
    if not "가" <= last <= "힣":
        return "을(를)"
    return "을" if (ord(last) - ord("가")) % 28 else "를"


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
