"""Who a ballot belongs to, without naming them. Pure.

Identity rule (one person, one counted ballot, across channels):

- A person is known either by their account (``account:<user id>``) or, on paper and at a
  forum, by name + birth date + dong as checked in person (``person:...``).
- Names are compared as ``core.identity.fold_name`` spells them, on the roll and at every
  desk, so spacing, case, invisible characters and Unicode variants cannot make two people.
- The voter roll (``voting.voter_roll``) links the two: when staff verify a resident they
  record the person digest and, if the resident has an account, the account (also later, on
  an entry made without one). A paper or forum ballot for a person on the roll with an
  account is stored under that account's identity, so the account cannot also vote online,
  and a person who voted online cannot be entered on paper. Linking moves the ballots already
  cast under the name to the account's identity, so the rule holds for ballots cast before
  the link too. A rolled person's identity is thus the account's when there is one: it is
  what online ballots cast before the roll existed are stored under, and it needs no roll
  read on the casting path.
- Staff may also identify a person by their account's email, which uses the account identity.
- The identity is turned into a per-vote pseudonym (``voter_key``) with the vote's salt; the
  unique constraint on (vote, voter_key) is what counts each person once.

For votes open to residents on the roll only this closes every gap: online voting needs a
roll entry linked to the account, and paper entries of rolled people resolve to their account.
In votes open to verified email addresses or to every account, staff should look a person up
by email before typing a name, since an account off the roll and a name typed on paper are two
identities the platform cannot know to be one person.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import date

from core.identity import fold_name


def new_salt() -> str:
    return secrets.token_hex(16)


def account_identity(user_id: int) -> str:
    """The identity of a person known by their account."""
    return f"account:{user_id}"


def person_identity(name: str, birth_date: date, dong_id: int) -> str:
    """The identity of a person known by name, birth date and dong (checked in person).

    The name is compared as ``core.identity.fold_name`` spells it (spaces, letter case,
    invisible characters and Unicode variants do not matter), so the same person typed
    twice at two tables gives the same identity.
    """
    return f"person:{fold_name(name)}|{birth_date.isoformat()}|{dong_id}"


def voter_key(salt: str, identity: str) -> str:
    """The per-vote pseudonym under which a person's one ballot is stored.

    Keyed with the vote's own salt, so the same person has unrelated keys in different votes.
    """
    return hmac.new(salt.encode(), identity.encode(), hashlib.sha256).hexdigest()
