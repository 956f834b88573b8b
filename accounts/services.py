"""People and roles: sign-up, sign-in sessions, password reset, consent-based demographics."""

import contextlib
import functools
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from accounts import units
from accounts.models import Demographics, LoginSession, Membership, User, user_by_email
from core import audit
from core.auth import UNIT_ROLES, CityRole, Role
from core.db import db, utcnow
from core.errors import Conflict, DomainError, Forbidden, NotFound
from core.i18n import lazy_message
from core.identity import fold_email
from core.mail import send_mail
from core.models import Cycle, CyclePhase, District

MIN_PASSWORD_LENGTH = 10
EMAIL_TAKEN = _l("이미 가입된 이메일입니다. 로그인하거나 비밀번호를 재설정하세요.")


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"], memory_cost=config["ARGON2_MEMORY_COST"]
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            lazy_message("비밀번호는 %(n)d자 이상이어야 합니다.", n=MIN_PASSWORD_LENGTH), status=422
        )


def sign_up(email: str, password: str, display_name: str, district_id: int,
            locale: str) -> None:
    """A resident signs themselves up. The answer is the same whether or not the address has
    an account (the mail tells which), so the form cannot be used to learn who is signed up:
    a new address gets an unverified account and a verification link, a known one a note
    that someone tried to sign up with it."""
    check_password_strength(password)
    email = email.strip().lower()
    # Hashed in both cases, so the time taken does not tell them apart either.
    password_hash = hash_password(password)
    if user_by_email(email) is None:
        user = User(email=email, password_hash=password_hash, display_name=display_name.strip())
        user.memberships.append(Membership(district_id=district_id, role=Role.RESIDENT))
        try:
            with db.session.begin_nested():
                db.session.add(user)
                db.session.flush()
        except IntegrityError:
            # Two sign-ups with one address at the same moment: the unique index decides (the
            # savepoint's rollback drops this one), and the later is answered as a sign-up
            # with a known address.
            pass
        else:
            send_verification_mail(user, locale)
            return
    with force_locale(locale):
        subject = _("[마당] 이 주소로 가입 시도가 있었습니다")
        body = str(lazy_message(
            "누군가 이 이메일 주소로 마당에 가입하려 했습니다. 이 주소로는 이미 계정이 "
            "있습니다.\n\n본인이라면 로그인하세요: %(signin)s\n비밀번호가 생각나지 않으면 "
            "재설정하세요: %(reset)s\n\n본인이 아니라면 이 메일을 무시하세요. 계정은 바뀌지 "
            "않았습니다.",
            signin=url_for("accounts.sign_in", _external=True),
            reset=url_for("accounts.forgot_password", _external=True),
        ))
    send_mail(email, subject, body)


def create_account(email: str, password: str, display_name: str,
                   district_id: int | None) -> User:
    """An account staff create (the ``create-user`` command, the demo): staff vouch for the
    address, so it counts as verified. A resident of ``district_id``; a city account
    (``district_id`` None) is a member of no district. Duplicate emails are refused."""
    check_password_strength(password)
    email = fold_email(email)
    if user_by_email(email) is not None:
        raise Conflict(EMAIL_TAKEN)
    user = User(email=email, password_hash=hash_password(password),
                display_name=display_name.strip(), email_verified_at=utcnow())
    if district_id is not None:
        user.memberships.append(Membership(district_id=district_id, role=Role.RESIDENT))
    db.session.add(user)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        raise Conflict(EMAIL_TAKEN) from exc
    return user


def _verification_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="email-verification")


def send_verification_mail(user: User, locale: str) -> None:
    """Mail ``user`` a link that proves the address is theirs."""
    token = _verification_serializer().dumps({"u": user.id, "e": user.email})
    link = url_for("accounts.verify_email", token=token, _external=True)
    days = current_app.config["EMAIL_VERIFICATION_MAX_AGE"] // (24 * 60 * 60)
    with force_locale(locale):
        subject = _("[마당] 이메일 주소를 확인해 주세요")
        body = str(lazy_message(
            "마당에 가입해 주셔서 고맙습니다. 아래 링크를 누르면 이메일 인증이 끝납니다. "
            "링크는 %(days)d일 동안 쓸 수 있습니다.\n\n%(link)s\n\n가입한 적이 없다면 이 "
            "메일을 무시하세요.",
            days=days, link=link,
        ))
    send_mail(user.email, subject, body)


