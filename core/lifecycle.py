"""One request lifecycle: a view validates, calls a service and redirects or renders; this
module commits once at the end and turns a refusal into an answer.

How a request ends:

- The view returned a response: the unit of work commits (``finish``), after which mail,
  jobs and live messages queued with ``core.db.after_commit`` go out. A unique constraint the
  commit trips (two requests racing for the same row) becomes a 409 ``Conflict``, answered as
  below. Views never call ``commit()`` themselves. A response with an error status (a form
  with errors) is a refusal too: it is rolled back, never committed.
- A service raised a ``DomainError``: everything the request did is rolled back (the queued
  mail and jobs are dropped with it) and the person gets the error's status and message in
  their language:
  - JSON (``{"error": message, "status": code}``) for the API (``/api/...``), a client that
    asks for JSON, or a view that called ``answer_errors_as_json()``;
  - the form page again, with the message, when the view declared it with ``on_error(...)``
    before calling the service; the message goes to the form field the error names
    (``DomainError(..., field="email")``), else to the field the view chose, else among the
    page's flashed messages;
  - otherwise the standard error page. A ``NotFound`` gets it too, unless it names a field of
    the form (what was typed there does not exist): the page's own object is gone.

A form view therefore reads::

    form = GrantRoleForm()
    if form.validate_on_submit():
        on_error(lambda: render_template("accounts/organizer.html", grant_form=form),
                 form=form, field="email")
        services.grant_role(district.id, form.email.data, ...)
        flash(_l("역할을 부여했습니다."), "success")
        return redirect(url_for("accounts.organizer_page"))

The page is rendered after the rollback, so it shows the data as it was before the request.
Command-line commands get the same unit of work through ``unit_of_work``.
"""

from collections.abc import Callable
from functools import wraps

import click
from flask import Flask, flash, g, make_response, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from core.db import commit, db
from core.errors import Conflict, DomainError

COMMIT_CONFLICT = _l("같은 내용이 방금 다른 요청으로 바뀌었습니다. 페이지를 새로 고친 뒤 다시 "
                     "시도하세요.")


class App(Flask):
    """Flask with the request's one commit point: after the view returns, before the
    response leaves. A commit that fails is handled like an error raised by the view. A view
    that answers with an error status (a form with errors, 422) has refused: its work is
    rolled back, not committed."""

    def dispatch_request(self):
        response = self.make_response(super().dispatch_request())
        if response.status_code >= 400:
            db.session.rollback()
        else:
            finish()
        return response


def finish() -> None:
    """Commit the unit of work (a request's or a command's) and run what waited for it.

    A constraint that only the commit checks (a deferred one, or SQLite's at the end) means
    another request got there first: the person may reload and try again, hence 409."""
    try:
        commit()
    except IntegrityError as error:
        db.session.rollback()
        raise Conflict(COMMIT_CONFLICT) from error


def on_error(render: Callable[[], object], form=None, field: str | None = None, *,
             shows_message: bool = False) -> None:
    """Declare the page to show again if a service refuses this request.

    ``render`` returns what a view would return (a rendered template, optionally with a
    status); it is called after the rollback, and the error's status replaces any status it
    gives. ``form`` and ``field`` say where the message goes: the field the error names if
    ``form`` has it, else ``field``; with neither, it is flashed as an error. A page that puts
    the message in place itself (beside the poll it concerns, say) passes ``shows_message``
    and reads it from ``refusal()``."""
    g.madang_on_error = (render, form, field, shows_message)


def refusal() -> DomainError | None:
    """The refusal being answered, for a declared page that shows its message itself."""
    return g.get("madang_refusal")


def answer_errors_as_json() -> None:
    """Declare that this view answers JSON, so its refusals do too (a page's script reads
    them), whatever the path and the ``Accept`` header."""
    g.madang_json_errors = True


def wants_json() -> bool:
    return (g.get("madang_json_errors", False) or request.path.startswith("/api/")
            or request.accept_mimetypes.best == "application/json")


def handle_domain_error(error: DomainError):
    """The one answer to a refusal: roll back, then JSON, the declared form page, or the
    standard error page, with the error's status and message in the reader's language."""
    from core.views import render_error, roll_back

    declared = g.pop("madang_on_error", None)
    if declared is None or wants_json():
        return render_error(error.status, error.message)
    render, form, field, shows_message = declared
    named = error.field if form is not None and error.field in form else None
    if error.status == 404 and named is None and not shows_message:
        # The page's own object is missing: there is nothing to show again.
        return render_error(error.status, error.message)
    roll_back()
    g.madang_refusal = error
    if not shows_message:
        _attach(error.message, form, named or (field if form is not None else None))
    response = make_response(render())
    response.status_code = error.status
    return response


def _attach(message, form, field: str | None) -> None:
    if field is None:
        flash(message, "error")
        return
    form[field].errors = [*form[field].errors, message]


def unit_of_work(callback):
    """A command-line command as one unit of work: commit through ``finish`` when it
    returns; on a ``DomainError`` roll back, print its message and exit with status 1."""

    @wraps(callback)
    def run(*args, **kwargs):
        try:
            result = callback(*args, **kwargs)
            finish()
        except DomainError as error:
            db.session.rollback()
            raise click.ClickException(str(error.message)) from None
        return result

    return run


def init_app(app: Flask) -> None:
    app.register_error_handler(DomainError, handle_domain_error)
