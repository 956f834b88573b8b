"""Round-table forums, tables, polls, the big screen, and the opinion-shift analysis.

The blueprint lives in ``forums.views``; this module imports neither Flask nor the
views, so the package's pure parts load alone."""


def setup(app) -> None:
    from accounts.retention import register
    from core import now
    from forums import live
    from forums.now import forums_today
    from forums.retention import PART

    register(PART)
    now.register("forums", forums_today)
    live.init_app(app)
