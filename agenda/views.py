"""Agenda pages: browse, propose, item page with support and comments, coordination console,
and the public JSON API."""

from dataclasses import dataclass

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice

from agenda import (
    browsing,
    channel_pages,
    comments,
    coordination,
    intake,
    merging,
    moderation,
    notices,
    proposals,
    register,
    supporters,
)
from agenda.forms import (
    AssignForm,
    CommentForm,
    DuplicateForm,
    FusedForm,
    ProposalForm,
    ReasonForm,
    ReportForm,
    ShortlistForm,
    StatusForm,
    area_choices,
)
from agenda.models import (
    CHANNEL_LABELS,
    FIELD_LABELS,
    KIND_LABELS,
    STATUS_LABELS,
    AgendaItem,
    LogAction,
    Status,
)
from core.auth import Role, member_required, public, role_required, signed_in
from core.i18n import lazy_message
from core.inputs import record_id
from core.lifecycle import on_error
from core.security import rate_limited
from core.tenancy import current_cycle, district_or_404, seoul_today

bp = Blueprint("agenda", __name__)

LOG_LABELS = {
    LogAction.PROPOSED: _l("제안"),
    LogAction.EDITED: _l("수정"),
    LogAction.STATUS: _l("상태 변경"),
    LogAction.MERGED_INTO: _l("통합 의제에 합쳐짐"),
    LogAction.FUSED: _l("통합 의제로 만들어짐"),
    LogAction.MERGE_UNDONE: _l("통합 취소"),
    LogAction.ASSIGNED: _l("담당 부서·민간 파트너 지정"),
    LogAction.DUPLICATE: _l("기존 사업과 중복 표시"),
    LogAction.SHORTLISTED: _l("최종 후보 선정"),
    LogAction.HIDDEN: _l("숨김"),
    LogAction.UNHIDDEN: _l("숨김 해제"),
    LogAction.ADOPTED: _l("연중 수시 제안을 주기에 반영"),
}



def _item_or_404(district, item_id: int) -> AgendaItem:
    item = proposals.get_item(district.id, item_id)
    if not proposals.can_view(item, current_user):
        abort(404)
    return item


def _proposal_from(form: ProposalForm) -> proposals.Proposal:
    return proposals.Proposal(
        title=form.title.data or "", description=form.description.data or "",
        field=form.field.data, kind=form.kind.data,
        dong_id=int(form.area.data) if form.area.data else None,
        estimated_cost=form.estimated_cost.data,
        proposing_group=form.proposing_group.data or "",
    )


# --- browsing --------------------------------------------------------------------------


def _int_arg(name: str, default: int | None = None) -> int | None:
    number = record_id(request.args.get(name, ""))
    return default if number is None else number


@dataclass(frozen=True)
class ListFilter:
    """One drop-down of the agenda list's filters (query parameter, label, value → label); the
    page folds them behind one disclosure on phones and shows the chosen ones as chips."""

    name: str
    label: object
    options: dict


@bp.route("/agenda")
@public
def browse():
    district = district_or_404()
    cycle_id = _int_arg("cycle")
    cycle = (proposals.get_cycle(district.id, cycle_id) if cycle_id and any(
        c.id == cycle_id for c in district.cycles) else current_cycle(district))
    filters = {key: request.args.get(key) or None
               for key in ("field", "kind", "area", "status", "channel", "q")}
    sort = request.args.get("sort") if request.args.get("sort") in browsing.SORTS else "newest"
    result = browsing.browse(district.id, cycle.id if cycle else None, field=filters["field"],
                             kind=filters["kind"], area=filters["area"],
                             status=filters["status"], channel=filters["channel"],
                             query=filters["q"], sort=sort,
                             page=_int_arg("page", 1))
    areas = {"district": _l("구 전체"), **{str(d.id): d.label for d in district.dongs}}
    choices = [
        ListFilter("field", _l("분야"), FIELD_LABELS),
        ListFilter("kind", _l("의제 유형"), KIND_LABELS),
        ListFilter("area", _l("지역"), areas),
        ListFilter("status", _l("상태"), STATUS_LABELS),
        ListFilter("channel", _l("접수 경로"), CHANNEL_LABELS),
    ]
    return render_template("agenda/browse.html", district=district, cycle=cycle,
                           result=result, filters=filters, sort=sort, choices=choices,
                           chips=[(c, c.options[filters[c.name]]) for c in choices
                                  if filters[c.name] in c.options])


