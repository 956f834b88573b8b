"""The organizers' pages for a vote's definition: the list of votes, the form that creates
and changes one (what a frozen vote locks is shown disabled, with why), opening and closing
it now, and the admin's reset. The URL map is in ``voting.views``."""

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice

from core.auth import Role, role_required
from core.db import utcnow
from core.errors import DomainError
from core.i18n import lazy_message
from core.lifecycle import on_error
from core.tenancy import SEOUL, current_cycle, district_id_or_404, district_or_404
from voting import definition, stored_ballots, vote_log
from voting.forms import ResetForm, VoteForm, WindowForm, seoul_datetime
from voting.labels import (
    BALLOT_TYPE_LABELS,
    METHOD_EXPLANATIONS,
    METHOD_LABELS,
    VOTE_LOG_LABELS,
)
from voting.rules import METHODS_BY_TYPE, BallotType, Electorate


def _vote_or_404(vote_id: int):
    return definition.get_vote(district_id_or_404(), vote_id)


@role_required(Role.ORGANIZER, Role.FACILITATOR)
def organize_votes():
    district = district_or_404()
    return render_template("voting/organize.html", votes=definition.votes_of(district.id),
                           now=utcnow(), type_labels=BALLOT_TYPE_LABELS,
                           is_organizer=current_user.has_role(district.id, Role.ORGANIZER))


def _vote_form(district, cycle, vote=None, *, posted: bool | None = None) -> VoteForm:
    """The vote's form: as posted, or (a first visit, a page shown again after a refused
    open or close) filled from the vote. Fields a frozen vote locks are shown disabled, and
    browsers send no disabled field: those the post lacks are the vote's own."""
    posted = request.method == "POST" if posted is None else posted
    if vote is not None and posted and definition.is_frozen(vote):
        formdata = request.form.copy()
        for name, values in _locked_values(vote).items():
            if name not in formdata:
                formdata.setlist(name, values)
        form = VoteForm(formdata=formdata)
    elif vote is not None and not posted:
        form = VoteForm(formdata=None, obj=vote)
    else:
        form = VoteForm() if posted else VoteForm(formdata=None)
    shortlist = definition.shortlist_of(cycle.id) if cycle else {}
    choices = {agenda_id: item.title for agenda_id, item in shortlist.items()}
    if vote is not None:
        choices.update({item.agenda_item_id: item.title for item in vote.items})
    form.items.choices = [SelectChoice(i, title) for i, title in choices.items()]
    form.dongs.choices = [SelectChoice(d.id, d.name) for d in district.dongs]
    if vote is not None and not posted:
        form.items.data = [item.agenda_item_id for item in vote.items]
        form.dongs.data = [d.id for d in vote.dongs]
        form.opens_at.data = vote.opens_at.astimezone(SEOUL).replace(tzinfo=None)
        form.closes_at.data = vote.closes_at.astimezone(SEOUL).replace(tzinfo=None)
        form.compare_methods.data = vote.methods[1:]
    elif vote is None and not posted:
        start = utcnow().astimezone(SEOUL).replace(second=0, microsecond=0, tzinfo=None)
        form.opens_at.data = start + timedelta(days=1)
        form.closes_at.data = start + timedelta(days=11)
    return form


def _locked_values(vote) -> dict[str, list[str]]:
    """What a frozen vote's locked fields hold, as a form would post them."""
    def text(value) -> list[str]:
        return ["" if value is None else str(value)]

    values = {name: text(getattr(vote, name)) for name in definition.FROZEN_FIELDS}
    values["compare_methods"] = vote.methods[1:]
    values["items"] = [str(item.agenda_item_id) for item in vote.items]
    values["dongs"] = [str(d.id) for d in vote.dongs]
    return values