def resend_verification_mail(user: User, locale: str) -> None:
    if user.email_verified_at is not None:
        raise Conflict(_l("이메일 인증을 이미 마쳤습니다."))
    send_verification_mail(user, locale)


def verify_email(token: str) -> User:
    """Mark the address in ``token`` verified (again is harmless); refused when the link is
    expired, forged, or for an address the account no longer has."""
    invalid = DomainError(
        _l("인증 링크가 만료되었거나 올바르지 않습니다. 로그인한 뒤 내 마당에서 인증 메일을 "
           "다시 받으세요."), status=400)
    try:
        data = _verification_serializer().loads(
            token, max_age=current_app.config["EMAIL_VERIFICATION_MAX_AGE"])
    except (SignatureExpired, BadSignature):
        raise invalid from None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or data.get("e") != user.email:
        raise invalid
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    return user


# Verifying against a real hash for unknown emails keeps the answer time the same, so the
# sign-in form does not reveal which addresses have accounts.
_DUMMY_HASH: dict[tuple, str] = {}


def authenticate(email: str, password: str) -> User | None:
    user = user_by_email(email)
    hasher = _hasher()
    if user is None:
        key = (hasher.time_cost, hasher.memory_cost)
        if key not in _DUMMY_HASH:
            _DUMMY_HASH[key] = hasher.hash(secrets.token_hex(16))
        with contextlib.suppress(VerificationError):
            hasher.verify(_DUMMY_HASH[key], password)
        return None
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(user: User) -> str:
    """Start a login session; the returned token goes into the (signed) cookie."""
    token = secrets.token_urlsafe(32)
    db.session.add(LoginSession(token_hash=_token_hash(token), user_id=user.id))
    user.session_token = token
    return token


@functools.cache
def _session_user():
    """Every signed-in request runs this: the open session, its person and their roles (which
    every page's navigation reads) in one round trip. Built once, on first use (the loader
    option needs every model mapped), as building it and its cache key would cost a request
    more CPU time than running it."""
    return (select(User).join(LoginSession, LoginSession.user_id == User.id)
            .where(LoginSession.token_hash == bindparam("token_hash"),
                   LoginSession.revoked_at.is_(None))
            .options(joinedload(User.memberships)))


def user_for_session(token: str) -> User | None:
    user = db.session.scalars(_session_user(), {"token_hash": _token_hash(token)}).unique().first()
    if user is None:
        return None
    user.session_token = token
    return user


def close_session(token: str) -> None:
    login = db.session.get(LoginSession, _token_hash(token))
    if login is not None and login.revoked_at is None:
        login.revoked_at = utcnow()


def close_all_sessions(user_id: int) -> None:
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def _reset_fingerprint(user: User) -> str:
    # Part of the token: once the password changes, every earlier token stops working.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def request_password_reset(email: str, locale: str) -> None:
    """Mail a reset link if the address has an account; say nothing either way. A purged
    account has no owner any more, so it gets no link that would open it again."""
    user = user_by_email(email)
    if user is None or user.purged_at is not None:
        return
    token = _reset_serializer().dumps({"u": user.id, "f": _reset_fingerprint(user)})
    link = url_for("accounts.reset_password", token=token, _external=True)
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    with force_locale(locale):
        subject = _("[마당] 비밀번호 재설정")
        # A mail is plain text, read in the language forced here: str() renders it now.
        body = str(lazy_message(
            "아래 링크에서 새 비밀번호를 정하세요. 링크는 %(minutes)d분 동안 한 번만 쓸 수 "
            "있습니다.\n\n%(link)s\n\n요청하지 않았다면 이 메일을 무시하세요.",
            minutes=minutes, link=link,
        ))
    send_mail(user.email, subject, body)


def user_for_reset_token(token: str) -> User:
    max_age = current_app.config["PASSWORD_RESET_MAX_AGE"]
    invalid = DomainError(
        _l("재설정 링크가 만료되었거나 올바르지 않습니다. 다시 요청하세요."), status=400
    )
    try:
        data = _reset_serializer().loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        raise invalid from None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or data.get("f") != _reset_fingerprint(user):
        raise invalid
    return user


def reset_password(token: str, password: str) -> User:
    user = user_for_reset_token(token)
    check_password_strength(password)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    close_all_sessions(user.id)
    return user


