"""The big screen's page and the live results every screen follows (event streams and the
snapshots read while a stream is down), and the opinion-shift report."""


from flask import (
    abort,
    render_template,
    request,
)
from flask_login import current_user

from core.auth import Role, role_required
from core.db import db
from core.errors import Forbidden, NotFound
from forums import live, report, services
from forums.models import (
    AGE_BAND_LABELS,
    GENDER_LABELS,
    PHASE_LABELS,
    PollState,
)
from forums.views import (
    POPULATION_TITLES,
    bp,
    event_stream,
    forum_or_404,
    join_url,
    snapshot_response,
)


@bp.route("/forums/<int:forum_id>/screen")
@role_required(Role.ORGANIZER)
def screen(forum_id: int):
    forum = forum_or_404(forum_id)
    featured = [p for p in forum.polls if p.state == PollState.OPEN and p.table_id is None]
    snapshots = [services.poll_snapshot(p.id) for p in featured]
    paused = request.args.get("paused") == "1"
    return render_template(
        "forums/screen.html", forum=forum, join_url=join_url(forum), snapshots=snapshots,
        comparison=report.topic_comparison(forum), cloud=services.keyword_cloud(forum),
        paused=paused, screen_state=services.screen_state(forum.id), phase_labels=PHASE_LABELS,
    )


@bp.route("/forums/<int:forum_id>/screen/stream")
@role_required(Role.ORGANIZER)
def screen_stream(forum_id: int):
    """What the screen shows changed shape (a poll opened or closed, a table reported):
    the screen reloads itself when the state differs from the one it was drawn with."""
    followed = forum_or_404(forum_id).id

    def snapshot():
        data = services.screen_state(followed)
        db.session.remove()
        return data

    return event_stream(live.forum_channel(followed), snapshot)


@bp.route("/forums/<int:forum_id>/screen/state")
@role_required(Role.ORGANIZER)
def screen_state_json(forum_id: int):
    """The screen's state as JSON, read by the screen while its event stream is down."""
    return snapshot_response(services.screen_state(forum_or_404(forum_id).id))


@bp.route("/forums/<int:forum_id>/report")
@role_required(Role.ORGANIZER)
def forum_report(forum_id: int):
    forum = forum_or_404(forum_id)
    return render_template("forums/report.html", forum=forum, report=report.build(forum),
                           population_titles=POPULATION_TITLES,
                           category_labels={**AGE_BAND_LABELS, **GENDER_LABELS},
                           age_band_labels=AGE_BAND_LABELS, gender_labels=GENDER_LABELS)


def _live_poll(forum_id: int, poll_id: int):
    """The poll whose live results the signed-in staff member may follow."""
    forum = forum_or_404(forum_id)
    try:
        poll = services.poll_of_forum(forum, poll_id)
        if poll.table_id is not None:
            services.table_for_staff(forum, poll.table_id, current_user)
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    return poll


@bp.route("/forums/<int:forum_id>/polls/<int:poll_id>/stream")
@role_required(Role.ORGANIZER, Role.FACILITATOR)
def poll_stream(forum_id: int, poll_id: int):
    """Server-sent events: a full snapshot first (so a reconnecting screen misses nothing),
    then each coalesced update."""
    poll_id = _live_poll(forum_id, poll_id).id

    def snapshot():
        data = services.poll_snapshot(poll_id)
        # An open stream must not hold a database connection for its whole life.
        db.session.remove()
        return data

    return event_stream(live.channel(poll_id), snapshot)


@bp.route("/forums/<int:forum_id>/polls/<int:poll_id>/snapshot")
@role_required(Role.ORGANIZER, Role.FACILITATOR)
def poll_snapshot_json(forum_id: int, poll_id: int):
    """The poll's results as JSON, read by a screen while its event stream is down."""
    return snapshot_response(services.poll_snapshot(_live_poll(forum_id, poll_id).id))
