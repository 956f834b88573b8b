from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, false, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.auth import CITY_ROLE_HOLDS, UNIT_ROLES, CityRole, Role
from core.db import UTCDateTime, db, utcnow
from core.identity import fold_email

ROLE_VALUES = "(" + ", ".join(f"'{role.value}'" for role in Role) + ")"
UNIT_ROLE_VALUES = "(" + ", ".join(f"'{role.value}'" for role in UNIT_ROLES) + ")"
CITY_ROLE_VALUES = "(" + ", ".join(f"'{role.value}'" for role in CityRole) + ")"


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint(f"city_role IS NULL OR city_role IN {CITY_ROLE_VALUES}",
                        name="known_city_role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored as ``fold_email`` spells it, so the unique index also rejects case, Unicode and
    # invisible-character variants of one address.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the retention purge erased the person's contact and demographic data.
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the person proved the address is theirs (a link mailed to it), or when staff
    # created the account; votes may admit only verified addresses.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 글자 크게: chosen on one device, followed on the next one the person signs in on.
    large_text: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The account's role for the city of Seoul (``core.auth.CityRole``), held for every
    # district; none for a district's own people. Given by an operator (``flask
    # create-user --city``), never by a district's staff: it reaches every district.
    city_role: Mapped[str | None] = mapped_column(String(20))

    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    demographics: Mapped["Demographics | None"] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    # Set for the duration of a request from the login session that authenticated it;
    # Flask-Login keeps this, not the user id, in the cookie (see accounts.services).
    session_token = None

    def get_id(self) -> str | None:
        return self.session_token

    def roles_in(self, district_id: int) -> set[Role]:
        return {Role(m.role) for m in self.memberships if m.district_id == district_id}

    def unit_ids_in(self, district_id: int) -> set[int]:
        """The departments and working groups this person acts for in the district."""
        return {m.org_unit_id for m in self.memberships
                if m.district_id == district_id and m.org_unit_id is not None}

    def acts_as(self, district_id: int) -> set:
        """What the person counts as in the district: the roles held there and what their
        city role gives in every district. Membership (``core.auth.is_member``) asks
        ``roles_in`` instead: a city account is a member of no district."""
        return self.roles_in(district_id) | CITY_ROLE_HOLDS.get(self.city_role, frozenset())

    def has_role(self, district_id: int, *roles: Role | CityRole) -> bool:
        held = self.acts_as(district_id)
        return Role.ADMIN in held or any(role in held for role in roles)


class UnitKind(StrEnum):
    DEPARTMENT = "department"
    WORKING_GROUP = "working_group"


# The role a membership for a unit of each kind carries.
UNIT_KIND_ROLES = {UnitKind.DEPARTMENT: Role.DEPARTMENT,
                   UnitKind.WORKING_GROUP: Role.WORKING_GROUP}


class OrgUnit(db.Model):
    """A department of the district office (부서, e.g. 기획예산과) or a working group of the
    council (분과, e.g. 환경 분과, with its 열린분과원): the units that run plan projects and
    report on them (seed 000 §IV 분과위원회 및 확대회의(워킹그룹), §V 지역사회 혁신과제;
    seed 002 §4 분과위원회, §6.3 워킹그룹)."""

    __tablename__ = "org_unit"
    __table_args__ = (
        UniqueConstraint("district_id", "name"),
        CheckConstraint("kind IN ('department', 'working_group')", name="known_kind"),
        CheckConstraint("length(name) > 0", name="name_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"),
                                             index=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def role(self) -> Role:
        return UNIT_KIND_ROLES[UnitKind(self.kind)]


class Membership(db.Model):
    """A role a person holds in a district; a department or working-group role names the
    unit it acts for."""

    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("user_id", "district_id", "role"),
        CheckConstraint(f"role IN {ROLE_VALUES}", name="known_role"),
        CheckConstraint(f"(role IN {UNIT_ROLE_VALUES}) = (org_unit_id IS NOT NULL)",
                        name="unit_role_names_unit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    org_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("org_unit.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    org_unit: Mapped[OrgUnit | None] = relationship()


class Demographics(db.Model):
    """Optional facts about a person, kept only with their consent and deleted on request.

    Used for participation statistics (age band, gender, dong) and nothing else.
    """

    __tablename__ = "demographics"
    __table_args__ = (
        CheckConstraint("birth_year IS NULL OR birth_year BETWEEN 1900 AND 2100",
                        name="birth_year_range"),
        CheckConstraint("gender IS NULL OR gender IN ('female', 'male', 'other')",
                        name="known_gender"),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime)
    birth_year: Mapped[int | None]
    gender: Mapped[str | None] = mapped_column(String(10))
    dong: Mapped[str | None] = mapped_column(String(40))
    occupation: Mapped[str | None] = mapped_column(String(40))

    user: Mapped[User] = relationship(back_populates="demographics")


class LoginSession(db.Model):
    """A signed-in browser. Signing out revokes it, so a copied cookie stops working."""

    __tablename__ = "login_session"

    # SHA-256 of the token in the cookie; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


def user_by_email(email: str) -> User | None:
    return db.session.scalars(select(User).where(User.email == fold_email(email))).first()
