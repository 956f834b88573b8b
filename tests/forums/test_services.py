from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from core.db import commit, db
from core.errors import Conflict, DomainError, Forbidden, NotFound
from forums import services
from forums.models import Answer, Forum, Participant, Poll, PollState
from tests.forums.conftest import seat


@pytest.fixture(autouse=True)
def _request(ctx):
    # Domain errors carry lazy Korean messages, which need a request to pick a language.
    with ctx.test_request_context():
        yield


def _open(forum, phase="pre"):
    poll = next(p for p in forum.polls if p.phase == phase)
    services.set_poll_state(forum, poll.id, PollState.OPEN)
    commit()
    return poll


def _answer_count():
    db.session.rollback()
    return db.session.scalar(select(func.count(Answer.id)))


def test_topic_gets_pre_and_post_polls_with_the_same_questions(forum):
    phases = sorted(p.phase for p in forum.polls)
    assert phases == ["post", "pre"]
    pre, post = sorted(forum.polls, key=lambda p: p.phase, reverse=True)
    assert [q.id for q in pre.questions] == [q.id for q in post.questions]
    assert len(forum.join_code) == 6 and [t.number for t in forum.tables] == [1, 2, 3]


def test_answers_are_stored_and_a_changed_answer_replaces_the_old_one(forum):
    poll = _open(forum)
    participant, _ = seat(forum)
    single = poll.questions[0]
    services.submit_answers(forum, poll.id, participant, {single.id: [single.options[0].id]})
    commit()
    services.submit_answers(forum, poll.id, participant, {single.id: [single.options[2].id]})
    commit()
    assert _answer_count() == 1
    assert services.answers_of(poll, participant) == {single.id: [single.options[2].id]}
    snapshot = services.poll_snapshot(poll.id)
    assert snapshot["version"] == 3  # opened, answered, changed
    counts = [o["count"] for o in snapshot["questions"][0]["options"]]
    assert counts == [0, 0, 1]


def test_every_question_kind_is_validated(forum):
    poll = _open(forum)
    participant, _ = seat(forum)
    single, multiple, likert, ranking = poll.questions
    foreign = ranking.options[0].id
    bad = [
        {single.id: [single.options[0].id, single.options[1].id]},  # two where one is allowed
        {single.id: [foreign]},  # an option of another question
        {multiple.id: [o.id for o in multiple.options]},  # over max_choices
        {likert.id: [likert.options[0].id, likert.options[1].id]},
        {ranking.id: [ranking.options[0].id, ranking.options[1].id]},  # incomplete ranking
        {ranking.id: [foreign, foreign, ranking.options[2].id]},
        {999999: [single.options[0].id]},
        {},
    ]
    for answers in bad:
        with pytest.raises(DomainError):
            services.submit_answers(forum, poll.id, participant, answers)
        db.session.rollback()
    assert _answer_count() == 0
    services.submit_answers(forum, poll.id, participant, {
        single.id: [single.options[1].id],
        multiple.id: [multiple.options[0].id, multiple.options[2].id],
        likert.id: [likert.options[4].id],
        ranking.id: [ranking.options[2].id, ranking.options[0].id, ranking.options[1].id],
    })
    commit()
    assert _answer_count() == 4
    snapshot = services.poll_snapshot(poll.id)
    ranking_bars = snapshot["questions"][3]["options"]
    assert [o["count"] for o in ranking_bars] == [0, 0, 1]  # first places


def test_closed_and_draft_polls_refuse_answers(forum):
    participant, _ = seat(forum)
    post = next(p for p in forum.polls if p.phase == "post")
    question = post.questions[0]
    choice = {question.id: [question.options[0].id]}
    with pytest.raises(Conflict):
        services.submit_answers(forum, post.id, participant, choice)
    db.session.rollback()
    pre = _open(forum)
    services.set_poll_state(forum, pre.id, PollState.CLOSED)
    commit()
    with pytest.raises(Conflict):
        services.submit_answers(forum, pre.id, participant, choice)
    assert _answer_count() == 0


