"""Access rules for views and services. Every route declares who may use it; a test walks
them all."""

from enum import StrEnum
from functools import wraps

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user

from core.errors import Forbidden
from core.tenancy import current_district, current_district_id

login_manager = LoginManager()


class Role(StrEnum):
    RESIDENT = "resident"
    FACILITATOR = "facilitator"
    ORGANIZER = "organizer"
    # Seoul city's reviewer of the district's plan (협의조정, seed 001): a seat of the city in
    # the district, writing only the review of the plan the council approved.
    CITY_REVIEWER = "city_reviewer"
    ADMIN = "admin"
    # Held for one department (부서) or working group (분과, with its 열린분과원) of the
    # district, named by the membership: reports progress on that unit's plan projects only
    # (seed 002 §4 분과위원회, §6.3 워킹그룹 민간주체·행정).
    DEPARTMENT = "department"
    WORKING_GROUP = "working_group"


class CityRole(StrEnum):
    """An account's role for the city of Seoul, held for every district of the deployment
    rather than in one (``User.city_role``): the city reviews every district's plan
    (협의조정, seed 001) from one desk."""

    # 서울시 협의조정 검토자: writes the required and recommended items and records the
    # decision for any district's plan in review.
    REVIEWER = "reviewer"
    # 서울시 협치 코디네이터: reads the board and every district's plan in review, writes
    # nothing.
    COORDINATOR = "coordinator"


# The one place a city role meets the districts' roles: what it counts as in each of them
# (``User.has_role``). A city reviewer is every district's city reviewer; a coordinator
# holds no district role and reads only the pages that admit ``CityRole.COORDINATOR``.
CITY_ROLE_HOLDS: dict[str, frozenset] = {
    CityRole.REVIEWER: frozenset({Role.CITY_REVIEWER}),
    CityRole.COORDINATOR: frozenset({CityRole.COORDINATOR}),
}


def public(view):
    """Anyone, signed in or not."""
    view.access = "public"
    return view


def signed_in(view):
    """Any signed-in person."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    wrapper.access = "signed_in"
    return wrapper


NOT_A_MEMBER = _l("이 자치구의 회원만 할 수 있습니다. 다른 자치구의 계정으로는 제안, 공감, "
                  "댓글, 공론장 참여를 할 수 없습니다.")


def is_member(user, district_id: int | None) -> bool:
    """Whether ``user`` is a signed-in account holding a role in the district: the one test
    for every action of an account that writes the district's data (proposals, support,
    comments, forum participation, eligibility to vote). An account of another district is
    not a member here, whatever it holds there."""
    return (district_id is not None and bool(getattr(user, "is_authenticated", False))
            and bool(user.roles_in(district_id)))


def require_member(user, district_id: int | None) -> None:
    """Refuse (403) an account that is not a member of the district."""
    if not is_member(user, district_id):
        raise Forbidden(NOT_A_MEMBER)


def member_required(view):
    """Signed in and a member of the current district (any role): resident actions."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not is_member(current_user, current_district_id()):
            abort(403)
        return view(*args, **kwargs)

    wrapper.access = "member"
    return wrapper


def role_required(*roles: Role | CityRole):
    """Signed in and holding one of ``roles`` in the current district (admins hold all; a
    city account holds what ``CITY_ROLE_HOLDS`` gives it in every district)."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            district = current_district()
            if district is None or not current_user.has_role(district.id, *roles):
                abort(403)
            return view(*args, **kwargs)

        wrapper.access = tuple(roles)
        return wrapper

    return decorate


def city_account_required(view):
    """Signed in with a city role (reviewer or coordinator): the city's own pages, which read
    every district. A district's admin is not a city account."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if getattr(current_user, "city_role", None) not in CITY_ROLE_HOLDS:
            abort(403)
        return view(*args, **kwargs)

    wrapper.access = "city"
    return wrapper


ROLE_LABELS = {
    Role.RESIDENT: _l("주민"),
    Role.FACILITATOR: _l("퍼실리테이터"),
    Role.ORGANIZER: _l("운영자"),
    Role.CITY_REVIEWER: _l("서울시 협의조정 검토자"),
    Role.ADMIN: _l("관리자"),
    Role.DEPARTMENT: _l("부서 담당자"),
    Role.WORKING_GROUP: _l("분과원"),
}

CITY_ROLE_LABELS = {
    CityRole.REVIEWER: _l("서울시 협의조정 검토자"),
    CityRole.COORDINATOR: _l("서울시 협치 코디네이터"),
}

# The roles that act for a unit (``Membership.org_unit``) rather than for the district.
UNIT_ROLES = (Role.DEPARTMENT, Role.WORKING_GROUP)
