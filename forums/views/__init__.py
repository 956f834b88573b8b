"""Forum pages, one room per side of the evening: the phone (``phone``), the organizer's
set-up (``setup``), the big screen and live results (``screen``), the projection
(``present``) and the facilitator (``console``). What they share lives here."""

import segno
from flask import (
    Blueprint,
    Response,
    abort,
    jsonify,
    make_response,
    render_template,
    stream_with_context,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core import realtime
from core.db import db
from core.errors import DomainError, Forbidden, NotFound
from core.lifecycle import on_error
from core.tenancy import district_id_or_404, district_or_404
from forums import services

bp = Blueprint("forums", __name__)


POPULATION_TITLES = {
    "age_band": _l("연령대별 인구"),
    "gender": _l("성별 인구"),
    "dong": _l("동별 인구"),
}


def forum_or_404(forum_id: int):
    try:
        return services.forum_of_district(district_or_404().id, forum_id)
    except NotFound:
        abort(404)


def refuse_with_way_back(target: str) -> None:
    """From here on, a service's refusal shows the refusal page with a way back to
    ``target`` (the message itself comes flashed)."""
    on_error(lambda: render_template("forums/refused.html", back=target))


def refused(error: DomainError, target: str):
    """Explain a refused action, with a way back and the error's 4xx status."""
    return render_template("forums/refused.html", message=error.message, back=target), \
        error.status


def join_url(forum) -> str:
    return url_for("forums.join_by_code", code=forum.join_code, _external=True)


def ticket_url(forum, ticket) -> str:
    """What a ticket's QR code opens: the join page with the ticket filled in."""
    return url_for("forums.join_by_code", code=forum.join_code, t=ticket.code, _external=True)


def ticket_cards(forum, tickets) -> list[dict]:
    return [{"ticket": ticket, "url": ticket_url(forum, ticket),
             "qr": segno.make(ticket_url(forum, ticket), error="m").svg_data_uri(scale=3,
                                                                                 border=2)}
            for ticket in tickets]


def snapshot_response(data: dict):
    response = jsonify(data)
    response.headers["Cache-Control"] = "no-store"
    return response


def event_stream(channel: str, snapshot, per_connection=None):
    # The view is done with the database: its connection goes back to the pool before the
    # subscription waits on Redis, or a room of phones connecting at once would hold every
    # pooled connection while others queue for one (``snapshot`` takes its own, briefly).
    district_id = district_id_or_404()
    db.session.remove()
    try:
        events = realtime.sse_stream(channel, snapshot=snapshot, district_id=district_id,
                                     per_connection=per_connection)
    except realtime.Unavailable:
        # The browser keeps its numbers, says it is reconnecting and reads the snapshot
        # JSON meanwhile; it tries the stream again after its own backoff.
        response = Response(status=503)
        response.headers["Retry-After"] = "5"
        return response
    response = Response(stream_with_context(events), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"
    return response


def staff_table(forum, table_id: int):
    try:
        return services.table_for_staff(forum, table_id, current_user)
    except NotFound:
        abort(404)
    except Forbidden as error:
        # Said on the page: a facilitator who opened another table's link learns why.
        abort(make_response(refused(error, url_for("forums.facilitator_page"))))


# The rooms register their routes on ``bp``; imported last, as they import from here.
from forums.views import console, phone, present, screen, setup  # noqa: E402,F401
