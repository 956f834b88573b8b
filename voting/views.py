"""Routes for votes: browse, cast, verify, results, and the staff screens around them; the
organizers' pages for a vote's definition are in ``voting.definition_pages``, routed here."""

import secrets

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice

from core.auth import Role, public, role_required, signed_in
from core.db import db, utcnow
from core.i18n import lazy_message
from core.lifecycle import on_error
from core.security import limiter, rate_limited
from core.tenancy import current_cycle, district_id_or_404, district_or_404
from voting import (
    casting,
    confirmation,
    definition,
    definition_pages,
    eligibility,
    paper_entry,
    receipts,
    results,
    secrecy,
    stored_ballots,
    vote_log,
)
from voting.ballot_input import move, parse_int, parse_ranking
from voting.forms import (
    ConfirmForm,
    EntryForm,
    ReceiptForm,
    RollForm,
)
from voting.labels import (
    BALLOT_TYPE_LABELS,
    CHANNEL_LABELS,
    COMPLETION_LABELS,
    FORUM_SOURCE_LABELS,
    GENDER_LABELS,
    METHOD_LABELS,
    SCORE_LABELS,
    SEAT_RULES,
    ballot_message,
)
from voting.models import VoteResult
from voting.receipts import normalise_receipt_code
from voting.rules import BallotError, BallotType, Channel
from voting.secrecy import RESULTS_HIDDEN
from voting.voter_roll import roll_size, verify_resident

bp = Blueprint("voting", __name__)

RECEIPTS = "voting_receipts"



def _vote_or_404(vote_id: int, *, for_casting: bool = False):
    """The vote of this district (404 when it has none by that id); for a cast, the
    ``CastingVote`` under its shared lock."""
    if for_casting:
        return casting.vote_for_casting(district_id_or_404(), vote_id, current_user)
    return definition.get_vote(district_id_or_404(), vote_id)


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _context(vote, **extra):
    now = utcnow()
    return {"vote": vote, "status": vote.status_at(now), "now": now,
            "type_labels": BALLOT_TYPE_LABELS, "method_labels": METHOD_LABELS,
            "channel_labels": CHANNEL_LABELS,
            "results_visible": secrecy.results_visible(vote, now), **extra}


# --- Public pages ----------------------------------------------------------------------------

@bp.route("/votes")
@public
def vote_list():
    district = district_or_404()
    cycle = current_cycle(district)
    votes = definition.votes_of(district.id, cycle.id if cycle else None)
    now = utcnow()
    groups = {"open": [], "upcoming": [], "closed": []}
    for vote in votes:
        groups[vote.status_at(now)].append(vote)
    return render_template("voting/list.html", groups=groups, cycle=cycle,
                           type_labels=BALLOT_TYPE_LABELS)


@bp.route("/votes/<int:vote_id>")
@public
def vote_page(vote_id: int):
    vote = _vote_or_404(vote_id)
    problem = None
    ballot = None
    if current_user.is_authenticated:
        problem = eligibility.eligibility_problem(
            vote, eligibility.account_voter(vote.district_id, current_user))
        ballot, _entries = casting.my_ballot(vote, current_user)
    return render_template("voting/vote.html", **_context(vote, problem=problem, ballot=ballot))


# --- Casting -----------------------------------------------------------------------------------

def _posted_entries(vote, form) -> list[tuple[int, int]]:
    """The ballot as posted: a ranking (ids best first), checked items, or points per item."""
    kind = vote.type
    if kind == BallotType.RANKED:
        if "ranking" in form:
            return parse_ranking(form.get("ranking"))
        return [(item, parse_int(form.get(f"rank-{item}")))
                for item in vote.rules().items if (form.get(f"rank-{item}") or "").strip()]
    if kind == BallotType.POINTS:
        entries = []
        for name, value in form.items():
            if name.startswith("points-"):
                entries.append((parse_int(name.removeprefix("points-")), parse_int(value or "0")))
        return entries
    return [(parse_int(value), 1) for value in form.getlist("item")]


