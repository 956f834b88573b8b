"""The second demo district: 성동구, built from seed 002 (its 2023-2025 basic plan).

- Its participation in 2019–2022, as the plan records it (seed 002 §2, 2기 추진 성과:
  "'19년 294명 → '20년 2,441명(10일) → '21년 1,420명(3일) → '22년 1,577명(5일)"), entered as
  recorded figures with that source: the platform did not run those years.
- One cycle run here, 2023, whose shortlist is the plan's fused agendas (seed 002 §6.3,
  연번 2–12, with their civil partners and departments) and whose priority vote drew 2,441
  voters over ten days, the scale of the district's 2020 vote. The dates, the ballot type and
  each voter's choices are invented; the voters are invented residents voting online.
- The 2023 plan built from that vote's confirmed selection plus the plan's foundation
  project (seed 002 §6.3, 연번 1), funded by the district (seed 002 §8: from 2023 the city's
  subsidy was cut in full, 구비 편성), approved by the 성동구협치회의 and now in the city's
  review (협의조정, seed 001 Ⅱ) with a required and a recommended item open: the city's
  reviewer reads it from the board beside 강동구's.

It lives in plans because it reaches every stage up to the plan (the cycle, the agenda, the
vote, the plan) and the participation history. A second run changes nothing.
"""

import random
from datetime import date, datetime, timedelta

from sqlalchemy import insert, select

from accounts.services import save_cycle
from agenda.models import AgendaItem, Field, Kind, Status
from core.db import db
from core.models import Cycle, District, Dong, Phase
from core.tenancy import SEOUL
from plans import participation, seongdong_plan
from voting.casting import freeze_definition, validated
from voting.definition import VoteDefinition, create_vote
from voting.models import Ballot, BallotChoice, Vote
from voting.pseudonyms import person_identity, voter_key
from voting.receipts import new_receipt_code, receipt_lookup, receipt_seal
from voting.rules import BallotType, Channel

SLUG = "seongdong"

# 성동구's seventeen administrative dongs (행정동).
SEONGDONG_DONGS = [
    "왕십리제2동", "왕십리도선동", "마장동", "사근동", "행당제1동", "행당제2동", "응봉동",
    "금호1가동", "금호2·3가동", "금호4가동", "옥수동", "성수1가제1동", "성수1가제2동",
    "성수2가제1동", "성수2가제3동", "송정동", "용답동",
]

SOURCE = ("성동구 2023-2025 지역사회혁신계획 민·관 협치 활성화 기본계획 §2 "
          "(2기 추진 성과: 지역사회 정책결정 과정의 주민참여 기회 확대)")

# Seed 002 §2: the priority vote's voters per year and, from 2020, the days it ran.
RECORDED_YEARS = [(2019, 294, None), (2020, 2441, 10), (2021, 1420, 3), (2022, 1577, 5)]

CYCLE_2023 = {
    Phase.INTAKE: (date(2022, 9, 1), date(2022, 12, 30)),
    Phase.COORDINATION: (date(2023, 1, 2), date(2023, 1, 31)),
    Phase.DELIBERATION: (date(2023, 2, 1), date(2023, 2, 28)),
    Phase.VOTE: (date(2023, 3, 6), date(2023, 3, 15)),
    Phase.PLAN: (date(2023, 3, 20), date(2023, 4, 28)),
    Phase.EVALUATION: (date(2023, 7, 3), date(2023, 12, 15)),
}

# Seed 002 §6.3, 연번 2–12: (사업명, field, 민간주체, 행정). 연번 1 (실행지원, 기반구축) is
# the plan's own foundation project, not an agenda put to the vote.
AGENDAS = [
    ("마을공동체 지원사업", Field.PARTICIPATION, "공모 선정 공동체", "자치행정과 (마을공동체팀)"),
    ("자원봉사 '블루카드' 운영", Field.PARTICIPATION,
     "성동구자원봉사센터, 1인가구지원센터", "자치행정과 (마을공동체팀), 공원녹지과"),
    ("'성동 On(溫)-빵' 프로젝트", Field.WELFARE, "성동구자원봉사센터",
     "자치행정과 (마을공동체팀), 복지정책과"),
    ("성동아 뭐 먹고 싶니? 장 보러 가자 · 찾아가는 소상공인 SNS 교육", Field.JOBS,
     "상인회 매니저, 소상공인 관련 단체, SNS 교육 지원단",
     "지역경제과 (지역경제팀, 유통관리팀), 정보통신과"),
    ("신중년 마음치유 및 사회공헌 프로그램 운영", Field.WELFARE, "성동구50+센터, 관내 어린이집 등",
     "어르신장애인복지과 (어르신복지팀)"),
    ("시니어모델지도자양성 과정", Field.JOBS,
     "사단법인 시니어모델협회, 노인복지관, 성동구 50+센터, 성동구 정신건강센터",
     "어르신장애인복지과 (어르신시설팀), 질병예방과"),
    ("청년공유공간(공유주방) 운영", Field.WELFARE, "성동청년지원센터, 성동오랑, 성동청년협의체",
     "아동청년과 (청년청소년팀)"),
    ("청년 NGO 지원사업", Field.PARTICIPATION,
     "공모 선정 청년단체, 성동청년협의체, 성동청년지원센터, (사) 더나은",
     "아동청년과 (청년청소년팀)"),
    ("커피박 업사이클링", Field.ENVIRONMENT, "포이엔, 자원과 순환, 관내 커피 판매점",
     "청소행정과 (자원순환팀)"),
    ("신속예약시스템 통합 구축", Field.CULTURE, "성동구도시관리공단, 문화재단, 시스템 개선 자문단",
     "정보통신과 (정보기획팀)"),
    ("주민참여형 탄소흡수 녹지 구축", Field.ENVIRONMENT, "녹지 관리 참여 주민",
     "공원녹지과 (하천녹지팀)"),
]

