"""Priority votes, ballots on every channel, receipts and results; ``voting.tally`` is the
counting engine.

The blueprint lives in ``voting.views``; this module imports neither Flask nor the views,
so ``import voting.tally`` loads numpy and nothing of the web app."""


def setup(app) -> None:
    """Voting's part of the personal-data purge, and the pass that sends again the counts
    the job queue lost."""
    from accounts.retention import register
    from core.jobs import reconciler
    from voting.jobs import reconcile
    from voting.retention import PART

    register(PART)
    reconciler(reconcile)
