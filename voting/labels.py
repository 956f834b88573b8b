"""Every label voting shows for a stored value: channels, electorates, ballot types, counting
methods, score names, forum data sources and genders, in Korean with English in the catalog.

Keyed by the stored value: the enums of ``voting.models`` and ``voting.ballots`` are string
enums, so a member looks its label up as its value does, and this module imports neither
(the models use it for their own labels)."""

from flask_babel import lazy_gettext as _l

CHANNEL_LABELS = {
    "online": _l("온라인"),
    "paper": _l("종이 투표"),
    "forum": _l("공론장 현장 투표"),
}

ELECTORATE_LABELS = {
    "account": _l("가입한 자치구 주민 누구나"),
    "email": _l("이메일 인증을 마친 주민"),
    "roll": _l("주민 확인(명부 등록)을 마친 주민"),
}

BALLOT_TYPE_LABELS = {
    "ranked": _l("순위 투표"),
    "approval": _l("찬성 투표(복수 선택)"),
    "budget": _l("예산 배분 투표"),
    "points": _l("점수 배분 투표"),
}

METHOD_LABELS = {
    "borda": _l("보다 점수(순위 점수 합)"),
    "schulze": _l("슐체 방식(쌍대 비교)"),
    "ranked-pairs": _l("순위쌍 방식(쌍대 비교)"),
    "copeland": _l("코플랜드 방식(쌍대 승수)"),
    "irv": _l("즉석 결선(최하위 탈락)"),
    "stv": _l("단기이양식(여러 의제 선정)"),
    "approval": _l("찬성 수 순"),
    "greedy": _l("득표순 예산 채우기"),
    "mes": _l("균등 분배 방식(MES)"),
    "points": _l("점수 합계 순"),
}

# How MES spends what the equal shares leave (``voting.tally.COMPLETIONS``).
COMPLETION_LABELS = {
    "add1": _l("add1: 모든 투표자의 몫을 한 단위씩 늘려 예산 안에서 다시 계산"
               "(실제 MES 선거의 방식)"),
    "greedy": _l("득표순 채우기: 남은 예산으로 찬성이 많은 의제부터 들어가는 만큼 선정"),
    "none": _l("없음: 균등 분배 결과 그대로(예산이 남을 수 있음)"),
}

# How each method fills several seats (``seat_rule`` in the engine's result).
_BY_SCORE = _l("여러 의제 선정: 점수가 높은 순서로 정한 수만큼 선정합니다. 마지막 자리에서 "
               "점수가 같으면 공개된 추첨으로 정하고, 그렇게 정한 의제에 ‘추첨’을 표시합니다.")
_BY_RANKING = _l("여러 의제 선정: 이 방식의 순위에서 앞선 의제부터 정한 수만큼 선정합니다. "
                 "마지막 자리에서 순위가 같으면 공개된 추첨으로 정하고, 그렇게 정한 의제에 "
                 "‘추첨’을 표시합니다.")
SEAT_RULES = {
    "borda": _BY_SCORE, "copeland": _BY_SCORE, "approval": _BY_SCORE, "points": _BY_SCORE,
    "schulze": _BY_RANKING, "ranked-pairs": _BY_RANKING,
    "irv": _l("여러 의제 선정: 순차 즉석 결선. 즉석 결선으로 한 의제를 선정한 뒤 그 의제를 모든 "
              "투표지에서 지우고 다시 즉석 결선을 하기를 정한 수만큼 되풀이합니다. 추첨이 결과를 "
              "바꿀 수 있었던 집계부터 선정된 의제에 ‘추첨’을 표시합니다."),
    "stv": _l("여러 의제 선정: 단기이양식(스코틀랜드 규칙). 당선 기준표는 드룹 쿼터(투표지 수를 "
              "선정 수 + 1로 나눈 몫 + 1)이고, 남는 표는 소수 다섯째 자리까지 비율대로 옮깁니다. "
              "추첨으로 동점을 가른 뒤에 선정된 의제에 ‘추첨’을 표시합니다."),
}

# What a method's score column is called on the results page.
SCORE_LABELS = {
    "borda": _l("보다 점수"), "copeland": _l("코플랜드 점수"), "schulze": _l("방법 기준 점수"),
    "approval": _l("찬성 수"), "greedy": _l("찬성 수"), "mes": _l("찬성 수"),
    "points": _l("점수 합계"),
}

# Where a combined selection takes the forum's part from.
FORUM_SOURCE_LABELS = {
    "ballots": _l("공론장 현장 투표의 의제별 지지"),
    "forum_ranking": _l("이 주기 공론장 사후 설문의 의제 순위(보다 점수: 1위 n−1점, 꼴찌 0점)"),
    "none": _l("공론장 자료 없음(모든 의제 0점)"),
}

GENDER_LABELS = {"female": _l("여성"), "male": _l("남성"), "other": _l("기타")}
