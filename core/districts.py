"""Districts of a deployment: adding one (the command line and the admin page), and the
public list of districts with the base URL each is served at."""

from pathlib import Path

import click
from flask import Blueprint, current_app, jsonify, request, url_for
from flask.cli import with_appcontext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import audit
from core.auth import public
from core.db import db
from core.errors import Conflict, DomainError
from core.i18n import lazy_message
from core.lifecycle import unit_of_work
from core.models import District, Dong
from core.tenancy import SLUG, district_host, requested_slug, reserved_segments

bp = Blueprint("districts", __name__)

SLUG_RULE = _l("주소 이름은 영문 소문자, 숫자, 하이픈(-)으로 2~40자이며, 하이픈으로 시작하거나 "
               "끝날 수 없습니다.")
DONG_NAME_LENGTH = 40


def check_slug(slug: str) -> str:
    """The slug as a district's path (``/<slug>/...``): letters a-z, digits and hyphens, not
    one of the app's own first path segments, not taken by another district."""
    if not (2 <= len(slug) <= 40 and SLUG.fullmatch(slug)):
        raise DomainError(SLUG_RULE, status=400, field="slug")
    if slug in reserved_segments(current_app):
        raise DomainError(lazy_message("‘%(slug)s’은(는) 사이트의 주소에 쓰이고 있어 자치구 주소 "
                                       "이름으로 쓸 수 없습니다.", slug=slug),
                          status=400, field="slug")
    if db.session.scalar(select(District.id).where(District.slug == slug)) is not None:
        raise Conflict(lazy_message("주소 이름 ‘%(slug)s’은(는) 이미 다른 자치구가 쓰고 있습니다.",
                                    slug=slug), field="slug")
    return slug


def dong_names(text: str) -> list[str]:
    """One dong (행정동) per line; blank lines are skipped and a repeated name counts once."""
    names: list[str] = []
    for line in text.splitlines():
        name = line.strip()
        if not name or name in names:
            continue
        if len(name) > DONG_NAME_LENGTH:
            raise DomainError(lazy_message("동 이름 ‘%(name)s’이(가) 너무 깁니다 (40자 이내).",
                                           name=name), status=400, field="dongs")
        names.append(name)
    return names


def create_district(slug: str, name_ko: str, name_en: str, dongs: list[str],
                    actor=None) -> District:
    """Add a district with its dongs; it is served at ``/<slug>/`` from the next request on,
    by every process. Refuses a malformed, reserved or taken slug (nothing added)."""
    name_ko, name_en = name_ko.strip(), name_en.strip()
    check_slug(slug)
    if not name_ko or len(name_ko) > 40:
        raise DomainError(_l("자치구 이름을 40자 이내로 입력하세요."), status=400, field="name_ko")
    if len(name_en) > 80:
        raise DomainError(_l("영문 이름은 80자 이내로 입력하세요."), status=400, field="name_en")
    district = District(slug=slug, name_ko=name_ko, name_en=name_en or name_ko)
    district.dongs.extend(Dong(name=name, position=position)
                          for position, name in enumerate(dongs))
    db.session.add(district)
    db.session.flush()
    audit.record("district.create", "district", district.id, actor=actor,
                 district_id=district.id, detail={"slug": slug, "dongs": len(dongs)})
    return district


def base_url(district: District) -> str:
    """Where the district is served: its own host name where one is configured, else its
    path under this deployment's root, whichever district's path the request came by."""
    host = district_host(district.slug)
    if host:
        return f"{request.scheme}://{host}/"
    root = request.url_root
    slug = requested_slug()
    if slug and root.endswith(f"/{slug}/"):
        root = root[:-len(slug) - 1]
    return f"{root}{district.slug}/"


def path_at(district: District | None, endpoint: str, **values) -> str:
    """The path of ``endpoint`` at the district's own path (``/seongdong/plans/...``), or at
    the deployment's root for ``None``, whichever district's path the request came by: the
    links of a page that reads every district."""
    here = url_for(endpoint, **values)
    root = request.script_root
    slug = requested_slug()
    if slug and root.endswith(f"/{slug}"):
        root = root[:-len(slug) - 1]
    prefix = f"{root}/{district.slug}" if district is not None else root
    return prefix + here[len(request.script_root):]


@bp.route("/api/v1/districts")
@public
def district_list():
    districts = db.session.scalars(select(District).order_by(District.id))
    return jsonify(districts=[{"slug": d.slug, "name_ko": d.name_ko, "name_en": d.name_en,
                               "base_url": base_url(d)} for d in districts])


@click.command("create-district")
@click.option("--slug", required=True, help="The district's path, e.g. seongdong")
@click.option("--name", "name_ko", required=True, help="The district's name, e.g. 성동구")
@click.option("--name-en", default="", help="The English name (default: the name)")
@click.option("--dongs", "dongs_file", type=click.Path(exists=True, dir_okay=False,
                                                        path_type=Path),
              help="A UTF-8 text file with one dong (행정동) per line")
@with_appcontext
@unit_of_work
def create_district_command(slug: str, name_ko: str, name_en: str, dongs_file: Path | None):
    """Add a district, served at /<slug>/ (exit status 1 and nothing added when the slug is
    malformed or taken)."""
    dongs = dong_names(dongs_file.read_text(encoding="utf-8")) if dongs_file else []
    district = create_district(slug, name_ko, name_en, dongs)
    click.echo(f"{district.slug}: {district.name_ko}, {len(dongs)} dong(s), "
               f"served at /{district.slug}/")