def _draft(vote, entries) -> dict:
    """What the ballot screen shows as chosen: ranked order, checked ids, points per id."""
    if vote.type == BallotType.RANKED:
        return {"order": [item for item, _rank in sorted(entries, key=lambda e: e[1])]}
    return {"values": dict(entries)}


def _render_ballot(vote, draft, status=200, error=None):
    ballot, entries = casting.my_ballot(vote, current_user)
    problem = eligibility.eligibility_problem(
        vote, eligibility.account_voter(vote.district_id, current_user))
    items = {item.id: item for item in vote.items}
    return render_template(
        "voting/ballot.html", **_context(
            vote, draft=draft, items=items, ballot=ballot, my_entries=entries, error=error,
            problem=problem, definition=definition.definition_tag(vote),
            idempotency_key=secrets.token_urlsafe(16), limit=vote.rules().limit,
        )), status


def _not_a_cast() -> bool:
    # Moving an item on the ranking screen without JavaScript stores nothing.
    return request.form.get("action", "cast") != "cast"


@bp.route("/votes/<int:vote_id>/ballot", methods=["GET", "POST"])
@rate_limited("CAST", exempt_when=_not_a_cast)
@signed_in
def ballot(vote_id: int):
    action = request.form.get("action", "cast") if request.method == "POST" else None
    # A cast reads the vote once, under the lock it is cast under, and parses the ballot
    # against that definition.
    vote = _vote_or_404(vote_id, for_casting=action == "cast")
    if request.method == "GET":
        _current, entries = casting.my_ballot(vote, current_user)
        return _render_ballot(vote, _draft(vote, entries))
    if action != "cast":
        # A tap on the ranking screen without JavaScript: redraw, store nothing.
        try:
            order = [item for item, _rank in parse_ranking(request.form.get("ranking"))]
            order = move(order, action, vote.rules())
        except BallotError as error:
            return _render_ballot(vote, {"order": []}, 422, ballot_message(error))
        return _render_ballot(vote, {"order": order})
    key = request.headers.get("Idempotency-Key") or request.form.get("idempotency_key") or None
    try:
        entries = _posted_entries(vote, request.form)
    except BallotError as error:
        return _refuse(vote, _draft(vote, []), ballot_message(error), 422)
    # A refused cast shows the whole vote again (``vote`` is what the cast reads of it), with
    # the ballot as it was filled in.
    on_error(lambda: _render_ballot(definition.get_vote(vote.district_id, vote.id),
                                    _draft(vote, entries)))
    answer = casting.cast_ballot(vote, entries, idempotency_key=key,
                                 definition=request.form.get("definition"))
    if _wants_json():
        return jsonify(answer), 201 if answer["status"] == "created" else 200
    session.setdefault(RECEIPTS, {})[str(vote.id)] = answer["receipt"]
    session.modified = True
    flash(_("투표지를 제출했습니다.") if answer["status"] == "created"
          else _("투표지를 바꿨습니다. 마지막에 낸 투표지가 집계됩니다."), "success")
    return redirect(url_for("voting.receipt", vote_id=vote.id))


def _refuse(vote, draft, message, status):
    """Answer a refused cast of ``vote`` (a ``CastingVote``); the page shows the whole vote."""
    if _wants_json():
        return jsonify(error=str(message), status=status), status
    return _render_ballot(definition.get_vote(vote.district_id, vote.id), draft, status, message)


@bp.route("/votes/<int:vote_id>/ballot/withdraw", methods=["POST"])
@signed_in
def withdraw(vote_id: int):
    vote = _vote_or_404(vote_id)
    on_error(lambda: _render_ballot(vote, _draft(vote, [])))
    casting.withdraw(vote.district_id, vote.id, current_user)
    session.get(RECEIPTS, {}).pop(str(vote.id), None)
    session.modified = True
    flash(_("투표지를 철회했습니다. 마감 전까지 다시 투표할 수 있습니다."), "success")
    return redirect(url_for("voting.vote_page", vote_id=vote.id))