# --- proposing -------------------------------------------------------------------------


def _proposal_form(district, item: AgendaItem | None = None) -> ProposalForm:
    form = ProposalForm(obj=item if request.method == "GET" else None)
    form.area.choices = area_choices(district)
    if item is not None and request.method == "GET":
        form.area.data = str(item.dong_id) if item.dong_id else ""
    return form


def _similar(district, cycle_id, form: ProposalForm, exclude_id=None):
    return intake.similar_items(district.id, cycle_id, form.title.data or "",
                                form.description.data or "", exclude_id=exclude_id)


def _checking_similar() -> bool:
    # The no-script "similar proposals?" button only reads.
    return "check_similar" in request.form


@bp.route("/agenda/propose", methods=["GET", "POST"])
@rate_limited("PROPOSE", exempt_when=_checking_similar)
@member_required
def propose():
    district = district_or_404()
    form = _proposal_form(district)
    cycle, year_round = intake.intake_cycle(district, seoul_today())

    def page(similar=None, projects=None):
        return render_template("agenda/propose.html", form=form, cycle=cycle,
                               year_round=year_round, similar=similar, item=None,
                               similar_projects=projects)

    if request.method == "POST" and "check_similar" in request.form:
        # The no-script path: the page comes back with similar items and the district's
        # similar existing projects, the draft intact.
        return page(_similar(district, cycle.id if cycle else None, form),
                    register.similar_projects(district.id, form.title.data or "",
                                              form.description.data or ""))
    if not form.validate_on_submit():
        return page(), 422 if form.is_submitted() else 200
    draft = "save_draft" in request.form
    on_error(page, form=form, field="title")
    item = intake.propose(district, current_user, _proposal_from(form), seoul_today(),
                          draft=draft)
    flash(_l("임시 저장했습니다. 내 제안에서 이어서 쓸 수 있습니다.") if draft
          else _l("의제를 제안했습니다. 이웃의 공감을 받아 보세요."), "success")
    return redirect(url_for("agenda.item_page", item_id=item.id))


@bp.route("/agenda/<int:item_id>/edit", methods=["GET", "POST"])
@member_required
def edit(item_id: int):
    district = district_or_404()
    item = _item_or_404(district, item_id)
    on_error(lambda: _item_page(district, item))
    intake.check_editable(item, current_user, seoul_today())
    form = _proposal_form(district, item)

    def page(similar=None):
        return render_template("agenda/propose.html", form=form, cycle=item.cycle,
                               year_round=item.year_round, similar=similar, item=item)

    if request.method == "POST" and "check_similar" in request.form:
        return page(_similar(district, item.cycle_id, form, exclude_id=item.id))
    if not form.validate_on_submit():
        return page(), 422 if form.is_submitted() else 200
    draft = item.is_draft and "save_draft" in request.form
    on_error(page, form=form, field="title")
    intake.edit(district.id, item.id, current_user, _proposal_from(form), seoul_today(),
                draft=draft)
    flash(_l("임시 저장했습니다.") if draft else _l("의제를 저장했습니다."), "success")
    return redirect(url_for("agenda.item_page", item_id=item.id))


@bp.route("/agenda/mine")
@signed_in
def mine():
    district = district_or_404()
    items = browsing.my_items(district.id, current_user)
    received = notices.notices_for(current_user)
    unread = [n.id for n in received if n.read_at is None]
    page = render_template("agenda/mine.html", items=items, notices=received, unread=unread,
                           status_labels=STATUS_LABELS)
    if unread:
        notices.mark_notices_read(current_user)
    return page


# --- the item page and what residents do on it -----------------------------------------


