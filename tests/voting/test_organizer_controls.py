"""The organizer's controls on a vote (issue 18, item 6): open now and close now, each confirmed
on a second step and audited, refused with a clear message when they do not apply; errors
beside the field they are about; locked fields shown disabled with why; counting methods
offered per ballot type by name and explanation, never by code."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select

from core.audit import AuditEntry
from core.db import commit, db, utcnow
from core.errors import Conflict, DomainError
from tests.conftest import post_form, sign_in
from tests.voting.conftest import definition, item_ids
from tests.voting.test_destructive_steps import _confirm_blocks, _one_tap_forms
from voting.casting import cast_online
from voting.definition import close_now, create_vote, open_now
from voting.models import Vote, VoteItem, VoteLog


def _upcoming(make_vote, kind="approval"):
    return make_vote(kind, opens_at=utcnow() + timedelta(days=1),
                     closes_at=utcnow() + timedelta(days=3))


def _closed(make_vote, kind="approval"):
    return make_vote(kind, opens_at=utcnow() - timedelta(days=3),
                     closes_at=utcnow() - timedelta(hours=1))


def _window(vote_id):
    db.session.rollback()
    vote = db.session.get(Vote, vote_id)
    return vote.opens_at, vote.closes_at


def _trail(action):
    db.session.rollback()
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def _log(vote_id):
    db.session.rollback()
    return db.session.scalars(select(VoteLog.action).where(VoteLog.vote_id == vote_id)).all()


# --- services ---------------------------------------------------------------------------------


def test_open_now_starts_the_vote_and_leaves_its_close(make_vote, make_user, district,
                                                       organizer):
    vote = _upcoming(make_vote)
    planned_open, planned_close = vote.opens_at, vote.closes_at
    before = utcnow()
    open_now(district.id, vote.id, organizer)
    commit()
    opens_at, closes_at = _window(vote.id)
    assert before <= opens_at <= utcnow() and closes_at == planned_close
    [entry] = _trail("vote.open")
    assert (entry.actor_id, entry.object_id) == (organizer.id, vote.id)
    assert entry.detail["planned_opens_at"] == planned_open.isoformat()
    assert "opened" in _log(vote.id)
    # A resident can vote at once.
    answer = cast_online(district.id, vote.id, make_user(), [(item_ids(vote)[0], 1)])
    assert answer["status"] == "created"


def test_close_now_ends_the_vote_and_a_later_cast_is_refused(make_vote, make_user, district,
                                                             organizer):
    vote = make_vote("approval")
    cast_online(district.id, vote.id, make_user(), [(item_ids(vote)[0], 1)])
    commit()
    planned_close = vote.closes_at
    close_now(district.id, vote.id, organizer)
    commit()
    opens_at, closes_at = _window(vote.id)
    assert opens_at < closes_at <= utcnow()
    [entry] = _trail("vote.close")
    assert entry.detail["planned_closes_at"] == planned_close.isoformat()
    assert "closed" in _log(vote.id)
    with pytest.raises(DomainError, match="마감"):
        cast_online(district.id, vote.id, make_user(), [(item_ids(vote)[0], 1)])


@pytest.mark.parametrize(("state", "action", "message"), [
    ("open", open_now, "이미 열려 있는 투표입니다"),
    ("closed", open_now, "이미 마감된 투표입니다"),
    ("upcoming", close_now, "아직 열리지 않은 투표는 마감할 수 없습니다"),
    ("closed", close_now, "이미 마감된 투표입니다"),
])
def test_open_or_close_that_does_not_apply_is_refused_and_changes_nothing(
        make_vote, district, organizer, state, action, message):
    vote = {"open": lambda: make_vote("approval"), "upcoming": lambda: _upcoming(make_vote),
            "closed": lambda: _closed(make_vote)}[state]()
    window = _window(vote.id)
    with pytest.raises(Conflict) as caught:
        action(district.id, vote.id, organizer)
    assert caught.value.status == 409 and message in str(caught.value.message)
    assert _window(vote.id) == window
    assert _trail("vote.open") == _trail("vote.close") == []


def test_a_vote_whose_ballot_lost_its_items_is_not_opened(make_vote, district, organizer):
    vote = _upcoming(make_vote)
    keep = vote.items[0].id
    db.session.execute(delete(VoteItem).where(VoteItem.vote_id == vote.id, VoteItem.id != keep))
    commit()
    window = _window(vote.id)
    with pytest.raises(DomainError) as caught:
        open_now(district.id, vote.id, organizer)
    assert caught.value.status == 422 and "2개 이상" in str(caught.value.message)
    assert _window(vote.id) == window


def test_another_districts_vote_is_not_found(make_vote, other_district, organizer):
    vote = make_vote("approval")
    with pytest.raises(DomainError) as caught:
        close_now(other_district.id, vote.id, organizer)
    assert caught.value.status == 404


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"closes_at": "opens"}, "closes_at", "마감 시각은 시작 시각보다 늦어야"),
    ({"method": "borda"}, "method", "찬성 수 순"),
    ({"compare_methods": ["schulze"]}, "compare_methods", "찬성 투표(복수 선택)에는"),
    ({"seats": 9}, "seats", "선정할 의제 수"),
    ({"min_choices": 4}, "min_choices", "최소 선택 수가"),
])
def test_a_definition_error_names_its_field(ctx, district, cycle, shortlist, organizer,
                                            overrides, field, message):
    data = definition("approval", shortlist, **overrides)
    if overrides.get("closes_at") == "opens":
        data.closes_at = data.opens_at
    with pytest.raises(DomainError) as caught:
        create_vote(district.id, cycle.id, data, organizer)
    assert caught.value.field == field and message in str(caught.value.message)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Vote)) == 0


# --- pages ------------------------------------------------------------------------------------


def _manage(client, vote):
    return client.get(f"/organize/votes/{vote.id}/edit").get_data(as_text=True)


def test_open_then_close_from_the_manage_page(client, make_vote, organizer):
    vote = _upcoming(make_vote)
    sign_in(client, organizer.email)
    html = _manage(client, vote)
    opening = f"/organize/votes/{vote.id}/open"
    [block] = [b for b in _confirm_blocks(html) if opening in b]
    assert "지금 열기" in block and "지금 투표를 시작합니다" in block
    assert "네, 지금 투표를 엽니다" in block
    assert _one_tap_forms(html, opening) == []
    assert f"/organize/votes/{vote.id}/close" not in html

    opened = post_form(client, opening, follow_redirects=True)
    assert opened.status_code == 200
    html = opened.get_data(as_text=True)
    assert "투표를 열었습니다" in html and "투표 중:" in html
    closing = f"/organize/votes/{vote.id}/close"
    [block] = [b for b in _confirm_blocks(html) if closing in b]
    assert "다시 열 수 없습니다" in block and "투표지 0장으로 집계합니다" in block
    assert _one_tap_forms(html, closing) == []

    closed = post_form(client, closing, follow_redirects=True)
    html = closed.get_data(as_text=True)
    assert "투표를 마감했습니다" in html and "마감됨:" in html
    assert "지금 열었습니다" in html and "지금 마감했습니다" in html
    assert not _confirm_blocks(html) and "마감된 투표는 설정을 바꿀 수 없습니다" in html
    assert 'type="submit" class="button">' not in html


@pytest.mark.parametrize(("state", "path", "status", "message"), [
    ("open", "open", 409, "이미 열려 있는 투표입니다"),
    ("closed", "close", 409, "이미 마감된 투표입니다"),
    ("upcoming", "close", 409, "아직 열리지 않은 투표는 마감할 수 없습니다"),
])
def test_a_refused_open_or_close_shows_why_and_changes_nothing(client, make_vote, organizer,
                                                               state, path, status, message):
    vote = {"open": lambda: make_vote("approval"), "upcoming": lambda: _upcoming(make_vote),
            "closed": lambda: _closed(make_vote)}[state]()
    window = _window(vote.id)
    sign_in(client, organizer.email)
    response = post_form(client, f"/organize/votes/{vote.id}/{path}")
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert message in html and vote.title in html
    assert _window(vote.id) == window
    assert _log(vote.id) == ["created"]


def test_the_refusal_is_in_the_readers_language(client, make_vote, organizer):
    vote = make_vote("approval")
    sign_in(client, organizer.email)
    post_form(client, "/language", {"language": "en"})
    response = post_form(client, f"/organize/votes/{vote.id}/open")
    assert response.status_code == 409
    assert "This vote is already open. Nothing was changed." in response.get_data(as_text=True)


def test_only_organizers_open_and_close(client, make_vote, make_user):
    vote = _upcoming(make_vote)
    window = _window(vote.id)
    for role in ("resident", "facilitator"):
        sign_in(client, make_user(role).email)
        assert post_form(client, f"/organize/votes/{vote.id}/open").status_code == 403
    assert _window(vote.id) == window


def _form_data(shortlist, **changes):
    return {"title": "새 투표", "ballot_type": "approval",
            "items": [str(i.id) for i in shortlist], "min_choices": "1", "max_choices": "2",
            "opens_at": "2026-01-01T09:00", "closes_at": "2099-01-01T18:00",
            "method": "approval", "seats": "2", "weight_vote": "100", "weight_forum": "0",
            "weight_review": "0", **changes}


def _field_error(html, name):
    found = re.search(rf'<p class="error" id="{name}-error">(.*?)</p>', html, re.S)
    return found.group(1) if found else None


def test_an_end_equal_to_the_start_is_reported_on_the_end(client, shortlist, organizer):
    sign_in(client, organizer.email)
    response = post_form(client, "/organize/votes/new", _form_data(
        shortlist, opens_at="2099-01-01T09:00", closes_at="2099-01-01T09:00"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "마감 시각은 시작 시각보다 늦어야 합니다" in _field_error(html, "closes_at")
    assert _field_error(html, "title") is None
    assert db.session.scalar(select(func.count()).select_from(Vote)) == 0


def test_a_method_that_does_not_fit_the_ballot_type_is_refused_by_the_form(client, shortlist,
                                                                             organizer):
    sign_in(client, organizer.email)
    response = post_form(client, "/organize/votes/new", _form_data(
        shortlist, method="borda", compare_methods=["mes"]))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for name in ("method", "compare_methods"):
        assert "찬성 투표(복수 선택)에는 이 집계 방법을 쓸 수 없습니다. 쓸 수 있는 방법: " \
               "찬성 수 순." in _field_error(html, name)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Vote)) == 0


def test_methods_are_offered_per_ballot_type_by_name_and_explanation(client, organizer):
    sign_in(client, organizer.email)
    html = client.get("/organize/votes/new").get_data(as_text=True)
    select_html = re.search(r'<select[^>]*name="method".*?</select>', html, re.S).group(0)
    groups = re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', select_html, re.S)
    assert [label for label, _options in groups] == [
        "순위 투표", "찬성 투표(복수 선택)", "예산 배분 투표", "점수 배분 투표"]
    assert "균등 분배 방식(MES)" in dict(groups)["예산 배분 투표"]
    assert "보다 점수(순위 점수 합)" not in dict(groups)["예산 배분 투표"]
    guide = re.search(r'<div class="method-guide">.*?</dl>\s*</div>\s*</div>', html, re.S).group(0)
    assert "1순위 표가 가장 적은 의제를 빼고" in guide
    assert 'data-ballot-type="budget"' in guide
    # No raw method codes in what the organizer reads.
    shown = re.sub(r"<[^>]+>", " ", html)
    for code in ("borda", "schulze", "ranked-pairs", "copeland", "greedy", "ranked:"):
        assert code not in shown
    assert "/static/js/vote_form.js" in html


def test_locked_fields_are_disabled_with_why_and_the_page_still_saves(
        client, make_vote, make_user, district, organizer):
    vote = make_vote("approval", title="고정된 투표")
    cast_online(district.id, vote.id, make_user(), [(item_ids(vote)[0], 1)])
    commit()
    sign_in(client, organizer.email)
    html = _manage(client, vote)
    fieldsets = re.findall(r"<fieldset([^>]*)><legend>([^<]+)</legend>", html)
    assert [legend for attrs, legend in fieldsets if "disabled" in attrs] == [
        "투표 방식", "투표 자격", "집계"]
    assert html.count('class="hint locked-why"') == 3
    assert "이미 낸 투표지가 다른 규칙으로 읽히지 않도록" in html
    # What a browser sends from this page: no disabled field.
    sent = {"title": "새 제목", "description": "", "opens_at": "2026-01-01T09:00",
            "closes_at": "2099-01-01T18:00"}
    saved = post_form(client, f"/organize/votes/{vote.id}/edit", sent)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    db.session.rollback()
    stored = db.session.get(Vote, vote.id)
    assert stored.title == "새 제목" and stored.method == "approval" and stored.max_choices == 3
    assert [item.agenda_item_id for item in stored.items] == [
        item.agenda_item_id for item in vote.items]
    # A crafted post that changes a locked field is still refused.
    changed = post_form(client, f"/organize/votes/{vote.id}/edit", {**sent, "max_choices": "2"})
    assert changed.status_code == 409
    assert "바꿀 수 없습니다" in changed.get_data(as_text=True)


def test_the_history_reads_as_sentences(client, make_vote, organizer):
    vote = make_vote("approval")
    sign_in(client, organizer.email)
    html = _manage(client, vote)
    log = re.search(r'<h2 id="log-title">.*?</ul>', html, re.S).group(0)
    assert "투표를 만들었습니다" in log and "created" not in log
