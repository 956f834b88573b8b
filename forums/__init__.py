from flask import Blueprint

bp = Blueprint("forums", __name__)


def setup(app) -> None:
    from accounts.retention import register
    from forums import live
    from forums.retention import PART
    from forums.views import facilitator_assignments

    register(PART)
    live.init_app(app)
    app.extensions["facilitator_assignments"] = facilitator_assignments


from forums import views  # noqa: E402,F401  (routes attach to bp on import)
