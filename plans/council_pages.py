"""The council (협치회의): roster, meetings, attendance, motions and their decision,
minutes and their public page."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice

from core.auth import public, role_required
from core.inputs import record_id
from core.lifecycle import on_error
from core.tenancy import district_or_404, seoul_today
from plans import building, council, settings
from plans.console import INVALID, STAFF, rule_rows
from plans.forms import (
    VOTE_CHOICES,
    AttendanceForm,
    MeetingForm,
    MemberForm,
    MinutesForm,
    MotionForm,
    ReplaceForm,
    RetireForm,
)
from plans.models import PlanStatus


def _seated_choices(district) -> list[SelectChoice]:
    return [SelectChoice(m.id, f"{m.name} ({m.seat_label}, {m.type_label})")
            for m in council.roster(district.id)]


def _council_page(district, status=200, error=None, **forms):
    today = seoul_today()
    retire_form = forms.get("retire_form") or RetireForm(formdata=None, prefix="retire")
    replace_form = forms.get("replace_form") or ReplaceForm(formdata=None, prefix="replace")
    retire_form.member_id.choices = replace_form.member_id.choices = _seated_choices(district)
    return render_template(
        "plans/council.html", district=district, members=council.everyone(district.id),
        seated=council.roster(district.id, today), today=today,
        checks=rule_rows(council.roster_checks(district.id, today)),
        settings=settings.settings_for(district.id), meetings=council.meetings(district.id),
        member_form=forms.get("member_form") or MemberForm(formdata=None),
        meeting_form=forms.get("meeting_form") or MeetingForm(formdata=None),
        retire_form=retire_form, replace_form=replace_form, error=error), status


@role_required(*STAFF)
def council_page():
    return _council_page(district_or_404())


def _council_action(form, form_name, action, done, back=None):
    district = district_or_404()
    if hasattr(form, "member_id"):
        form.member_id.choices = _seated_choices(district)
    if not form.validate_on_submit():
        return _council_page(district, 422, INVALID, **{form_name: form})
    on_error(lambda: _council_page(district, **{form_name: form}))
    result = action(district)
    flash(done, "success")
    return redirect(back(result) if back else url_for("plans.council"))


@role_required(*STAFF)
def add_member():
    form = MemberForm()
    return _council_action(form, "member_form", lambda d: council.add_member(
        d.id, form.name.data, form.affiliation.data or "", form.member_type.data,
        form.gender.data, form.seat.data, form.term_starts_on.data, form.term_ends_on.data,
        current_user), _l("위원을 추가했습니다."))


@role_required(*STAFF)
def renew_member(member_id: int):
    district = district_or_404()
    on_error(lambda: _council_page(district))
    council.renew_member(district.id, member_id, current_user)
    flash(_l("위원의 임기를 연임으로 2년 늘렸습니다."), "success")
    return redirect(url_for("plans.council"))


@role_required(*STAFF)
def retire_member():
    form = RetireForm(prefix="retire")
    return _council_action(form, "retire_form", lambda d: council.retire_member(
        d.id, form.member_id.data, form.retired_on.data, form.reason.data, current_user),
        _l("위원의 퇴임을 사유와 함께 기록했습니다."))


@role_required(*STAFF)
def replace_member():
    form = ReplaceForm(prefix="replace")
    return _council_action(form, "replace_form", lambda d: council.replace_member(
        d.id, form.member_id.data, form.retired_on.data, form.reason.data, form.name.data,
        form.affiliation.data or "", form.member_type.data, form.gender.data,
        form.term_ends_on.data, current_user), _l("위원을 교체했습니다."))


@role_required(*STAFF)
def open_meeting():
    form = MeetingForm()
    return _council_action(form, "meeting_form", lambda d: council.open_meeting(
        d.id, form.title.data, form.held_on.data), _l("회의를 열었습니다."),
        lambda meeting: url_for("plans.meeting_page", meeting_id=meeting.id))


def _meeting_page(district, meeting, status=200, error=None, motion_form=None):
    members = council.everyone(district.id)
    attendance = AttendanceForm(formdata=None)
    attendance.member_ids.choices = [SelectChoice(m.id, f"{m.name} ({m.type_label})")
                                     for m in council.roster(district.id, meeting.held_on)]
    attendance.member_ids.data = [a.member_id for a in meeting.attendance]
    plans = [p for p in (building.plan_for_cycle(district.id, c.id) for c in district.cycles)
             if p is not None and p.status == PlanStatus.COUNCIL.value]
    return render_template(
        "plans/meeting.html", meeting=meeting, members={m.id: m for m in members},
        attendance_form=attendance, motion_form=motion_form or MotionForm(formdata=None),
        minutes_form=MinutesForm(formdata=None, minutes=meeting.minutes),
        vote_choices=VOTE_CHOICES, reviewable=plans, error=error,
        quorum=meeting.members // 2 + 1), status


@role_required(*STAFF)
def meeting_page(meeting_id: int):
    district = district_or_404()
    return _meeting_page(district, council.get_meeting(district.id, meeting_id))


def _meeting_action(meeting_id: int, action, done, form=None, form_name=None):
    district = district_or_404()
    meeting = council.get_meeting(district.id, meeting_id)
    extra = {form_name: form} if form_name else {}
    if form is not None and not form.validate_on_submit():
        return _meeting_page(district, meeting, 422, INVALID, **extra)
    on_error(lambda: _meeting_page(district, council.get_meeting(district.id, meeting_id),
                                   **extra))
    action(district, meeting)
    flash(done, "success")
    return redirect(url_for("plans.meeting_page", meeting_id=meeting_id))


def _int_list(name: str) -> list[int]:
    return [number for v in request.form.getlist(name) if (number := record_id(v)) is not None]


@role_required(*STAFF)
def record_attendance(meeting_id: int):
    return _meeting_action(meeting_id, lambda d, m: council.record_attendance(
        d.id, m.id, _int_list("member_ids")), _l("출석을 기록했습니다."))


@role_required(*STAFF)
def add_motion(meeting_id: int):
    form = MotionForm()

    def action(district, meeting):
        plan_id = record_id(request.form.get("plan_id", ""))
        council.add_motion(district.id, meeting.id, form.title.data, form.kind.data,
                           plan_id if form.approves_plan.data else None)

    return _meeting_action(meeting_id, action, _l("안건을 올렸습니다."), form, "motion_form")


@role_required(*STAFF)
def decide(motion_id: int):
    district = district_or_404()
    motion = council.get_motion(district.id, motion_id)
    votes = {}
    for key, value in request.form.items():
        member_id = record_id(key.removeprefix("vote-")) if key.startswith("vote-") else None
        if member_id is not None and value:
            votes[member_id] = value
    return _meeting_action(motion.meeting_id, lambda d, m: council.decide(
        d.id, motion_id, votes, current_user), _l("안건을 의결했습니다."))


@role_required(*STAFF)
def record_minutes(meeting_id: int):
    form = MinutesForm()
    return _meeting_action(meeting_id, lambda d, m: council.record_minutes(
        d.id, m.id, form.minutes.data, form.publish.data), _l("회의록을 저장했습니다."))


@public
def published_minutes():
    district = district_or_404()
    meetings = [m for m in council.meetings(district.id) if m.minutes_published_at]
    return render_template("plans/minutes.html", meetings=meetings,
                           members={m.id: m for m in council.everyone(district.id)},
                           checks=rule_rows(council.roster_checks(district.id)),
                           roster=council.roster(district.id))
