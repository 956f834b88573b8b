"""Demo agenda for 강동구's 2027 cycle: proposals from the district's published candidate lists
(지역의제 후보군, by field and kind), two fused agendas, a shortlist with cost estimates, and
support from demo residents. Titles come from the seed documents; descriptions, costs and
people are invented for the demo."""

from sqlalchemy import select

from accounts import demo as accounts_demo
from accounts import units
from accounts.models import user_by_email
from accounts.services import create_user
from agenda import (
    channels,
    comments,
    coordination,
    intake,
    merging,
    proposals,
    register,
    supporters,
)
from agenda.models import AgendaItem, Channel
from core.auth import Role
from core.db import db
from core.models import Cycle, District, Phase

NEIGHBOUR_PASSWORD = "demo-neighbour-2027"  # noqa: S105 (published demo account)
NEIGHBOURS = [
    ("neighbour1@demo.madang.kr", "김하늘"), ("neighbour2@demo.madang.kr", "이도윤"),
    ("neighbour3@demo.madang.kr", "박서연"), ("neighbour4@demo.madang.kr", "최민준"),
    ("neighbour5@demo.madang.kr", "정수아"), ("neighbour6@demo.madang.kr", "강지호"),
    ("neighbour7@demo.madang.kr", "윤예린"), ("neighbour8@demo.madang.kr", "한지우"),
]