def _item_page(district, item: AgendaItem, status: int = 200, error=None, **forms):
    if error is not None:
        flash(error, "error")
    coordinator = proposals.is_coordinator(current_user, district.id)
    owner = current_user.is_authenticated and item.author_id == current_user.id
    merge = proposals.active_merge(item)
    log = list(item.log)
    context = {
        "district": district, "item": item, "coordinator": coordinator, "owner": owner,
        "show_content": not item.is_hidden or coordinator or owner,
        "supporters": supporters.support_count(item.id),
        "supported": supporters.supports(item.id, current_user),
        "supportable": item.status in supporters.SUPPORTABLE and proposals.is_public(item),
        "support_blocked": supporters.why_not_supportable(item, current_user),
        "support_reasons": supporters.CLOSED_REASONS, "own_proposal": supporters.OWN_PROPOSAL,
        "comments": comments.comments_of(item.id) if proposals.is_public(item) else [],
        "merge": merge, "sources": proposals.sources_of(item),
        "log": log, "log_labels": LOG_LABELS, "status_labels": STATUS_LABELS,
        "editable": ((owner or (coordinator and item.is_fused))
                     and intake.is_editable(item, current_user, seoul_today())),
        "comment_form": forms.get("comment_form") or CommentForm(formdata=None),
        "report_form": forms.get("report_form") or ReportForm(formdata=None),
        "reason_form": forms.get("reason_form") or ReasonForm(formdata=None),
    }
    if coordinator:
        context.update(
            status_form=forms.get("status_form") or StatusForm(formdata=None),
            shortlist_form=forms.get("shortlist_form") or ShortlistForm(
                formdata=None, for_vote=item.shortlisted_for_vote,
                for_forum=item.shortlisted_for_forum),
            assign_form=forms.get("assign_form") or AssignForm(formdata=None, obj=item),
            duplicate_form=forms.get("duplicate_form") or DuplicateForm(formdata=None),
        )
    return render_template("agenda/item.html", **context), status


@bp.route("/agenda/<int:item_id>")
@public
def item_page(item_id: int):
    district = district_or_404()
    return _item_page(district, _item_or_404(district, item_id))


def _act(item_id: int, action, done_message, form_name: str | None = None, form=None):
    """Run a service for an item page form: 404 for foreign ids, the item page again with the
    refusal's message and 4xx otherwise."""
    district = district_or_404()
    item = _item_or_404(district, item_id)
    forms = {form_name: form} if form is not None else {}
    if form is not None and not form.validate_on_submit():
        return _item_page(district, item, 422, error=_l("입력을 확인하세요."), **forms)
    on_error(lambda: _item_page(district, _item_or_404(district, item_id), **forms))
    action(district, item)
    flash(done_message, "success")
    return redirect(url_for("agenda.item_page", item_id=item_id))


@bp.route("/agenda/<int:item_id>/support", methods=["POST"])
@rate_limited("SUPPORT")
@member_required
def support(item_id: int):
    return _act(item_id, lambda d, i: supporters.support(d.id, i.id, current_user),
                _l("공감했습니다."))


@bp.route("/agenda/<int:item_id>/support/withdraw", methods=["POST"])
@member_required
def withdraw_support(item_id: int):
    return _act(item_id, lambda d, i: supporters.withdraw_support(d.id, i.id, current_user),
                _l("공감을 거뒀습니다."))


def _optional_id(value) -> int | None:
    return record_id(str(value)) if value else None


@bp.route("/agenda/<int:item_id>/comments", methods=["POST"])
@rate_limited("COMMENT")
@member_required
def comment(item_id: int):
    form = CommentForm()
    return _act(item_id, lambda d, i: comments.add_comment(
        d.id, i.id, current_user, form.body.data, _optional_id(form.parent_id.data)),
        _l("댓글을 남겼습니다."), "comment_form", form)


@bp.route("/agenda/<int:item_id>/report", methods=["POST"])
@member_required
def report(item_id: int):
    form = ReportForm()
    return _act(item_id, lambda d, i: moderation.report(
        d.id, current_user, i.id, form.reason.data, _optional_id(form.comment_id.data)),
        _l("신고를 접수했습니다. 운영자가 확인합니다."), "report_form", form)


# --- coordination (organizers) ---------------------------------------------------------


@bp.route("/agenda/<int:item_id>/status", methods=["POST"])
@role_required(Role.ORGANIZER)
def change_status(item_id: int):
    form = StatusForm()
    return _act(item_id, lambda d, i: coordination.set_status(
        i.id, form.status.data, current_user, form.reason.data or "", district_id=d.id),
        _l("상태를 바꿨습니다."), "status_form", form)


@bp.route("/agenda/<int:item_id>/shortlist", methods=["POST"])
@role_required(Role.ORGANIZER)
def shortlist(item_id: int):
    form = ShortlistForm()
    return _act(item_id, lambda d, i: coordination.shortlist(
        d.id, i.id, current_user, form.for_forum.data, form.for_vote.data, form.reason.data),
        _l("최종 후보로 정했습니다."), "shortlist_form", form)


