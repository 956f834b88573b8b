"""A participant's phone: joining with the code (and a seat ticket), the questions asked
once, the table, and the polls to answer, which follow the forum as it opens and closes them."""

import hashlib

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from itsdangerous import BadSignature, URLSafeSerializer
from wtforms import SelectChoice

from core.auth import NOT_A_MEMBER, is_member, public
from core.db import db
from core.errors import DomainError, Forbidden
from core.i18n import lazy_message
from core.lifecycle import on_error, refusal
from core.security import rate_limited, signed_in_account
from core.tenancy import district_or_404
from forums import live, services
from forums.forms import (
    NOT_SAYING,
    ChooseTableForm,
    DemographicsForm,
    JoinForm,
    TicketForm,
    answers_from_form,
)
from forums.models import (
    PHASE_LABELS,
)
from forums.views import (
    bp,
    event_stream,
    forum_or_404,
    refuse_with_way_back,
    refused,
    snapshot_response,
)
from forums.views.phone_push import phone_presenter

COOKIE_PREFIX = "forum_participant_"


COOKIE_MAX_AGE = 3 * 24 * 3600


BAD_TOKEN = _l("참가 정보가 올바르지 않습니다. 참가 코드로 다시 입장하세요.")


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="forum-participant")


def _cookie_name(forum) -> str:
    return f"{COOKIE_PREFIX}{forum.id}"


def _browser_participant(forum):
    """The person behind this browser and, when they may not take part from here, why not:
    their signed cookie, else their signed-in account. A tampered cookie is refused, never
    taken for someone else's identity; an account takes part only in its own district's
    forums (a shared phone signed in elsewhere can sign out and take part anonymously)."""
    participant = None
    raw = request.cookies.get(_cookie_name(forum))
    if raw:
        try:
            token = _serializer().loads(raw)
        except BadSignature:
            return None, DomainError(BAD_TOKEN, status=400)
        participant = services.participant_for_token(forum, str(token))
        if participant is None:
            return None, DomainError(BAD_TOKEN, status=400)
    if current_user.is_authenticated:
        if not is_member(current_user, forum.district_id):
            return None, Forbidden(NOT_A_MEMBER)
        if participant is not None and participant.user_id not in (None, current_user.id):
            participant = None  # a shared phone: the signed-in person is someone else
        elif participant is not None:
            services.link_account(participant, current_user)
        if participant is None:
            participant = services.participant_for_user(forum, current_user.id)
    return participant, None


def _participant_if_any(forum):
    """This browser's participant, or None where joining again is the way on (no cookie, a
    broken one, an account of another district): a new join replaces the cookie."""
    return _browser_participant(forum)[0]


