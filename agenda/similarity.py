"""Character n-gram similarity for short Korean (and mixed) texts.

Word-based matching fails on Korean: particles and compounds glue onto stems (공동육아를,
어르신들의), so two proposals about the same thing share few whole words. Overlapping
character bigrams and trigrams inside each word survive that, the same idea PostgreSQL's
``pg_trgm`` uses. This module has no Flask or database imports so it can be tested on plain data.
"""

import re
import unicodedata
from collections.abc import Iterable

_WORD = re.compile(r"\w+")


def normalize(text: str) -> list[str]:
    """Lower-cased NFC words with punctuation dropped."""
    return _WORD.findall(unicodedata.normalize("NFC", text or "").lower())


def ngrams(text: str, sizes: tuple[int, ...] = (2, 3)) -> set[str]:
    """Character n-grams of every word, each word padded so one-syllable words still count."""
    grams: set[str] = set()
    for word in normalize(text):
        padded = f" {word} "
        for size in sizes:
            if len(padded) < size:
                continue
            grams.update(padded[i:i + size] for i in range(len(padded) - size + 1))
    return grams


def similarity(a: str, b: str) -> float:
    """Dice coefficient of the two texts' n-gram sets, from 0 (nothing shared) to 1 (same)."""
    left, right = ngrams(a), ngrams(b)
    if not left or not right:
        return 0.0
    return 2 * len(left & right) / (len(left) + len(right))


def containment(query: str, text: str) -> float:
    """Share of the query's n-grams found in ``text``: a short query inside a long text
    scores high."""
    wanted = ngrams(query)
    if not wanted:
        return 0.0
    return len(wanted & ngrams(text)) / len(wanted)


def score(query_title: str, query_body: str, title: str, body: str) -> float:
    """How alike a draft proposal is to an existing item: the best of title against title,
    whole text against whole text, and how much of the draft's title the item contains."""
    title_score = similarity(query_title, title)
    text_score = similarity(f"{query_title} {query_body}", f"{title} {body}") if query_body else 0.0
    contained = 0.7 * containment(query_title, f"{title} {body}")
    return max(title_score, text_score, contained)


def rank(query_title: str, query_body: str, candidates: Iterable[tuple[int, str, str]],
         threshold: float = 0.25, limit: int = 5) -> list[tuple[int, float]]:
    """The ``limit`` most similar candidates ``(id, title, body)`` scoring at least ``threshold``,
    best first, as ``(id, score)`` pairs."""
    scored = [
        (item_id, score(query_title, query_body, title, body))
        for item_id, title, body in candidates
    ]
    kept = [pair for pair in scored if pair[1] >= threshold]
    kept.sort(key=lambda pair: (-pair[1], pair[0]))
    return kept[:limit]
