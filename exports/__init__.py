from flask import Blueprint

bp = Blueprint("exports", __name__)


def setup(app) -> None:
    """Where finished files live: ``EXPORTS_DIR``, by default inside the instance folder."""
    from pathlib import Path

    app.config.setdefault("EXPORTS_DIR", str(Path(app.instance_path) / "exports"))
    app.config.setdefault("EXPORT_LINK_HOURS", 24)
    app.config.setdefault("EXPORT_STALE_SECONDS", 300)


# Tables join the metadata, kinds register and routes attach to bp on import.
from exports import kinds, models, views  # noqa: E402,F401
