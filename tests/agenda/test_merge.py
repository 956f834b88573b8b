"""Merge rules: provenance kept, supporters carried over once, undo until a vote, refusals."""

import pytest
from sqlalchemy import select

from agenda import coordination, merging, proposals, supporters
from agenda.models import AgendaItem, LogAction, Merge, Notice, Status, Support
from core.db import commit, db
from core.errors import Conflict, DomainError, NotFound
from tests.agenda.conftest import fused_proposal


def _support(item, *users):
    for user in users:
        supporters.support(item.district_id, item.id, user)
    commit()


def _supporters(item_id):
    return sorted(db.session.scalars(select(Support.user_id).where(Support.item_id == item_id)))


def test_merge_keeps_sources_readable_and_linked(district, make_item, organizer, app):
    sources = [make_item("공동육아 활성화"), make_item("공동육아 공간 조성"),
               make_item("어린이 놀이공간 마련")]
    fused = merging.merge(district.id, [s.id for s in sources], organizer,
                          fused_proposal("공동육아 공간과 모임 지원"), "비슷한 제안 세 건")
    commit()
    db.session.expire_all()
    fused = db.session.get(AgendaItem, fused.id)
    assert fused.is_fused and fused.status == Status.UNDER_REVIEW
    assert [s.id for s in proposals.sources_of(fused)] == [s.id for s in sources]
    for source in sources:
        source = db.session.get(AgendaItem, source.id)
        assert source.status == Status.MERGED and source.merged_into_id == fused.id
        assert source.title  # still readable, nothing deleted
        last = source.log[-1]
        assert (last.action, last.actor_id, last.reason, last.related_item_id) == (
            LogAction.MERGED_INTO, organizer.id, "비슷한 제안 세 건", fused.id)
    assert fused.log[0].action == LogAction.FUSED and fused.log[0].actor_id == organizer.id


def test_supporters_carry_over_without_duplicates(district, make_item, make_user, organizer):
    a, b, c = make_item(), make_item(), make_item()
    both, only_a, only_c = make_user(), make_user(), make_user()
    _support(a, both, only_a)
    _support(b, both)
    _support(c, both, only_c)
    fused = merging.merge(district.id, [a.id, b.id, c.id], organizer, fused_proposal(), "중복")
    commit()
    assert _supporters(fused.id) == sorted([both.id, only_a.id, only_c.id])
    # The sources keep their own supporters as they were.
    assert _supporters(a.id) == sorted([both.id, only_a.id])
    carried = db.session.scalars(select(Support.carried_over).where(
        Support.item_id == fused.id)).all()
    assert all(carried)


def test_fused_item_refuses_a_second_support_by_constraint(district, make_item, make_user,
                                                           organizer):
    a, b = make_item(), make_item()
    resident = make_user()
    _support(a, resident)
    fused = merging.merge(district.id, [a.id, b.id], organizer, fused_proposal(), "중복")
    commit()
    with pytest.raises(Conflict):
        supporters.support(district.id, fused.id, resident)
    db.session.rollback()
    db.session.add(Support(item_id=fused.id, user_id=resident.id))
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert _supporters(fused.id) == [resident.id]


def test_proposers_are_notified_in_app_and_by_mail(app, district, make_item, make_user,
                                                    organizer):
    author = make_user()
    a, b = make_item(author=author), make_item()
    merging.merge(district.id, [a.id, b.id], organizer, fused_proposal(), "같은 내용")
    assert app.extensions.get("madang_outbox", []) == []  # nothing leaves before commit
    commit()
    outbox = app.extensions["madang_outbox"]
    assert {m["To"] for m in outbox} == {author.email, b.author.email}
    received = db.session.scalars(select(Notice).where(Notice.user_id == author.id)).all()
    assert [(n.kind, n.item_id) for n in received] == [("merged", a.id)]


def test_undo_restores_sources_and_keeps_history(district, make_item, organizer):
    a, b, c = make_item(), make_item(), make_item()
    coordination.set_status(b.id, "under_review", organizer)
    commit()
    fused = merging.merge(district.id, [a.id, b.id, c.id], organizer, fused_proposal(), "통합")
    commit()
    merging.undo_merge(district.id, fused.id, organizer, "성격이 달라 분리")
    commit()
    db.session.expire_all()
    statuses = [db.session.get(AgendaItem, i).status for i in (a.id, b.id, c.id)]
    assert statuses == [Status.PROPOSED, Status.UNDER_REVIEW, Status.PROPOSED]
    assert all(db.session.get(AgendaItem, i).merged_into_id is None for i in (a.id, b.id, c.id))
    fused = db.session.get(AgendaItem, fused.id)
    assert fused.status == Status.DISSOLVED
    merge = db.session.scalars(select(Merge)).one()
    assert merge.undone_by_id == organizer.id and merge.undo_reason == "성격이 달라 분리"
    assert [e.action for e in db.session.get(AgendaItem, a.id).log] == [
        "proposed", "merged_into", "merge_undone"]
    # Merge again after the undo: a fresh fused item with the same sources.
    again = merging.merge(district.id, [a.id, b.id, c.id], organizer, fused_proposal(), "재통합")
    commit()
    assert [s.id for s in proposals.sources_of(again)] == [a.id, b.id, c.id]