def test_an_answer_to_a_poll_closed_meanwhile_is_refused_and_nothing_stays(forum):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("a concurrent close inside an open transaction needs PostgreSQL")
    participant, _ = seat(forum)
    pre = _open(forum)
    question = pre.questions[0]
    assert services.poll_of_forum(forum, pre.id).state == PollState.OPEN  # read, now stale
    with db.engine.begin() as organizer:
        organizer.execute(update(Poll).where(Poll.id == pre.id).values(state=PollState.CLOSED))
    with pytest.raises(Conflict):
        services.submit_answers(forum, pre.id, participant, {question.id: [question.options[0].id]})
    assert _answer_count() == 0


def test_database_allows_one_answer_per_participant_question_and_phase(forum):
    poll = _open(forum)
    participant, _ = seat(forum)
    question = poll.questions[0]
    db.session.add(Answer(poll_id=poll.id, question_id=question.id, participant_id=participant.id))
    commit()
    db.session.add(Answer(poll_id=poll.id, question_id=question.id, participant_id=participant.id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_database_refuses_demographics_without_consent(forum):
    db.session.add(Participant(forum_id=forum.id, number=50, age_band="30s"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_demographics_are_asked_once_and_need_consent(forum, district):
    participant, _ = seat(forum)
    dongs = [d.name for d in district.dongs]
    with pytest.raises(DomainError):
        services.record_demographics(participant, False, "30s", None, None, dongs)
    db.session.rollback()
    with pytest.raises(DomainError):
        services.record_demographics(participant, True, "30s", None, "부산동", dongs)
    db.session.rollback()
    services.record_demographics(participant, True, "30s", "female", "길동", dongs)
    commit()
    assert (participant.age_band, participant.gender, participant.dong) == ("30s", "female", "길동")
    with pytest.raises(Conflict):
        services.record_demographics(participant, True, "40s", None, None, dongs)
    db.session.rollback()
    declined, _ = seat(forum)
    services.record_demographics(declined, False, None, None, None, dongs)
    commit()
    assert declined.consented_at is None and declined.demographics_asked_at is not None


def test_participant_picks_a_table_by_its_number(forum):
    participant, _ = seat(forum)
    assert services.choose_table(participant, 3).number == 3
    with pytest.raises(DomainError):
        services.choose_table(participant, 9)


def test_balanced_seating_mixes_age_bands_and_genders(forum, district):
    forum.seating = "balanced"
    commit()
    dongs = [d.name for d in district.dongs]
    seated = []
    for age, gender in [("20s", "female"), ("20s", "female"), ("20s", "female"),
                        ("60s", "male"), ("60s", "male"), ("60s", "male")]:
        participant, _ = services.join_forum(forum)
        services.record_demographics(participant, True, age, gender, None, dongs)
        seated.append(participant)
    commit()
    young = {p.table_id for p in seated[:3]}
    old = {p.table_id for p in seated[3:]}
    assert len(young) == 3 and len(old) == 3  # no table gets two of the same kind


def test_tokens_find_only_their_own_forum(forum, district):
    participant, token = seat(forum)
    assert services.participant_for_token(forum, token).id == participant.id
    other = services.create_forum(district.id, district.cycles[0].id, "다른 토론회",
                                  forum.held_on, "", 0, "chosen", 1)
    assert services.participant_for_token(other, token) is None
    assert services.participant_for_token(forum, token + "x") is None


def test_a_burst_of_people_joining_at_once_all_get_in_with_distinct_numbers(app, forum):
    # On SQLite too (the embedded demo): each join is a POST, which takes the write lock
    # when its transaction begins.
    forum_id = forum.id

    def join(_person):
        with app.app_context(), app.test_request_context(method="POST"):
            participant, _token = services.join_forum(db.session.get(Forum, forum_id))
            number = participant.number
            commit()
            return number

    with ThreadPoolExecutor(max_workers=12) as pool:
        numbers = list(pool.map(join, range(36)))
    assert sorted(numbers) == list(range(1, 37))


def test_facilitator_acts_only_on_their_own_table(forum, facilitators):
    first, second = facilitators
    pre = _open(forum)
    at_second, _ = seat(forum, 2)
    question = pre.questions[0]
    with pytest.raises(Forbidden):
        services.submit_answers(forum, pre.id, at_second, {question.id: [question.options[0].id]},
                                entered_by=first)
    db.session.rollback()
    with pytest.raises(Forbidden):
        services.submit_table_outputs(forum, forum.tables[1].id, first, "불신", "소통", "")
    db.session.rollback()
    with pytest.raises(Forbidden):
        services.launch_live_poll(forum, first, forum.tables[1].id, "single", "좋나요?",
                                  ["예", "아니오"])
    db.session.rollback()
    with pytest.raises(Forbidden):
        services.launch_live_poll(forum, first, None, "single", "좋나요?", ["예", "아니오"])
    db.session.rollback()
    services.submit_answers(forum, pre.id, at_second, {question.id: [question.options[0].id]},
                            entered_by=second)
    commit()
    assert _answer_count() == 1
    assert db.session.scalars(select(Answer)).one().entered_by_id == second.id


def test_table_live_poll_is_only_for_that_table(forum, facilitators):
    first, _ = facilitators
    live = services.launch_live_poll(forum, first, forum.tables[0].id, "single", "쉬는 시간?",
                                     ["지금", "10분 뒤"])
    commit()
    inside, _ = seat(forum, 1)
    outside, _ = seat(forum, 2)
    question = live.questions[0]
    assert live in services.polls_for_participant(forum, inside)
    assert live not in services.polls_for_participant(forum, outside)
    with pytest.raises(Forbidden):
        services.submit_answers(forum, live.id, outside, {question.id: [question.options[0].id]})
    db.session.rollback()
    services.submit_answers(forum, live.id, inside, {question.id: [question.options[1].id]})
    commit()
    services.close_live_poll(forum, live.id, first)
    commit()
    assert db.session.get(Poll, live.id).state == "closed"


def test_foreign_ids_are_not_found(forum, district):
    other = services.create_forum(district.id, district.cycles[0].id, "다른 토론회",
                                  forum.held_on, "", 0, "chosen", 1)
    commit()
    with pytest.raises(NotFound):
        services.table_of_forum(forum, other.tables[0].id)
    with pytest.raises(NotFound):
        services.forum_of_district(district.id + 1, forum.id)
    participant, _ = seat(forum)
    with pytest.raises(NotFound):
        services.assign_table(forum, participant.id, other.tables[0].id)


def test_keywords_are_limited_and_counted_for_the_cloud(forum, facilitators):
    first, second = facilitators
    with pytest.raises(DomainError):
        services.submit_table_outputs(forum, forum.tables[0].id, first, "가" * 2000, "소통", "")
    db.session.rollback()
    services.submit_table_outputs(forum, forum.tables[0].id, first, "협치 인식 부족", "주민자치회",
                                  "요약")
    services.submit_table_outputs(forum, forum.tables[1].id, second, "협치 인식 부족", "마을공동체",
                                  "")
    commit()
    cloud = {(c["word"], c["kind"]): (c["count"], c["size"]) for c in services.keyword_cloud(forum)}
    assert cloud[("협치 인식 부족", "obstacle")] == (2, 5)
    assert cloud[("주민자치회", "stepping_stone")] == (1, 1)


def test_questions_are_fixed_once_answers_exist(forum):
    poll = _open(forum)
    participant, _ = seat(forum)
    question = poll.questions[0]
    services.submit_answers(forum, poll.id, participant, {question.id: [question.options[0].id]})
    commit()
    with pytest.raises(Conflict):
        services.add_question(poll.topic, "single", "새 질문", ["a", "b"])
