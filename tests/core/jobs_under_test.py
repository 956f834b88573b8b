"""A job for the job-queue tests: idempotent, takes plain values, does real database work."""

import threading

from sqlalchemy import select

from core.db import db
from core.models import District


def ensure_district(slug: str) -> int:
    district = db.session.scalars(select(District).where(District.slug == slug)).first()
    if district is None:
        district = District(slug=slug, name_ko=slug, name_en=slug)
        db.session.add(district)
        db.session.flush()
    return district.id


# Held shut by a test until it has looked at the world while the job waits.
GATE = threading.Event()


def ensure_district_at_the_gate(slug: str) -> int:
    """``ensure_district`` once the test opens ``GATE`` (at most 30 s later)."""
    GATE.wait(30)
    return ensure_district(slug)