@bp.route("/agenda/<int:item_id>/assign", methods=["POST"])
@role_required(Role.ORGANIZER)
def assign(item_id: int):
    form = AssignForm()
    return _act(item_id, lambda d, i: coordination.assign(
        d.id, i.id, current_user, form.department.data, form.civil_partners.data),
        _l("담당을 지정했습니다."), "assign_form", form)


@bp.route("/agenda/<int:item_id>/duplicate", methods=["POST"])
@role_required(Role.ORGANIZER)
def mark_duplicate(item_id: int):
    form = DuplicateForm()
    return _act(item_id, lambda d, i: coordination.mark_duplicate(
        d.id, i.id, current_user, form.project.data, form.reason.data),
        _l("기존 사업과 중복으로 표시했습니다."), "duplicate_form", form)


@bp.route("/agenda/<int:item_id>/undo-merge", methods=["POST"])
@role_required(Role.ORGANIZER)
def undo_merge(item_id: int):
    form = ReasonForm()
    return _act(item_id, lambda d, i: merging.undo_merge(d.id, i.id, current_user,
                                                         form.reason.data),
                _l("통합을 취소했습니다. 원 제안이 이전 상태로 돌아갔습니다."), "reason_form", form)


@bp.route("/agenda/<int:item_id>/hide", methods=["POST"])
@role_required(Role.ORGANIZER)
def hide(item_id: int):
    form = ReasonForm()
    return _act(item_id, lambda d, i: moderation.hide_item(d.id, i.id, current_user,
                                                           form.reason.data),
                _l("의제를 숨겼습니다. 제안자에게 사유를 알렸습니다."), "reason_form", form)


@bp.route("/agenda/<int:item_id>/unhide", methods=["POST"])
@role_required(Role.ORGANIZER)
def unhide(item_id: int):
    form = ReasonForm()
    return _act(item_id, lambda d, i: moderation.unhide_item(d.id, i.id, current_user,
                                                             form.reason.data),
                _l("숨김을 해제했습니다."), "reason_form", form)


@bp.route("/agenda/<int:item_id>/comments/<int:comment_id>/hide", methods=["POST"])
@role_required(Role.ORGANIZER)
def hide_comment(item_id: int, comment_id: int):
    form = ReasonForm()

    def action(district, item):
        comment = moderation.hide_comment(district.id, comment_id, current_user, form.reason.data)
        if comment.item_id != item.id:
            abort(404)

    return _act(item_id, action, _l("댓글을 숨겼습니다."), "reason_form", form)


def _console(district, cycle, merge_form: FusedForm | None = None, status: int = 200):
    result = browsing.browse(district.id, cycle.id if cycle else None, page_size=500) \
        if cycle else None
    items = [i for i in result.items if i.status != Status.DISSOLVED] if result else []
    form = merge_form or FusedForm(formdata=None)
    form.area.choices = area_choices(district)
    form.item_ids.choices = [SelectChoice(i.id, i.title) for i in items]
    return render_template(
        "agenda/console.html", district=district, cycle=cycle, items=items,
        counts=result.counts if result else {}, merge_form=form,
        pool=intake.year_round_pool(district.id), reports=moderation.open_reports(district.id),
        shortlist=coordination.shortlisted_items(cycle.id, for_vote=False) if cycle else [],
        reason_form=ReasonForm(formdata=None), status_labels=STATUS_LABELS,
    ), status


@bp.route("/agenda/coordinate")
@role_required(Role.ORGANIZER)
def console():
    district = district_or_404()
    return _console(district, current_cycle(district))


@bp.route("/agenda/coordinate/merge", methods=["POST"])
@role_required(Role.ORGANIZER)
def merge():
    district = district_or_404()
    cycle = current_cycle(district)
    form = FusedForm()
    form.area.choices = area_choices(district)
    # Any id may be posted; the service decides (404 for foreign ids, 4xx for the rules).
    form.item_ids.choices = [SelectChoice(number, v) for v in request.form.getlist("item_ids")
                             if (number := record_id(v)) is not None]
    if not form.validate_on_submit():
        return _console(district, cycle, form, 422)
    on_error(lambda: _console(district, cycle, form))
    fused = merging.merge(district.id, form.item_ids.data, current_user,
                          _proposal_from(form), form.reason.data)
    flash(lazy_message("의제 %(n)d건을 통합했습니다.", n=len(form.item_ids.data)), "success")
    return redirect(url_for("agenda.item_page", item_id=fused.id))


