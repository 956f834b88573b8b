"""The projection in the hall: its slides in the order an evening runs, and the organizer's
control of it (next or previous slide, results shown or hidden, the picture held still,
the shown poll opened or closed).

The slides follow the forum as it is: joining, each topic's pre-poll, the tables at work,
the room's live poll, each topic's post-poll, the pre/post comparison and the tables'
keywords. The forum row keeps the slide's position, so every screen and every phone that
steers it agree, and a screen that reconnects finds its place.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from core import audit
from core.db import db, utcnow
from core.errors import Conflict, DomainError, Forbidden
from forums import live, report, services
from forums.models import Forum, PollPhase, PollState

CONTROLS = ("next", "previous", "results", "freeze", "open", "close")

SLIDE_TITLES = {
    "join": _l("참가 안내"),
    "pre": _l("사전 설문"),
    "tables": _l("테이블 토론"),
    "live": _l("실시간 투표"),
    "post": _l("사후 설문"),
    "compare": _l("토론 전과 후"),
    "keywords": _l("테이블 키워드"),
}

STALE_CONTROL = _l("화면이 이미 다른 곳에서 바뀌었습니다. 지금 화면을 보고 다시 누르세요. "
                   "아무것도 바뀌지 않았습니다.")
NOT_ORGANIZER = _l("큰 화면은 운영자만 넘길 수 있습니다.")


def slides(forum: Forum) -> list[dict]:
    """The evening's slides in order; a poll slide names its poll."""
    by_topic = {(p.topic_id, p.phase): p for p in forum.polls if p.phase != PollPhase.LIVE}
    order = [{"kind": "join"}]
    order += [{"kind": "pre", "topic": topic, "poll": by_topic.get((topic.id, PollPhase.PRE))}
              for topic in forum.topics]
    order += [{"kind": "tables"}, {"kind": "live", "poll": room_live_poll(forum)}]
    order += [{"kind": "post", "topic": topic, "poll": by_topic.get((topic.id, PollPhase.POST))}
              for topic in forum.topics]
    order += [{"kind": "compare"}, {"kind": "keywords"}]
    return order


def room_live_poll(forum: Forum):
    """The room's live poll to show: the newest open one, else the newest closed one."""
    room = [p for p in forum.polls if p.phase == PollPhase.LIVE and p.table_id is None
            and p.state != PollState.DRAFT]
    open_polls = [p for p in room if p.state == PollState.OPEN]
    chosen = (open_polls or room)
    return chosen[-1] if chosen else None


def current_index(forum: Forum, count: int) -> int:
    # Topics can be removed while the slide points past the end: show the last slide.
    return min(forum.screen_slide, count - 1)


def _first_post_index(order: list[dict]) -> int:
    return next((i for i, slide in enumerate(order) if slide["kind"] in ("post", "compare")),
                len(order))


def slide_view(forum: Forum) -> dict:
    """Everything the projection draws for the current slide."""
    order = slides(forum)
    index = current_index(forum, len(order))
    slide = order[index]
    view = {"index": index, "count": len(order), "kind": slide["kind"],
            "title": SLIDE_TITLES[slide["kind"]], "topic": slide.get("topic"),
            "poll": slide.get("poll"), "snapshot": None,
            "results_shown": forum.screen_results_shown, "frozen": forum.screen_frozen,
            "version": forum.screen_version,
            "started_at": forum.screen_slide_started_at,
            # People still arrive during the pre-polls; from the post-polls on the code
            # only takes room on the wall.
            "joining_open": index < _first_post_index(order)}
    if view["poll"] is not None:
        view["snapshot"] = services.poll_snapshot(view["poll"].id)
    if slide["kind"] == "compare":
        view["comparison"] = report.topic_comparison(forum)
    if slide["kind"] in ("keywords", "tables"):
        cloud = services.keyword_cloud(forum)
        view["obstacles"] = [w for w in cloud if w["kind"] == "obstacle"]
        view["stepping_stones"] = [w for w in cloud if w["kind"] == "stepping_stone"]
    if slide["kind"] == "tables":
        view["tables"] = forum.tables
        view["steps"] = services.TABLE_STEPS
    return view


def control(forum: Forum, user, action: str, seen_version: int | None) -> Forum:
    """Apply one press of the organizer's control. ``seen_version`` is the screen version
    the control was drawn with: a press made from a view someone else has moved on from
    is refused, so two organizers never skip a slide between them."""
    if not services.is_organizer(user, forum.district_id):
        raise Forbidden(NOT_ORGANIZER)
    if action not in CONTROLS:
        raise DomainError(_l("알 수 없는 화면 조작입니다."))
    if seen_version is None or seen_version != forum.screen_version:
        raise Conflict(STALE_CONTROL)
    order = slides(forum)
    index = current_index(forum, len(order))
    values: dict = {}
    if action == "next":
        if index + 1 >= len(order):
            raise Conflict(_l("마지막 화면입니다."))
        values = {"screen_slide": index + 1, "screen_slide_started_at": utcnow()}
    elif action == "previous":
        if index == 0:
            raise Conflict(_l("첫 화면입니다."))
        values = {"screen_slide": index - 1, "screen_slide_started_at": utcnow()}
    elif action == "results":
        values = {"screen_results_shown": not forum.screen_results_shown}
    elif action == "freeze":
        values = {"screen_frozen": not forum.screen_frozen}
    else:
        poll = order[index].get("poll")
        if poll is None:
            raise Conflict(_l("지금 화면에는 열거나 마감할 설문이 없습니다."))
        services.set_poll_state(forum, poll.id,
                                PollState.OPEN if action == "open" else PollState.CLOSED)
    # Guarded on the version read: of two presses made from the same view, one wins.
    moved = db.session.execute(
        update(Forum).where(Forum.id == forum.id, Forum.screen_version == seen_version)
        .values(screen_version=Forum.screen_version + 1, **values)
    ).rowcount
    if not moved:
        raise Conflict(STALE_CONTROL)
    db.session.flush()
    db.session.refresh(forum)
    live.forum_changed(forum.id)
    audit.record("forum.screen.control", "forum", forum.id, user, forum.district_id,
                 {"action": action, "slide": forum.screen_slide})
    return forum
