"""Forum pages: organizer set-up, participant phone pages, facilitator console, big screen."""

import hashlib
import io

import segno
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer
from wtforms import SelectChoice

from core import realtime
from core.auth import Role, public, require_member, role_required
from core.db import commit, db
from core.errors import DomainError, Forbidden, NotFound
from core.i18n import lazy_message
from core.inputs import record_id
from core.security import rate_limited, signed_in_account
from core.tenancy import current_cycle, district_or_404
from forums import live, population, report, services
from forums.forms import (
    NOT_SAYING,
    AgendaRankingForm,
    ChooseTableForm,
    DemographicsForm,
    ForumForm,
    IssueTicketsForm,
    JoinForm,
    LivePollForm,
    QuestionEditForm,
    QuestionForm,
    StepForm,
    TableOutputsForm,
    TicketForm,
    TopicEditForm,
    TopicForm,
    answers_from_form,
    population_form,
    population_values,
)
from forums.models import (
    AGE_BAND_LABELS,
    GENDER_LABELS,
    KIND_LABELS,
    PHASE_LABELS,
    POLL_STATE_LABELS,
    POPULATION_DIMENSIONS,
    SEATING_LABELS,
    PollPhase,
    PollState,
)

bp = Blueprint("forums", __name__)

COOKIE_PREFIX = "forum_participant_"
COOKIE_MAX_AGE = 3 * 24 * 3600
BAD_TOKEN = _l("참가 정보가 올바르지 않습니다. 참가 코드로 다시 입장하세요.")

POPULATION_TITLES = {
    "age_band": _l("연령대별 인구"),
    "gender": _l("성별 인구"),
    "dong": _l("동별 인구"),
}



def _forum(forum_id: int):
    try:
        return services.forum_of_district(district_or_404().id, forum_id)
    except NotFound:
        abort(404)


def _error(error: DomainError, target: str):
    """Explain a refused action, with a way back and the error's 4xx status."""
    return render_template("forums/refused.html", message=error.message, back=target), \
        error.status


@bp.app_context_processor
def forum_labels():
    return {"phase_labels": PHASE_LABELS, "poll_state_labels": POLL_STATE_LABELS,
            "kind_labels": KIND_LABELS, "seating_labels": SEATING_LABELS,
            "age_band_labels": AGE_BAND_LABELS, "gender_labels": GENDER_LABELS}


# --- participant identity ----------------------------------------------------------------

def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="forum-participant")


def _cookie_name(forum) -> str:
    return f"{COOKIE_PREFIX}{forum.id}"


def _participant(forum):
    """The person behind this browser: their signed cookie, else their signed-in account.
    A tampered cookie is an error, never someone else's identity."""
    participant = None
    raw = request.cookies.get(_cookie_name(forum))
    if raw:
        try:
            token = _serializer().loads(raw)
        except BadSignature:
            raise DomainError(BAD_TOKEN, status=400) from None
        participant = services.participant_for_token(forum, str(token))
        if participant is None:
            raise DomainError(BAD_TOKEN, status=400)
    if current_user.is_authenticated:
        # An account takes part only in its own district's forums (a shared phone signed in
        # elsewhere can sign out and take part anonymously).
        require_member(current_user, forum.district_id)
        if participant is not None and participant.user_id not in (None, current_user.id):
            participant = None  # a shared phone: the signed-in person is someone else
        elif participant is not None:
            services.link_account(participant, current_user)
        if participant is None:
            participant = services.participant_for_user(forum, current_user.id)
    return participant