@bp.route("/agenda/coordinate/adopt-pool", methods=["POST"])
@role_required(Role.ORGANIZER)
def adopt_pool():
    district = district_or_404()
    cycle = current_cycle(district)
    if cycle is None:
        abort(404)
    moved = intake.adopt_pool(district.id, cycle.id, current_user)
    flash(lazy_message("연중 수시 제안 %(n)d건을 %(cycle)s에 반영했습니다.",
                       n=moved, cycle=cycle.title), "success")
    return redirect(url_for("agenda.console"))


@bp.route("/agenda/reports/<int:report_id>/dismiss", methods=["POST"])
@role_required(Role.ORGANIZER)
def dismiss_report(report_id: int):
    district = district_or_404()
    on_error(lambda: _console(district, current_cycle(district)))
    moderation.dismiss_report(district.id, report_id, current_user)
    flash(_l("신고를 기각했습니다."), "success")
    return redirect(url_for("agenda.console"))


# --- JSON ------------------------------------------------------------------------------


@bp.route("/api/v1/agenda/similar")
@public
def similar_json():
    district = district_or_404()
    cycle_id = _int_arg("cycle")
    if cycle_id is None:
        cycle, _year_round = intake.intake_cycle(district, seoul_today())
        cycle_id = cycle.id if cycle else None
    elif not any(c.id == cycle_id for c in district.cycles):
        abort(404)
    found = intake.similar_items(district.id, cycle_id, request.args.get("title", ""),
                                 request.args.get("description", ""),
                                 exclude_id=_int_arg("exclude"))
    projects = register.similar_projects(district.id, request.args.get("title", ""),
                                         request.args.get("description", ""))
    return jsonify(items=[
        {"id": item.id, "title": item.title, "status": item.status,
         "status_label": str(item.status_label), "score": round(score, 3),
         "url": url_for("agenda.item_page", item_id=item.id)}
        for item, score in found
    ], projects=[
        {"id": project.id, "title": project.title, "score": round(score, 3),
         "unit": project.org_unit.name if project.org_unit else None}
        for project, score in projects
    ])


def _item_json(item: AgendaItem, supporter_count: int) -> dict:
    return {
        "id": item.id, "title": item.title, "description": item.description,
        "field": item.field, "kind": item.kind, "status": item.status,
        "area": item.dong.name if item.dong else None,
        "estimated_cost": item.estimated_cost, "proposing_group": item.proposing_group or None,
        "channel": item.channel,
        "supporters": supporter_count, "is_fused": item.is_fused,
        "merged_into": item.merged_into_id, "year_round": item.year_round,
        "shortlisted_for_forum": item.shortlisted_for_forum,
        "shortlisted_for_vote": item.shortlisted_for_vote,
        "shortlist_reason": item.shortlist_reason or None,
        "decline_reason": item.decline_reason or None,
        "department": item.department or None, "civil_partners": item.civil_partners or None,
        "duplicate_of_project": item.duplicate_of_project or None,
        "origin": item.origin, "origin_cycle": item.origin_cycle_id,
        "sources": [{"id": s.id, "title": s.title, "status": s.status}
                    for s in proposals.sources_of(item)],
        "created_at": item.created_at.isoformat(),
        "url": url_for("agenda.item_page", item_id=item.id, _external=True),
    }


@bp.route("/api/v1/cycles/<int:cycle_id>/agenda")
@public
def cycle_agenda_json(cycle_id: int):
    district = district_or_404()
    proposals.get_cycle(district.id, cycle_id)
    result = browsing.browse(
        district.id, cycle_id, field=request.args.get("field"), kind=request.args.get("kind"),
        area=request.args.get("area"), status=request.args.get("status"),
        query=request.args.get("q"),
        sort=request.args.get("sort") if request.args.get("sort") in browsing.SORTS
        else "newest",
        page=_int_arg("page", 1), page_size=min(_int_arg("per_page", 50) or 50, 200))
    return jsonify(
        cycle=cycle_id, total=result.total, page=result.page, pages=result.pages,
        items=[_item_json(item, result.counts[item.id]) for item in result.items],
    )


bp.add_url_rule("/agenda/on-behalf", "enter_on_behalf", channel_pages.enter_on_behalf,
                methods=["GET", "POST"])
bp.add_url_rule("/agenda/register", "register_page", channel_pages.register_page)
bp.add_url_rule("/agenda/register/projects", "register_project",
                channel_pages.register_project, methods=["POST"])
