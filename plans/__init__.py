from flask import Blueprint

bp = Blueprint("plans", __name__)


def setup(app) -> None:
    """Labels the plan templates share."""
    from plans.models import CATEGORY_LABELS, FUNDING_LABELS, PLAN_STATUS_LABELS

    app.jinja_env.globals.update(plan_category_labels=CATEGORY_LABELS,
                                 plan_funding_labels=FUNDING_LABELS,
                                 plan_status_labels=PLAN_STATUS_LABELS)


# Tables join the metadata and routes attach to bp on import.
from plans import models, views  # noqa: E402,F401
