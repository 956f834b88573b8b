"""The organizer's set-up: forums, topics and questions, facilitators and seats, polls opened
and closed, seat tickets, and the district's population figures."""

import io

import segno
from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice

from core.auth import Role, role_required
from core.errors import DomainError, NotFound
from core.i18n import lazy_message
from core.inputs import record_id
from core.lifecycle import on_error
from core.tenancy import current_cycle, district_or_404
from forums import population, services
from forums.forms import (
    AgendaRankingForm,
    ForumForm,
    IssueTicketsForm,
    LivePollForm,
    QuestionEditForm,
    QuestionForm,
    TopicEditForm,
    TopicForm,
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
from forums.views import (
    POPULATION_TITLES,
    bp,
    forum_or_404,
    join_url,
    refuse_with_way_back,
    refused,
    ticket_cards,
)


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
            on_error(lambda: render_template(
                "forums/index.html", forums=services.forums_of_district(district.id), form=form,
                cycle=cycle), form=form, field="title")
            forum = services.create_forum(
                district.id, cycle.id, form.title.data, form.held_on.data,
                form.venue.data or "", form.expected_participants.data,
                form.seating.data, form.table_count.data)
            flash(_l("공론장을 만들었습니다. 주제와 질문을 더하세요."), "success")
            return redirect(url_for("forums.manage", forum_id=forum.id))
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
        respondents=services.respondents_by_poll(forum), phase_labels=PHASE_LABELS,
        poll_state_labels=POLL_STATE_LABELS, kind_labels=KIND_LABELS,
        seating_labels=SEATING_LABELS, age_band_labels=AGE_BAND_LABELS,
        gender_labels=GENDER_LABELS,
    ), status


@bp.route("/forums/<int:forum_id>/manage")
@role_required(Role.ORGANIZER)
def manage(forum_id: int):
    return _manage_page(forum_or_404(forum_id))


@bp.route("/forums/<int:forum_id>/topics", methods=["POST"])
@role_required(Role.ORGANIZER)
def add_topic(forum_id: int):
    forum = forum_or_404(forum_id)
    form = TopicForm()
    if not form.validate_on_submit():
        return _manage_page(forum, 422, topic_form=form)
    raw = form.agenda_item.data or ""
    on_error(lambda: _manage_page(forum, 200, topic_form=form), form=form, field="agenda_item")
    services.add_topic(forum, form.title.data, form.description.data or "", record_id(raw))
    flash(_l("주제를 더했습니다."), "success")
    return redirect(url_for("forums.manage", forum_id=forum.id))


@bp.route("/forums/<int:forum_id>/topics/<int:topic_id>/questions", methods=["POST"])
@role_required(Role.ORGANIZER)
def add_question(forum_id: int, topic_id: int):
    forum = forum_or_404(forum_id)
    form = QuestionForm()
    try:
        topic = services.topic_of_forum(forum, topic_id)
    except NotFound:
        abort(404)
    if not form.validate_on_submit():
        return _manage_page(forum, 422, question_form=form)
    on_error(lambda: _manage_page(forum, 200, question_form=form), form=form, field="options")
    services.add_question(topic, form.kind.data, form.text.data, form.labels(),
                          form.max_choices.data)
    flash(_l("질문을 더했습니다. 사전·사후 설문에 같은 질문이 들어갑니다."), "success")
    return redirect(url_for("forums.manage", forum_id=forum.id))


@bp.route("/forums/<int:forum_id>/topics/<int:topic_id>/agenda-ranking", methods=["POST"])
@role_required(Role.ORGANIZER)
def add_agenda_ranking(forum_id: int, topic_id: int):
    forum = forum_or_404(forum_id)
    try:
        topic = services.topic_of_forum(forum, topic_id)
    except NotFound:
        abort(404)
    form = AgendaRankingForm()
    if not form.validate_on_submit():
        return refused(DomainError(_l("순위 질문을 입력하세요.")),
                      url_for("forums.manage", forum_id=forum.id))
    refuse_with_way_back(url_for("forums.manage", forum_id=forum.id))
    services.add_agenda_ranking(topic, form.text.data)
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
    forum = forum_or_404(forum_id)
    form = ForumForm(obj=forum, table_count=len(forum.tables))
    heading, action = _l("공론장 정보 고치기"), url_for("forums.edit_forum", forum_id=forum.id)
    if not form.validate_on_submit():
        return _edit_page(forum, form, heading, action, 422 if form.is_submitted() else 200)
    on_error(lambda: _edit_page(forum, form, heading, action, 200), form=form,
             field="table_count")
    services.update_forum(forum, form.title.data, form.held_on.data, form.venue.data or "",
                          form.expected_participants.data, form.seating.data,
                          form.table_count.data)
    return _saved(forum, _l("공론장 정보를 고쳤습니다."))