VOTE_TITLE = "2023 성동구 협치의제 우선순위 주민투표"
VOTERS = 2441
OPENS_AT = datetime(2023, 3, 6, tzinfo=SEOUL)
CLOSES_AT = datetime(2023, 3, 16, tzinfo=SEOUL)


def seed_district() -> District:
    district = db.session.scalars(select(District).where(District.slug == SLUG)).first()
    if district is None:
        district = District(slug=SLUG, name_ko="성동구", name_en="Seongdong-gu")
        db.session.add(district)
    known = {d.name for d in district.dongs}
    for position, name in enumerate(SEONGDONG_DONGS):
        if name not in known:
            district.dongs.append(Dong(name=name, position=position))
    db.session.flush()
    return district


def _seed_cycle(district: District) -> Cycle:
    cycle = db.session.scalars(select(Cycle).where(Cycle.district_id == district.id,
                                                   Cycle.year == 2023)).first()
    if cycle is not None:
        return cycle
    return save_cycle(
        district.id, 2023, "2023 성동구 지역사회혁신계획",
        "3기(2023~2025) 기본계획의 첫해: 분과와 열린분과원이 발굴하고 융합·조정한 협치의제를 "
        "주민투표로 우선순위를 정해 실행계획에 담고, 성동구협치회의가 승인합니다.",
        CYCLE_2023)


def _seed_agendas(district: District, cycle: Cycle) -> list[AgendaItem]:
    existing = {item.title: item for item in db.session.scalars(
        select(AgendaItem).where(AgendaItem.cycle_id == cycle.id))}
    for title, field, partners, department in AGENDAS:
        if title not in existing:
            existing[title] = AgendaItem(
                district_id=district.id, cycle_id=cycle.id, title=title, field=field.value,
                kind=Kind.POLICY_EXECUTION.value, proposing_group=partners[:100],
                civil_partners=partners, department=department,
                status=Status.SHORTLISTED.value, shortlisted_for_vote=True,
                shortlist_reason="의제융합·조정회의에서 최종 후보로 정함 (seed 002 §6.3)")
            db.session.add(existing[title])
    db.session.flush()
    return [existing[title] for title, *_rest in AGENDAS]


def _seed_vote(district: District, cycle: Cycle, items: list[AgendaItem]) -> Vote:
    vote = db.session.scalars(select(Vote).where(Vote.cycle_id == cycle.id,
                                                 Vote.title == VOTE_TITLE)).first()
    if vote is not None:
        return vote
    vote = create_vote(district.id, cycle.id, VoteDefinition(
        title=VOTE_TITLE, ballot_type=BallotType.APPROVAL,
        agenda_item_ids=[item.id for item in items], opens_at=OPENS_AT, closes_at=CLOSES_AT,
        method="approval", min_choices=1, max_choices=3, seats=5,
        description="실행계획에 먼저 담을 협치의제를 3개까지 골라 주세요."), None)
    _seed_ballots(district, vote)
    return vote


def _seed_ballots(district: District, vote: Vote) -> None:
    """The vote's 2,441 online ballots, written as casting writes them (pseudonymous key,
    receipt lookup and seal), cast over the ten days, most in the first ones."""
    rng = random.Random(2023)
    item_ids = [item.id for item in vote.items]
    appeal = [rng.randint(1, 6) for _ in item_ids]
    dong_ids = [dong.id for dong in district.dongs]
    span = CLOSES_AT - OPENS_AT
    ballots, chosen = [], []
    for number in range(VOTERS):
        identity = person_identity(f"성동주민{number}", date(rng.randint(1945, 2006),
                                                          rng.randint(1, 12), rng.randint(1, 28)),
                                   rng.choice(dong_ids))
        picks, wanted = set(), rng.randint(1, 3)
        while len(picks) < wanted:
            picks.add(rng.choices(item_ids, appeal)[0])
        entries = validated(vote, [(item, 1) for item in picks])
        code = new_receipt_code()
        when = OPENS_AT + min(timedelta(days=rng.expovariate(0.35)), span - timedelta(minutes=1))
        ballots.append(Ballot(vote_id=vote.id, voter_key=voter_key(vote.salt, identity),
                              channel=Channel.ONLINE.value, receipt_lookup=receipt_lookup(code),
                              receipt_seal=receipt_seal(vote.salt, code, entries),
                              cast_at=when, updated_at=when))
        chosen.append(entries)
    db.session.add_all(ballots)
    db.session.flush()
    db.session.execute(insert(BallotChoice), [
        {"ballot_id": ballot.id, "vote_item_id": item, "vote_id": vote.id, "value": value}
        for ballot, entries in zip(ballots, chosen, strict=True) for item, value in entries])
    freeze_definition(vote, OPENS_AT)


def _seed_recorded_years(district: District) -> None:
    recorded = {row.year for row in participation.recorded_figures(district.id)}
    for year, voters, days in RECORDED_YEARS:
        if year not in recorded:
            participation.save_recorded(district.id, year,
                                        {"voters": voters, "voting_days": days}, SOURCE)


def seed() -> District:
    """Load (or complete) 성동구: its dongs, its recorded years, its 2023 cycle, vote and
    plan in the city's review."""
    district = seed_district()
    _seed_recorded_years(district)
    cycle = _seed_cycle(district)
    vote = _seed_vote(district, cycle, _seed_agendas(district, cycle))
    seongdong_plan.seed(district, cycle, vote)
    db.session.flush()
    return district
