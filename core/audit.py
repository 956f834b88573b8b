"""The audit trail: one append-only record of every organizer and admin action.

Services call ``record`` next to the change they make; the entry joins the request's unit of
work and commits with it, so a refused request leaves no entry and a committed change never
lacks one. Entries are never changed or removed: the ORM refuses it here (``_refuse_edits``),
and on PostgreSQL a trigger refuses it to any client (migration 0013).

The domain histories (a vote's ``VoteLog``, an agenda item's log, a plan's log) stay as they
are beside this trail: residents read them on public pages with fields of their own (status
before and after, related item, plan version), while this trail is for admins, covers every
package in one shape, and must not change. Making one a view of the other would tie public
pages to an admin record or squeeze domain fields into a generic one.

What an entry may hold: who acted (their id and, as they were then, their display name), in
which district, which action on which object, and a short detail that names what changed.
Never a voter's choice, a ballot's contents, an answer to a poll or a person's demographics:
a detail says *that* a paper ballot was entered and by whom, not what it said.
"""

from datetime import datetime
from typing import Any

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import JSON, ForeignKey, Index, String, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import UTCDateTime, db, utcnow

# Longest detail text kept: a detail names what changed, it does not copy documents.
DETAIL_TEXT_LIMIT = 200


class AuditLogIsAppendOnly(RuntimeError):
    """Raised when code tries to change or remove an audit entry."""


class AuditEntry(db.Model):
    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_district_id_id", "district_id", "id"),
        Index("ix_audit_entry_action", "action"),
        Index("ix_audit_entry_object", "object_kind", "object_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The account may be deleted later; the entry keeps who it was through ``actor_display``.
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    actor_display: Mapped[str] = mapped_column(String(60), default="")
    # No cascade: a district with an audit trail cannot be deleted out from under it.
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"))
    action: Mapped[str] = mapped_column(String(60))
    object_kind: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None]
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


_SIGNED_IN = object()


def record(action: str, obj_kind: str, obj_id: int | None, actor: Any = _SIGNED_IN,
           district_id: int | None = None, detail: dict | None = None) -> AuditEntry:
    """Add one entry to the trail and flush it; the caller's request commits it.

    ``action`` is a stable dotted code (``vote.open``, ``role.grant``); ``actor`` is the
    person acting, ``None`` for the system (a CLI command, a scheduled transition), and by
    default the person signed in to this request. ``detail`` holds short values naming what
    changed (strings are cut to ``DETAIL_TEXT_LIMIT``), never a ballot's contents.
    """
    if actor is _SIGNED_IN:
        actor = _signed_in_person()
    entry = AuditEntry(
        action=action, object_kind=obj_kind, object_id=obj_id, district_id=district_id,
        actor_id=getattr(actor, "id", None),
        actor_display=(getattr(actor, "display_name", "") or "")[:60],
        detail={key: _short(value) for key, value in (detail or {}).items()},
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def _signed_in_person():
    if has_request_context() and current_user.is_authenticated:
        return current_user
    return None


def _short(value):
    if isinstance(value, str):
        return value[:DETAIL_TEXT_LIMIT]
    if isinstance(value, list | tuple):
        return [_short(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)[:DETAIL_TEXT_LIMIT]


def entries(district_id: int, *, action: str = "", actor: str = "", object_kind: str = "",
            object_id: int | None = None, since: datetime | None = None,
            until: datetime | None = None, page: int = 1, per_page: int = 50):
    """A page of the district's trail, newest first, narrowed by the given filters:
    an action code prefix (``vote.`` or ``vote.open``), part of the actor's name, an object
    kind and id, and a half-open time range [since, until)."""
    query = select(AuditEntry).where(AuditEntry.district_id == district_id)
    if action:
        query = query.where(AuditEntry.action.startswith(action, autoescape=True))
    if actor:
        query = query.where(AuditEntry.actor_display.icontains(actor, autoescape=True))
    if object_kind:
        query = query.where(AuditEntry.object_kind == object_kind)
    if object_id is not None:
        query = query.where(AuditEntry.object_id == object_id)
    if since is not None:
        query = query.where(AuditEntry.created_at >= since)
    if until is not None:
        query = query.where(AuditEntry.created_at < until)
    return db.paginate(query.order_by(AuditEntry.id.desc()), page=page, per_page=per_page,
                       error_out=False)


@event.listens_for(Session, "before_flush")
def _refuse_edits(session: Session, _context, _instances) -> None:
    for entry in session.deleted:
        if isinstance(entry, AuditEntry):
            raise AuditLogIsAppendOnly("audit entries are never deleted")
    for entry in session.dirty:
        if isinstance(entry, AuditEntry) and session.is_modified(entry):
            raise AuditLogIsAppendOnly("audit entries are never changed")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_edits(state) -> None:
    if (state.is_update or state.is_delete) and any(
            mapper.class_ is AuditEntry for mapper in state.all_mappers):
        raise AuditLogIsAppendOnly("audit entries are never changed or deleted")
