"""Agenda's part of the retention purge (see ``accounts.retention``): proposing, commenting,
supporting and reporting are activity; a person's notices are theirs alone and go with them.
Proposals and comments stay: they are the public record of the intake, and their author is
left with no name."""

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, select, union

from accounts.retention import RetentionPart
from agenda.models import AgendaItem, Comment, Notice, Report, Support
from core.db import db


def active_since(cutoff: datetime, people: Collection[int]) -> set[int]:
    acts = union(
        select(AgendaItem.author_id).where(AgendaItem.author_id.in_(people),
                                           AgendaItem.created_at >= cutoff),
        select(Comment.author_id).where(Comment.author_id.in_(people),
                                        Comment.created_at >= cutoff),
        select(Support.user_id).where(Support.user_id.in_(people), Support.created_at >= cutoff),
        select(Report.reporter_id).where(Report.reporter_id.in_(people),
                                         Report.created_at >= cutoff),
    )
    return set(db.session.scalars(acts))


def erase(people: Collection[int]) -> None:
    db.session.execute(delete(Notice).where(Notice.user_id.in_(people)))


PART = RetentionPart("agenda", active_since, erase)