def save_demographics(user: User, consent: bool, birth_year: int | None, gender: str | None,
                      dong: str | None, occupation: str | None) -> None:
    """Store demographics only with explicit consent; without it, keep nothing."""
    if not consent:
        raise DomainError(
            _l("개인정보 수집·이용에 동의해야 인구통계 정보를 저장할 수 있습니다."), status=422
        )
    record = user.demographics or Demographics(user_id=user.id)
    record.consented_at = utcnow()
    record.birth_year = birth_year
    record.gender = gender or None
    record.dong = dong or None
    record.occupation = occupation or None
    user.demographics = record


def delete_demographics(user: User) -> None:
    if user.demographics is not None:
        db.session.delete(user.demographics)
        user.demographics = None


def _check_may_manage(district_id: int, role: Role, acting_user: User) -> None:
    # Organizers manage facilitators and organizers; only an admin makes or unmakes admins.
    if role == Role.ADMIN and Role.ADMIN not in acting_user.roles_in(district_id):
        raise Forbidden(_l("관리자 역할은 관리자만 부여하거나 회수할 수 있습니다."))


def _unit_for(district_id: int, role: Role, unit_id: int | None) -> int | None:
    """The unit a department or working-group role acts for (one of the district's, of the
    role's kind); other roles act for the district and name none."""
    if role not in UNIT_ROLES:
        if unit_id is not None:
            raise DomainError(_l("부서·분과는 부서 담당자와 분과원 역할에만 고릅니다."),
                              field="unit")
        return None
    if unit_id is None:
        raise DomainError(_l("이 역할로 일할 부서나 분과를 고르세요."), field="unit")
    unit = units.get_unit(district_id, unit_id, field="unit")
    if unit.role != role:
        raise DomainError(_l("부서 담당자는 부서를, 분과원은 분과를 고르세요."), field="unit")
    return unit.id


def grant_role(district_id: int, email: str, role: Role, acting_user: User,
               unit_id: int | None = None) -> Membership:
    _check_may_manage(district_id, role, acting_user)
    org_unit_id = _unit_for(district_id, role, unit_id)
    user = user_by_email(email)
    if user is None:
        raise NotFound(_l("그 이메일로 가입한 사람이 없습니다."), field="email")
    if role in user.roles_in(district_id):
        raise Conflict(_l("이미 그 역할을 가지고 있습니다."), field="email")
    return _add_membership(district_id, user, role, acting_user, org_unit_id)


def _add_membership(district_id: int, user: User, role: Role, acting_user: User,
                    org_unit_id: int | None = None) -> Membership:
    """Give ``user`` the role in the district, in the audit trail as a grant."""
    membership = Membership(user_id=user.id, district_id=district_id, role=role,
                            org_unit_id=org_unit_id)
    user.memberships.append(membership)
    db.session.flush()
    audit.record("role.grant", "membership", membership.id, acting_user, district_id,
                 {"user_id": user.id, "user": user.display_name, "role": role.value,
                  "unit_id": org_unit_id})
    return membership


def grant_first_admin(district_id: int, email: str | None, acting_user: User) -> Membership:
    """The first admin of a district just added, who then names its organizers at its own
    path: the account of ``email``, or the admin who added it. Only while the district has
    no admin, so adding districts gives no hold on one that already runs."""
    if db.session.scalar(select(Membership.id).where(
            Membership.district_id == district_id, Membership.role == Role.ADMIN.value)):
        raise Conflict(_l("이 자치구에는 이미 관리자가 있습니다."), field="first_admin")
    user = user_by_email(email) if email and email.strip() else acting_user
    if user is None:
        raise NotFound(_l("그 이메일로 가입한 사람이 없습니다."), field="first_admin")
    return _add_membership(district_id, user, Role.ADMIN, acting_user)


def revoke_role(district_id: int, membership_id: int, acting_user: User) -> None:
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.district_id != district_id:
        raise NotFound(_l("그런 역할 부여 기록이 없습니다."))
    _check_may_manage(district_id, Role(membership.role), acting_user)
    if membership.user_id == acting_user.id and membership.role in (Role.ORGANIZER, Role.ADMIN):
        raise DomainError(_l("자신의 운영 권한은 직접 회수할 수 없습니다."), status=409)
    # The membership row goes; this entry is what remains of who held the role until when.
    audit.record("role.revoke", "membership", membership.id, acting_user, district_id,
                 {"user_id": membership.user_id, "user": membership.user.display_name,
                  "role": membership.role, "granted_at": membership.created_at.isoformat()})
    db.session.delete(membership)


