"""Priority votes, ballots on every channel, receipts and results; ``voting.tally`` is the
counting engine.

The blueprint lives in ``voting.views``; this module imports neither Flask nor the views,
so ``import voting.tally`` loads numpy and nothing of the web app."""


def setup(app) -> None:
    """Voting's part of the personal-data purge, and how PostgreSQL records an online cast
    (``CASTING_PATH``, see ``voting.casting``)."""
    import os

    from accounts.retention import register
    from voting.retention import PART

    register(PART)
    app.config.setdefault("CASTING_PATH", os.environ.get("CASTING_PATH", "single-statement"))