@bp.route("/forums/<int:forum_id>/topics/<int:topic_id>/edit", methods=["GET", "POST"])
@role_required(Role.ORGANIZER)
def edit_topic(forum_id: int, topic_id: int):
    forum = forum_or_404(forum_id)
    try:
        topic = services.topic_of_forum(forum, topic_id)
    except NotFound:
        abort(404)
    form = TopicEditForm(obj=topic)
    heading = lazy_message("제%(n)d토론 주제 고치기", n=topic.position)
    action = url_for("forums.edit_topic", forum_id=forum.id, topic_id=topic.id)
    if not form.validate_on_submit():
        return _edit_page(forum, form, heading, action, 422 if form.is_submitted() else 200)
    on_error(lambda: _edit_page(forum, form, heading, action, 200), form=form, field="title")
    services.update_topic(topic, form.title.data, form.description.data or "")
    return _saved(forum, _l("주제를 고쳤습니다."))


def _question(forum, question_id: int):
    try:
        return services.question_of_forum(forum, question_id)
    except NotFound:
        abort(404)


@bp.route("/forums/<int:forum_id>/questions/<int:question_id>/edit", methods=["GET", "POST"])
@role_required(Role.ORGANIZER)
def edit_question(forum_id: int, question_id: int):
    forum = forum_or_404(forum_id)
    question = _question(forum, question_id)
    form = QuestionEditForm(data={
        "text": question.text, "max_choices": question.max_choices,
        "options": "\n".join(option.label for option in question.options)})
    heading = lazy_message("질문 고치기 (%(kind)s)", kind=KIND_LABELS[question.kind])
    action = url_for("forums.edit_question", forum_id=forum.id, question_id=question.id)
    if not form.validate_on_submit():
        return _edit_page(forum, form, heading, action, 422 if form.is_submitted() else 200,
                          question=question)
    on_error(lambda: _edit_page(forum, form, heading, action, 200, question=question),
             form=form, field="options")
    services.update_question(question, form.text.data, form.labels(), form.max_choices.data)
    return _saved(forum, _l("질문을 고쳤습니다. 사전·사후 설문에 같은 질문이 들어갑니다."))


@bp.route("/forums/<int:forum_id>/questions/<int:question_id>/delete", methods=["POST"])
@role_required(Role.ORGANIZER)
def delete_question(forum_id: int, question_id: int):
    forum = forum_or_404(forum_id)
    question = _question(forum, question_id)
    refuse_with_way_back(url_for("forums.manage", forum_id=forum.id))
    services.remove_question(question)
    return _saved(forum, _l("질문을 지웠습니다."))


def _chosen_id(raw: str, unreadable) -> int | None:
    """The id picked in a select, None when none was; refused with ``unreadable`` when it
    names no record."""
    if not raw:
        return None
    number = record_id(raw)
    if number is None:
        raise DomainError(unreadable)
    return number


@bp.route("/forums/<int:forum_id>/tables/<int:table_id>/facilitator", methods=["POST"])
@role_required(Role.ORGANIZER)
def set_facilitator(forum_id: int, table_id: int):
    forum = forum_or_404(forum_id)
    refuse_with_way_back(url_for("forums.manage", forum_id=forum.id))
    chosen = _chosen_id(request.form.get("facilitator", ""), _l("퍼실리테이터를 고르세요."))
    services.set_facilitator(forum, table_id, chosen)
    flash(_l("퍼실리테이터를 배정했습니다."), "success")
    return redirect(url_for("forums.manage", forum_id=forum.id) + "#tables")


