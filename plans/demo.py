"""Demo plan for 강동구's 2027 cycle on the approval path of seed 000 §IV: the priority vote's
selection becomes the plan, the 협치강동구회의 approves it, the city reviews it (협의조정,
items taken from the 2019 review, seed 001 Ⅱ: the required one resolved by a new version)
and its decision record makes it final; departments report mid-year progress, evaluators
score the projects, two findings open the 2028 intake, and an amendment (변경계획) passes
the council and waits for the city while progress is still reported on the plan in force.
Comment titles, the council's name and the 30% rule come from the seed documents; people,
amounts and scores are invented for the demo."""

from datetime import date

from sqlalchemy import select

from accounts import demo as accounts_demo
from accounts import units
from accounts.models import user_by_email
from accounts.services import save_cycle
from core.db import db
from core.models import Cycle, District, Phase
from plans import building, council, evaluation, findings, progress, review, settings
from plans.council_models import Choice, Gender, MemberType, MotionKind, Seat
from plans.models import Category, FindingKind, Period
from voting.confirmation import confirm_result
from voting.definition import votes_of
from voting.demo import COMBINED_VOTE_TITLE
from voting.vote_log import confirmation

TOTAL_BUDGET = 160_000_000
FOUNDATION_BUDGET = 60_000_000

FOUNDATION = building.ProjectData(
    title="협치 기반조성: 협치강동구회의 운영·협치교육·성과공유",
    budget=FOUNDATION_BUDGET, category=Category.FOUNDATION.value, funding_source="city",
    summary="민관이 소통하고 실천하는 지역사회 협치기반을 만듭니다. 협치강동구회의와 "
            "분과(확대)회의 운영, 민관 협치이해교육과 워크숍, 우수사례 발굴과 12월 "
            "성과공유회를 포함합니다.",
    field="participation", department="기획예산과", team="협치팀",
    civil_partners="협치강동구회의 운영위원회, 강동구 협치지원관", fusion_tags="거버넌스, 교육",
    starts_on=date(2027, 5, 1), ends_on=date(2027, 12, 31))

# Working groups and schedules for the vote's candidates (the seed plan tables' columns).
WORKING_GROUPS = {
    "공동육아 공간과 돌봄 공동체 만들기": ("여성가족과", "보육지원팀",
                                 "강동구공동육아협동조합 준비모임, 육아종합지원센터", "복지, 교육"),
    "밥상모임으로 잇는 건강·복지 공동체": ("복지정책과", "복지기획팀",
                                  "동 지역사회보장협의체, 암사동 밥상모임", "복지, 건강"),
    "폐지수집어르신 안전장치": ("어르신청소년과", "어르신복지팀", "성내1동 주민자치회",
                       "복지, 안전"),
    "마을배움터 만들기(공간)": ("교육지원과", "평생교육팀", "둔촌동 작은도서관 협의회",
                        "교육, 공간"),
    "중소규모 마을축제 활성화 지원": ("문화체육과", "문화예술팀", "암사3동 축제기획단",
                           "문화, 마을공동체"),
    "기후변화 관련 주민참여 프로그램 개발 및 지원": ("기후환경과", "기후변화대응팀",
                                       "강동 에너지전환 시민모임", "환경, 에너지"),
    "주민주도 안전마을 공동체 만들기": ("안전총괄과", "안전정책팀", "천호3동 안심마을 지킴이",
                             "안전, 마을공동체"),
}

REQUIRED_COMMENT = (
    "실행사업별 협치적 맥락 내용 보완",
    "실행사업별로 왜 이 사업을 협치로 해야 하는지, 협치사업으로 했을 때 기대되는 효과를 "
    "배경 및 필요성, 사업목표, 추진방향에 보완해 서술하세요. 기반조성사업은 별도 목차로 "
    "목적, 일정, 주요내용, 참여대상을 구체화하세요.")
RECOMMENDED_COMMENT = ("예산산출내역의 구체화", "사업별 예산의 산출내역을 구체화하여 작성하세요.")

