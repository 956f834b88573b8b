"""Destructive actions take a second step that says what will happen (issue: withdraw, reset,
revoke, delete); the page never offers them as a one-tap button."""

import re

from tests.conftest import post_form, sign_in
from tests.voting.conftest import item_ids
from tests.voting.test_views import ballot_form


def _confirm_blocks(html: str) -> list[str]:
    return re.findall(r'<details class="confirm">(.*?)</details>', html, re.S)


def _one_tap_forms(html: str, action: str) -> list[str]:
    """Forms posting to ``action`` outside a confirmation block."""
    outside = re.sub(r'<details class="confirm">.*?</details>', "", html, flags=re.S)
    return re.findall(rf'<form[^>]*action="{re.escape(action)}"', outside)


def test_withdrawing_a_ballot_is_confirmed_on_a_second_step(client, make_user, make_vote):
    vote = make_vote("ranked")
    sign_in(client, make_user().email)
    first, *_ = item_ids(vote)
    client.post(f"/votes/{vote.id}/ballot",
                data={**ballot_form(client, vote), "ranking": str(first)})
    html = client.get(f"/votes/{vote.id}/ballot").get_data(as_text=True)
    action = f"/votes/{vote.id}/ballot/withdraw"
    [block] = [b for b in _confirm_blocks(html) if action in b]
    assert "<summary" in block and "button--danger-outline" in block
    assert "제출한 투표지를 지웁니다." in block and "네, 투표지를 철회합니다" in block
    assert _one_tap_forms(html, action) == []


def test_reset_revoke_and_delete_are_confirmed_too(client, make_user, make_vote, district):
    from accounts.models import Membership
    from core.db import db

    vote = make_vote("ranked")
    admin = make_user("admin")
    helper = make_user("facilitator")
    sign_in(client, admin.email)
    html = client.get(f"/organize/votes/{vote.id}/edit").get_data(as_text=True)
    reset = f"/organize/votes/{vote.id}/reset"
    [block] = [b for b in _confirm_blocks(html) if reset in b]
    assert 'name="reason"' in block and "되돌릴 수 없습니다" in block
    assert _one_tap_forms(html, reset) == []

    membership = db.session.scalars(db.select(Membership).filter_by(
        user_id=helper.id, role="facilitator")).one()
    html = client.get("/organize").get_data(as_text=True)
    revoke = f"/organize/members/{membership.id}/revoke"
    [block] = [b for b in _confirm_blocks(html) if revoke in b]
    assert f"{helper.display_name}님의 퍼실리테이터 역할을 회수합니다." in block
    assert _one_tap_forms(html, revoke) == []

    post_form(client, "/me", {"consent": "y", "birth_year": "1950"})
    html = client.get("/me").get_data(as_text=True)
    [block] = [b for b in _confirm_blocks(html) if "/me/demographics/delete" in b]
    assert "이미 낸 투표와 제안은 그대로 남습니다." in block
