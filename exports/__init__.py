"""Exports in every format as jobs with progress, and the open data.

The blueprint lives in ``exports.views``; this module imports neither Flask nor the
views, so the package's pure parts load alone."""


def setup(app) -> None:
    """Where finished files live: ``EXPORTS_DIR``, by default inside the instance folder."""
    from pathlib import Path

    app.config.setdefault("EXPORTS_DIR", str(Path(app.instance_path) / "exports"))
    app.config.setdefault("EXPORT_LINK_HOURS", 24)
    app.config.setdefault("EXPORT_STALE_SECONDS", 300)

    from core.jobs import reconciler

    from .jobs import reconcile

    reconciler(reconcile)
