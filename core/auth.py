"""Access rules for views. Every route declares who may use it; a test walks them all."""

from enum import StrEnum
from functools import wraps

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user

from core.tenancy import current_district

login_manager = LoginManager()


class Role(StrEnum):
    RESIDENT = "resident"
    FACILITATOR = "facilitator"
    ORGANIZER = "organizer"
    ADMIN = "admin"


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


def role_required(*roles: Role):
    """Signed in and holding one of ``roles`` in the current district (admins hold all)."""

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


ROLE_LABELS = {
    Role.RESIDENT: _l("주민"),
    Role.FACILITATOR: _l("퍼실리테이터"),
    Role.ORGANIZER: _l("운영자"),
    Role.ADMIN: _l("관리자"),
}
