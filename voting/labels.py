"""What voting shows for its codes, in one place: ballot types, channels, electorates,
counting methods (names and one-line explanations), MES completions, how each method fills
several seats, score names, forum data sources, genders, the entries of a vote's history, and
the refusals of a ballot's rules, Korean first (English in the catalog)."""

from flask_babel import lazy_gettext as _l

from core.i18n import N_, lazy_message
from voting.rules import METHODS_BY_TYPE, BallotError, BallotType, Channel, Electorate

CHANNEL_LABELS = {
    Channel.ONLINE: _l("온라인"),
    Channel.PAPER: _l("종이 투표"),
    Channel.FORUM: _l("공론장 현장 투표"),
}

ELECTORATE_LABELS = {
    Electorate.ACCOUNT: _l("가입한 자치구 주민 누구나"),
    Electorate.EMAIL: _l("이메일 인증을 마친 주민"),
    Electorate.ROLL: _l("주민 확인(명부 등록)을 마친 주민"),
}

BALLOT_TYPE_LABELS = {
    BallotType.RANKED: _l("순위 투표"),
    BallotType.APPROVAL: _l("찬성 투표(복수 선택)"),
    BallotType.BUDGET: _l("예산 배분 투표"),
    BallotType.POINTS: _l("점수 배분 투표"),
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

# What each method does, in one line, beside its name on the organizer's form.
METHOD_EXPLANATIONS = {
    "borda": _l("순위에 따라 점수를 주고(1위가 가장 많이) 합계가 큰 의제가 앞섭니다."),
    "schulze": _l("두 의제씩 맞대어 보고, 다른 의제들을 이기는 경로가 가장 강한 의제가 "
                  "앞섭니다."),
    "ranked-pairs": _l("두 의제씩 맞대어 표 차가 큰 승부부터 순서로 굳히되, 이미 굳힌 순서와 "
                       "어긋나는 승부는 건너뜁니다."),
    "copeland": _l("두 의제씩 맞대어 이긴 횟수가 많은 의제가 앞섭니다."),
    "irv": _l("1순위 표가 가장 적은 의제를 빼고 그 표를 다음 순위로 옮기기를 과반이 나올 "
              "때까지 되풀이합니다."),
    "stv": _l("여러 의제를 고를 때 씁니다. 당선 기준을 넘은 표와 탈락한 의제의 표를 다음 "
              "순위로 옮깁니다."),
    "approval": _l("찬성을 많이 받은 의제부터 선정합니다."),
    "greedy": _l("찬성이 많은 의제부터 예산 한도 안에 들어가는 만큼 선정합니다."),
    "mes": _l("투표자마다 예산을 똑같이 나눠 주고, 지지자들의 몫으로 비용을 낼 수 있는 의제부터 "
              "선정합니다."),
    "points": _l("투표자가 나눠 준 점수의 합계가 큰 의제부터 선정합니다."),
}


def method_unfit(ballot_type: BallotType):
    """The refusal of a counting method that does not fit ``ballot_type``, naming those that
    do, in the reader's language."""
    return lazy_message(
        N_("%(ballot_type)s에는 이 집계 방법을 쓸 수 없습니다. 쓸 수 있는 방법: %(methods)s."),
        ballot_type=BALLOT_TYPE_LABELS[ballot_type],
        methods=", ".join(str(METHOD_LABELS[m]) for m in METHODS_BY_TYPE[ballot_type]))


# What the vote's history on its manage page says for each entry.
VOTE_LOG_LABELS = {
    "created": _l("투표를 만들었습니다"),
    "updated": _l("설정을 고쳤습니다"),
    "opened": _l("지금 열었습니다"),
    "closed": _l("지금 마감했습니다"),
    "reset": _l("투표를 초기화했습니다"),
    "review_scores": _l("위원회 심사 점수를 저장했습니다"),
    "confirmed": _l("결과를 확정했습니다"),
    "entered_paper": _l("종이 투표지를 입력했습니다"),
    "entered_forum": _l("공론장 현장 투표지를 입력했습니다"),
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

BALLOT_MESSAGES = {
    "unknown_item": N_("이 투표에 없는 의제가 들어 있습니다. 화면을 새로 고친 뒤 다시 고르세요."),
    "duplicate_item": N_("같은 의제를 두 번 고를 수 없습니다."),
    "duplicate_rank": N_("두 의제에 같은 순위를 줄 수 없습니다."),
    "rank_gap": N_("순위는 1위부터 빠짐없이 매겨야 합니다."),
    "too_many": N_("최대 %(k)d개까지 고를 수 있습니다."),
    "too_few": N_("최소 %(m)d개를 골라야 합니다."),
    "over_budget": N_("고른 의제의 예산 합계(%(spent)s원)가 한도(%(limit)s원)를 넘습니다."),
    "points_total": N_("점수 합계가 %(total)d점이어야 합니다. 지금 %(given)d점입니다."),
    "negative_points": N_("점수는 0 이상이어야 합니다."),
    "malformed": N_("투표 내용을 읽을 수 없습니다. 화면을 새로 고친 뒤 다시 투표하세요."),
    "too_few_items": N_("투표 대상 의제를 %(n)d개 이상 고르세요."),
    "bad_min": N_("최소 선택 수는 0 이상이어야 합니다."),
    "bad_max": N_("최대 선택(순위) 수는 1 이상 %(n)d 이하여야 합니다."),
    "min_above_max": N_("최소 선택 수가 최대 선택 수보다 큽니다."),
    "bad_budget": N_("예산 한도를 0원보다 크게 정하세요."),
    "missing_cost": N_("예산 배분 투표에는 모든 의제의 예상 비용이 필요합니다(%(n)d개 없음)."),
    "nothing_fits": N_("예산 한도 안에 들어가는 의제가 하나도 없습니다."),
    "bad_points_total": N_("배분할 점수를 1점 이상으로 정하세요."),
}


def ballot_message(error: BallotError):
    params = dict(error.params)
    for name in ("spent", "limit"):
        if name in params:
            params[name] = f"{params[name]:,}"
    return lazy_message(BALLOT_MESSAGES[error.code], **params)


def channel_label(channel: str):
    return CHANNEL_LABELS[Channel(channel)]
