"""성동구's 2023 plan in the demo (``plans.seongdong_demo``): the confirmed selection of its
priority vote as projects with the working groups of seed 002 §6.3 (민간주체, 행정), the
plan's foundation project (§6.3 연번 1), the 성동구협치회의's approval (seed 002 §4: 제3기
위촉 2021-11-23, two-year terms, civil members above 70%, quarterly meetings) and the city's
review (seed 001 Ⅱ) with one required and one recommended item still open.

The steps reuse the 강동구 demo's (``plans.demo``): the council is seated and passes the plan
the same way. Steps of the district are the system's (no 성동구 account is seeded); the
city's items are the demo city account's, a city reviewer of every district."""

from datetime import date

from accounts import demo as accounts_demo
from accounts.models import user_by_email
from core.models import Cycle, District
from plans import building, council, review
from plans.council_models import Gender, MemberType
from plans.demo import seat_council, through_council
from plans.models import Category, FundingSource, Severity
from voting.confirmation import confirm_result
from voting.models import Vote
from voting.vote_log import confirmation

# Seed 002 gives no amounts: the total and each project's budget are illustrative, with the
# foundation project above the ordinance's 30% (seed 001). The source of the money is the
# seed's: from 2023 the district funds the plan itself (seed 002 §8, 시비 지원 전액 삭감으로
# 구비 편성).
TOTAL_BUDGET = 200_000_000
FOUNDATION_BUDGET = 65_000_000
PROJECT_BUDGET = 27_000_000
STARTS_ON, ENDS_ON = date(2023, 5, 1), date(2023, 12, 15)

FOUNDATION = building.ProjectData(
    title="지역사회혁신계획 실행지원 (기반구축, 역량강화 등)", budget=FOUNDATION_BUDGET,
    category=Category.FOUNDATION.value, funding_source=FundingSource.DISTRICT.value,
    # Seed 002 §6.1 (숙의의 협치체계): the yearly projects of the foundation.
    summary="협치교육, 협치기록사업, 협치 조직 정비와 역량강화, 열린분과원 운영, 숙의공론장 "
            "활성화, 주민의제제안제 연계, 민관협치 워크숍을 운영합니다.",
    field="participation", department="기획예산과 (민관협력추진단)",
    civil_partners="성동구협치회의, 분과위원회 (협치 열린 분과원), 주민참여예산위원회, "
                   "관내 중간지원조직",
    fusion_tags="기반구축, 역량강화", starts_on=STARTS_ON, ends_on=ENDS_ON)

# The 제3기 성동구협치회의 (seed 002 §4): members appointed on 2021-11-23 for two years;
# its four 분과 (보건복지, 마을자치, 도시환경, 교육문화, formed 2022-01-18) name the civil
# members' seats. Who holds the ex officio seats, the size (the ordinance's 30) and the
# members' names and genders are illustrative.
COUNCIL_APPOINTED_ON = date(2021, 11, 23)
WORKING_GROUPS = ("보건복지", "마을자치", "도시환경", "교육문화")
COUNCIL_EX_OFFICIO = (
    ("성동구청장", "성동구청 구청장(공동의장)", Gender.MALE),
    ("민관협력추진단장", "성동구청 민관협력추진단(협치조정관)", Gender.FEMALE),
    ("기획예산과장", "성동구청 기획예산과", Gender.MALE),
)
COUNCIL_APPOINTED = (
    [(f"성동 민간위원 {n:02d}", f"{WORKING_GROUPS[n % 4]} 분과", MemberType.CIVIL,
      Gender.FEMALE if n % 2 else Gender.MALE) for n in range(1, 26)]
    + [("성동구의원위원 1", "성동구의회", MemberType.COUNCILLOR, Gender.FEMALE),
       ("성동구의원위원 2", "성동구의회", MemberType.COUNCILLOR, Gender.MALE)]
)
COUNCIL_MEETING = ("2023 제1차 성동구협치회의 정기회의", date(2023, 4, 18),
                   "2023 성동구 지역사회혁신계획 승인의 건")
COUNCIL_MINUTES = (
    "재적 30명 중 20명 출석으로 성원되었습니다. 민관협력추진단장(협치조정관)이 주민투표로 "
    "정한 협치의제와 실행지원 사업으로 짠 실행계획(제1차안)을 보고하고, 기반구축 사업 비율이 "
    "총 예산의 30% 이상임을 확인했습니다. 2023년부터 시비 지원이 없어 전액 구비로 "
    "편성합니다. ‘2023 성동구 지역사회혁신계획 승인의 건’은 찬성 17, 반대 2, 기권 1로 "
    "가결되어 서울시 협의조정에 제출합니다.")

# The city's items, worded after its 2019 review of a district plan (seed 001 Ⅱ,
# 협의·조정 회의 주요 내용): one required (필수), one recommended (권고); both left open.
REVIEW_ITEMS = (
    (Severity.REQUIRED, "기반조성사업을 구체화하여 서술",
     "기반조성사업(민관이 소통하고 실천하는 지역사회 협치기반 조성)의 내용을 구체화하고 별도 "
     "목차로 구성하세요. 거버넌스 체계, 민관파트너십 강화, 우수사례 발굴 및 성과공유, 교육 등 "
     "사업별로 목적, 일정, 주요내용, 참여대상을 서술하세요."),
    (Severity.RECOMMENDED, "전년도 과정에 대한 평가 보완",
     "2기(2020~2022) 지역사회혁신계획을 수립하고 실행한 과정에 대한 자체 평가와 시사점을 "
     "계획서 초반에 서술하기를 권고합니다."),
)


def _projects(district: District, plan) -> None:
    """The vote's projects with their budgets, the district's money and the year's dates;
    their working groups came with the agenda items (seed 002 §6.3)."""
    for project in plan.projects:
        building.update_project(district.id, project.id, building.ProjectData(
            title=project.title, budget=PROJECT_BUDGET, category=project.category,
            funding_source=FundingSource.DISTRICT.value, summary=project.summary,
            field=project.field, dong=project.dong, department=project.department,
            civil_partners=project.civil_partners, starts_on=STARTS_ON, ends_on=ENDS_ON),
            None)
    building.add_project(district.id, plan.id, FOUNDATION, None)


def seed(district: District, cycle: Cycle, vote: Vote):
    """Build the plan once and return it (the existing one if seeded)."""
    existing = building.plan_for_cycle(district.id, cycle.id)
    if existing is not None:
        return existing
    if confirmation(vote) is None:
        confirm_result(district.id, vote.id, None, notify=False)
    plan = building.create_plan_from_vote(district.id, cycle.id, vote.id, TOTAL_BUDGET, None)
    _projects(district, plan)
    if not council.everyone(district.id):
        seat_council(district, COUNCIL_EX_OFFICIO, COUNCIL_APPOINTED, COUNCIL_APPOINTED_ON)
    meeting_title, held_on, motion_title = COUNCIL_MEETING
    through_council(district, plan, None, "제1차안 (성동구협치회의 상정)", meeting_title,
                    held_on, motion_title, COUNCIL_MINUTES)
    city = user_by_email(accounts_demo.CITY_ACCOUNT[0])
    for severity, title, body in REVIEW_ITEMS:
        review.add_review_comment(district.id, plan.id, severity.value, title, body, city)
    return plan
