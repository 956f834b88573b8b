"""Background counting for large votes; safe to run twice (the result is keyed by the
ballots' fingerprint, and a second run finds it done).

The ``vote_result`` row is the truth of a count's state and Redis only carries it to a
worker: a row still running whose job Redis forgot (flushed, restarted, unreachable when it
was sent) or whose worker died is sent again by ``reconcile``, which ``flask worker`` runs
every ``JOB_RECONCILE_SECONDS``.
"""

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from core.db import commit, db, utcnow
from core.jobs import Transport, enqueue, transport
from voting.models import Vote, VoteResult
from voting.secrecy import results_visible

# A count whose worker died this many times is ended failed instead of sent again: it may be
# what kills the worker. The next reader of the results asks for a new count.
MAX_ATTEMPTS = 3


def attempt_id(vote_id: int, mark: str, attempts: int) -> str:
    """The RQ id of one send of the count of ``vote_id`` for the ballots ``mark`` names."""
    return f"tally-{vote_id}-{mark[:16]}-{attempts}"


def send_count(record: VoteResult) -> None:
    """Send the row's count to a worker after commit, as its next attempt."""
    record.attempts += 1
    db.session.flush()
    enqueue(count_vote, record.vote_id,
            job_id=attempt_id(record.vote_id, record.fingerprint, record.attempts))


def count_vote(vote_id: int) -> None:
    from voting.results import compute_result, fingerprint, record_result

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
        commit()
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


def reconcile() -> int:
    """Send again the counts the table says are running but that no worker will finish;
    returns how many were sent again or ended."""
    silence = timedelta(seconds=current_app.config["JOB_WORKER_DEAD_SECONDS"])
    handled = 0
    running = db.session.scalars(select(VoteResult).where(VoteResult.status == "running")
                                 .order_by(VoteResult.vote_id)).all()
    for record in running:
        carrier = transport(attempt_id(record.vote_id, record.fingerprint, record.attempts))
        if carrier in (Transport.WAITING, Transport.RUNNING):
            continue
        # A row just asked for is sent once its request commits, and a worker counting
        # while Redis was flushed still writes progress: neither is lost yet.
        if carrier != Transport.ORPHANED and utcnow() - record.updated_at < silence:
            continue
        if carrier != Transport.MISSING and record.attempts >= MAX_ATTEMPTS:
            current_app.logger.warning("count of vote %s stopped %s times; ended failed",
                                       record.vote_id, record.attempts)
            record.status, record.progress = "failed", 0
            db.session.flush()
            handled += 1
            continue
        current_app.logger.warning("count of vote %s (%s) lost by the job queue; sent again",
                                   record.vote_id, carrier)
        send_count(record)
        handled += 1
    return handled