@bp.route("/votes/<int:vote_id>/receipt")
@signed_in
def receipt(vote_id: int):
    vote = _vote_or_404(vote_id)
    ballot, entries = casting.my_ballot(vote, current_user)
    # The page promises the code is shown once: the first visit after the cast takes it out of
    # the session, and a later visit says where to check it and how to get a new one instead.
    code = session.get(RECEIPTS, {}).pop(str(vote.id), None)
    if code is not None:
        session.modified = True
    items = {item.id: item for item in vote.items}
    return render_template("voting/receipt.html", **_context(
        vote, ballot=ballot, entries=entries, code=code, items=items,
        recast_problem=_recast_problem(vote, ballot)))


def _recast_problem(vote, ballot) -> str | None:
    """Why casting again would not give the voter a new receipt code, or None when it would:
    the vote is closed, the ballot came from a paper or forum desk (not changed online), or
    the voter may no longer vote."""
    if ballot is None:
        return None
    if vote.status_at(utcnow()) != "open":
        return "closed"
    if ballot.channel != Channel.ONLINE.value:
        return "channel"
    if eligibility.eligibility_problem(
            vote, eligibility.account_voter(vote.district_id, current_user)) is not None:
        return "ineligible"
    return None


@bp.route("/votes/verify", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"],
               error_message=_l("요청이 너무 많습니다. 잠시 후 다시 시도하세요."))
@public
def verify():
    form = ReceiptForm()
    check = None
    status = 200
    if form.validate_on_submit():
        code = normalise_receipt_code(form.code.data)
        check = receipts.check_receipt(code) if code else None
        if check is None:
            status = 404
            form.code.errors.append(_l("이 영수증과 일치하는 투표지가 없습니다. 투표를 바꾸거나 "
                                       "철회했다면 마지막에 받은 영수증을 확인하세요."))
    elif form.is_submitted():
        status = 422
    return render_template("voting/verify.html", form=form, check=check,
                           channel_labels=CHANNEL_LABELS), status


# --- Results -----------------------------------------------------------------------------------

@bp.route("/votes/<int:vote_id>/results")
@public
def results_page(vote_id: int):
    return _results(_vote_or_404(vote_id))


def _results(vote):
    """The results page, or while they are hidden the page that says so with the turnout;
    a refused confirmation comes back here too, so it cannot show what the page hides."""
    if not secrecy.results_visible(vote):
        return render_template("voting/results_hidden.html", **_context(
            vote, ballots=stored_ballots.ballot_count(vote.id)))
    result, record = results.current_result(vote)
    if result is None:
        return render_template("voting/results_progress.html", **_context(vote, record=record))
    confirmed = vote_log.confirmation(vote)
    can_confirm = (confirmed is None and vote.status_at(utcnow()) == "closed"
                   and current_user.is_authenticated
                   and current_user.has_role(vote.district_id, Role.ORGANIZER))
    return render_template("voting/results.html", **_context(
        vote, result=result,
        rows=result_rows(result, [str(item)
                                  for item, _ in confirmation.selection_of(vote, result)]),
        score_label=SCORE_LABELS.get(result["method"], _l("지지")),
        gender_labels=GENDER_LABELS,
        dong_labels={d.name: d.label for d in district_or_404().dongs},
        show_combined=vote.weight_vote < 100, confirmed=confirmed,
        basis=confirmation.selection_basis(vote), forum_sources=FORUM_SOURCE_LABELS,
        seat_rules=SEAT_RULES, completion_labels=COMPLETION_LABELS,
        confirm_form=ConfirmForm() if can_confirm else None))


