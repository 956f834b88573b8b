"""Proposals, support, comments, merging with provenance, the shortlist and moderation.

The blueprint lives in ``agenda.views``; this module imports neither Flask nor the
views, so the package's pure parts load alone."""


def setup(app) -> None:
    """Template helpers: the one Markdown renderer, and the labels for fields and statuses;
    agenda's part of the personal-data purge."""
    from accounts.retention import register
    from agenda.markup import render_markdown
    from agenda.models import FIELD_LABELS, KIND_LABELS, STATUS_LABELS
    from agenda.now import open_call
    from agenda.retention import PART
    from core import now

    register(PART)
    now.register("agenda", open_call)

    app.jinja_env.filters["agenda_markdown"] = render_markdown
    app.jinja_env.globals.update(agenda_field_labels=FIELD_LABELS,
                                 agenda_kind_labels=KIND_LABELS,
                                 agenda_status_labels=STATUS_LABELS)
