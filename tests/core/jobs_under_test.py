"""A job for the job-queue tests: idempotent, takes plain values, does real database work."""

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