@bp.route("/votes/<int:vote_id>/results/confirm", methods=["POST"])
@role_required(Role.ORGANIZER)
def confirm_results(vote_id: int):
    vote = _vote_or_404(vote_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    on_error(lambda: _results(_vote_or_404(vote_id)))
    confirmation.confirm_result(vote.district_id, vote.id, current_user)
    flash(_("투표 결과를 확정했습니다. 선정된 의제는 실행계획에 담을 수 있습니다."), "success")
    return redirect(url_for("voting.results_page", vote_id=vote.id))



def result_rows(result: dict, selected: list[str]) -> list[dict]:
    """The ranking as table rows: rank (tied items share one), the method's score where it
    has one (else the items' support), a bar length, and whether the item is in ``selected``
    (the vote's selection rule: the method's, or the combined score's top seats)."""
    scores = result.get("scores") or {}
    support = result["support"]
    figure = scores if scores else support
    top = max([float(v) for v in figure.values()] + [0.0])
    rows, placed = [], set()
    ahead = 0
    for group in result["ranking"] or []:
        for item in group:
            rows.append({"item": item, "rank": ahead + 1})
            placed.add(item)
        ahead += len(group)
    rest = sorted((c for c in result["candidates"] if c not in placed),
                  key=lambda c: -support.get(c, 0))
    rows.extend({"item": item, "rank": None} for item in rest)
    drawn = set(result.get("by_lot") or [])
    for row in rows:
        row["by_lot"] = row["item"] in drawn
        value = float(figure.get(row["item"], 0))
        row["figure_text"] = f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}"
        row["percent"] = round(value / top * 100, 1) if top > 0 else 0
        row["selected"] = row["item"] in set(selected)
    return rows


# --- JSON ----------------------------------------------------------------------------------------

def _public_definition(vote) -> dict:
    return {
        "id": vote.id, "title": vote.title, "description": vote.description,
        "ballot_type": vote.ballot_type, "status": vote.status_at(utcnow()),
        "opens_at": vote.opens_at.isoformat(), "closes_at": vote.closes_at.isoformat(),
        "min_choices": vote.min_choices, "max_choices": vote.max_choices,
        "budget_limit": vote.budget_limit, "points_total": vote.points_total,
        "eligibility": {"electorate": vote.electorate, "min_age": vote.min_age,
                        "dongs": [d.name for d in vote.dongs]},
        "results_visibility": "live" if vote.results_live else "after_close",
        "method": vote.method, "compare_methods": vote.methods[1:], "seats": vote.seats,
        "mes_completion": vote.mes_completion,
        "combined_weights": {"vote": vote.weight_vote, "forum": vote.weight_forum,
                             "review": vote.weight_review},
        "tie_seed": vote.tie_seed, "frozen": definition.is_frozen(vote),
        "items": [{"id": item.agenda_item_id, "title": item.title, "cost": item.cost}
                  for item in vote.items],
    }


@bp.route("/api/v1/votes/<int:vote_id>")
@public
def api_vote(vote_id: int):
    return jsonify(_public_definition(_vote_or_404(vote_id)))


@bp.route("/api/v1/votes/<int:vote_id>/results")
@public
def api_results(vote_id: int):
    vote = _vote_or_404(vote_id)
    if not secrecy.results_visible(vote):
        return jsonify(error=str(RESULTS_HIDDEN), status=403,
                       ballots=stored_ballots.ballot_count(vote.id)), 403
    result, record = results.current_result(vote)
    if result is None:
        return jsonify(status="counting", progress=record.progress), 202
    return jsonify(confirmation.published(vote, result))


@bp.route("/api/v1/votes/<int:vote_id>/progress")
@public
def api_progress(vote_id: int):
    vote = _vote_or_404(vote_id)
    record = db.session.get(VoteResult, vote.id)
    if record is None or not secrecy.results_visible(vote):
        return jsonify(status="none", progress=0)
    return jsonify(status=record.status, progress=record.progress)


# --- Organizers --------------------------------------------------------------------------------

bp.add_url_rule("/organize/votes", "organize_votes", definition_pages.organize_votes)
bp.add_url_rule("/organize/votes/new", "edit_vote", definition_pages.edit_vote,
                methods=["GET", "POST"])
