from flask import Blueprint

bp = Blueprint("forums", __name__)


def setup(app) -> None:
    from forums import live

    live.init_app(app)


from forums import views  # noqa: E402,F401  (routes attach to bp on import)