# (title, field, kind, dong or None for district-wide, estimated cost in won, group, text)
PROPOSALS = [
    ("공동육아 활성화(협동조합 설립 등)", "welfare", "problem_solving", "고덕제2동", 18_000_000,
     "고덕 공동육아 모임", "맞벌이 가정이 늘면서 아이를 함께 돌볼 이웃이 필요합니다. 부모들이 "
     "**공동육아 협동조합**을 만들 수 있도록 설립 교육과 초기 운영을 지원해 주세요."),
    ("공동육아 지원(공간 조성 및 연계)", "welfare", "policy_execution", "상일제1동", 25_000_000, "",
     "아파트 단지마다 흩어진 육아 모임이 모일 **공간**이 없습니다.\n\n- 유휴 공간 발굴\n"
     "- 육아종합지원센터와 연계"),
    ("관공서 어린이 놀이공간마련", "welfare", "policy_execution", None, 12_000_000, "",
     "주민센터와 구청 민원실에 아이와 함께 기다릴 수 있는 작은 놀이공간을 만들어 주세요."),
    ("건강+복지 주민공동체 활성화(밥상모임 등)", "welfare", "problem_solving", "암사제1동",
     9_000_000, "암사동 밥상모임", "혼자 식사하는 이웃이 한 달에 두 번 함께 밥을 지어 먹는 "
     "**밥상모임**을 동마다 열고 싶습니다."),
    ("독거어르신 반찬모임 및 돌봄", "welfare", "problem_solving", "천호제2동", 11_000_000, "",
     "주민이 반찬을 만들어 홀로 사는 어르신 댁에 전하고 안부를 살피는 모임입니다."),
    ("폐지수집어르신 안전장치", "welfare", "problem_solving", "성내제1동", 6_000_000, "",
     "새벽에 폐지를 수집하는 어르신들께 **야광 조끼와 경량 손수레**를 지원해 교통사고를 "
     "줄이면 좋겠습니다."),
    ("장애인식 향상교육", "welfare", "policy_execution", None, 7_000_000, "",
     "학교와 주민자치회관에서 장애 당사자가 강사로 참여하는 인식 개선 교육을 열어 주세요."),
    ("마을배움터 만들기(공간)", "education", "problem_solving", "둔촌제1동", 20_000_000, "",
     "작은 도서관과 커뮤니티 공간을 잇는 마을배움터를 만들어 주민 누구나 배우고 가르칠 수 "
     "있게 해 주세요."),
    ("세대 간 연결 (청년-청소년)", "education", "problem_solving", "길동", 8_000_000,
     "길동 청년 모임", "동네 청년이 청소년의 진로 멘토가 되는 프로그램을 제안합니다."),
    ("청소년 동아리 지원 확대", "education", "policy_execution", None, 15_000_000, "",
     "청소년이 스스로 기획하는 동아리 활동비와 모임 공간을 지원해 주세요."),
    ("돌봄 방과 후 프로그램의 지역연계", "education", "policy_execution", "명일제1동",
     16_000_000, "", "학교 돌봄교실과 마을 공방·도서관 프로그램을 연결해 주세요."),
    ("중소규모 마을축제 활성화 지원", "culture", "problem_solving", "암사제3동", 14_000_000, "",
     "동네 골목에서 주민이 직접 여는 작은 축제를 지원해 주세요."),
    ("선사문화축제 주민참여 확대", "culture", "policy_execution", "암사제1동", 10_000_000, "",
     "선사문화축제의 기획 단계부터 주민기획단이 참여하도록 해 주세요."),
    ("문화예술 향유공간 발굴 및 확대", "culture", "problem_solving", None, 22_000_000, "",
     "빈 상가와 공공시설을 주민 공연·전시 공간으로 쓰게 해 주세요."),
    ("공원, 그린웨이, 도시텃밭, 고덕천등 공공자원 활용 프로그램 개발", "environment",
     "problem_solving", "고덕제1동", 13_000_000, "고덕천 지킴이",
     "고덕천과 도시텃밭에서 생태 해설과 정화 활동을 주민이 함께 운영하고 싶습니다."),
    ("기후변화 관련 주민참여 프로그램 개발 및 지원", "environment", "policy_execution", None,
     17_000_000, "", "**탄소중립 실천 가정**을 모집하고 에너지 절약 성과를 함께 나눕니다."),
    ("주민참여 소통채널 확대", "participation", "problem_solving", None, 5_000_000, "",
     "구정 소식과 주민 제안을 한곳에서 보고 의견을 나눌 온라인 소통 창구가 필요합니다."),
    ("정보공개 확대를 위한 프로젝트", "participation", "problem_solving", None, 4_000_000, "",
     "협치 회의록과 예산 집행 내역을 알기 쉽게 공개해 주세요."),
    ("주민주도 안전마을 공동체 만들기", "safety", "problem_solving", "천호제3동", 19_000_000, "",
     "어두운 골목을 주민이 함께 점검하고 안심 귀갓길을 만듭니다."),
    ("주차 공간 공유 방안", "safety", "problem_solving", "성내제2동", 9_000_000, "",
     "낮 시간에 비는 교회·상가 주차장을 이웃과 나누는 방안을 찾아 주세요."),
    ("1인 가구 정보공유", "safety", "problem_solving", "천호제1동", 3_000_000, "",
     "혼자 사는 주민이 생활 안전과 이웃 모임 정보를 나눌 수 있게 해 주세요."),
    ("도로/교통/시설 등 시민 모니터링 단 운영", "safety", "policy_execution", None, 6_000_000,
     "", "주민 모니터링단이 보도 파손과 위험 시설을 신고하고 개선 결과를 확인합니다."),
    ("청년 창업 공유공간 운영", "jobs", "policy_execution", "길동", 30_000_000, "",
     "청년이 마을 일자리를 만들 수 있도록 공유 작업 공간과 멘토링을 지원해 주세요."),
    ("전통시장 현대화와 상인-주민 협력", "other", "policy_execution", "둔촌제2동", 24_000_000,
     "", "전통시장 상인과 주민이 함께 장보기 배달과 시장 축제를 운영합니다."),
]

FUSIONS = [
    ("공동육아 공간과 돌봄 공동체 만들기",
     ["공동육아 활성화(협동조합 설립 등)", "공동육아 지원(공간 조성 및 연계)",
      "관공서 어린이 놀이공간마련"],
     "공동육아 협동조합, 육아 공간, 관공서 놀이공간 제안을 하나로 모았습니다. 공간을 "
     "만들고 그 공간을 운영할 **부모 공동체**를 함께 키웁니다.",
     40_000_000, "세 제안 모두 아이를 함께 돌볼 공간과 공동체를 요구함 (의제융합·조정회의)"),
    ("밥상모임으로 잇는 건강·복지 공동체",
     ["건강+복지 주민공동체 활성화(밥상모임 등)", "독거어르신 반찬모임 및 돌봄"],
     "밥상모임과 반찬 나눔을 묶어 **혼자 사는 이웃**을 식사와 돌봄으로 잇습니다.",
     15_000_000, "식사 모임과 어르신 돌봄이 같은 주민 모임으로 실행 가능"),
]

