from flask import Blueprint

bp = Blueprint("voting", __name__)


# Tables join the metadata and routes attach to bp on import.
from voting import models, views  # noqa: E402,F401
