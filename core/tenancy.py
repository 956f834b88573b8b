"""Which district a request serves, and what day it is in Seoul."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import abort, current_app, g, has_request_context, request
from sqlalchemy import bindparam, select

from core.db import db
from core.models import Cycle, District

SEOUL = ZoneInfo("Asia/Seoul")


def seoul_now() -> datetime:
    return datetime.now(SEOUL)


def seoul_today() -> date:
    return seoul_now().date()


def current_district() -> District | None:
    """The district of the request: the one whose slug leads its path (``/gangdong/...``),
    else the deployment's default, ``MADANG_DISTRICT`` (a slug) or the first one."""
    if "district" not in g:
        district_id = current_district_id()
        g.district = None if district_id is None else db.session.get(District, district_id)
    return g.district


# Where the path middleware leaves the slug it took off the path, for the request to read.
SLUG_ENVIRON = "madang.district_slug"
SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?")

_DISTRICT_IDS = "madang_district_ids"
_DISTRICT_BY_SLUG = select(District.id).where(District.slug == bindparam("slug"))
_FIRST_DISTRICT = select(District.id).order_by(District.id).limit(1)


def requested_slug() -> str | None:
    """The district slug that led the request's path, if any (not yet known to exist)."""
    return request.environ.get(SLUG_ENVIRON) if has_request_context() else None


def current_district_id() -> int | None:
    """The id of the request's district (see ``current_district``). Outside a request (a
    command, a job) it is the deployment's default: those name their district by id.

    Only immutable facts are kept in the process, keyed by slug: a district's id never
    changes, so any process can serve any district without knowing of it beforehand. Until
    a district exists every request looks again."""
    if "district_id" in g:
        return g.district_id
    slug = requested_slug() or current_app.config.get("MADANG_DISTRICT")
    known = current_app.extensions.setdefault(_DISTRICT_IDS, {})
    district_id = known.get(slug)
    if district_id is None:
        district_id = (db.session.scalar(_DISTRICT_BY_SLUG, {"slug": slug}) if slug
                       else db.session.scalar(_FIRST_DISTRICT))
        if district_id is not None:
            known[slug] = district_id
    if district_id is not None and has_request_context():
        g.district_id = district_id
    return district_id


def forget_district(app) -> None:
    """Look districts up again from the next request on (after their tables were emptied)."""
    app.extensions.pop(_DISTRICT_IDS, None)


class DistrictPaths:
    """WSGI middleware serving each district at its own path: ``/gangdong/votes/3`` reaches
    the ``/votes/3`` route with ``/gangdong`` moved into ``SCRIPT_NAME``. Every route and
    ``url_for`` works unchanged, links come out under the district's path, and the session
    cookie (path ``/``) stays one for the whole deployment. A first segment that is one of
    the app's own (``reserved``: ``votes``, ``static``, ...) is a root URL of the default
    district, as with a single district; on a host name ``DISTRICT_HOSTS`` gives a district,
    the root URLs are that district's (its residents' address needs no path)."""

    def __init__(self, app, wsgi_app) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.reserved: frozenset[str] | None = None

    def __call__(self, environ, start_response):
        # Read at the first request, after which Flask accepts no more routes.
        if self.reserved is None:
            self.reserved = reserved_segments(self.app)
        path = environ.get("PATH_INFO") or "/"
        first, _, rest = path[1:].partition("/")
        if first not in self.reserved and SLUG.fullmatch(first):
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + "/" + first
            environ["PATH_INFO"] = "/" + rest
            environ[SLUG_ENVIRON] = first
        else:
            host_slug = self.app.config["DISTRICT_HOSTS"].get(request_host(environ))
            if host_slug:
                environ[SLUG_ENVIRON] = host_slug
        return self.wsgi_app(environ, start_response)


def request_host(environ) -> str:
    """The host name a request was sent to, lower case, without its port."""
    host = (environ.get("HTTP_HOST") or environ.get("SERVER_NAME") or "").lower()
    return host.rsplit(":", 1)[0] if not host.endswith("]") else host


def district_host(slug: str) -> str | None:
    """The host name configured for a district (``DISTRICT_HOSTS``), if it has one."""
    return next((host for host, host_slug in current_app.config["DISTRICT_HOSTS"].items()
                 if host_slug == slug), None)


def reserved_segments(app) -> frozenset[str]:
    """The first path segments of the app's routes: no district may take one as its slug."""
    return frozenset(rule.rule.split("/")[1] for rule in app.url_map.iter_rules()) - {""}


def serve_district_paths(app) -> None:
    """Install ``DistrictPaths`` outermost, after the other middleware."""
    app.wsgi_app = DistrictPaths(app, app.wsgi_app)


def district_or_404() -> District:
    """The current district for a page that cannot exist without one."""
    district = current_district()
    if district is None:
        abort(404)
    return district


def district_id_or_404() -> int:
    """The current district's id, for a view that needs no more of it (no query once known)."""
    district_id = current_district_id()
    if district_id is None:
        abort(404)
    return district_id


def current_cycle(district: District | None = None) -> Cycle | None:
    """The cycle running today, else the next one to start, else the most recent."""
    district = district or current_district()
    if district is None:
        return None
    today = seoul_today()
    cycles = list(district.cycles)
    running = [c for c in cycles if c.phase_on(today) is not None]
    if running:
        return running[0]
    upcoming = [c for c in cycles if c.phases and c.phases[0].starts_on > today]
    if upcoming:
        return min(upcoming, key=lambda c: c.phases[0].starts_on)
    return cycles[0] if cycles else None
