"""The demo round-table forum, shaped on the district's 2018-04-10 forum (seed 000 §I.3).

91 residents at 8 tables, each with a facilitator; two topics polled before and after
discussion. The answers are built so the published shifts come out of the real analysis:
topic 1, "주민 스스로의 거버넌스 의식 부족" 12% → 23%; topic 2, "주민자치 및 마을공동체
강화" 27% → 50%. Three people leave before the post-poll (paired N = 88). The residents
and their individual answers are invented.
"""

import random
from datetime import date

from sqlalchemy import select

from accounts.services import create_user
from core.auth import Role
from core.db import db
from core.models import Cycle, District
from forums import population, services
from forums.models import AGE_BANDS, Forum, PollPhase, PollState

TITLE = "협치강동 100인+ 원탁토론회 (2027 지역사회혁신계획)"
RESIDENTS = 91
TABLES = 8
LEFT_EARLY = {89, 90, 91}

TOPIC_1 = ("민관협치사업의 개선 필요사항",
           "민관협치사업에서 가장 먼저 개선해야 할 점은 무엇입니까?", [
    "구청의 협치전략과 인식 미흡",
    "실적·관행·안전 위주의 일방주의 행정",
    "주민 스스로의 거버넌스 의식 부족",
    "민관 소통 창구와 정보 공유 부족",
    "협치 사업 예산과 전문 인력 부족",
])
TOPIC_2 = ("우선 실시해야 할 민관협치 사업", "우선 실시해야 할 민관협치 사업은 무엇입니까?", [
    "주민자치 및 마을공동체 강화",
    "복지 사각지대 해소",
    "생태환경 보전과 도시안전",
    "청년 일자리와 사회적경제",
    "협치 교육과 민간 역량 강화",
])
LIKERT = "민관협치는 우리 동네 문제를 푸는 데 도움이 된다"

# Who picked the option the seed reports on, before and after (participant numbers).
GOVERNANCE_PRE = set(range(1, 11)) | {89}           # 11 of 91 → 12%
GOVERNANCE_POST = set(range(1, 8)) | set(range(11, 24))  # 20 of 88 → 23%
AUTONOMY_PRE = set(range(30, 54)) | {90}             # 25 of 91 → 27%
AUTONOMY_POST = set(range(30, 50)) | set(range(1, 25))  # 44 of 88 → 50%

FACILITATORS = [
    ("facilitator@demo.madang.kr", "demo-facilitator-2027", "이진행"),
    ("table2@demo.madang.kr", "demo-facilitator-2027", "김나눔"),
    ("table3@demo.madang.kr", "demo-facilitator-2027", "박이음"),
    ("table4@demo.madang.kr", "demo-facilitator-2027", "최마루"),
    ("table5@demo.madang.kr", "demo-facilitator-2027", "정다솜"),
    ("table6@demo.madang.kr", "demo-facilitator-2027", "한가람"),
    ("table7@demo.madang.kr", "demo-facilitator-2027", "윤새봄"),
    ("table8@demo.madang.kr", "demo-facilitator-2027", "오누리"),
]

# (obstacle 걸림돌, stepping stone 디딤돌, summary) per table.
TABLE_OUTPUTS = [
    ("협치 인식 부족", "주민자치회",
     "주민이 먼저 협치를 배우고 경험할 자리가 필요하다는 데 뜻을 모았습니다."),
    ("일방적 행정", "마을공동체", "실적 위주의 사업보다 마을 단위의 작은 성공 경험이 중요합니다."),
    ("협치 인식 부족", "협치 교육", "공무원과 주민이 함께 받는 협치 교육을 제안합니다."),
    ("소통 창구 부족", "주민자치회",
     "동 주민자치회를 협치 의제의 첫 창구로 삼자는 의견이 많았습니다."),
    ("협치 인식 부족", "마을공동체", "토론을 거치며 주민 스스로의 역할을 더 크게 보게 되었습니다."),
    ("예산·인력 부족", "정보 공개", "사업 예산과 진행 상황을 주민에게 투명하게 공개해야 합니다."),
    ("일방적 행정", "협치 교육", "부서 간 칸막이를 넘는 협치 조정 역할이 필요합니다."),
    ("소통 창구 부족", "주민자치회", "온라인과 오프라인을 잇는 상시 소통 창구를 제안합니다."),
]


def _other(options: list[int], number: int, avoid: int, salt: int) -> int:
    """A deterministic answer other than ``avoid`` for participants outside the tracked
    group, spread over the remaining options."""
    rest = [o for o in options if o != avoid]
    return rest[(number * 7 + salt) % len(rest)]