# Shortlist: (title, for forum, for vote, public reason)
SHORTLIST = [
    ("공동육아 공간과 돌봄 공동체 만들기", True, True, "공감이 가장 많고 세 제안이 모인 의제"),
    ("밥상모임으로 잇는 건강·복지 공동체", True, True, "동 복지네트워크와 바로 연계 가능"),
    ("폐지수집어르신 안전장치", False, True, "적은 예산으로 안전 효과가 큼"),
    ("마을배움터 만들기(공간)", True, True, "혁신교육지구 사업과 연계"),
    ("중소규모 마을축제 활성화 지원", False, True, "여러 동에서 비슷한 요구"),
    ("기후변화 관련 주민참여 프로그램 개발 및 지원", True, True, "구 탄소중립 계획과 연계"),
    ("주민주도 안전마을 공동체 만들기", False, True, "주민 안전 요구가 큼"),
]


# Proposals the coordinator enters on behalf of the channels they came through (seed 002
# §6.1 전략 2–3, §6.2 전략 2, §6.2 실행계획 2 전략 1); titles follow projects the seeds
# name (골목 그린 프로젝트, 커피박 업사이클링, 1인 가구 '지인 프로젝트', seed 002 §2).
# (channel, proposing group, title, field, kind, dong, cost, text)
CHANNEL_PROPOSALS = [
    (Channel.PARTICIPATORY_BUDGET, "강동구 주민참여예산위원회", "어르신 쉼터 그늘막과 의자 설치",
     "welfare", "policy_execution", "명일제2동", 12_000_000,
     "주민참여예산 제안 중 협치 의제로 이어 갈 만한 제안입니다. 버스정류장과 공원 입구에 "
     "그늘막과 의자를 두고 관리를 주민 모임이 맡습니다."),
    (Channel.DONG_PLAN, "천호제3동 주민자치회 (동 지역회의)", "골목 무단투기 없는 그린 골목",
     "environment", "problem_solving", "천호제3동", 8_000_000,
     "동 지역회의가 정한 동 계획 과제입니다. 주민과 청소행정 부서가 함께 무단투기 지점을 "
     "골목 화단으로 바꿉니다."),
    (Channel.DEPARTMENT, "기후환경과", "커피박 업사이클링 주민 참여",
     "environment", "policy_execution", None, 10_000_000,
     "부서 제안: 관내 커피 판매점에서 나온 커피 찌꺼기를 주민 공방이 화분과 방향제로 "
     "되살립니다."),
    (Channel.PROPOSAL_SCHEME, "구청장에게 바란다 (주민제안제도)", "1인 가구 안부 확인 네트워크",
     "welfare", "problem_solving", "천호제1동", 6_000_000,
     "주민제안제도로 접수된 제안입니다. 혼자 사는 이웃의 안부를 이웃과 동 주민센터가 함께 "
     "살핍니다."),
]


def _register(district: District, organizer) -> None:
    """The district's current projects (seed 000 §V) in the register, with their 분과."""
    known = {p.title for p in register.existing_projects(district.id)}
    for group, titles in accounts_demo.WORKING_GROUPS.items():
        unit = units.unit_named(district.id, group)
        for title in titles:
            if title not in known:
                register.register_project(district.id, title, "", unit.id, organizer)


