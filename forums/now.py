"""Today's forums, for the home page and 내 마당 (see ``core.now``)."""

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.db import db
from core.now import OpenNow
from forums.models import Forum


def forums_today(district, cycle, user, today) -> list[OpenNow]:
    """A forum is joined in the hall with the code on its screen; on the day, the home page
    takes the resident straight to the page where the code goes."""
    forums = db.session.scalars(select(Forum).where(Forum.district_id == district.id,
                                                    Forum.held_on == today)
                                .order_by(Forum.id)).all()
    return [OpenNow(kind="forum", title=forum.title, action=str(_l("토론회 참가")),
                    url=url_for("forums.join"), until=forum.held_on) for forum in forums]