@pytest.mark.parametrize("status", ["in_vote", "selected"])
def test_undo_refused_once_in_a_vote(district, make_item, organizer, status):
    a, b = make_item(), make_item()
    fused = merging.merge(district.id, [a.id, b.id], organizer, fused_proposal(), "통합")
    coordination.shortlist(district.id, fused.id, organizer, False, True, "주민투표 후보")
    coordination.set_status(fused.id, "in_vote", organizer)
    if status == "selected":
        coordination.set_status(fused.id, "selected", organizer)
    commit()
    with pytest.raises(Conflict) as refused:
        merging.undo_merge(district.id, fused.id, organizer, "취소")
    assert refused.value.status == 409
    db.session.rollback()
    assert db.session.get(AgendaItem, a.id).status == Status.MERGED
    assert db.session.scalars(select(Merge)).one().undone_at is None


def _snapshot():
    db.session.expire_all()
    return (sorted((i.id, i.status, i.merged_into_id) for i in db.session.scalars(
        select(AgendaItem))), db.session.query(Merge).count())


def test_merging_an_item_with_itself_is_refused(district, make_item, organizer):
    a = make_item()
    before = _snapshot()
    for ids in ([a.id, a.id], [a.id]):
        with pytest.raises(DomainError) as refused:
            merging.merge(district.id, ids, organizer, fused_proposal(), "통합")
        assert 400 <= refused.value.status < 500
        db.session.rollback()
    assert _snapshot() == before


def test_merging_across_districts_is_refused(district, other_district, make_item, make_user,
                                              organizer):
    ours = make_item()
    theirs = make_item(district_=other_district)
    before = _snapshot()
    with pytest.raises(NotFound):
        merging.merge(district.id, [ours.id, theirs.id], organizer, fused_proposal(), "통합")
    db.session.rollback()
    assert _snapshot() == before


def test_merging_across_cycles_is_refused(district, make_item, organizer):
    from datetime import date

    from accounts.services import save_cycle
    from core.models import Phase

    ours = make_item()
    later = save_cycle(district.id, 2028, "2028 계획", "",
                       {Phase.INTAKE: (date(2027, 9, 1), date(2027, 12, 31))})
    commit()
    elsewhere = make_item()
    elsewhere.cycle_id = later.id
    commit()
    before = _snapshot()
    with pytest.raises(DomainError) as refused:
        merging.merge(district.id, [ours.id, elsewhere.id], organizer, fused_proposal(), "통합")
    assert refused.value.status == 422
    db.session.rollback()
    assert _snapshot() == before


def test_merging_already_merged_or_voted_items_is_refused(district, make_item, organizer):
    a, b, c, d = make_item(), make_item(), make_item(), make_item()
    merging.merge(district.id, [a.id, b.id], organizer, fused_proposal(), "통합")
    coordination.shortlist(district.id, d.id, organizer, False, True, "후보")
    coordination.set_status(d.id, "in_vote", organizer)
    commit()
    before = _snapshot()
    for ids in ([a.id, c.id], [c.id, d.id]):
        with pytest.raises(Conflict) as refused:
            merging.merge(district.id, ids, organizer, fused_proposal(), "통합")
        assert refused.value.status == 409
        db.session.rollback()
    assert _snapshot() == before


def test_merged_source_cannot_be_supported(district, make_item, make_user, organizer):
    a, b = make_item(), make_item()
    merging.merge(district.id, [a.id, b.id], organizer, fused_proposal(), "통합")
    commit()
    with pytest.raises(Conflict):
        supporters.support(district.id, a.id, make_user())
    db.session.rollback()
    assert _supporters(a.id) == []


def test_set_status_follows_the_allowed_path(district, make_item, organizer):
    item = make_item()
    with pytest.raises(Conflict):
        coordination.set_status(item.id, "selected", organizer)
    db.session.rollback()
    with pytest.raises(DomainError):
        coordination.set_status(item.id, "declined", organizer, "")
    db.session.rollback()
    coordination.set_status(item.id, "declined", organizer, "기존 사업과 중복")
    commit()
    item = db.session.get(AgendaItem, item.id)
    assert item.status == "declined" and item.decline_reason == "기존 사업과 중복"
    assert (item.log[-1].from_status, item.log[-1].to_status) == ("proposed", "declined")


def test_shortlisted_items_for_vote_and_forum(district, cycle, make_item, organizer):
    vote_only, forum_only, both, other = make_item(), make_item(), make_item(), make_item()
    coordination.shortlist(district.id, vote_only.id, organizer, False, True, "투표 후보")
    coordination.shortlist(district.id, forum_only.id, organizer, True, False, "공론장 주제")
    coordination.shortlist(district.id, both.id, organizer, True, True, "둘 다")
    commit()
    assert [i.id for i in coordination.shortlisted_items(cycle.id)] == [vote_only.id, both.id]
    assert [i.id for i in coordination.shortlisted_items(cycle.id, for_vote=False, for_forum=True)
            ] == [forum_only.id, both.id]
    assert other.id not in [i.id for i in coordination.shortlisted_items(cycle.id)]
