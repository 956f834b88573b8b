"""The annual plan, its budget and council rules, review, evaluation and progress reports.

One module of operations per room of the year: ``settings``, ``building``, ``review``,
``council``, ``progress``, ``evaluation``, ``findings``, ``what_if`` and ``participation``
(participation over the years). They take ids and values, check every rule, change the
session and flush; the caller commits once. A refused request raises a ``DomainError`` before
anything is changed.

The blueprint lives in ``plans.views``; this module imports neither Flask nor the
views, so the package's pure parts load alone."""


def setup(app) -> None:
    """Labels the plan templates share; where progress photos live (``PHOTOS_DIR``, by
    default inside the instance folder)."""
    from pathlib import Path

    from plans.models import CATEGORY_LABELS, FUNDING_LABELS, PLAN_STATUS_LABELS

    app.jinja_env.globals.update(plan_category_labels=CATEGORY_LABELS,
                                 plan_funding_labels=FUNDING_LABELS,
                                 plan_status_labels=PLAN_STATUS_LABELS)
    app.config.setdefault("PHOTOS_DIR", str(Path(app.instance_path) / "photos"))
