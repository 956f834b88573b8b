"""The projection in the hall and the organizer's remote for it."""

from flask import jsonify, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from core.auth import Role, role_required
from core.inputs import record_id
from core.lifecycle import answer_errors_as_json
from forums import projection
from forums.models import PHASE_LABELS, POLL_STATE_LABELS
from forums.views import bp, forum_or_404, join_url, refuse_with_way_back


def _wants_json() -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def _slide_context(forum) -> dict:
    return {"forum": forum, "slide": projection.slide_view(forum), "join_url": join_url(forum),
            "phase_labels": PHASE_LABELS}


@bp.route("/forums/<int:forum_id>/present")
@role_required(Role.ORGANIZER)
def present(forum_id: int):
    """Full screen for the hall's projector: no site chrome; steered from the organizer's
    phone or this screen's keyboard, and redrawn in place when it is steered."""
    forum = forum_or_404(forum_id)
    return render_template("forums/present.html", **_slide_context(forum))


@bp.route("/forums/<int:forum_id>/present/slide")
@role_required(Role.ORGANIZER)
def present_slide(forum_id: int):
    """The current slide alone, which the projection swaps in when it is steered."""
    response = make_response(render_template("forums/_slide.html",
                                                **_slide_context(forum_or_404(forum_id))))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/forums/<int:forum_id>/present/remote")
@role_required(Role.ORGANIZER)
def present_remote(forum_id: int):
    forum = forum_or_404(forum_id)
    return render_template("forums/remote.html", forum=forum,
                           slide=projection.slide_view(forum),
                           poll_state_labels=POLL_STATE_LABELS)


@bp.route("/forums/<int:forum_id>/present/control", methods=["POST"])
@role_required(Role.ORGANIZER)
def present_control(forum_id: int):
    forum = forum_or_404(forum_id)
    back = url_for("forums.present_remote", forum_id=forum.id)
    if _wants_json():
        answer_errors_as_json()
    else:
        refuse_with_way_back(back)
    # record_id reads "0" as a number too: a fresh forum's screen is at version 0.
    projection.control(forum, current_user, request.form.get("action", ""),
                       record_id(request.form.get("at", "")))
    if _wants_json():
        return jsonify({"version": forum.screen_version})
    return redirect(back)