# The seed's 협치강동구회의 (seed 000, 협치강동구회의 구성): 3 ex officio members by office
# (구청장, 기획경제국장, 협치조정관) and 27 appointed for two years from the 2026 appointment
# (2 district councillors, 25 civil members): 25 of 30 civil (83%), 14 women and 13 men among
# the appointed. One civil member moves away in 2027 and is replaced before the plan's meeting.
COUNCIL_APPOINTED_ON = date(2026, 7, 16)
COUNCIL_EX_OFFICIO = (
    ("강동구청장", "강동구청 구청장(공동의장)", Gender.MALE),
    ("기획경제국장", "강동구청 기획경제국", Gender.FEMALE),
    ("협치조정관", "강동구청 협치조정관", Gender.MALE),
)
COUNCIL_APPOINTED = (
    [(f"민간위원 {n:02d}", "강동구 주민·시민사회", MemberType.CIVIL,
      Gender.FEMALE if n % 2 else Gender.MALE) for n in range(1, 26)]
    + [("구의원위원 1", "강동구의회", MemberType.COUNCILLOR, Gender.FEMALE),
       ("구의원위원 2", "강동구의회", MemberType.COUNCILLOR, Gender.MALE)]
)
COUNCIL_REPLACEMENT = ("민간위원 04", date(2027, 3, 2), "거주지 이전(강동구 외 전출)으로 사임",
                       ("민간위원 26", "강동구 주민·시민사회", MemberType.CIVIL, Gender.MALE))

RUBRIC = [("협치성 (민관 공동 추진)", 30), ("목표 달성도", 40), ("주민 참여와 확산", 30)]

# Mid-year figures per project title: (percent, spent share of budget %, status, scores,
# satisfaction %, notes)
MID_YEAR = {
    "공동육아 공간과 돌봄 공동체 만들기": (55, 50, "on_track", (26, 32, 25), 86,
                                 "공간 두 곳 확보, 부모 모임 4개 결성"),
    "밥상모임으로 잇는 건강·복지 공동체": (60, 55, "on_track", (25, 30, 26), 91,
                                  "밥상모임 8개 동 운영, 어르신 120명 참여"),
    "폐지수집어르신 안전장치": (80, 75, "on_track", (24, 34, 22), 88, "야광 조끼 300벌 전달"),
    "마을배움터 만들기(공간)": (30, 25, "delayed", (20, 22, 18), 72, "공간 임대 계약 지연"),
    "중소규모 마을축제 활성화 지원": (20, 15, "delayed", (14, 18, 12), 48,
                            "참여 동 모집 부진, 축제 2건 연기"),
    "기후변화 관련 주민참여 프로그램 개발 및 지원": (45, 40, "on_track", (24, 28, 22), 80,
                                       "탄소중립 실천 가정 350가구 모집"),
    "주민주도 안전마을 공동체 만들기": (50, 45, "on_track", (25, 30, 24), 84,
                             "안심 귀갓길 3개 구간 점검"),
    FOUNDATION.title: (50, 45, "on_track", (27, 31, 24), 83,
                       "협치강동구회의 2회, 협치이해교육 3회 운영"),
}

CYCLE_2028 = {
    Phase.INTAKE: (date(2027, 9, 1), date(2027, 12, 31)),
    Phase.COORDINATION: (date(2028, 1, 3), date(2028, 1, 28)),
    Phase.DELIBERATION: (date(2028, 2, 1), date(2028, 2, 25)),
    Phase.VOTE: (date(2028, 3, 2), date(2028, 3, 11)),
    Phase.PLAN: (date(2028, 3, 13), date(2028, 4, 28)),
    Phase.EVALUATION: (date(2028, 7, 3), date(2028, 12, 15)),
}


def _decisive_vote(district: District, cycle: Cycle, organizer):
    """The demo's closed points vote (resident vote 50%, forum 20%, committee review 30%),
    confirmed once; the other demo votes over the same shortlist stay unconfirmed."""
    vote = next(v for v in votes_of(district.id, cycle.id) if v.title == COMBINED_VOTE_TITLE)
    if confirmation(vote) is None:
        confirm_result(district.id, vote.id, organizer, notify=False)
    return vote


