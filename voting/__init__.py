"""Priority votes, ballots on every channel, receipts and results; ``voting.tally`` is the
counting engine.

The blueprint lives in ``voting.views``; this module imports neither Flask nor the views,
so ``import voting.tally`` loads numpy and nothing of the web app."""


def setup(app) -> None:
    """Voting's part of the personal-data purge, the pass that sends again the counts the job
    queue lost, and the votes open today for the home page."""
    from accounts.retention import register
    from core import now
    from core.jobs import reconciler
    from voting.jobs import reconcile
    from voting.now import open_votes
    from voting.retention import PART

    register(PART)
    reconciler(reconcile)
    now.register("voting", open_votes)
