from flask import Blueprint

bp = Blueprint("forums", __name__)


def setup(app) -> None:
    from forums import live
    from forums.views import facilitator_assignments

    live.init_app(app)
    app.extensions["facilitator_assignments"] = facilitator_assignments


from forums import views  # noqa: E402,F401  (routes attach to bp on import)