# Rounded, illustrative resident counts in the shape of the district's registration
# statistics (about 432,000 residents aged 10 and over), for the representativeness table.
DEMO_POPULATION = {
    "age_band": {"10s": 39_000, "20s": 58_000, "30s": 67_000, "40s": 73_000, "50s": 76_000,
                 "60s": 64_000, "70+": 55_000},
    "gender": {"female": 222_000, "male": 210_000},
}
DONG_RESIDENTS = (39_000, 21_000, 14_000, 27_000, 23_000, 30_000, 32_000, 21_000, 24_000,
                  12_000, 15_000, 14_000, 13_000, 18_000, 23_000, 24_000, 44_000, 12_000,
                  26_000)


def seed_population(district: District) -> None:
    """The district's population figures; saving replaces them, so a second run is harmless."""
    figures = {**DEMO_POPULATION,
               "dong": dict(zip((d.name for d in district.dongs), DONG_RESIDENTS, strict=True))}
    for dimension, residents in figures.items():
        population.save(district, dimension, residents)


def seed(district: District, cycle: Cycle) -> Forum:
    """Create the demo forum with its answers; a second run finds it and changes nothing."""
    seed_population(district)
    existing = db_forum(cycle)
    if existing is not None:
        return existing
    facilitators = [create_user(email, password, Role.FACILITATOR, district, name)
                    for email, password, name in FACILITATORS]
    forum = services.create_forum(district.id, cycle.id, TITLE, date(2027, 2, 10),
                                  "강동구청 5층 대강당", 110, "assigned", TABLES)
    for table, facilitator in zip(forum.tables, facilitators, strict=True):
        services.set_facilitator(forum, table.id, facilitator.id)

    first = services.add_topic(forum, TOPIC_1[0])
    services.add_question(first, "single", TOPIC_1[1], TOPIC_1[2])
    second = services.add_topic(forum, TOPIC_2[0])
    services.add_question(second, "single", TOPIC_2[1], TOPIC_2[2])
    services.add_question(second, "likert", LIKERT, [])

    rng = random.Random(20180410)
    dongs = [d.name for d in district.dongs]
    people = {}
    for number in range(1, RESIDENTS + 1):
        # Each table's facilitator hands out the seat tickets of the table.
        ticket = services.issue_tickets(forum, facilitators[(number - 1) % TABLES], 1)[0]
        participant, _token = services.enter_with_ticket(forum, ticket.code)
        consent = rng.random() < 0.85
        services.record_demographics(
            participant, consent,
            rng.choice(AGE_BANDS[1:]) if consent else None,
            rng.choice(["female", "male"]) if consent else None,
            rng.choice(dongs) if consent else None, dongs)
        participant.table_id = forum.tables[(number - 1) % TABLES].id
        people[number] = participant

    governance_q, autonomy_q, likert_q = (first.questions[0], second.questions[0],
                                          second.questions[1])
    governance = [o.id for o in governance_q.options]
    autonomy = [o.id for o in autonomy_q.options]
    scale = [o.id for o in likert_q.options]
    polls = {(p.topic_id, p.phase): p for p in forum.polls}

    for phase in (PollPhase.PRE, PollPhase.POST):
        respondents = [n for n in people if phase == PollPhase.PRE or n not in LEFT_EARLY]
        for topic in (first, second):
            services.set_poll_state(forum, polls[(topic.id, phase)].id, PollState.OPEN)
        for number in respondents:
            pre = phase == PollPhase.PRE
            picked_governance = number in (GOVERNANCE_PRE if pre else GOVERNANCE_POST)
            if picked_governance:
                first_answer = governance[2]
            elif not pre and number in GOVERNANCE_PRE:
                first_answer = governance[0]  # moved from self-criticism to the district office
            else:
                first_answer = _other(governance, number, governance[2], 1)
            picked_autonomy = number in (AUTONOMY_PRE if pre else AUTONOMY_POST)
            second_answer = (autonomy[0] if picked_autonomy
                             else _other(autonomy, number, autonomy[0], 3))
            # Agreement grows a little after discussion for about a third of the room.
            score = 2 + number % 3 + (1 if not pre and number % 3 == 0 else 0)
            participant = people[number]
            services.submit_answers(forum, polls[(first.id, phase)].id, participant,
                                    {governance_q.id: [first_answer]})
            services.submit_answers(forum, polls[(second.id, phase)].id, participant,
                                    {autonomy_q.id: [second_answer], likert_q.id: [scale[score]]})
        for topic in (first, second):
            services.set_poll_state(forum, polls[(topic.id, phase)].id, PollState.CLOSED)

    for table, facilitator, (obstacle, stone, summary) in zip(
            forum.tables, facilitators, TABLE_OUTPUTS, strict=True):
        services.submit_table_outputs(forum, table.id, facilitator, obstacle, stone, summary)
    return forum


def db_forum(cycle: Cycle) -> Forum | None:
    return db.session.scalars(
        select(Forum).where(Forum.cycle_id == cycle.id, Forum.title == TITLE)
    ).first()
