"""The facilitator's side: the list of their tables, each table's console (open polls and
their results first, polls from templates, steps and timer, outputs, tickets, participants)
and paper answers."""


from flask import (
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
from core.lifecycle import on_error, refusal
from core.tenancy import current_cycle, district_or_404, seoul_today
from forums import poll_templates, report, services
from forums.forms import (
    LivePollForm,
    StepForm,
    TableOutputsForm,
    answers_from_form,
)
from forums.models import (
    PHASE_LABELS,
    PollPhase,
    PollState,
)
from forums.views import (
    bp,
    forum_or_404,
    refuse_with_way_back,
    refused,
    staff_table,
    ticket_cards,
)


@bp.route("/facilitate")
@role_required(Role.FACILITATOR)
def facilitator_page():
    """A facilitator's start page: the cycle's deliberation dates and their tables."""
    district = district_or_404()
    assigned = [{"label": lazy_message("%(forum)s · %(n)d번 테이블", forum=t.forum.title,
                                       n=t.number),
                 "url": url_for("forums.console", forum_id=t.forum_id, table_id=t.id)}
                for t in services.tables_of_facilitator(district.id, current_user.id)]
    return render_template("forums/facilitator.html", district=district,
                           cycle=current_cycle(district), today=seoul_today(),
                           assigned=assigned)


def _console(forum, table, status=200, outputs_form=None, live_form=None, template_error=None):
    live_polls = [p for p in forum.polls
                  if p.phase == PollPhase.LIVE and p.table_id in (None, table.id)
                  and p.state == PollState.OPEN]
    step_form = StepForm(step=table.current_step)
    step_form.step.choices = [SelectChoice(i, label)
                              for i, label in enumerate(services.TABLE_STEPS)]
    outputs_form = outputs_form or TableOutputsForm(
        obstacle=table.obstacle_keyword, stepping_stone=table.stepping_stone_keyword,
        summary=table.summary)
    return render_template(
        "forums/console.html", forum=forum, table=table, step_form=step_form,
        outputs_form=outputs_form, live_form=live_form or LivePollForm(prefix="live"),
        live_snapshots=[services.poll_snapshot(p.id) for p in live_polls],
        table_results=report.table_results(forum, table),
        templates=poll_templates.choices(forum, table.id), template_error=template_error,
        steps=services.TABLE_STEPS, phase_labels=PHASE_LABELS,
        ticket_cards=ticket_cards(forum, [
            ticket for ticket in services.tickets_of(forum, issued_by=current_user.id)
            if ticket.participant_id is None]),
    ), status


@bp.route("/forums/<int:forum_id>/tables/<int:table_id>")
@role_required(Role.FACILITATOR, Role.ORGANIZER)
def console(forum_id: int, table_id: int):
    forum = forum_or_404(forum_id)
    return _console(forum, staff_table(forum, table_id))


@bp.route("/forums/<int:forum_id>/tables/<int:table_id>/step", methods=["POST"])
@role_required(Role.FACILITATOR, Role.ORGANIZER)
def table_step(forum_id: int, table_id: int):
    forum = forum_or_404(forum_id)
    table = staff_table(forum, table_id)
    back = url_for("forums.console", forum_id=forum.id, table_id=table.id)
    try:
        step = int(request.form.get("step", ""))
    except ValueError:
        return refused(DomainError(_l("알 수 없는 진행 단계입니다.")), back)
    refuse_with_way_back(back)
    services.set_table_step(forum, table.id, current_user, step)
    return redirect(url_for("forums.console", forum_id=forum.id, table_id=table.id))


@bp.route("/forums/<int:forum_id>/tables/<int:table_id>/outputs", methods=["POST"])
@role_required(Role.FACILITATOR, Role.ORGANIZER)
def table_outputs(forum_id: int, table_id: int):
    forum = forum_or_404(forum_id)
    table = staff_table(forum, table_id)
    form = TableOutputsForm()
    if not form.validate_on_submit():
        return _console(forum, table, 422, outputs_form=form)
    on_error(lambda: _console(forum, table, 200, outputs_form=form), form=form,
             field="obstacle")
    services.submit_table_outputs(forum, table.id, current_user, form.obstacle.data,
                                  form.stepping_stone.data, form.summary.data or "")
    flash(_l("테이블 키워드와 요약을 제출했습니다."), "success")
    return redirect(url_for("forums.console", forum_id=forum.id, table_id=table.id))


@bp.route("/forums/<int:forum_id>/tables/<int:table_id>/live", methods=["POST"])
@role_required(Role.FACILITATOR, Role.ORGANIZER)
def launch_table_poll(forum_id: int, table_id: int):
    forum = forum_or_404(forum_id)
    table = staff_table(forum, table_id)
    form = LivePollForm(prefix="live")
    if not form.validate_on_submit():
        return _console(forum, table, 422, live_form=form)
    on_error(lambda: _console(forum, table, 200, live_form=form), form=form, field="options")
    services.launch_live_poll(forum, current_user, table.id, form.kind.data, form.text.data,
                              form.labels(), form.max_choices.data)
    flash(_l("테이블 실시간 투표를 시작했습니다."), "success")
    return redirect(url_for("forums.console", forum_id=forum.id, table_id=table.id))


@bp.route("/forums/<int:forum_id>/tables/<int:table_id>/live/template", methods=["POST"])
@role_required(Role.FACILITATOR, Role.ORGANIZER)
def launch_template_poll(forum_id: int, table_id: int):
    """One press on the console: a table poll from a template, open at once."""
    forum = forum_or_404(forum_id)
    table = staff_table(forum, table_id)
    text = request.form.get("text", "")
    on_error(lambda: _console(forum, table, 200, template_error=refusal().message),
             shows_message=True)
    if len(text) > 300:
        raise DomainError(_l("질문은 300자 이내로 입력하세요."))
    poll_templates.launch(forum, current_user, table.id, request.form.get("template", ""), text)
    flash(_l("테이블 실시간 투표를 시작했습니다."), "success")
    return redirect(url_for("forums.console", forum_id=forum.id, table_id=table.id))


@bp.route("/forums/<int:forum_id>/polls/<int:poll_id>/close", methods=["POST"])
@role_required(Role.FACILITATOR, Role.ORGANIZER)
def close_live_poll(forum_id: int, poll_id: int):
    forum = forum_or_404(forum_id)
    back = request.form.get("back_table", "")
    back_table = record_id(back)
    target = (url_for("forums.console", forum_id=forum.id, table_id=back_table)
              if back_table is not None else url_for("forums.manage", forum_id=forum.id))
    refuse_with_way_back(target)
    services.close_live_poll(forum, poll_id, current_user)
    flash(_l("실시간 투표를 마감했습니다."), "success")
    return redirect(target)


@bp.route("/forums/<int:forum_id>/tables/<int:table_id>/tickets", methods=["POST"])
@role_required(Role.FACILITATOR, Role.ORGANIZER)
def table_ticket(forum_id: int, table_id: int):
    """A facilitator hands a ticket to someone at the table: shown on the console to scan
    or read out."""
    forum = forum_or_404(forum_id)
    table = staff_table(forum, table_id)
    issued = services.issue_tickets(forum, current_user, 1)[0]
    flash(lazy_message("좌석표 %(code)s를 발급했습니다.", code=issued.code), "success")
    return redirect(url_for("forums.console", forum_id=forum.id, table_id=table.id)
                    + "#tickets")


@bp.route("/forums/<int:forum_id>/tables/<int:table_id>/paper", methods=["POST"])
@role_required(Role.FACILITATOR, Role.ORGANIZER)
def add_paper_participant(forum_id: int, table_id: int):
    forum = forum_or_404(forum_id)
    table = staff_table(forum, table_id)
    participant = services.add_paper_participant(forum, table.id, current_user)
    flash(lazy_message("종이 참가자 %(n)d번을 더했습니다.", n=participant.number), "success")
    return redirect(url_for("forums.paper_answers", forum_id=forum.id, table_id=table.id,
                            participant_id=participant.id))


@bp.route("/forums/<int:forum_id>/tables/<int:table_id>/participants/<int:participant_id>",
          methods=["GET", "POST"])
@role_required(Role.FACILITATOR, Role.ORGANIZER)
def paper_answers(forum_id: int, table_id: int, participant_id: int):
    """A facilitator types in the paper answers of someone at their table."""
    forum = forum_or_404(forum_id)
    table = staff_table(forum, table_id)
    try:
        participant = services.participant_of_forum(forum, participant_id)
    except NotFound:
        abort(404)
    if participant.table_id != table.id:
        abort(403)
    if request.method == "POST":
        poll_id = record_id(request.form.get("poll", ""))
        on_error(lambda: _paper_page(forum, table, participant,
                                     {poll_id or 0: refusal().message}), shows_message=True)
        if poll_id is None:
            raise DomainError(_l("설문을 찾을 수 없습니다."), status=404)
        services.submit_answers(forum, poll_id, participant,
                                answers_from_form(request.form), entered_by=current_user)
        flash(lazy_message("%(n)d번 참가자의 답을 저장했습니다.", n=participant.number),
              "success")
        return redirect(request.path)
    return _paper_page(forum, table, participant, {})


def _paper_page(forum, table, participant, errors: dict):
    polls = services.polls_for_participant(forum, participant)
    return render_template(
        "forums/paper.html", forum=forum, table=table, participant=participant, polls=polls,
        phase_labels=PHASE_LABELS,
        mine=services.answers_by_poll(polls, participant), errors=errors,
        ticket=services.ticket_of(participant),
    )