def _definition(form: VoteForm) -> definition.VoteDefinition:
    return definition.VoteDefinition(
        title=form.title.data, description=form.description.data or "",
        ballot_type=BallotType(form.ballot_type.data), agenda_item_ids=list(form.items.data),
        opens_at=seoul_datetime(form.opens_at.data), closes_at=seoul_datetime(form.closes_at.data),
        method=form.method.data, min_choices=form.min_choices.data,
        max_choices=form.max_choices.data, budget_limit=form.budget_limit.data,
        points_total=form.points_total.data, electorate=Electorate(form.electorate.data),
        min_age=form.min_age.data, dong_ids=list(form.dongs.data or []),
        results_live=form.results_live.data, compare_methods=list(form.compare_methods.data or []),
        seats=form.seats.data, mes_completion=form.mes_completion.data,
        weight_vote=form.weight_vote.data,
        weight_forum=form.weight_forum.data, weight_review=form.weight_review.data,
    )


@role_required(Role.ORGANIZER)
def edit_vote(vote_id: int | None = None):
    district = district_or_404()
    vote = _vote_or_404(vote_id) if vote_id is not None else None
    cycle = vote.cycle if vote is not None else current_cycle(district)
    form = _vote_form(district, cycle, vote)
    if form.validate_on_submit():
        # A refusal about no one field (a frozen vote's rules) is shown above the form.
        on_error(lambda: _vote_page(form, vote), form=form)
        if vote is None:
            if cycle is None:
                abort(404)
            vote = definition.create_vote(district.id, cycle.id, _definition(form), current_user)
        else:
            definition.update_vote(district.id, vote.id, _definition(form), current_user)
        flash(_("투표를 저장했습니다."), "success")
        # Its page: what it now is, and opening or closing it from there.
        return redirect(url_for("voting.edit_vote", vote_id=vote.id))
    return _vote_page(form, vote), 422 if form.is_submitted() else 200


def _vote_page(form: VoteForm, vote=None):
    """The vote's form page; for an existing vote also its open and close buttons, what is
    locked and why, and its history."""
    now = utcnow()
    return render_template(
        "voting/vote_form.html", form=form, vote=vote, now=now,
        status=vote.status_at(now) if vote is not None else None,
        locked=vote is not None and definition.is_frozen(vote),
        ballots=stored_ballots.ballot_count(vote.id) if vote is not None else 0,
        methods={t.value: list(m) for t, m in METHODS_BY_TYPE.items()},
        type_labels=BALLOT_TYPE_LABELS, method_labels=METHOD_LABELS,
        method_explanations=METHOD_EXPLANATIONS, log_labels=VOTE_LOG_LABELS,
        log=vote_log.log_of(vote) if vote is not None else [], reset_form=ResetForm())


def _manage_page_again(vote_id: int):
    vote = _vote_or_404(vote_id)
    return _vote_page(_vote_form(district_or_404(), vote.cycle, vote, posted=False), vote)


@role_required(Role.ORGANIZER)
def open_vote_now(vote_id: int):
    vote = _vote_or_404(vote_id)
    if not WindowForm().validate_on_submit():
        abort(400)
    on_error(lambda: _manage_page_again(vote_id))
    definition.open_now(vote.district_id, vote.id, current_user)
    flash(_("투표를 열었습니다. 지금부터 주민이 투표할 수 있습니다."), "success")
    return redirect(url_for("voting.edit_vote", vote_id=vote.id))


@role_required(Role.ORGANIZER)
def close_vote_now(vote_id: int):
    vote = _vote_or_404(vote_id)
    if not WindowForm().validate_on_submit():
        abort(400)
    on_error(lambda: _manage_page_again(vote_id))
    definition.close_now(vote.district_id, vote.id, current_user)
    flash(_("투표를 마감했습니다. 이제 결과를 집계하고 확정할 수 있습니다."), "success")
    return redirect(url_for("voting.edit_vote", vote_id=vote.id))


@role_required(Role.ADMIN)
def reset_vote(vote_id: int):
    vote = _vote_or_404(vote_id)
    form = ResetForm()
    on_error(lambda: redirect(url_for("voting.edit_vote", vote_id=vote.id)))
    if not form.validate_on_submit():
        raise DomainError(_l("초기화 사유를 적으세요."))
    removed = definition.reset_vote(vote.district_id, vote.id, current_user, form.reason.data)
    flash(lazy_message("투표를 초기화했습니다(투표지 %(n)d장 삭제). 기록에 남았습니다.",
                       n=removed), "success")
    return redirect(url_for("voting.edit_vote", vote_id=vote.id))


