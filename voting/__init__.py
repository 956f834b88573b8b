from flask import Blueprint

bp = Blueprint("voting", __name__)


def setup(app) -> None:
    """Voting's part of the personal-data purge."""
    from accounts.retention import register
    from voting.retention import PART

    register(PART)


# Tables join the metadata and routes attach to bp on import.
from voting import models, views  # noqa: E402,F401
