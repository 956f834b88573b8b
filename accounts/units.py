"""The district's departments (부서) and working groups (분과): organizers list them, give
people a role for one of them, and plans names one as the unit responsible for a project
(seed 000 §IV 협치강동구회의 분과위원회 및 확대회의(워킹그룹); seed 002 §4 분과위원회)."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from accounts.models import OrgUnit, UnitKind
from core import audit
from core.db import db
from core.errors import Conflict, DomainError, NotFound

NAME_MAX = 100


def units_of(district_id: int) -> list[OrgUnit]:
    """The district's units, departments first, each kind by name."""
    return list(db.session.scalars(
        select(OrgUnit).where(OrgUnit.district_id == district_id)
        .order_by(OrgUnit.kind, OrgUnit.name)))


def get_unit(district_id: int, unit_id: int | None, field: str | None = None) -> OrgUnit:
    """A unit of this district; any other id (another district's included) is not found."""
    unit = db.session.get(OrgUnit, unit_id) if unit_id is not None else None
    if unit is None or unit.district_id != district_id:
        raise NotFound(_l("그런 부서나 분과가 없습니다."), field=field)
    return unit


def unit_named(district_id: int, name: str) -> OrgUnit | None:
    return db.session.scalars(select(OrgUnit).where(OrgUnit.district_id == district_id,
                                                    OrgUnit.name == name.strip())).first()


def add_unit(district_id: int, kind: str, name: str, actor) -> OrgUnit:
    """A new department or working group of the district."""
    if kind not in set(UnitKind):
        raise DomainError(_l("부서인지 분과인지 고르세요."), field="kind")
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX:
        raise DomainError(_l("부서나 분과의 이름을 100자 이내로 적으세요."), field="name")
    if unit_named(district_id, name) is not None:
        raise Conflict(_l("같은 이름의 부서나 분과가 이미 있습니다."), field="name")
    unit = OrgUnit(district_id=district_id, kind=kind, name=name)
    db.session.add(unit)
    db.session.flush()
    audit.record("unit.add", "org_unit", unit.id, actor, district_id,
                 {"kind": kind, "name": name})
    return unit