def _channel_proposals(district: District, cycle: Cycle, organizer) -> None:
    intake_phase = next(p for p in cycle.phases if p.phase == Phase.INTAKE.value)
    dongs = {dong.name: dong.id for dong in district.dongs}
    known = set(db.session.scalars(select(AgendaItem.title).where(
        AgendaItem.cycle_id == cycle.id, AgendaItem.channel != Channel.RESIDENT.value)))
    for channel, group, title, field, kind, dong, cost, text in CHANNEL_PROPOSALS:
        if title in known:
            continue
        data = proposals.Proposal(title, text, field, kind, dongs.get(dong) if dong else None,
                                  cost, group)
        channels.enter_on_behalf(district, organizer, data, channel.value,
                                 intake_phase.starts_on)


def _neighbours(district: District) -> list:
    return [create_user(email, NEIGHBOUR_PASSWORD, Role.RESIDENT, district, name)
            for email, name in NEIGHBOURS]


def seed() -> list[tuple[str, str, str]]:
    """Add the demo agenda to 강동구's 2027 cycle once; returns the demo residents' accounts."""
    district = db.session.scalars(select(District).where(District.slug == "gangdong")).one()
    cycle = db.session.scalars(select(Cycle).where(Cycle.district_id == district.id,
                                                   Cycle.year == 2027)).one()
    neighbours = _neighbours(district)
    accounts = [(email, NEIGHBOUR_PASSWORD, Role.RESIDENT.value) for email, _name in NEIGHBOURS]
    _register(district, user_by_email("organizer@demo.madang.kr"))
    _channel_proposals(district, cycle, user_by_email("organizer@demo.madang.kr"))
    already = db.session.scalars(select(AgendaItem.id).where(
        AgendaItem.cycle_id == cycle.id, AgendaItem.title == PROPOSALS[0][0])).first()
    if already is not None:
        return accounts
    # The demo coordinator (협치조정관) from the accounts demo, which seeds first.
    organizer = user_by_email("organizer@demo.madang.kr")
    intake_phase = next(p for p in cycle.phases if p.phase == Phase.INTAKE.value)
    dongs = {dong.name: dong.id for dong in district.dongs}
    items = {}
    for number, (title, field, kind, dong, cost, group, text) in enumerate(PROPOSALS):
        data = proposals.Proposal(title, text, field, kind, dongs.get(dong) if dong else None,
                                  cost, group)
        item = intake.propose(district, neighbours[number % len(neighbours)], data,
                              intake_phase.starts_on)
        items[title] = item
        # Support grows with popularity in the candidate lists: earlier titles, more support.
        for supporter in neighbours[: max(1, 8 - number // 3)]:
            if supporter.id != item.author_id:
                supporters.support(district.id, item.id, supporter)
    for title, source_titles, text, cost, reason in FUSIONS:
        first = items[source_titles[0]]
        fused = merging.merge(
            district.id, [items[t].id for t in source_titles], organizer,
            proposals.Proposal(title, text, first.field, first.kind, None, cost), reason,
            notify=False)
        items[title] = fused
    for title, for_forum, for_vote, reason in SHORTLIST:
        coordination.shortlist(district.id, items[title].id, organizer, for_forum, for_vote, reason)
    coordination.assign(district.id, items[FUSIONS[0][0]].id, organizer, "여성가족과",
                        "강동구공동육아협동조합 준비모임")
    coordination.assign(district.id, items[FUSIONS[1][0]].id, organizer, "복지정책과",
                        "동 지역사회보장협의체")
    duplicate = items["주민참여 소통채널 확대"]
    coordination.mark_duplicate(district.id, duplicate.id, organizer, "구청 누리집 구민의 소리",
                                "이미 운영 중인 온라인 창구와 겹침")
    coordination.set_status(duplicate.id, "declined", organizer,
                            "기존 구민의 소리 창구를 개선하는 방향으로 안내", notify=False)
    comments.add_comment(district.id, items[FUSIONS[0][0]].id, neighbours[3],
                         "고덕동에도 공동육아 모임이 세 곳 있어요. 함께하고 싶습니다.")
    comments.add_comment(district.id, items["폐지수집어르신 안전장치"].id, neighbours[5],
                         "새벽 출근길에 자주 뵙는데 정말 위험해 보였어요.")
    db.session.flush()
    return accounts

