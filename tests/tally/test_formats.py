"""The bulk readers give exactly the profile the line-by-line reader gives, whatever the
block size, and merge identical ballots as numpy's row-wise unique does."""

from __future__ import annotations

import numpy as np
import pytest

from voting.tally import formats, read_file

PREFLIB = [
    "preflib/00002-00000007.soi",
    "preflib/00002-00000008.toc",
    "preflib/00058-00000003.soi",
    "preflib/00058-00000264.soi",
]


def _same(a, b) -> None:
    assert a.candidates == b.candidates
    assert np.array_equal(a.ranks, b.ranks)
    assert np.array_equal(a.counts, b.counts)
    assert a.digest() == b.digest()


@pytest.mark.parametrize("name", PREFLIB)
def test_bulk_reader_matches_line_by_line(data_dir, name, monkeypatch):
    bulk = read_file(data_dir / name)
    monkeypatch.setattr(formats, "_bulk_ballots", lambda data, m, kind: None)
    _same(bulk, read_file(data_dir / name))


@pytest.mark.parametrize("name", PREFLIB)
def test_small_blocks_give_the_same_profile(data_dir, name, monkeypatch):
    whole = read_file(data_dir / name)
    monkeypatch.setattr(formats, "BLOCK_BYTES", 97)
    _same(whole, read_file(data_dir / name))


def test_generated_soc_with_spaces_blank_lines_and_big_counts(tmp_path, monkeypatch):
    rng = np.random.default_rng(3)
    orders = np.argsort(rng.random((3000, 12)), axis=1) + 1
    counts = rng.integers(0, 10**12, size=3000)
    lines = [f"{c} : " + " , ".join(map(str, o)) if i % 7 == 0 else f"{c}: " + ",".join(map(str, o))
             for i, (c, o) in enumerate(zip(counts, orders, strict=True))]
    lines[1500:1500] = ["", "   ", "# a comment between ballots"]
    path = tmp_path / "big.soc"
    path.write_text("# NUMBER ALTERNATIVES: 12\n" + "\r\n".join(lines) + "\n\n", encoding="utf-8")
    careful = formats._careful_ballots
    lines_read_one_by_one = []

    def spy(block, starts, ends, which, *rest):
        lines_read_one_by_one.extend(which.tolist())
        return careful(block, starts, ends, which, *rest)

    monkeypatch.setattr(formats, "_careful_ballots", spy)
    bulk = read_file(path)
    assert bulk.voters == int(counts.sum())
    assert len(lines_read_one_by_one) == 4  # the blank lines and the comment only
    monkeypatch.setattr(formats, "_bulk_ballots", lambda data, m, kind: None)
    _same(bulk, read_file(path))


@pytest.mark.parametrize("dtype", [np.bool_, np.int8, np.int16, np.int64])
def test_merging_rows_matches_numpy_unique(dtype):
    rng = np.random.default_rng(11)
    matrix = rng.integers(-1 if dtype != np.bool_ else 0, 3, size=(2000, 9)).astype(dtype)
    if dtype == np.int64:
        matrix *= 10**12
    counts = rng.integers(1, 5, size=2000)
    unique, merged = formats._aggregate(matrix, counts)
    expected, inverse = np.unique(matrix, axis=0, return_inverse=True)
    assert np.array_equal(unique, expected)
    assert np.array_equal(merged, np.bincount(inverse.ravel(), weights=counts).astype(np.int64))