def _working_groups(district: District, plan, organizer) -> None:
    for project in plan.projects:
        group = WORKING_GROUPS.get(project.title)
        if group is None:
            continue
        department, team, partners, tags = group
        building.update_project(district.id, project.id, building.ProjectData(
            title=project.title, budget=project.budget, category=project.category,
            funding_source="city" if project.budget >= 15_000_000 else "district",
            summary=project.summary, field=project.field, dong=project.dong,
            department=department, team=team, civil_partners=partners, fusion_tags=tags,
            starts_on=date(2027, 5, 1), ends_on=date(2027, 11, 30)), organizer)
        building.add_milestone(district.id, project.id, "민관 워킹그룹 구성", date(2027, 5, 15),
                               organizer)
        building.add_milestone(district.id, project.id, "중간 점검", date(2027, 7, 15),
                               organizer)


def _city_review(district: District, plan, organizer, city) -> None:
    """Seed 001 Ⅱ-Ⅲ: the city's items on the version the council approved, the required
    one answered by a new version, the recommended one answered, and the decision record."""
    required = review.add_review_comment(district.id, plan.id, "required",
                                         *REQUIRED_COMMENT, city)
    recommended = review.add_review_comment(district.id, plan.id, "recommended",
                                            *RECOMMENDED_COMMENT, city)
    foundation = next(p for p in plan.projects if p.category == Category.FOUNDATION)
    building.update_project(district.id, foundation.id, building.ProjectData(
        **{**FOUNDATION.__dict__, "summary": FOUNDATION.summary + " 협치사업으로 하는 이유: "
           "민간위원과 부서가 함께 의제를 정하고 실행해야 주민이 결과에 책임을 나눕니다. "
           "참여대상은 협치회의 위원, 분과 확대회의 주민, 사업 부서 공무원입니다."}),
        organizer)
    review.save_revision(district.id, plan.id, organizer,
                         "협의조정 의견 반영: 협치적 맥락과 기반조성사업 목차 보완")
    review.answer_comment(district.id, plan.id, required.id,
                          "사업별 협치 필요성과 기대효과를 보완하고 기반조성사업을 별도 "
                          "목차로 구성했습니다 (제2판).", organizer)
    review.answer_comment(district.id, plan.id, recommended.id,
                          "사업별 산출내역은 부서별 세부 집행계획에 담아 하반기 중간평가 때 "
                          "함께 보고하겠습니다.", organizer)
    review.resolve_comment(district.id, plan.id, required.id, city)
    review.record_decision(district.id, plan.id, "approved",
                           "필수 의견 1건이 제2판에 반영되어 최종본으로 승인합니다.", city)


def council_meeting(district: District, plan, organizer, title: str, held_on: date,
                    motion_title: str):
    """A plenary meeting of the district's council where 20 members attend and approve the
    plan (17 for, 2 against, 1 abstaining)."""
    meeting = council.open_meeting(district.id, title, held_on)
    members = council.roster(district.id, meeting.held_on)
    present = members[:20]
    council.record_attendance(district.id, meeting.id, [m.id for m in present])
    motion = council.add_motion(district.id, meeting.id, motion_title, MotionKind.ORDINARY,
                                plan.id)
    votes = {m.id: Choice.YES.value for m in present[:17]}
    votes.update({present[17].id: Choice.NO.value, present[18].id: Choice.NO.value,
                  present[19].id: Choice.ABSTAIN.value})
    council.decide(district.id, motion.id, votes, organizer)
    return meeting


def seat_council(district: District, ex_officio, appointed, appointed_on: date) -> None:
    """The council's members: ``ex_officio`` (name, affiliation, gender) by office and
    ``appointed`` (name, affiliation, member type, gender) for two years from
    ``appointed_on``."""
    for name, affiliation, gender in ex_officio:
        council.add_member(district.id, name, affiliation, MemberType.OFFICIAL, gender,
                           Seat.EX_OFFICIO, appointed_on)
    for name, affiliation, member_type, gender in appointed:
        council.add_member(district.id, name, affiliation, member_type, gender,
                           Seat.APPOINTED, appointed_on)