bp.add_url_rule("/organize/votes/<int:vote_id>/edit", "edit_vote", definition_pages.edit_vote,
                methods=["GET", "POST"])
bp.add_url_rule("/organize/votes/<int:vote_id>/open", "open_vote_now",
                definition_pages.open_vote_now, methods=["POST"])
bp.add_url_rule("/organize/votes/<int:vote_id>/close", "close_vote_now",
                definition_pages.close_vote_now, methods=["POST"])
bp.add_url_rule("/organize/votes/<int:vote_id>/reset", "reset_vote", definition_pages.reset_vote,
                methods=["POST"])


@bp.route("/organize/votes/<int:vote_id>/entry", methods=["GET", "POST"])
@role_required(Role.ORGANIZER, Role.FACILITATOR)
def enter_ballot(vote_id: int):
    vote = _vote_or_404(vote_id)
    district = district_or_404()
    form = EntryForm()
    form.dong.choices = [SelectChoice(0, _l("선택 안 함"))] + [
        SelectChoice(d.id, d.name) for d in district.dongs]
    status = 200
    values = {}
    if form.validate_on_submit():
        person = paper_entry.PersonOnPaper(
            email=(form.email.data or "").strip() or None, name=form.name.data,
            birth_date=form.birth_date.data, dong_id=form.dong.data or None,
            consented=form.consent.data, gender=form.gender.data or None)
        on_error(lambda: render_template("voting/entry.html", **_context(
            vote, form=form, values=values)), form=form, field="channel")
        try:
            entries = _posted_entries(vote, request.form)
        except BallotError as error:
            form.channel.errors.append(ballot_message(error))
            status = 422
        else:
            values = dict(entries)
            answer = paper_entry.enter_ballot(district.id, vote.id, current_user,
                                              Channel(form.channel.data), person, entries,
                                              form.paper_serial.data)
            flash(lazy_message("투표지를 입력했습니다. 영수증 코드: %(code)s",
                               code=answer["receipt"]), "success")
            return redirect(url_for("voting.enter_ballot", vote_id=vote.id))
    elif form.is_submitted():
        status = 422
    return render_template("voting/entry.html", **_context(vote, form=form, values=values)), \
        status


@bp.route("/organize/votes/<int:vote_id>/reviews", methods=["GET", "POST"])
@role_required(Role.ORGANIZER)
def review_scores(vote_id: int):
    vote = _vote_or_404(vote_id)
    if request.method == "POST":
        try:
            scores = {}
            for item in vote.items:
                raw = (request.form.get(f"review-{item.id}") or "").strip()
                scores[item.id] = float(raw) if raw else None
        except ValueError:
            flash(_("심사 점수는 숫자로 입력하세요."), "error")
            return render_template("voting/reviews.html", **_context(vote)), 422
        on_error(lambda: render_template("voting/reviews.html", **_context(vote)))
        definition.set_review_scores(vote.district_id, vote.id, scores, current_user)
        flash(_("위원회 심사 점수를 저장했습니다."), "success")
        return redirect(url_for("voting.review_scores", vote_id=vote.id))
    return render_template("voting/reviews.html", **_context(vote))


@bp.route("/organize/roll", methods=["GET", "POST"])
@role_required(Role.ORGANIZER)
def voter_roll():
    district = district_or_404()
    form = RollForm()
    form.dong.choices = [SelectChoice(d.id, d.name) for d in district.dongs]
    status = 200
    if form.validate_on_submit():
        on_error(lambda: render_template("voting/roll.html", form=form,
                                         size=roll_size(district.id)), form=form, field="name")
        verify_resident(district.id, current_user, form.name.data, form.birth_date.data,
                        form.dong.data, (form.email.data or "").strip() or None)
        flash(_("주민 확인을 명부에 기록했습니다."), "success")
        return redirect(url_for("voting.voter_roll"))
    elif form.is_submitted():
        status = 422
    return render_template("voting/roll.html", form=form,
                           size=roll_size(district.id)), status
