"""The district's published rules (from its ordinances): thresholds for the plan and the
council, floors and caps per field and dong, the evaluation rubric, and the rule sets
``plans.rules`` checks built from them."""

from collections.abc import Sequence
from fractions import Fraction

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core import audit
from core.auth import Role
from core.db import db
from core.errors import Conflict, DomainError, Forbidden, NotFound
from core.i18n import lazy_message
from plans import rules
from plans.council_models import GENDER_LABELS, Gender
from plans.inputs import MAX_BUDGET, required_text
from plans.models import (
    ORDINANCE_THRESHOLDS,
    THRESHOLD_LABELS,
    BudgetLimit,
    PlanSettings,
    RubricCriterion,
)

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
    "gender_share": _l("위촉직 위원의 특정 성별 비율 상한"),
}


def _percent_text(share: Fraction) -> str:
    return f"{float(share) * 100:.1f}".removesuffix(".0") + "%"


def describe_check(check: rules.RuleCheck):
    """A rule and the numbers that break (or meet) it, for a refusal's message."""
    label = RULE_LABELS[check.code]
    if check.code == "roster_size":
        return lazy_message("%(rule)s: 위원 %(actual)d명 (기준 %(required)d명 이내)",
                            rule=label, actual=check.actual, required=check.required)
    if check.code == "civil_share":
        return lazy_message("%(rule)s: %(actual)s (기준 %(required)s 초과)", rule=label,
                            actual=_percent_text(check.actual),
                            required=_percent_text(check.required))
    if check.code == "gender_share":
        return lazy_message("%(rule)s: %(gender)s %(actual)s (기준 %(required)s 이하)",
                            rule=label, gender=GENDER_LABELS[Gender(check.subject)],
                            actual=_percent_text(check.actual),
                            required=_percent_text(check.required))
    if check.code == "foundation_share":
        return lazy_message("%(rule)s: 총 예산의 %(actual)s (기준 %(required)s 이상)",
                            rule=label, actual=_percent_text(check.actual),
                            required=_percent_text(check.required))
    if check.code == "mandatory_item":
        return lazy_message("%(rule)s: %(subject)s", rule=label, subject=check.subject)
    subject = f" ({check.subject})" if check.subject else ""
    actual, required = f"{check.actual:,}", f"{check.required:,}"
    return lazy_message("%(rule)s%(subject)s: %(actual)s원 (기준 %(required)s원)", rule=label,
                        subject=subject, actual=actual, required=required)


def settings_for(district_id: int) -> PlanSettings:
    """The district's plan settings; the ordinance's thresholds (unsaved) until someone
    saves the district's own."""
    found = db.session.scalars(
        select(PlanSettings).where(PlanSettings.district_id == district_id)).first()
    return found or _ordinance_settings(district_id)


def _ordinance_settings(district_id: int) -> PlanSettings:
    return PlanSettings(district_id=district_id, low_rating_percent=60, mandatory_titles=[],
                        thresholds_reason="", **ORDINANCE_THRESHOLDS)


def _percent(value, message) -> int:
    if value is None or not 0 <= int(value) <= 100:
        raise DomainError(message)
    return int(value)


def save_settings(district_id: int, *, foundation_share_percent: int, council_max_members: int,
                  civil_share_percent: int, gender_max_percent: int, low_rating_percent: int,
                  mandatory_titles: Sequence[str] = (), actor=None,
                  reason: str = "") -> PlanSettings:
    """Save the district's settings. The ordinance's thresholds (``ORDINANCE_THRESHOLDS``)
    change only by an administrator with a reason (403 for anyone else, 422 without a
    reason); the reason is kept and shown beside them while they differ from the ordinance,
    and the change with its old and new values goes into the audit trail."""
    if council_max_members not in (30, 50):
        raise DomainError(_l("협치회의 정원은 조례에 따라 30명 또는 50명입니다."))
    wanted = {
        "foundation_share_percent": _percent(foundation_share_percent,
                                             _l("기반구축 비율은 0~100%여야 합니다.")),
        "council_max_members": council_max_members,
        "civil_share_percent": _percent(civil_share_percent,
                                        _l("민간위원 비율은 0~100%여야 합니다.")),
        "gender_max_percent": _percent(gender_max_percent,
                                       _l("성별 비율 상한은 0~100%여야 합니다.")),
    }
    low_rating_percent = _percent(low_rating_percent, _l("낮은 평가 기준은 0~100%여야 합니다."))
    settings = settings_for(district_id)
    changes = {name: (getattr(settings, name), value) for name, value in wanted.items()
               if getattr(settings, name) != value}
    reason = (reason or "").strip()
    if changes:
        described = ", ".join(f"{THRESHOLD_LABELS[name]} {old}→{new}"
                              for name, (old, new) in changes.items())
        if actor is None or not actor.has_role(district_id, Role.ADMIN):
            raise Forbidden(lazy_message("조례가 정한 기준은 관리자만 사유와 함께 바꿀 수 "
                                         "있습니다: %(changes)s", changes=described))
        if not reason:
            raise DomainError(lazy_message("조례가 정한 기준을 바꾸는 사유를 적으세요: "
                                           "%(changes)s", changes=described))
        reason = required_text(reason, _l("조례가 정한 기준을 바꾸는 사유를 적으세요."), 1000)
    for name, value in wanted.items():
        setattr(settings, name, value)
    settings.low_rating_percent = low_rating_percent
    settings.mandatory_titles = sorted({t.strip() for t in mandatory_titles if t.strip()})
    if changes:
        settings.thresholds_reason = reason if settings.own_thresholds else ""
    db.session.add(settings)
    db.session.flush()
    detail = {**wanted, "low_rating_percent": low_rating_percent,
              "mandatory_titles": settings.mandatory_titles}
    if changes:
        # The trail keeps short values: each changed threshold's old value beside the new.
        detail.update({f"{name}_was": old for name, (old, _new) in changes.items()},
                      reason=reason)
    # Without an actor the trail names the person signed in to the request.
    who = {"actor": actor} if actor is not None else {}
    audit.record("plans.settings", "plan_settings", settings.id, district_id=district_id,
                 detail=detail, **who)
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
    return rules_from(settings_for(district_id), budget_limits(district_id), total_budget)


def districts_rules(district_ids: Sequence[int]
                    ) -> dict[int, tuple[PlanSettings, list[BudgetLimit]]]:
    """Each district's settings and budget limits, by district id, in two queries however
    many districts: ``rules_from`` turns them into the rules a plan of that district is
    checked by, as ``budget_rules`` does for one."""
    saved = {found.district_id: found for found in db.session.scalars(
        select(PlanSettings).where(PlanSettings.district_id.in_(district_ids)))}
    limits: dict[int, list[BudgetLimit]] = {district_id: [] for district_id in district_ids}
    for limit in db.session.scalars(select(BudgetLimit).where(
            BudgetLimit.district_id.in_(district_ids)).order_by(BudgetLimit.scope,
                                                                BudgetLimit.name)):
        limits[limit.district_id].append(limit)
    return {district_id: (saved.get(district_id) or _ordinance_settings(district_id),
                          limits[district_id]) for district_id in district_ids}


def rules_from(settings: PlanSettings, limits: Sequence[BudgetLimit],
               total_budget: int) -> rules.BudgetRules:
    """The budget rules of a district's ``settings`` and ``limits`` for a plan of
    ``total_budget``."""

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