def through_council(district: District, plan, organizer, note: str, meeting_title: str,
                    held_on: date, motion_title: str, minutes: str) -> None:
    """The plan (or its amendment) sent to the council as a version and approved at a
    plenary meeting with published minutes: it goes to the city's review (seed 000 §IV)."""
    review.submit_to_council(district.id, plan.id, organizer, note)
    meeting = council_meeting(district, plan, organizer, meeting_title, held_on, motion_title)
    council.record_minutes(district.id, meeting.id, minutes, publish=True)


def _council(district: District, plan, organizer) -> None:
    settings.save_settings(district.id, foundation_share_percent=30, council_max_members=30,
                           civil_share_percent=70, gender_max_percent=60, low_rating_percent=60)
    if not council.everyone(district.id):
        seat_council(district, COUNCIL_EX_OFFICIO, COUNCIL_APPOINTED, COUNCIL_APPOINTED_ON)
        leaving, on, reason, newcomer = COUNCIL_REPLACEMENT
        member = next(m for m in council.everyone(district.id) if m.name == leaving)
        council.replace_member(district.id, member.id, on, reason, *newcomer)
    through_council(
        district, plan, organizer, "제1차안 (협치강동구회의 상정)",
        "2027 제1차 협치강동구회의 전체회의", date(2027, 4, 20),
        "2027 강동구 지역사회혁신계획 승인의 건",
        "재적 30명 중 20명 출석으로 성원되었습니다. 협치조정관이 실행계획(제1차안)을 보고하고, "
        "기반구축 사업 비율이 총 예산의 30% 이상임을 확인했습니다. 승인된 계획은 서울시 "
        "협의조정을 거쳐 확정됩니다. "
        "‘2027 강동구 지역사회혁신계획 승인의 건’은 찬성 17, 반대 2, 기권 1로 가결되었습니다. "
        "위원들은 마을축제 사업의 참여 동 모집 방법을 중간평가 때 다시 점검하기로 했습니다.")


def _responsible_units(district: District, plan, organizer) -> None:
    """Each project's department (accounts demo: the seed's departments) as the unit
    responsible for it, so that department's accounts report on it."""
    for project in plan.projects:
        unit = units.unit_named(district.id, project.department) if project.department else None
        if unit is not None:
            progress.assign_unit(district.id, project.id, unit.id, organizer)


def _mid_year(district: District, plan) -> None:
    if not settings.rubric(district.id):
        for name, max_score in RUBRIC:
            settings.add_criterion(district.id, name, max_score)
    criteria = settings.rubric(district.id)
    department = user_by_email(accounts_demo.DEPARTMENT_ACCOUNT[0])
    for project in plan.projects:
        percent, spent_share, status, scores, satisfaction, notes = MID_YEAR[project.title]
        # The department account files its own project's report; organizers file the rest.
        reporter = (department if project.responsible_unit_id in department.unit_ids_in(
            district.id) else None)
        progress.report_progress(
            district.id, project.id, reported_on=date(2027, 6, 30), status=status,
            percent=percent, spent=project.budget * spent_share // 100, notes=notes,
            reporter=f"{project.department} {project.team}".strip(), actor=reporter)
        evaluation.evaluate(
            district.id, project.id, period=Period.MID.value,
            self_evaluation=f"{notes}. 하반기에 민관 워킹그룹 회의를 늘려 보완하겠습니다.",
            evaluator="강동구 협치 성과평가단",
            scores={c.id: s for c, s in zip(criteria, scores, strict=True)},
            satisfaction=satisfaction, respondents=40 + project.id % 30)


