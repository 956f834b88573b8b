"""The demo district: 강동구 and its 2027 community innovation plan cycle.

Names and the shape of the year come from the district's published plans (seed documents);
the people are invented.
"""

from datetime import date

from sqlalchemy import select

from accounts.services import create_user, save_cycle
from core.auth import Role
from core.db import db
from core.models import Cycle, District, Dong, Phase

GANGDONG_DONGS = [
    "강일동", "상일제1동", "상일제2동", "명일제1동", "명일제2동", "고덕제1동", "고덕제2동",
    "암사제1동", "암사제2동", "암사제3동", "천호제1동", "천호제2동", "천호제3동",
    "성내제1동", "성내제2동", "성내제3동", "길동", "둔촌제1동", "둔촌제2동",
]

# Intake for a year's plan runs through the year before, as in the district's practice
# (the 2020 plan was drafted in 2019); the priority vote lasts ten days as in 2020.
CYCLE_2027 = {
    Phase.INTAKE: (date(2026, 9, 1), date(2026, 12, 31)),
    Phase.COORDINATION: (date(2027, 1, 4), date(2027, 1, 29)),
    Phase.DELIBERATION: (date(2027, 2, 1), date(2027, 2, 26)),
    Phase.VOTE: (date(2027, 3, 2), date(2027, 3, 11)),
    Phase.PLAN: (date(2027, 3, 15), date(2027, 4, 30)),
    Phase.EVALUATION: (date(2027, 7, 1), date(2027, 12, 15)),
}

DEMO_ACCOUNTS = [
    ("admin@demo.madang.kr", "demo-admin-2027", Role.ADMIN, "마당 관리자"),
    ("organizer@demo.madang.kr", "demo-organizer-2027", Role.ORGANIZER, "김협치 (협치조정관)"),
    ("facilitator@demo.madang.kr", "demo-facilitator-2027", Role.FACILITATOR, "이진행"),
    ("resident@demo.madang.kr", "demo-resident-2027", Role.RESIDENT, "박주민"),
    ("city@demo.madang.kr", "demo-city-2027", Role.CITY_REVIEWER,
     "최조정 (서울시 지역공동체담당관)"),
]


def seed_district() -> District:
    district = db.session.scalars(select(District).where(District.slug == "gangdong")).first()
    if district is None:
        district = District(slug="gangdong", name_ko="강동구", name_en="Gangdong-gu")
        db.session.add(district)
    known = {d.name for d in district.dongs}
    for position, name in enumerate(GANGDONG_DONGS):
        if name not in known:
            district.dongs.append(Dong(name=name, position=position))
    db.session.flush()
    return district


def seed_cycle(district: District) -> Cycle:
    cycle = db.session.scalars(
        select(Cycle).where(Cycle.district_id == district.id, Cycle.year == 2027)
    ).first()
    return save_cycle(
        district.id, 2027, "2027 강동구 지역사회혁신계획",
        "주민이 발굴한 지역의제를 융합·조정하고, 원탁토론회에서 숙의한 뒤 주민투표로 우선순위를 "
        "정해 2027년 실행계획에 담습니다. 협치강동구회의가 계획을 승인하고 반기별로 "
        "성과를 평가해 다음 해 의제발굴로 환류합니다.",
        CYCLE_2027, cycle.id if cycle else None,
    )


def seed() -> list[tuple[str, str, str]]:
    """Create (or complete) the demo district, cycle and one account per role."""
    district = seed_district()
    seed_cycle(district)
    accounts = []
    for email, password, role, name in DEMO_ACCOUNTS:
        create_user(email, password, role, district, name)
        accounts.append((email, password, role.value))
    return accounts
