"""What voting shows for its codes, in one place: ballot types, channels, electorates,
counting methods, and the refusals of a ballot's rules, Korean first (English in the
catalog)."""

from flask_babel import lazy_gettext as _l

from core.i18n import N_, lazy_message
from voting.rules import BallotError, BallotType, Channel, Electorate

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