def _feedback(district: District, plan, organizer) -> None:
    cycle_2028 = db.session.scalars(select(Cycle).where(
        Cycle.district_id == district.id, Cycle.year == 2028)).first()
    if cycle_2028 is None:
        cycle_2028 = save_cycle(
            district.id, 2028, "2028 강동구 지역사회혁신계획",
            "2027 성과평가에서 나온 환류 과제와 새 제안으로 2028년 지역의제를 발굴합니다.",
            CYCLE_2028)
    festival = next(p for p in plan.projects if p.title == "중소규모 마을축제 활성화 지원")
    found = [
        findings.add_finding(
            district.id, plan.id, FindingKind.LOW_RATED, "주민이 기획하는 마을축제로 다시 설계",
            "중간평가 44점, 주민 만족도 48%. 참여 동 모집이 부진했습니다. 동 주민자치회와 "
            "주민기획단이 처음부터 함께 기획하는 방식으로 다시 숙의합니다.", festival.id),
        findings.add_finding(
            district.id, plan.id, FindingKind.FINDING, "협치 의제 발굴 채널 다양화",
            "성과평가단 의견: 의제 발굴이 정기 공모에 몰려 있습니다. 연중 수시 제안, 동 "
            "단위 계획, 부서 제안을 잇는 발굴 채널을 넓혀야 합니다."),
    ]
    for finding in found:
        findings.carry_finding(district.id, finding.id, cycle_2028.id, organizer)


AMENDMENT = ("마을축제 사업을 주민기획단 방식으로 변경",
             "중간평가(44점, 만족도 48%)를 반영해 하반기 마을축제를 동 주민자치회와 "
             "주민기획단이 처음부터 함께 기획하는 방식으로 바꿉니다.")


def _amendment(district: District, plan, organizer) -> None:
    """A change (변경계획) that passes the council and waits for the city's review, while the
    approved version stays in force: the September progress is reported on it."""
    reason, summary = AMENDMENT
    review.reopen_for_amendment(district.id, plan.id, reason, organizer)
    festival = next(p for p in plan.projects if p.title == "중소규모 마을축제 활성화 지원")
    data = {key: getattr(festival, key) for key in (
        "title", "budget", "category", "funding_source", "field", "dong", "department",
        "team", "civil_partners", "fusion_tags", "starts_on")}
    building.update_project(district.id, festival.id, building.ProjectData(
        **data, summary=summary, ends_on=date(2027, 12, 15)), organizer)
    through_council(
        district, plan, organizer, f"변경안: {reason}", "2027 제2차 협치강동구회의 전체회의",
        date(2027, 8, 24), "2027 강동구 지역사회혁신계획 변경(안) 승인의 건",
        "재적 30명 중 20명 출석으로 성원되었습니다. 협치조정관이 중간평가 결과와 마을축제 "
        "사업의 변경안을 보고했습니다. ‘2027 강동구 지역사회혁신계획 변경(안) 승인의 건’은 "
        "찬성 17, 반대 2, 기권 1로 가결되어 서울시 협의조정에 제출합니다. 변경안이 확정될 "
        "때까지 승인된 계획대로 추진합니다.")
    for project in plan.projects:
        percent, spent_share, status, *_rest = MID_YEAR[project.title]
        progress.report_progress(
            district.id, project.id, reported_on=date(2027, 9, 30), status=status,
            percent=min(percent + 15, 95), spent=project.budget * (spent_share + 15) // 100,
            notes="3분기 추진 실적 (변경안 협의조정 중, 승인된 계획대로 추진)",
            reporter=f"{project.department} {project.team}".strip())


def seed(district: District, cycle: Cycle):
    """Build the demo plan for ``cycle`` once and return it (the existing one if seeded)."""
    existing = building.plan_for_cycle(district.id, cycle.id)
    if existing is not None:
        return existing
    organizer = user_by_email("organizer@demo.madang.kr")
    city = user_by_email("city@demo.madang.kr")
    vote = _decisive_vote(district, cycle, organizer)
    plan = building.create_plan_from_vote(district.id, cycle.id, vote.id, TOTAL_BUDGET,
                                          organizer)
    building.add_project(district.id, plan.id, FOUNDATION, organizer)
    _working_groups(district, plan, organizer)
    _responsible_units(district, plan, organizer)
    _council(district, plan, organizer)
    _city_review(district, plan, organizer, city)
    _mid_year(district, plan)
    _feedback(district, plan, organizer)
    _amendment(district, plan, organizer)
    db.session.flush()
    return plan
