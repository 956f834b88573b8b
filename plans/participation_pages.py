"""Participation over the years: the public page (table, chart and a sentence) and the staff
page where past years' recorded figures are entered, corrected and removed."""

from flask import flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core.auth import public, role_required
from core.lifecycle import on_error
from core.tenancy import district_or_404
from plans import participation
from plans.console import INVALID, STAFF
from plans.forms import RecordedParticipationForm, RemoveRecordedForm


@public
def history_page():
    district = district_or_404()
    rows = participation.history(district.id)
    return render_template("plans/participation.html", district=district, rows=rows,
                           bars=participation.bar_percents(rows),
                           summary=participation.summary(rows))


def _recorded_page(district, status=200, error=None, form=None):
    return render_template(
        "plans/participation_recorded.html", district=district, error=error,
        form=form or RecordedParticipationForm(formdata=None),
        records=participation.recorded_figures(district.id)), status


@role_required(*STAFF)
def recorded_page():
    return _recorded_page(district_or_404())


@role_required(*STAFF)
def save_recorded():
    district = district_or_404()
    form = RecordedParticipationForm()
    if not form.validate_on_submit():
        return _recorded_page(district, 422, INVALID, form=form)
    on_error(lambda: _recorded_page(district, form=form), form=form)
    figures = {name: getattr(form, name).data for name in participation.FIGURES}
    participation.save_recorded(district.id, form.year.data, figures, form.source.data,
                                form.note.data or "", actor=current_user)
    flash(_l("기록된 참여 수치를 저장했습니다. 공개 참여 현황 페이지에 바로 보입니다."), "success")
    return redirect(url_for("plans.recorded_participation"))


@role_required(*STAFF)
def remove_recorded(record_id: int):
    district = district_or_404()
    participation.recorded_of(district.id, record_id)  # another district's row: 404 first
    form = RemoveRecordedForm()
    if not form.validate_on_submit():
        return _recorded_page(district, 422, form.confirm.errors[0] if form.confirm.errors
                              else INVALID)
    participation.remove_recorded(district.id, record_id, actor=current_user)
    flash(_l("기록된 참여 수치를 지웠습니다."), "success")
    return redirect(url_for("plans.recorded_participation"))
