"""Receipts: the code a voter keeps, where it finds the ballot, and the seal that binds it to
the choices; the code itself is never stored. Checking a receipt says whether its ballot is
still the counted one, unchanged, and nothing about who cast it."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from core.db import db
from voting.models import Ballot, Vote, VoteItem
from voting.rules import Entries
from voting.stored_ballots import choices_of

RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


def new_receipt_code() -> str:
    """Twelve characters from a 32-letter alphabet (60 bits), shown as XXXX-XXXX-XXXX."""
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalise_receipt_code(text: str) -> str | None:
    """A receipt code as typed (any case, spaces or dashes) in its printed form, or None."""
    raw = "".join(ch for ch in text.upper() if ch.isalnum())
    if len(raw) != 12 or any(ch not in RECEIPT_ALPHABET for ch in raw):
        return None
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def receipt_lookup(code: str) -> str:
    """Where a receipt's ballot is found; the code itself is never stored."""
    return hashlib.sha256(f"receipt\x1f{code}".encode()).hexdigest()


def receipt_seal(salt: str, code: str, entries: Entries) -> str:
    """A digest binding the receipt to the choices; recomputed on verification, so a stored
    ballot that no longer matches what was cast is detected."""
    content = json.dumps([list(e) for e in entries], separators=(",", ":"))
    return hashlib.sha256(f"{salt}\x1f{code}\x1f{content}".encode()).hexdigest()


@dataclass
class ReceiptCheck:
    vote: Vote
    channel: str
    recorded_at: datetime
    choices: list[tuple[VoteItem, int]]
    intact: bool


def check_receipt(code: str) -> ReceiptCheck | None:
    """The ballot a receipt belongs to, if it is still the counted one; says nothing about who
    cast it. ``intact`` is False when the stored choices no longer match the receipt's seal."""
    ballot = db.session.scalars(select(Ballot).where(
        Ballot.receipt_lookup == receipt_lookup(code))).first()
    if ballot is None:
        return None
    vote = db.session.get(Vote, ballot.vote_id)
    entries = choices_of(ballot.id, vote)
    items = {item.id: item for item in vote.items}
    return ReceiptCheck(
        vote=vote, channel=ballot.channel, recorded_at=ballot.updated_at,
        choices=[(items[item], value) for item, value in entries],
        intact=receipt_seal(vote.salt, code, entries) == ballot.receipt_seal,
    )