@bp.route("/forums/<int:forum_id>/polls/<int:poll_id>/state", methods=["POST"])
@role_required(Role.ORGANIZER)
def poll_state(forum_id: int, poll_id: int):
    forum = forum_or_404(forum_id)
    refuse_with_way_back(url_for("forums.manage", forum_id=forum.id))
    poll = services.set_poll_state(forum, poll_id, request.form.get("state", ""))
    opened = poll.state == PollState.OPEN
    flash(_l("설문을 열었습니다.") if opened else _l("설문을 마감했습니다."), "success")
    return redirect(url_for("forums.manage", forum_id=forum.id) + "#polls")


@bp.route("/forums/<int:forum_id>/live", methods=["POST"])
@role_required(Role.ORGANIZER)
def launch_room_poll(forum_id: int):
    forum = forum_or_404(forum_id)
    form = LivePollForm(prefix="live")
    if not form.validate_on_submit():
        return _manage_page(forum, 422, live_form=form)
    on_error(lambda: _manage_page(forum, 200, live_form=form), form=form, field="options")
    services.launch_live_poll(forum, current_user, None, form.kind.data, form.text.data,
                              form.labels(), form.max_choices.data)
    flash(_l("전체 실시간 투표를 시작했습니다. 큰 화면에 나타납니다."), "success")
    return redirect(url_for("forums.manage", forum_id=forum.id) + "#polls")


@bp.route("/forums/<int:forum_id>/participants/<int:participant_id>/table", methods=["POST"])
@role_required(Role.ORGANIZER)
def assign_table(forum_id: int, participant_id: int):
    forum = forum_or_404(forum_id)
    refuse_with_way_back(url_for("forums.manage", forum_id=forum.id))
    chosen = _chosen_id(request.form.get("table", ""), _l("테이블을 고르세요."))
    services.assign_table(forum, participant_id, chosen)
    flash(_l("테이블을 배정했습니다."), "success")
    return redirect(url_for("forums.manage", forum_id=forum.id) + "#participants")


@bp.route("/forums/<int:forum_id>/balance", methods=["POST"])
@role_required(Role.ORGANIZER)
def balance(forum_id: int):
    forum = forum_or_404(forum_id)
    seated = services.balance_seats(forum)
    flash(lazy_message("%(n)d명을 인구통계 균형에 맞춰 배정했습니다.", n=seated), "success")
    return redirect(url_for("forums.manage", forum_id=forum.id) + "#participants")


@bp.route("/forums/<int:forum_id>/qr.svg")
@role_required(Role.ORGANIZER)
def qr_code(forum_id: int):
    forum = forum_or_404(forum_id)
    buffer = io.BytesIO()
    segno.make(join_url(forum), error="m").save(buffer, kind="svg", scale=8, border=2,
                                                title=str(_l("참가 QR 코드")))
    response = Response(buffer.getvalue(), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.route("/forums/<int:forum_id>/tickets", methods=["GET", "POST"])
@role_required(Role.ORGANIZER)
def tickets(forum_id: int):
    """The forum's seat tickets as printable cards, and more of them on request."""
    forum = forum_or_404(forum_id)
    form = IssueTicketsForm(count=max(forum.expected_participants, 1))
    status = 200
    if form.validate_on_submit():
        issued = services.issue_tickets(forum, current_user, form.count.data)
        flash(lazy_message("좌석표 %(n)d장을 발급했습니다.", n=len(issued)), "success")
        return redirect(url_for("forums.tickets", forum_id=forum.id))
    if form.is_submitted():
        status = 422
    return render_template("forums/tickets.html", forum=forum, form=form,
                           cards=ticket_cards(forum, services.tickets_of(forum)),
                           join_url=join_url(forum)), status


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
    if not form.validate():
        return render_template("forums/population.html", forms=forms,
                               titles=POPULATION_TITLES), 422
    on_error(lambda: render_template("forums/population.html", forms=forms,
                                     titles=POPULATION_TITLES))
    population.save(district, dimension, population_values(form))
    flash(lazy_message("%(what)s를 저장했습니다.", what=POPULATION_TITLES[dimension]), "success")
    return redirect(url_for("forums.population_page"))
