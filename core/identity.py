"""How people are matched: one spelling of a name or an email address for comparisons.

Names typed at a paper desk, at a forum table and on the voter roll, and emails typed at
sign-up and at a staff desk, must compare equal when they are the same text to a reader.
Otherwise an invisible character or a full-width letter makes a second person out of the
first, and that person gets a second ballot. No Flask and no database here.
"""

import unicodedata

# Characters that show nothing but are not format characters (category Cf, removed as a
# class): variation selectors, the combining grapheme joiner, Mongolian free variation
# selectors and the Hangul fillers that render as blank space.
_INVISIBLE = frozenset(
    [chr(c) for c in range(0xFE00, 0xFE10)]
    + [chr(c) for c in range(0xE0100, 0xE01F0)]
    + [chr(c) for c in range(0x180B, 0x1810)]
    + ["\u034f", "\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"]
)


def _visible(text: str) -> str:
    return "".join(ch for ch in text
                   if ch not in _INVISIBLE and unicodedata.category(ch) != "Cf")


def fold_identity(text: str) -> str:
    """``text`` as people are compared: Unicode NFKC (full-width and compatibility letters
    become the ordinary ones, decomposed Hangul is composed), invisible and format
    characters (zero-width spaces and joiners, direction marks, soft hyphens, variation
    selectors, Hangul fillers) removed, every run of white space one space, trimmed, and
    case folded.

    The same function serves every place that matches a person (names on paper, at forums
    and on the voter roll; account emails), so two desks can never disagree on who is who.
    """
    visible = _visible(unicodedata.normalize("NFKC", _visible(text or "")))
    folded = " ".join(visible.split()).casefold()
    return unicodedata.normalize("NFKC", folded)


def fold_name(name: str) -> str:
    """A person's name for matching: :func:`fold_identity` without any spaces, as Korean
    names are written with or without them ("김 민지", "김민지")."""
    return fold_identity(name).replace(" ", "")


def fold_email(email: str) -> str:
    """An account email as stored and looked up: :func:`fold_identity`, spaces dropped (an
    address has none; a pasted one may)."""
    return fold_identity(email).replace(" ", "")