def _set_participant_cookie(response, forum, token: str):
    response.set_cookie(_cookie_name(forum), _serializer().dumps(token), max_age=COOKIE_MAX_AGE,
                        httponly=True, samesite="Lax",
                        secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    return response


def join_url(forum) -> str:
    return url_for("forums.join_by_code", code=forum.join_code, _external=True)


def ticket_url(forum, ticket) -> str:
    """What a ticket's QR code opens: the join page with the ticket filled in."""
    return url_for("forums.join_by_code", code=forum.join_code, t=ticket.code, _external=True)


def _ticket_cards(forum, tickets) -> list[dict]:
    return [{"ticket": ticket, "url": ticket_url(forum, ticket),
             "qr": segno.make(ticket_url(forum, ticket), error="m").svg_data_uri(scale=3,
                                                                                 border=2)}
            for ticket in tickets]


# --- joining -----------------------------------------------------------------------------

@bp.route("/forums/join", methods=["GET", "POST"])
@public
def join():
    district = district_or_404()
    form = JoinForm()
    if form.validate_on_submit():
        try:
            forum = services.forum_by_code(district.id, form.code.data)
        except DomainError as error:
            form.code.errors.append(error.message)
            return render_template("forums/join.html", form=form, forum=None), error.status
        return _enter(forum, form.ticket.data)
    status = 422 if form.is_submitted() else 200
    return render_template("forums/join.html", form=form, forum=None), status


@bp.route("/j/<code>", methods=["GET", "POST"])
@public
def join_by_code(code: str):
    district = district_or_404()
    try:
        forum = services.forum_by_code(district.id, code)
    except DomainError as error:
        form = JoinForm()
        form.code.errors = [error.message]
        return render_template("forums/join.html", form=form, forum=None), error.status
    form = JoinForm(code=forum.join_code, ticket=request.args.get("t", ""))
    if request.method == "POST" and form.validate_on_submit():
        return _enter(forum, form.ticket.data)
    try:
        if _participant(forum) is not None and not form.ticket.data:
            return redirect(url_for("forums.participant_home", forum_id=forum.id))
    except DomainError:
        pass  # a broken cookie: joining again replaces it
    return render_template("forums/join.html", form=form, forum=forum)


def _enter(forum, ticket: str | None = None):
    """Join ``forum`` from this browser: with a seat ticket, as the ticket's participant
    (the same one however often it is presented); without one, as this browser's
    participant or a new one."""
    try:
        existing = _participant(forum)
    except DomainError:
        existing = None
    if existing is not None and not ticket:
        return redirect(url_for("forums.participant_home", forum_id=forum.id))
    user = current_user if current_user.is_authenticated else None
    try:
        if ticket:
            participant, token = services.enter_with_ticket(forum, ticket, existing, user)
        else:
            participant, token = services.join_forum(forum, user)
        commit()
    except DomainError as error:
        db.session.rollback()
        return _error(error, url_for("forums.join_by_code", code=forum.join_code))
    flash(lazy_message("참가했습니다. 참가 번호는 %(n)d번입니다.", n=participant.number), "success")
    response = redirect(url_for("forums.participant_home", forum_id=forum.id))
    return response if token is None else _set_participant_cookie(response, forum, token)


# --- participant pages -------------------------------------------------------------------

def _demographics_form(district) -> DemographicsForm:
    form = DemographicsForm()
    form.dong.choices = [NOT_SAYING] + [SelectChoice(d.name) for d in district.dongs]
    return form


def _participant_or_refuse(forum):
    try:
        participant = _participant(forum)
    except DomainError as error:
        return None, _error(error, url_for("forums.join"))
    if participant is None:
        return None, redirect(url_for("forums.join_by_code", code=forum.join_code))
    return participant, None


def _participant_page(forum, participant, status=200, demographics_form=None, table_form=None,
                      errors=None, ticket_form=None):
    district = district_or_404()
    polls = services.polls_for_participant(forum, participant)
    mine = {poll.id: services.answers_of(poll, participant) for poll in polls}
    return render_template(
        "forums/participant.html", forum=forum, participant=participant, polls=polls,
        mine=mine, demographics_form=demographics_form or _demographics_form(district),
        table_form=table_form or ChooseTableForm(), errors=errors or {},
        ticket=services.ticket_of(participant), ticket_form=ticket_form or TicketForm(),
    ), status


@bp.route("/forums/<int:forum_id>/me")
@public
def participant_home(forum_id: int):
    forum = _forum(forum_id)
    participant, refusal = _participant_or_refuse(forum)
    if refusal:
        return refusal
    commit()  # a signed-in person's account may just have been linked
    return _participant_page(forum, participant)


@bp.route("/forums/<int:forum_id>/me/about", methods=["POST"])
@public
def participant_about(forum_id: int):
    forum = _forum(forum_id)
    participant, refusal = _participant_or_refuse(forum)
    if refusal:
        return refusal
    form = _demographics_form(district_or_404())
    if not form.validate_on_submit():
        return _participant_page(forum, participant, 422, demographics_form=form)
    try:
        services.record_demographics(
            participant, form.consent.data, form.age_band.data, form.gender.data,
            form.dong.data, [d.name for d in district_or_404().dongs])
        commit()
    except DomainError as error:
        db.session.rollback()
        form.consent.errors.append(error.message)
        return _participant_page(forum, participant, error.status, demographics_form=form)
    flash(_l("고맙습니다. 이제 설문에 답할 수 있습니다."), "success")
    return redirect(url_for("forums.participant_home", forum_id=forum.id))


@bp.route("/forums/<int:forum_id>/me/table", methods=["POST"])
@public
def participant_table(forum_id: int):
    forum = _forum(forum_id)
    participant, refusal = _participant_or_refuse(forum)
    if refusal:
        return refusal
    form = ChooseTableForm()
    if not form.validate_on_submit():
        return _participant_page(forum, participant, 422, table_form=form)
    try:
        table = services.choose_table(participant, form.number.data)
        commit()
    except DomainError as error:
        db.session.rollback()
        form.number.errors.append(error.message)
        return _participant_page(forum, participant, error.status, table_form=form)
    flash(lazy_message("%(n)d번 테이블에 앉았습니다.", n=table.number), "success")
    return redirect(url_for("forums.participant_home", forum_id=forum.id))


@bp.route("/forums/<int:forum_id>/me/ticket", methods=["POST"])
@public
def participant_ticket(forum_id: int):
    """A participant who joined without a ticket enters the one they were handed."""
    forum = _forum(forum_id)
    participant, refusal = _participant_or_refuse(forum)
    if refusal:
        return refusal
    form = TicketForm()
    if not form.validate_on_submit():
        return _participant_page(forum, participant, 422, ticket_form=form)
    user = current_user if current_user.is_authenticated else None
    try:
        holder, token = services.enter_with_ticket(forum, form.ticket.data, participant, user)
        commit()
    except DomainError as error:
        db.session.rollback()
        form.ticket.errors.append(error.message)
        return _participant_page(forum, participant, error.status, ticket_form=form)
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
    forum = _forum(forum_id)
    participant, refusal = _participant_or_refuse(forum)
    if refusal:
        return refusal
    try:
        stored = services.submit_answers(forum, poll_id, participant,
                                         answers_from_form(request.form))
        commit()
    except DomainError as error:
        db.session.rollback()
        return _participant_page(forum, participant, error.status,
                                 errors={poll_id: error.message})
    flash(lazy_message("답을 저장했습니다 (%(n)d개 질문). 설문이 열려 있는 동안 바꿀 수 있습니다.",
                       n=stored), "success")
    return redirect(url_for("forums.participant_home", forum_id=forum.id) + f"#poll-{poll_id}")


# --- organizer ---------------------------------------------------------------------------

@bp.route("/forums/", methods=["GET", "POST"])
@role_required(Role.ORGANIZER)
def forum_list():
    district = district_or_404()
    form = ForumForm()
    cycle = current_cycle(district)
    if form.validate_on_submit():
        if cycle is None:
            form.title.errors.append(_l("먼저 연차 계획 주기를 만드세요."))
        else:
            try:
                forum = services.create_forum(
                    district.id, cycle.id, form.title.data, form.held_on.data,
                    form.venue.data or "", form.expected_participants.data,
                    form.seating.data, form.table_count.data)
                commit()
                flash(_l("공론장을 만들었습니다. 주제와 질문을 더하세요."), "success")
                return redirect(url_for("forums.manage", forum_id=forum.id))
            except DomainError as error:
                db.session.rollback()
                form.title.errors.append(error.message)
    status = 422 if form.is_submitted() else 200
    return render_template("forums/index.html", forums=services.forums_of_district(district.id),
                           form=form, cycle=cycle), status


def _manage_page(forum, status=200, **forms):
    district = district_or_404()
    facilitator_choices = [SelectChoice("", _l("미배정"))] + [
        SelectChoice(str(u.id), u.display_name) for u in services.facilitators_of(district.id)]
    table_choices = [SelectChoice("", _l("미배정"))] + [
        SelectChoice(str(t.id), lazy_message("%(n)d번 테이블", n=t.number)) for t in forum.tables]
    topic_form = forms.get("topic_form") or TopicForm()
    candidates = services.forum_candidates(forum)
    topic_form.agenda_item.choices = [SelectChoice("", _l("없음"))] + [
        SelectChoice(str(item.id), item.title) for item in candidates]
    return render_template(
        "forums/manage.html", forum=forum, join_url=join_url(forum),
        topic_form=topic_form, ranking_form=AgendaRankingForm(), candidates=candidates,
        question_form=forms.get("question_form") or QuestionForm(),
        live_form=forms.get("live_form") or LivePollForm(prefix="live"),
        facilitator_choices=facilitator_choices, table_choices=table_choices,
        room_polls=[p for p in forum.polls if p.phase == PollPhase.LIVE and p.table_id is None],
    ), status


@bp.route("/forums/<int:forum_id>/manage")
@role_required(Role.ORGANIZER)
def manage(forum_id: int):
    return _manage_page(_forum(forum_id))


@bp.route("/forums/<int:forum_id>/topics", methods=["POST"])
@role_required(Role.ORGANIZER)
def add_topic(forum_id: int):
    forum = _forum(forum_id)
    form = TopicForm()
    if not form.validate_on_submit():
        return _manage_page(forum, 422, topic_form=form)
    raw = form.agenda_item.data or ""
    try:
        services.add_topic(forum, form.title.data, form.description.data or "",
                           record_id(raw))
        commit()
    except DomainError as error:
        db.session.rollback()
        form.agenda_item.errors = [error.message]
        return _manage_page(forum, error.status, topic_form=form)
    flash(_l("주제를 더했습니다."), "success")
    return redirect(url_for("forums.manage", forum_id=forum.id))


@bp.route("/forums/<int:forum_id>/topics/<int:topic_id>/questions", methods=["POST"])
@role_required(Role.ORGANIZER)
def add_question(forum_id: int, topic_id: int):
    forum = _forum(forum_id)
    form = QuestionForm()
    try:
        topic = services.topic_of_forum(forum, topic_id)
    except NotFound:
        abort(404)
    if not form.validate_on_submit():
        return _manage_page(forum, 422, question_form=form)
    try:
        services.add_question(topic, form.kind.data, form.text.data, form.labels(),
                              form.max_choices.data)
        commit()
    except DomainError as error:
        db.session.rollback()
        form.options.errors.append(error.message)
        return _manage_page(forum, error.status, question_form=form)
    flash(_l("질문을 더했습니다. 사전·사후 설문에 같은 질문이 들어갑니다."), "success")
    return redirect(url_for("forums.manage", forum_id=forum.id))


@bp.route("/forums/<int:forum_id>/topics/<int:topic_id>/agenda-ranking", methods=["POST"])
@role_required(Role.ORGANIZER)
def add_agenda_ranking(forum_id: int, topic_id: int):
    forum = _forum(forum_id)
    try:
        topic = services.topic_of_forum(forum, topic_id)
    except NotFound:
        abort(404)
    form = AgendaRankingForm()
    if not form.validate_on_submit():
        return _error(DomainError(_l("순위 질문을 입력하세요.")),
                      url_for("forums.manage", forum_id=forum.id))
    try:
        services.add_agenda_ranking(topic, form.text.data)
        commit()
    except DomainError as error:
        db.session.rollback()
        return _error(error, url_for("forums.manage", forum_id=forum.id))
    flash(_l("공론장 후보 의제로 순위 질문을 만들었습니다."), "success")
    return redirect(url_for("forums.manage", forum_id=forum.id))


def _edit_page(forum, form, heading, action, status=200, **extra):
    return render_template("forums/edit.html", forum=forum, form=form, heading=heading,
                           action=action, **extra), status


def _saved(forum, message):
    flash(message, "success")
    return redirect(url_for("forums.manage", forum_id=forum.id))


@bp.route("/forums/<int:forum_id>/edit", methods=["GET", "POST"])
@role_required(Role.ORGANIZER)
def edit_forum(forum_id: int):
    forum = _forum(forum_id)
    form = ForumForm(obj=forum, table_count=len(forum.tables))
    heading, action = _l("공론장 정보 고치기"), url_for("forums.edit_forum", forum_id=forum.id)
    if not form.validate_on_submit():
        return _edit_page(forum, form, heading, action, 422 if form.is_submitted() else 200)
    try:
        services.update_forum(forum, form.title.data, form.held_on.data, form.venue.data or "",
                              form.expected_participants.data, form.seating.data,
                              form.table_count.data)
        commit()
    except DomainError as error:
        db.session.rollback()
        form.table_count.errors.append(error.message)
        return _edit_page(forum, form, heading, action, error.status)
    return _saved(forum, _l("공론장 정보를 고쳤습니다."))


@bp.route("/forums/<int:forum_id>/topics/<int:topic_id>/edit", methods=["GET", "POST"])
@role_required(Role.ORGANIZER)
def edit_topic(forum_id: int, topic_id: int):
    forum = _forum(forum_id)
    try:
        topic = services.topic_of_forum(forum, topic_id)
    except NotFound:
        abort(404)
    form = TopicEditForm(obj=topic)
    heading = lazy_message("제%(n)d토론 주제 고치기", n=topic.position)
    action = url_for("forums.edit_topic", forum_id=forum.id, topic_id=topic.id)
    if not form.validate_on_submit():
        return _edit_page(forum, form, heading, action, 422 if form.is_submitted() else 200)
    try:
        services.update_topic(topic, form.title.data, form.description.data or "")
        commit()
    except DomainError as error:
        db.session.rollback()
        form.title.errors.append(error.message)
        return _edit_page(forum, form, heading, action, error.status)
    return _saved(forum, _l("주제를 고쳤습니다."))


def _question(forum, question_id: int):
    try:
        return services.question_of_forum(forum, question_id)
    except NotFound:
        abort(404)


@bp.route("/forums/<int:forum_id>/questions/<int:question_id>/edit", methods=["GET", "POST"])
@role_required(Role.ORGANIZER)
def edit_question(forum_id: int, question_id: int):
    forum = _forum(forum_id)
    question = _question(forum, question_id)
    form = QuestionEditForm(data={
        "text": question.text, "max_choices": question.max_choices,
        "options": "\n".join(option.label for option in question.options)})
    heading = lazy_message("질문 고치기 (%(kind)s)", kind=KIND_LABELS[question.kind])
    action = url_for("forums.edit_question", forum_id=forum.id, question_id=question.id)
    if not form.validate_on_submit():
        return _edit_page(forum, form, heading, action, 422 if form.is_submitted() else 200,
                          question=question)
    try:
        services.update_question(question, form.text.data, form.labels(), form.max_choices.data)
        commit()
    except DomainError as error:
        db.session.rollback()
        form.options.errors.append(error.message)
        return _edit_page(forum, form, heading, action, error.status, question=question)
    return _saved(forum, _l("질문을 고쳤습니다. 사전·사후 설문에 같은 질문이 들어갑니다."))


@bp.route("/forums/<int:forum_id>/questions/<int:question_id>/delete", methods=["POST"])
@role_required(Role.ORGANIZER)
def delete_question(forum_id: int, question_id: int):
    forum = _forum(forum_id)
    question = _question(forum, question_id)
    try:
        services.remove_question(question)
        commit()
    except DomainError as error:
        db.session.rollback()
        return _error(error, url_for("forums.manage", forum_id=forum.id))
    return _saved(forum, _l("질문을 지웠습니다."))


def _chosen_id(raw: str) -> int | None:
    """The id picked in a select, None when none was; ValueError when it names no record."""
    if not raw:
        return None
    number = record_id(raw)
    if number is None:
        raise ValueError(raw)
    return number


@bp.route("/forums/<int:forum_id>/tables/<int:table_id>/facilitator", methods=["POST"])
@role_required(Role.ORGANIZER)
def set_facilitator(forum_id: int, table_id: int):
    forum = _forum(forum_id)
    raw = request.form.get("facilitator", "")
    try:
        services.set_facilitator(forum, table_id, _chosen_id(raw))
        commit()
    except ValueError:
        return _error(DomainError(_l("퍼실리테이터를 고르세요.")),
                      url_for("forums.manage", forum_id=forum.id))
    except DomainError as error:
        db.session.rollback()
        return _error(error, url_for("forums.manage", forum_id=forum.id))
    flash(_l("퍼실리테이터를 배정했습니다."), "success")
    return redirect(url_for("forums.manage", forum_id=forum.id) + "#tables")


@bp.route("/forums/<int:forum_id>/polls/<int:poll_id>/state", methods=["POST"])
@role_required(Role.ORGANIZER)
def poll_state(forum_id: int, poll_id: int):
    forum = _forum(forum_id)
    try:
        poll = services.set_poll_state(forum, poll_id, request.form.get("state", ""))
        commit()
    except DomainError as error:
        db.session.rollback()
        return _error(error, url_for("forums.manage", forum_id=forum.id))
    opened = poll.state == PollState.OPEN
    flash(_l("설문을 열었습니다.") if opened else _l("설문을 마감했습니다."), "success")
    return redirect(url_for("forums.manage", forum_id=forum.id) + "#polls")


@bp.route("/forums/<int:forum_id>/live", methods=["POST"])
@role_required(Role.ORGANIZER)
def launch_room_poll(forum_id: int):
    forum = _forum(forum_id)
    form = LivePollForm(prefix="live")
    if not form.validate_on_submit():
        return _manage_page(forum, 422, live_form=form)
    try:
        services.launch_live_poll(forum, current_user, None, form.kind.data, form.text.data,
                                  form.labels(), form.max_choices.data)
        commit()
    except DomainError as error:
        db.session.rollback()
        form.options.errors.append(error.message)
        return _manage_page(forum, error.status, live_form=form)
    flash(_l("전체 실시간 투표를 시작했습니다. 큰 화면에 나타납니다."), "success")
    return redirect(url_for("forums.manage", forum_id=forum.id) + "#polls")


@bp.route("/forums/<int:forum_id>/participants/<int:participant_id>/table", methods=["POST"])
@role_required(Role.ORGANIZER)
def assign_table(forum_id: int, participant_id: int):
    forum = _forum(forum_id)
    raw = request.form.get("table", "")
    try:
        services.assign_table(forum, participant_id, _chosen_id(raw))
        commit()
    except ValueError:
        return _error(DomainError(_l("테이블을 고르세요.")),
                      url_for("forums.manage", forum_id=forum.id))
    except DomainError as error:
        db.session.rollback()
        return _error(error, url_for("forums.manage", forum_id=forum.id))
    flash(_l("테이블을 배정했습니다."), "success")
    return redirect(url_for("forums.manage", forum_id=forum.id) + "#participants")


@bp.route("/forums/<int:forum_id>/balance", methods=["POST"])
@role_required(Role.ORGANIZER)
def balance(forum_id: int):
    forum = _forum(forum_id)
    seated = services.balance_seats(forum)
    commit()
    flash(lazy_message("%(n)d명을 인구통계 균형에 맞춰 배정했습니다.", n=seated), "success")
    return redirect(url_for("forums.manage", forum_id=forum.id) + "#participants")


@bp.route("/forums/<int:forum_id>/qr.svg")
@role_required(Role.ORGANIZER)
def qr_code(forum_id: int):
    forum = _forum(forum_id)
    buffer = io.BytesIO()
    segno.make(join_url(forum), error="m").save(buffer, kind="svg", scale=8, border=2,
                                                title=str(_l("참가 QR 코드")))
    response = Response(buffer.getvalue(), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


# --- big screen and report ---------------------------------------------------------------

@bp.route("/forums/<int:forum_id>/screen")
@role_required(Role.ORGANIZER)
def screen(forum_id: int):
    forum = _forum(forum_id)
    featured = [p for p in forum.polls if p.state == PollState.OPEN and p.table_id is None]
    snapshots = [services.poll_snapshot(p.id) for p in featured]
    paused = request.args.get("paused") == "1"
    return render_template(
        "forums/screen.html", forum=forum, join_url=join_url(forum), snapshots=snapshots,
        comparison=report.topic_comparison(forum), cloud=services.keyword_cloud(forum),
        paused=paused, screen_state=services.screen_state(forum.id),
    )


@bp.route("/forums/<int:forum_id>/screen/stream")
@role_required(Role.ORGANIZER)
def screen_stream(forum_id: int):
    """What the screen shows changed shape (a poll opened or closed, a table reported):
    the screen reloads itself when the state differs from the one it was drawn with."""
    forum = _forum(forum_id)

    def snapshot():
        data = services.screen_state(forum.id)
        db.session.remove()
        return data

    return _event_stream(live.forum_channel(forum_id), snapshot)


@bp.route("/forums/<int:forum_id>/screen/state")
@role_required(Role.ORGANIZER)
def screen_state_json(forum_id: int):
    """The screen's state as JSON, read by the screen while its event stream is down."""
    return _snapshot_response(services.screen_state(_forum(forum_id).id))


@bp.route("/forums/<int:forum_id>/report")
@role_required(Role.ORGANIZER)
def forum_report(forum_id: int):
    forum = _forum(forum_id)
    return render_template("forums/report.html", forum=forum, report=report.build(forum),
                           population_titles=POPULATION_TITLES,
                           category_labels={**AGE_BAND_LABELS, **GENDER_LABELS})


def _live_poll(forum_id: int, poll_id: int):
    """The poll whose live results the signed-in staff member may follow."""
    forum = _forum(forum_id)
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

    return _event_stream(live.channel(poll_id), snapshot)


@bp.route("/forums/<int:forum_id>/polls/<int:poll_id>/snapshot")
@role_required(Role.ORGANIZER, Role.FACILITATOR)
def poll_snapshot_json(forum_id: int, poll_id: int):
    """The poll's results as JSON, read by a screen while its event stream is down."""
    return _snapshot_response(services.poll_snapshot(_live_poll(forum_id, poll_id).id))


def _snapshot_response(data: dict):
    response = jsonify(data)
    response.headers["Cache-Control"] = "no-store"
    return response


def _event_stream(channel: str, snapshot):
    try:
        events = realtime.sse_stream(channel, snapshot=snapshot)
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


# --- facilitator ---------------------------------------------------------------------------

def facilitator_assignments(district_id: int, user_id: int) -> list[dict]:
    """The facilitator page's list of this person's tables, each linking to its console."""
    return [{"label": lazy_message("%(forum)s · %(n)d번 테이블", forum=t.forum.title, n=t.number),
             "url": url_for("forums.console", forum_id=t.forum_id, table_id=t.id)}
            for t in services.tables_of_facilitator(district_id, user_id)]


def _staff_table(forum, table_id: int):
    try:
        return services.table_for_staff(forum, table_id, current_user)
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)


def _console(forum, table, status=200, outputs_form=None, live_form=None):
    live_polls = [p for p in forum.polls
                  if p.phase == PollPhase.LIVE and p.table_id in (None, table.id)
                  and p.state == PollState.OPEN]
    step_form = StepForm(step=table.current_step)
    step_form.step.choices = [SelectChoice(i, label)
                              for i, label in enumerate(services.TABLE_STEPS)]
    outputs_form = outputs_form or TableOutputsForm(
        obstacle=table.obstacle_keyword, stepping_stone=table.stepping_stone_keyword,
        summary=table.summary)
    topic_polls = [p for p in forum.polls if p.phase != PollPhase.LIVE]
    return render_template(
        "forums/console.html", forum=forum, table=table, step_form=step_form,
        outputs_form=outputs_form, live_form=live_form or LivePollForm(prefix="live"),
        live_snapshots=[services.poll_snapshot(p.id) for p in live_polls],
        table_results=report.table_results(forum, table), topic_polls=topic_polls,
        steps=services.TABLE_STEPS,
        ticket_cards=_ticket_cards(forum, [
            ticket for ticket in services.tickets_of(forum, issued_by=current_user.id)
            if ticket.participant_id is None]),
    ), status


@bp.route("/forums/<int:forum_id>/tables/<int:table_id>")
@role_required(Role.FACILITATOR, Role.ORGANIZER)
def console(forum_id: int, table_id: int):
    forum = _forum(forum_id)
    return _console(forum, _staff_table(forum, table_id))


@bp.route("/forums/<int:forum_id>/tables/<int:table_id>/step", methods=["POST"])
@role_required(Role.FACILITATOR, Role.ORGANIZER)
def table_step(forum_id: int, table_id: int):
    forum = _forum(forum_id)
    table = _staff_table(forum, table_id)
    try:
        services.set_table_step(forum, table.id, current_user, int(request.form.get("step", "")))
        commit()
    except ValueError:
        return _error(DomainError(_l("알 수 없는 진행 단계입니다.")),
                      url_for("forums.console", forum_id=forum.id, table_id=table.id))
    except DomainError as error:
        db.session.rollback()
        return _error(error, url_for("forums.console", forum_id=forum.id, table_id=table.id))
    return redirect(url_for("forums.console", forum_id=forum.id, table_id=table.id))


@bp.route("/forums/<int:forum_id>/tables/<int:table_id>/outputs", methods=["POST"])
@role_required(Role.FACILITATOR, Role.ORGANIZER)
def table_outputs(forum_id: int, table_id: int):
    forum = _forum(forum_id)
    table = _staff_table(forum, table_id)
    form = TableOutputsForm()
    if not form.validate_on_submit():
        return _console(forum, table, 422, outputs_form=form)
    try:
        services.submit_table_outputs(forum, table.id, current_user, form.obstacle.data,
                                      form.stepping_stone.data, form.summary.data or "")
        commit()
    except DomainError as error:
        db.session.rollback()
        form.obstacle.errors.append(error.message)
        return _console(forum, table, error.status, outputs_form=form)
    flash(_l("테이블 키워드와 요약을 제출했습니다."), "success")
    return redirect(url_for("forums.console", forum_id=forum.id, table_id=table.id))


@bp.route("/forums/<int:forum_id>/tables/<int:table_id>/live", methods=["POST"])
@role_required(Role.FACILITATOR, Role.ORGANIZER)
def launch_table_poll(forum_id: int, table_id: int):
    forum = _forum(forum_id)
    table = _staff_table(forum, table_id)
    form = LivePollForm(prefix="live")
    if not form.validate_on_submit():
        return _console(forum, table, 422, live_form=form)
    try:
        services.launch_live_poll(forum, current_user, table.id, form.kind.data, form.text.data,
                                  form.labels(), form.max_choices.data)
        commit()
    except DomainError as error:
        db.session.rollback()
        form.options.errors.append(error.message)
        return _console(forum, table, error.status, live_form=form)
    flash(_l("테이블 실시간 투표를 시작했습니다."), "success")
    return redirect(url_for("forums.console", forum_id=forum.id, table_id=table.id))


@bp.route("/forums/<int:forum_id>/polls/<int:poll_id>/close", methods=["POST"])
@role_required(Role.FACILITATOR, Role.ORGANIZER)
def close_live_poll(forum_id: int, poll_id: int):
    forum = _forum(forum_id)
    back = request.form.get("back_table", "")
    back_table = record_id(back)
    target = (url_for("forums.console", forum_id=forum.id, table_id=back_table)
              if back_table is not None else url_for("forums.manage", forum_id=forum.id))
    try:
        services.close_live_poll(forum, poll_id, current_user)
        commit()
    except DomainError as error:
        db.session.rollback()
        return _error(error, target)
    flash(_l("실시간 투표를 마감했습니다."), "success")
    return redirect(target)


@bp.route("/forums/<int:forum_id>/tickets", methods=["GET", "POST"])
@role_required(Role.ORGANIZER)
def tickets(forum_id: int):
    """The forum's seat tickets as printable cards, and more of them on request."""
    forum = _forum(forum_id)
    form = IssueTicketsForm(count=max(forum.expected_participants, 1))
    status = 200
    if form.validate_on_submit():
        issued = services.issue_tickets(forum, current_user, form.count.data)
        commit()
        flash(lazy_message("좌석표 %(n)d장을 발급했습니다.", n=len(issued)), "success")
        return redirect(url_for("forums.tickets", forum_id=forum.id))
    if form.is_submitted():
        status = 422
    return render_template("forums/tickets.html", forum=forum, form=form,
                           cards=_ticket_cards(forum, services.tickets_of(forum)),
                           join_url=join_url(forum)), status


@bp.route("/forums/<int:forum_id>/tables/<int:table_id>/tickets", methods=["POST"])
@role_required(Role.FACILITATOR, Role.ORGANIZER)
def table_ticket(forum_id: int, table_id: int):
    """A facilitator hands a ticket to someone at the table: shown on the console to scan
    or read out."""
    forum = _forum(forum_id)
    table = _staff_table(forum, table_id)
    issued = services.issue_tickets(forum, current_user, 1)[0]
    commit()
    flash(lazy_message("좌석표 %(code)s를 발급했습니다.", code=issued.code), "success")
    return redirect(url_for("forums.console", forum_id=forum.id, table_id=table.id)
                    + "#tickets")


@bp.route("/forums/<int:forum_id>/tables/<int:table_id>/paper", methods=["POST"])
@role_required(Role.FACILITATOR, Role.ORGANIZER)
def add_paper_participant(forum_id: int, table_id: int):
    forum = _forum(forum_id)
    table = _staff_table(forum, table_id)
    participant = services.add_paper_participant(forum, table.id, current_user)
    commit()
    flash(lazy_message("종이 참가자 %(n)d번을 더했습니다.", n=participant.number), "success")
    return redirect(url_for("forums.paper_answers", forum_id=forum.id, table_id=table.id,
                            participant_id=participant.id))


@bp.route("/forums/<int:forum_id>/tables/<int:table_id>/participants/<int:participant_id>",
          methods=["GET", "POST"])
@role_required(Role.FACILITATOR, Role.ORGANIZER)
def paper_answers(forum_id: int, table_id: int, participant_id: int):
    """A facilitator types in the paper answers of someone at their table."""
    forum = _forum(forum_id)
    table = _staff_table(forum, table_id)
    try:
        participant = services.participant_of_forum(forum, participant_id)
    except NotFound:
        abort(404)
    if participant.table_id != table.id:
        abort(403)
    errors, status = {}, 200
    if request.method == "POST":
        poll_id = record_id(request.form.get("poll", ""))
        try:
            if poll_id is None:
                raise DomainError(_l("설문을 찾을 수 없습니다."), status=404)
            services.submit_answers(forum, poll_id, participant,
                                    answers_from_form(request.form), entered_by=current_user)
            commit()
            flash(lazy_message("%(n)d번 참가자의 답을 저장했습니다.", n=participant.number),
                  "success")
            return redirect(request.path)
        except DomainError as error:
            db.session.rollback()
            errors[poll_id or 0] = error.message
            status = error.status
    polls = services.polls_for_participant(forum, participant)
    return render_template(
        "forums/paper.html", forum=forum, table=table, participant=participant, polls=polls,
        mine={p.id: services.answers_of(p, participant) for p in polls}, errors=errors,
        ticket=services.ticket_of(participant),
    ), status


# --- population figures for representativeness --------------------------------------------

def _population_forms(district, formdata_for: str | None = None):
    figures = population.counts(district.id)
    return {
        dimension: population_form(
            dimension, population.categories(district, dimension),
            formdata=request.form if dimension == formdata_for else None,
            residents=figures.get(dimension),
        )
        for dimension in POPULATION_DIMENSIONS
    }


@bp.route("/forums/population")
@role_required(Role.ORGANIZER)
def population_page():
    """Organizers enter the district's residents per group; reports compare rooms to them."""
    district = district_or_404()
    return render_template("forums/population.html", forms=_population_forms(district),
                           titles=POPULATION_TITLES)


@bp.route("/forums/population/<dimension>", methods=["POST"])
@role_required(Role.ORGANIZER)
def save_population(dimension: str):
    district = district_or_404()
    if dimension not in POPULATION_DIMENSIONS:
        abort(404)
    forms = _population_forms(district, formdata_for=dimension)
    form = forms[dimension]
    if form.validate():
        try:
            population.save(district, dimension, population_values(form))
            commit()
            flash(lazy_message("%(what)s를 저장했습니다.", what=POPULATION_TITLES[dimension]),
                  "success")
            return redirect(url_for("forums.population_page"))
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            status = error.status
    else:
        status = 422
    return render_template("forums/population.html", forms=forms, titles=POPULATION_TITLES), \
        status