def _set_participant_cookie(response, forum, token: str):
    response.set_cookie(_cookie_name(forum), _serializer().dumps(token), max_age=COOKIE_MAX_AGE,
                        httponly=True, samesite="Lax",
                        secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    return response


@bp.route("/forums/join", methods=["GET", "POST"])
@public
def join():
    district = district_or_404()
    form = JoinForm()
    if form.validate_on_submit():
        on_error(lambda: render_template("forums/join.html", form=form, forum=None),
                 form=form, field="code")
        forum = services.forum_by_code(district.id, form.code.data)
        return _enter(forum, form.ticket.data)
    status = 422 if form.is_submitted() else 200
    return render_template("forums/join.html", form=form, forum=None), status


@bp.route("/j/<code>", methods=["GET", "POST"])
@public
def join_by_code(code: str):
    district = district_or_404()
    code_form = JoinForm()
    on_error(lambda: render_template("forums/join.html", form=code_form, forum=None),
             form=code_form, field="code")
    forum = services.forum_by_code(district.id, code)
    form = JoinForm(code=forum.join_code, ticket=request.args.get("t", ""))
    if request.method == "POST" and form.validate_on_submit():
        return _enter(forum, form.ticket.data)
    if _participant_if_any(forum) is not None and not form.ticket.data:
        return redirect(url_for("forums.participant_home", forum_id=forum.id))
    return render_template("forums/join.html", form=form, forum=forum)


def _enter(forum, ticket: str | None = None):
    """Join ``forum`` from this browser: with a seat ticket, as the ticket's participant
    (the same one however often it is presented); without one, as this browser's
    participant or a new one."""
    existing = _participant_if_any(forum)
    if existing is not None and not ticket:
        return redirect(url_for("forums.participant_home", forum_id=forum.id))
    user = current_user if current_user.is_authenticated else None
    refuse_with_way_back(url_for("forums.join_by_code", code=forum.join_code))
    if ticket:
        participant, token = services.enter_with_ticket(forum, ticket, existing, user)
    else:
        participant, token = services.join_forum(forum, user)
    flash(lazy_message("참가했습니다. 참가 번호는 %(n)d번입니다.", n=participant.number), "success")
    response = redirect(url_for("forums.participant_home", forum_id=forum.id))
    return response if token is None else _set_participant_cookie(response, forum, token)


def _demographics_form(district) -> DemographicsForm:
    form = DemographicsForm()
    form.dong.choices = [NOT_SAYING] + [SelectChoice(d.name, d.label) for d in district.dongs]
    return form


def _participant_or_refuse(forum):
    participant, why_not = _browser_participant(forum)
    if why_not is not None:
        return None, refused(why_not, url_for("forums.join"))
    if participant is None:
        return None, redirect(url_for("forums.join_by_code", code=forum.join_code))
    return participant, None


def _phone_polls(forum, participant, errors=None, notice=None) -> dict:
    """What the phone's list of polls is drawn from, page or fragment alike."""
    polls = services.polls_for_participant(forum, participant)
    return {"forum": forum, "participant": participant, "polls": polls,
            "mine": services.answers_by_poll(polls, participant),
            "errors": errors or {}, "notice": notice, "phase_labels": PHASE_LABELS,
            "polls_key": ",".join(str(poll.id) for poll in polls)}


def _participant_page(forum, participant, status=200, demographics_form=None, table_form=None,
                      errors=None, ticket_form=None):
    district = district_or_404()
    return render_template(
        "forums/participant.html", **_phone_polls(forum, participant, errors),
        demographics_form=demographics_form or _demographics_form(district),
        table_form=table_form or ChooseTableForm(),
        ticket=services.ticket_of(participant), ticket_form=ticket_form or TicketForm(),
    ), status


def _polls_fragment(forum, participant, status=200, errors=None, notice=None):
    response = make_response(render_template(
        "forums/_phone_polls.html", **_phone_polls(forum, participant, errors, notice)), status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _wants_fragment() -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


@bp.route("/forums/<int:forum_id>/me")
@public
def participant_home(forum_id: int):
    forum = forum_or_404(forum_id)
    participant, refusal = _participant_or_refuse(forum)
    if refusal:
        return refusal
    return _participant_page(forum, participant)


@bp.route("/forums/<int:forum_id>/me/about", methods=["POST"])
@public
def participant_about(forum_id: int):
    forum = forum_or_404(forum_id)
    participant, refusal = _participant_or_refuse(forum)
    if refusal:
        return refusal
    form = _demographics_form(district_or_404())
    if not form.validate_on_submit():
        return _participant_page(forum, participant, 422, demographics_form=form)
    on_error(lambda: _participant_page(forum, participant, demographics_form=form),
             form=form, field="consent")
    services.record_demographics(
        participant, form.consent.data, form.age_band.data, form.gender.data,
        form.dong.data, [d.name for d in district_or_404().dongs])
    flash(_l("고맙습니다. 이제 설문에 답할 수 있습니다."), "success")
    return redirect(url_for("forums.participant_home", forum_id=forum.id))


@bp.route("/forums/<int:forum_id>/me/table", methods=["POST"])
@public
def participant_table(forum_id: int):
    forum = forum_or_404(forum_id)
    participant, refusal = _participant_or_refuse(forum)
    if refusal:
        return refusal
    form = ChooseTableForm()
    if not form.validate_on_submit():
        return _participant_page(forum, participant, 422, table_form=form)
    on_error(lambda: _participant_page(forum, participant, table_form=form),
             form=form, field="number")
    table = services.choose_table(participant, form.number.data)
    flash(lazy_message("%(n)d번 테이블에 앉았습니다.", n=table.number), "success")
    return redirect(url_for("forums.participant_home", forum_id=forum.id))


@bp.route("/forums/<int:forum_id>/me/ticket", methods=["POST"])
@public
def participant_ticket(forum_id: int):
    """A participant who joined without a ticket enters the one they were handed."""
    forum = forum_or_404(forum_id)
    participant, refusal = _participant_or_refuse(forum)
    if refusal:
        return refusal
    form = TicketForm()
    if not form.validate_on_submit():
        return _participant_page(forum, participant, 422, ticket_form=form)
    user = current_user if current_user.is_authenticated else None
    on_error(lambda: _participant_page(forum, participant, ticket_form=form),
             form=form, field="ticket")
    holder, token = services.enter_with_ticket(forum, form.ticket.data, participant, user)
    flash(lazy_message("좌석표를 확인했습니다. 참가 번호는 %(n)d번입니다.", n=holder.number),
          "success")
    response = redirect(url_for("forums.participant_home", forum_id=forum.id))
    return response if token is None else _set_participant_cookie(response, forum, token)


def _answering_participant() -> str | None:
    """The rate-limit key of the person answering: their participant cookie for this forum
    (most take part without an account), else their account."""
    raw = request.cookies.get(f"{COOKIE_PREFIX}{request.view_args['forum_id']}")
    if raw:
        return "participant:" + hashlib.sha256(raw.encode()).hexdigest()
    return signed_in_account()


@bp.route("/forums/<int:forum_id>/me/polls/<int:poll_id>", methods=["POST"])
@rate_limited("FORUM_ANSWER", person=_answering_participant, per="PARTICIPANT")
@public
def participant_answer(forum_id: int, poll_id: int):
    forum = forum_or_404(forum_id)
    participant, refusal = _participant_or_refuse(forum)
    if refusal:
        return refusal
    on_error(lambda: _answer_refused(forum, participant, poll_id), shows_message=True)
    stored = services.submit_answers(forum, poll_id, participant,
                                     answers_from_form(request.form))
    saved = lazy_message(
        "답을 저장했습니다 (%(n)d개 질문). 설문이 열려 있는 동안 바꿀 수 있습니다.", n=stored)
    if _wants_fragment():
        return _polls_fragment(forum, participant, notice=saved)
    flash(saved, "success")
    return redirect(url_for("forums.participant_home", forum_id=forum.id) + f"#poll-{poll_id}")


def _answer_refused(forum, participant, poll_id: int):
    """A refused answer: the message beside the poll it concerns, on the page or in the
    fragment the phone swaps in."""
    errors = {poll_id: refusal().message}
    if _wants_fragment():
        return _polls_fragment(forum, participant, errors=errors)
    return _participant_page(forum, participant, errors=errors)


@bp.route("/forums/<int:forum_id>/me/polls")
@public
def participant_polls(forum_id: int):
    """The open polls alone, which the phone swaps in when polls open or close."""
    forum = forum_or_404(forum_id)
    participant, refusal = _participant_or_refuse(forum)
    if refusal:
        return refusal
    return _polls_fragment(forum, participant)


def _following_participant(forum_id: int):
    """A participant's phone may follow its forum's polls opening and closing; anyone else
    is refused as on every participant page."""
    forum = forum_or_404(forum_id)
    participant = _participant_if_any(forum)
    if participant is None:
        abort(403)
    return forum, participant


@bp.route("/forums/<int:forum_id>/me/stream")
@public
def participant_stream(forum_id: int):
    forum, participant = _following_participant(forum_id)
    followed = forum.id
    present = phone_presenter(followed, participant.id, participant.table_id, generate_csrf())

    def snapshot():
        data = services.screen_state(followed)
        db.session.remove()
        return data

    return event_stream(live.forum_channel(followed), snapshot, present)


@bp.route("/forums/<int:forum_id>/me/state")
@public
def participant_state(forum_id: int):
    """Which polls are open, read by a phone whose event stream is down."""
    return snapshot_response(services.screen_state(_following_participant(forum_id)[0].id))
