"""Character n-gram similarity (pure) and the database path that feeds it."""

from sqlalchemy import text

from agenda import similarity


def test_korean_particles_and_spacing_do_not_hide_a_match():
    assert similarity.similarity("공동육아 활성화", "공동육아를 활성화하자") > 0.4
    assert similarity.similarity("폐지수집어르신 안전장치", "폐지 줍는 어르신들 안전") > 0.3


def test_unrelated_texts_score_low_and_identical_texts_score_one():
    assert similarity.similarity("공동육아 활성화", "주차 공간 공유 방안") < 0.1
    assert similarity.similarity("마을축제", "마을축제") == 1.0
    assert similarity.similarity("", "마을축제") == 0.0


def test_punctuation_case_and_one_syllable_words():
    assert similarity.ngrams("Bus, 버스!") == similarity.ngrams("bus 버스")
    assert similarity.ngrams("길") == {" 길", "길 ", " 길 "}


def test_short_query_inside_a_longer_title_ranks_first():
    candidates = [(1, "주민참여 소통채널 확대", ""), (2, "중소규모 마을축제 활성화 지원", ""),
                  (3, "선사문화축제 주민참여 확대", "")]
    ranked = similarity.rank("마을축제", "", candidates)
    assert ranked[0][0] == 2
    assert all(score >= 0.25 for _, score in ranked)
    assert 1 not in [item_id for item_id, _ in ranked]


def test_rank_respects_limit_and_threshold():
    candidates = [(i, f"공동육아 나눔 {i}", "") for i in range(10)]
    assert len(similarity.rank("공동육아 나눔", "", candidates, limit=3)) == 3
    assert similarity.rank("공동육아", "", candidates, threshold=1.01) == []


def test_trigram_extension_is_used_on_postgresql_when_available(ctx):
    from agenda.intake import has_pg_trgm
    from core.db import db

    if db.engine.dialect.name != "postgresql":
        assert not has_pg_trgm()
        return
    available = db.session.execute(
        text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).first()
    assert has_pg_trgm() == (available is not None)
