"""The district's published rules (from its ordinances): thresholds for the plan and the
council, floors and caps per field and dong, the evaluation rubric, and the rule sets
``plans.rules`` checks built from them."""

from collections.abc import Sequence
from fractions import Fraction

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core import audit
from core.db import db
from core.errors import Conflict, DomainError, NotFound
from plans import rules
from plans.inputs import MAX_BUDGET, required_text
from plans.models import BudgetLimit, PlanSettings, RubricCriterion

RULE_LABELS = {
    "total_within_budget": _l("총액이 예산 안에 있음"),
    "foundation_share": _l("기반구축 사업 비율"),
    "field_floor": _l("분야별 최소 금액"),
    "field_cap": _l("분야별 최대 금액"),
    "dong_floor": _l("동별 최소 금액"),
    "dong_cap": _l("동별 최대 금액"),
    "mandatory_item": _l("필수 사업 포함"),
    "roster_size": _l("위원 수 상한"),
    "civil_share": _l("민간위원 비율"),
    "gender_share": _l("특정 성별 비율 상한"),
}


def settings_for(district_id: int) -> PlanSettings:
    """The district's plan settings; the ordinance defaults (unsaved) until an organizer
    saves their own."""
    found = db.session.scalars(
        select(PlanSettings).where(PlanSettings.district_id == district_id)).first()
    return found or PlanSettings(district_id=district_id, foundation_share_percent=30,
                                 council_max_members=50, civil_share_percent=70,
                                 gender_max_percent=60, low_rating_percent=60,
                                 mandatory_titles=[])


def _percent(value, message) -> int:
    if value is None or not 0 <= int(value) <= 100:
        raise DomainError(message)
    return int(value)


def save_settings(district_id: int, *, foundation_share_percent: int, council_max_members: int,
                  civil_share_percent: int, gender_max_percent: int, low_rating_percent: int,
                  mandatory_titles: Sequence[str] = ()) -> PlanSettings:
    if council_max_members not in (30, 50):
        raise DomainError(_l("협치회의 정원은 조례에 따라 30명 또는 50명입니다."))
    settings = settings_for(district_id)
    settings.foundation_share_percent = _percent(foundation_share_percent,
                                                 _l("기반구축 비율은 0~100%여야 합니다."))
    settings.civil_share_percent = _percent(civil_share_percent,
                                            _l("민간위원 비율은 0~100%여야 합니다."))
    settings.gender_max_percent = _percent(gender_max_percent,
                                           _l("성별 비율 상한은 0~100%여야 합니다."))
    settings.low_rating_percent = _percent(low_rating_percent,
                                           _l("낮은 평가 기준은 0~100%여야 합니다."))
    settings.council_max_members = council_max_members
    settings.mandatory_titles = sorted({t.strip() for t in mandatory_titles if t.strip()})
    db.session.add(settings)
    db.session.flush()
    audit.record("plans.settings", "plan_settings", settings.id, district_id=district_id,
                 detail={"foundation_share_percent": settings.foundation_share_percent,
                         "council_max_members": council_max_members,
                         "civil_share_percent": settings.civil_share_percent,
                         "gender_max_percent": settings.gender_max_percent,
                         "low_rating_percent": settings.low_rating_percent,
                         "mandatory_titles": settings.mandatory_titles})
    return settings


def budget_limits(district_id: int) -> list[BudgetLimit]:
    return list(db.session.scalars(select(BudgetLimit).where(
        BudgetLimit.district_id == district_id).order_by(BudgetLimit.scope, BudgetLimit.name)))


def set_budget_limit(district_id: int, scope: str, name: str, floor: int | None,
                     cap: int | None) -> BudgetLimit:
    """A floor and/or cap for one field or dong; replaces the earlier one for it."""
    name = (name or "").strip()
    if scope not in ("field", "dong") or not name:
        raise DomainError(_l("분야 또는 동을 고르세요."))
    if floor is None and cap is None:
        raise DomainError(_l("최소 금액이나 최대 금액 중 하나는 적으세요."))
    for amount in (floor, cap):
        if amount is not None and not 0 <= amount <= MAX_BUDGET:
            raise DomainError(_l("금액은 0원 이상이어야 합니다."))
    if floor is not None and cap is not None and floor > cap:
        raise DomainError(_l("최소 금액이 최대 금액보다 클 수 없습니다."))
    limit = db.session.scalars(select(BudgetLimit).where(
        BudgetLimit.district_id == district_id, BudgetLimit.scope == scope,
        BudgetLimit.name == name)).first()
    if limit is None:
        limit = BudgetLimit(district_id=district_id, scope=scope, name=name)
        db.session.add(limit)
    limit.floor, limit.cap = floor, cap
    db.session.flush()
    audit.record("plans.budget_limit.set", "budget_limit", limit.id, district_id=district_id,
                 detail={"scope": scope, "name": name, "floor": floor, "cap": cap})
    return limit


def remove_budget_limit(district_id: int, limit_id: int) -> None:
    limit = db.session.get(BudgetLimit, limit_id)
    if limit is None or limit.district_id != district_id:
        raise NotFound(_l("그런 예산 한도가 없습니다."))
    db.session.delete(limit)
    db.session.flush()
    audit.record("plans.budget_limit.remove", "budget_limit", limit_id,
                 district_id=district_id, detail={"scope": limit.scope, "name": limit.name})


def budget_rules(district_id: int, total_budget: int) -> rules.BudgetRules:
    settings = settings_for(district_id)
    limits = budget_limits(district_id)

    def pick(scope, attribute):
        return {lim.name: getattr(lim, attribute) for lim in limits
                if lim.scope == scope and getattr(lim, attribute) is not None}

    return rules.BudgetRules(
        total_budget=total_budget,
        foundation_share_min=Fraction(settings.foundation_share_percent, 100),
        field_floors=pick("field", "floor"), field_caps=pick("field", "cap"),
        dong_floors=pick("dong", "floor"), dong_caps=pick("dong", "cap"),
        mandatory=frozenset(settings.mandatory_titles or ()))


def roster_rules(district_id: int) -> rules.RosterRules:
    settings = settings_for(district_id)
    return rules.RosterRules(max_members=settings.council_max_members,
                             civil_share_min=Fraction(settings.civil_share_percent, 100),
                             gender_share_max=Fraction(settings.gender_max_percent, 100))


def rubric(district_id: int) -> list[RubricCriterion]:
    return list(db.session.scalars(select(RubricCriterion).where(
        RubricCriterion.district_id == district_id).order_by(RubricCriterion.position,
                                                             RubricCriterion.id)))


def add_criterion(district_id: int, name: str, max_score: int | None) -> RubricCriterion:
    if max_score is None or not 1 <= max_score <= 100:
        raise DomainError(_l("배점은 1~100점이어야 합니다."))
    criterion = RubricCriterion(district_id=district_id,
                                name=required_text(name, _l("평가 항목을 적으세요."), 100),
                                max_score=max_score, position=len(rubric(district_id)) + 1)
    try:
        with db.session.begin_nested():
            db.session.add(criterion)
    except IntegrityError:
        raise Conflict(_l("같은 평가 항목이 이미 있습니다.")) from None
    audit.record("plans.rubric.add", "rubric_criterion", criterion.id,
                 district_id=district_id, detail={"name": criterion.name, "max_score": max_score})
    return criterion