def members_of(district_id: int) -> list[Membership]:
    return list(
        db.session.scalars(
            select(Membership)
            .where(Membership.district_id == district_id, Membership.role != Role.RESIDENT)
            .join(User)
            .order_by(Membership.role, User.display_name)
        )
    )


def create_user(email: str, password: str, role: Role, district: District,
                display_name: str | None = None, unit_id: int | None = None) -> User:
    """The ``flask create-user`` command: a person with ``role`` (and resident) in ``district``;
    a department or working-group role names its unit."""
    org_unit_id = _unit_for(district.id, role, unit_id)
    user = user_by_email(email)
    if user is None:
        user = create_account(email, password, display_name or email.split("@")[0], district.id)
    if role not in user.roles_in(district.id):
        membership = Membership(district_id=district.id, role=role, org_unit_id=org_unit_id)
        user.memberships.append(membership)
        db.session.flush()
        # From the command line: no one signed in, the system grants it.
        audit.record("role.grant", "membership", membership.id, None, district.id,
                     {"user_id": user.id, "user": user.display_name, "role": role.value})
    db.session.flush()
    return user


def give_city_role(email: str, password: str, city_role: str,
                   display_name: str | None = None) -> User:
    """The ``flask create-user --city`` command: an account (made here if the address has
    none, a member of no district) with a city role, which counts in every district
    (``core.auth.CITY_ROLE_HOLDS``). Giving the role it already has changes nothing."""
    if city_role not in set(CityRole):
        raise DomainError(_l("서울시 역할은 reviewer 또는 coordinator입니다."))
    user = user_by_email(email)
    if user is None:
        user = create_account(email, password, display_name or email.split("@")[0], None)
    if user.city_role != city_role:
        before, user.city_role = user.city_role, city_role
        db.session.flush()
        # From the command line: the system grants it, for no one district.
        audit.record("role.city_grant", "user", user.id, None, None,
                     {"user": user.display_name, "city_role": city_role, "before": before})
    return user


def take_city_role(email: str) -> User:
    """The ``flask revoke-city-role`` command: the account keeps its district roles and loses
    the one that reached every district, from its next request on."""
    user = user_by_email(email)
    if user is None or user.city_role is None:
        raise NotFound(_l("그 이메일의 서울시 계정이 없습니다."))
    before, user.city_role = user.city_role, None
    db.session.flush()
    audit.record("role.city_revoke", "user", user.id, None, None,
                 {"user": user.display_name, "before": before})
    return user


def save_cycle(district_id: int, year: int, title: str, description: str,
               phase_dates: dict, cycle_id: int | None = None, actor=None) -> Cycle:
    """Create or update a district's yearly cycle and its phase schedule."""
    cycle = None if cycle_id is None else cycle_of_district(district_id, cycle_id)
    taken = db.session.scalars(
        select(Cycle.id).where(Cycle.district_id == district_id, Cycle.year == year)
    ).first()
    if taken is not None and taken != cycle_id:
        raise Conflict(lazy_message("%(year)d년 주기가 이미 있습니다.", year=year))
    if cycle is None:
        cycle = Cycle(district_id=district_id)
        db.session.add(cycle)
    cycle.year = year
    cycle.title = title.strip()
    cycle.description = description.strip()
    existing = {p.phase: p for p in cycle.phases}
    for phase, (starts_on, ends_on) in phase_dates.items():
        scheduled = existing.pop(phase.value, None) or CyclePhase(phase=phase.value)
        scheduled.starts_on, scheduled.ends_on = starts_on, ends_on
        if scheduled not in cycle.phases:
            cycle.phases.append(scheduled)
    for unscheduled in existing.values():
        cycle.phases.remove(unscheduled)
    db.session.flush()
    audit.record("cycle.create" if cycle_id is None else "cycle.edit", "cycle", cycle.id, actor,
                 district_id, {"year": year, "phases": sorted(p.value for p in phase_dates)})
    return cycle


def cycle_of_district(district_id: int, cycle_id: int) -> Cycle:
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None or cycle.district_id != district_id:
        raise NotFound(_l("그런 연차 계획 주기가 없습니다."))
    return cycle
