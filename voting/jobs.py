"""Background counting for large votes; safe to run twice (the result is keyed by the
ballots' fingerprint, and a second run finds it done)."""

from core.db import commit, db
from voting.models import Vote, VoteResult
from voting.results import compute_result, fingerprint, record_result
from voting.secrecy import results_visible


def count_vote(vote_id: int) -> None:
    vote = db.session.get(Vote, vote_id)
    if vote is None:
        return
    mark = fingerprint(vote)
    record = db.session.get(VoteResult, vote_id)
    if record is not None and record.fingerprint == mark and record.status == "done":
        return
    if not results_visible(vote):
        # The vote hid its results after the count was asked for: nothing is counted, and
        # the failed mark lets the first reader after closing ask for a new count.
        record_result(vote_id, mark, "failed", 0, None)
        db.session.commit()
        return

    def progress(percent: int) -> None:
        # Committed at once so the results page, in another process, can show it.
        record_result(vote_id, mark, "running", min(percent, 99), None)
        commit()

    try:
        result = compute_result(vote_id, progress)
    except Exception:
        db.session.rollback()
        record_result(vote_id, mark, "failed", 0, None)
        commit()
        raise
    record_result(vote_id, mark, "done", 100, result)
