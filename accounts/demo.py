"""The demo district: 강동구 and its 2027 community innovation plan cycle.

Names and the shape of the year come from the district's published plans (seed documents);
the people are invented.
"""

from datetime import date

from sqlalchemy import select

from accounts import units
from accounts.models import UnitKind
from accounts.services import create_user, give_city_role, save_cycle
from core.auth import CityRole, Role
from core.db import db
from core.models import Cycle, District, Dong, Phase

# The district's 19 administrative dongs with their English names: the Revised Romanization of
# Korean as the district's official English names write it, the number read out in brackets
# (천호제1동 → Cheonho 1(il)-dong).
GANGDONG_DONGS = [
    ("강일동", "Gangil-dong"), ("상일제1동", "Sangil 1(il)-dong"),
    ("상일제2동", "Sangil 2(i)-dong"), ("명일제1동", "Myeongil 1(il)-dong"),
    ("명일제2동", "Myeongil 2(i)-dong"), ("고덕제1동", "Godeok 1(il)-dong"),
    ("고덕제2동", "Godeok 2(i)-dong"), ("암사제1동", "Amsa 1(il)-dong"),
    ("암사제2동", "Amsa 2(i)-dong"), ("암사제3동", "Amsa 3(sam)-dong"),
    ("천호제1동", "Cheonho 1(il)-dong"), ("천호제2동", "Cheonho 2(i)-dong"),
    ("천호제3동", "Cheonho 3(sam)-dong"), ("성내제1동", "Seongnae 1(il)-dong"),
    ("성내제2동", "Seongnae 2(i)-dong"), ("성내제3동", "Seongnae 3(sam)-dong"),
    ("길동", "Gil-dong"), ("둔촌제1동", "Dunchon 1(il)-dong"), ("둔촌제2동", "Dunchon 2(i)-dong"),
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
]

# The city's reviewer (seed 001: the review is the city's 지역공동체담당관's), a city account:
# the city reviewer of every district, reviewing 강동구's and 성동구's plans from the board.
CITY_ACCOUNT = ("city@demo.madang.kr", "demo-city-2027", CityRole.REVIEWER,
                "최조정 (서울시 지역공동체담당관)")


# The seven 분과 of the 협치강동구회의 and the projects (실행과제) each runs, from seed 000
# §V 지역사회혁신계획 기본구상 (지역 사회 혁신 과제); the agenda demo puts these projects
# in the register of existing projects.
WORKING_GROUPS = {
    "공공질서 분과": ("환경미화원 스티커 부착을 환경개선 사업",
                 "팻티켓 향상을 통한 주민갈등 예방 사업"),
    "마을공동체활성화 분과": ("강동구 마을공동체는 행복하다",),
    "소통 분과": ("주민톡톡(Talk Talk) 광장", "구민의견 알림 방안 마련"),
    "아동·청소년 분과": ("세대공감을 위한 어울림", "청소년 노동인권 교육"),
    "지역사회복지 분과": ("다문화 아이들을 위한 한글은 떼고 학교에 가자!",),
    "지역역사·문화 분과": ("문화도시 강동을 여는 칠교놀이", "강동 이야기 발굴"),
    "환경 분과": ("환경생태 교육 및 홍보",),
}

# Departments: 기획예산과, the district office's 협치 department (seed 000 §VI.3 협치추진단:
# 기획예산과 정책팀), and the departments the demo plan's working groups name, as the
# 행정 column of seed 002 §6.3's table names one per project (복지정책과 appears there).
DEPARTMENTS = ("기획예산과", "여성가족과", "복지정책과", "어르신청소년과", "교육지원과",
               "문화체육과", "기후환경과", "안전총괄과")

# A department account (부서 담당자) of 기획예산과, whose 정책팀 staffs the 협치추진단 (seed 000
# §VI.3: 기획예산과 정책팀 팀장, 주무관 2): it reports progress on the foundation project.
DEPARTMENT_ACCOUNT = ("policy.team@demo.madang.kr", "demo-department-2027", "기획예산과",
                      "정협치 (기획예산과 정책팀 주무관)")


def seed_units(district: District) -> None:
    """The district's departments and working groups, once each."""
    for kind, names in ((UnitKind.DEPARTMENT, DEPARTMENTS),
                        (UnitKind.WORKING_GROUP, tuple(WORKING_GROUPS))):
        for name in names:
            if units.unit_named(district.id, name) is None:
                units.add_unit(district.id, kind.value, name, None)


def seed_district() -> District:
    district = db.session.scalars(select(District).where(District.slug == "gangdong")).first()
    if district is None:
        district = District(slug="gangdong", name_ko="강동구", name_en="Gangdong-gu")
        db.session.add(district)
    known = {d.name: d for d in district.dongs}
    for position, (name, name_en) in enumerate(GANGDONG_DONGS):
        if name not in known:
            district.dongs.append(Dong(name=name, name_en=name_en, position=position))
        elif not known[name].name_en:
            # A district seeded before dongs had English names gets them on the next run.
            known[name].name_en = name_en
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
    """Create (or complete) the demo district, cycle, one account per role and the city's
    reviewer."""
    district = seed_district()
    seed_cycle(district)
    accounts = []
    for email, password, role, name in DEMO_ACCOUNTS:
        create_user(email, password, role, district, name)
        accounts.append((email, password, role.value))
    seed_units(district)
    email, password, unit_name, name = DEPARTMENT_ACCOUNT
    create_user(email, password, Role.DEPARTMENT, district, name,
                units.unit_named(district.id, unit_name).id)
    accounts.append((email, password, f"{Role.DEPARTMENT.value} ({unit_name})"))
    email, password, city_role, name = CITY_ACCOUNT
    give_city_role(email, password, city_role, name)
    accounts.append((email, password, f"city {city_role.value} (every district)"))
    return accounts
