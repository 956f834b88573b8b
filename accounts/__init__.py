"""People, roles, sign-in sessions, password reset and consent-based demographics.

The blueprint lives in ``accounts.views``; this module imports neither Flask nor the
views, so the package's pure parts load alone."""


def setup(app) -> None:
    """Tie Flask-Login to login sessions stored in the database."""
    from flask_babel import lazy_gettext as _l

    from accounts.services import user_for_session
    from core.auth import login_manager

    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = _l("로그인이 필요합니다.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # the server-side login session is the protection
    login_manager.user_loader(user_for_session)
