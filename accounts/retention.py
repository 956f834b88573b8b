"""Erasing the personal data of people inactive past the retention period (개인정보 보호법:
personal data is kept no longer than its purpose needs).

A person is *inactive* since ``cutoff`` when their account was created and their password last
set before it, no sign-in began since (login sessions are kept, revoked, after sign-out), and
no package saw them act since: no proposal, comment, support or report (agenda), no forum
participation or answer (forums), no ballot cast or changed and no roll check in person
(voting).

Purging a person replaces their email with an address under the reserved ``.invalid`` domain
and their password with a value no password matches, so the account can never be signed into
or mailed; replaces their display name; deletes their demographics and login sessions; and
lets every package erase what it holds about them. What they contributed anonymously (ballots,
forum answers, the results counted from them) is left exactly as it was.

The purge lives here because accounts owns people, but agenda, forums and voting keep personal
data and see people act, and accounts may not import them (the flow runs one way). Each of them
registers a ``RetentionPart`` from its ``setup``: they may import accounts, so the dependency
keeps its direction and this module never needs to know who registered.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, exists, select, update

from accounts.models import Demographics, LoginSession, User
from core.db import db, utcnow

PURGED_NAME = "—"


def purged_email(user_id: int) -> str:
    """An address that reaches no one (RFC 2606 reserves ``.invalid``) and stays unique."""
    return f"purged-{user_id}@purged.invalid"


# Not an Argon2 hash: verifying any password against it fails.
NO_PASSWORD_HASH = "!purged"  # noqa: S105 (a marker, not a password)


@dataclass(frozen=True)
class RetentionPart:
    """What one package contributes to the purge.

    ``active_since(cutoff, people)`` returns those of ``people`` (user ids) the package saw
    act at or after ``cutoff``; ``erase(people)`` removes the personal data it keeps about
    them, leaving anonymous contributions untouched. Both only flush.
    """

    name: str
    active_since: Callable[[datetime, Collection[int]], set[int]]
    erase: Callable[[Collection[int]], None]


_PARTS: dict[str, RetentionPart] = {}


def register(part: RetentionPart) -> None:
    """Add (or replace, for an app created again) a package's part of the purge."""
    _PARTS[part.name] = part


def inactive_people(cutoff: datetime) -> list[int]:
    """Ids of the people not yet purged who have not acted since ``cutoff``."""
    signed_in = exists().where(LoginSession.user_id == User.id,
                               LoginSession.created_at >= cutoff)
    people = set(db.session.scalars(select(User.id).where(
        User.purged_at.is_(None), User.created_at < cutoff,
        User.password_changed_at < cutoff, ~signed_in)))
    for part in _PARTS.values():
        if not people:
            break
        people -= part.active_since(cutoff, people)
    return sorted(people)


def purge_personal_data(cutoff: datetime, dry_run: bool = False) -> int:
    """Erase the personal data of everyone inactive since ``cutoff``; returns how many people
    (would be) purged. Purging again finds no one new."""
    people = inactive_people(cutoff)
    if dry_run or not people:
        return len(people)
    for part in _PARTS.values():
        part.erase(people)
    db.session.execute(delete(Demographics).where(Demographics.user_id.in_(people)))
    db.session.execute(delete(LoginSession).where(LoginSession.user_id.in_(people)))
    now = utcnow()
    for user_id in people:
        db.session.execute(update(User).where(User.id == user_id).values(
            email=purged_email(user_id), display_name=PURGED_NAME,
            password_hash=NO_PASSWORD_HASH, purged_at=now))
    db.session.expire_all()
    return len(people)
