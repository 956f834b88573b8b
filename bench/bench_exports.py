"""Memory and speed of exporting a million anonymised ballots, measured in one run.

Run from the repository root: ``python bench/bench_exports.py [--ballots N] [--format F]``.
A synthetic ranked vote (seven agenda items, partial rankings) streams through the same
table and writer path the export jobs use; a plain ``csv.writer`` over the same rows is the
baseline. Prints one line: rows, format, peak MB, seconds, rows/s, ratio to the baseline.
Exits 1 when the peak resident memory reaches 200 MB.
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from exports import writers  # noqa: E402 (needs the root on the path)
from exports.tables import Column, ColumnType, Table  # noqa: E402

ITEMS = 7
LIMIT_MB = 200


def ballots(n: int):
    """Rows as the ballot export gives them: a shuffled ballot number, the channel, and each
    item's rank (empty when unranked). Seeded, so every run writes the same file."""
    rng = random.Random(2027)
    items = list(range(ITEMS))
    for number in range(1, n + 1):
        ranked = rng.sample(items, rng.randint(1, ITEMS))
        ranks = [None] * ITEMS
        for position, item in enumerate(ranked, start=1):
            ranks[item] = position
        yield (number, "online" if number % 10 else "paper", *ranks)


def table(n: int) -> Table:
    columns = [Column("ballot", "투표지 번호", ColumnType.INTEGER), Column("channel", "투표 방법")]
    columns += [Column(f"item_{i + 1}", f"의제 {i + 1} 순위", ColumnType.INTEGER)
                for i in range(ITEMS)]
    return Table("ballots", "투표지", columns, lambda: ballots(n), lambda: n)


def baseline(n: int, folder: Path) -> float:
    started = time.perf_counter()
    with open(folder / "baseline.csv", "w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        writer.writerow([c.header for c in table(n).columns])
        for row in ballots(n):
            writer.writerow(row)
    return time.perf_counter() - started


def export(n: int, fmt: str, folder: Path) -> float:
    done = []
    started = time.perf_counter()
    with open(folder / f"ballots.{fmt}", "wb") as out:
        if fmt == "csv":
            writers.write_csv([table(n)], out, done.append)
        elif fmt == "json":
            writers.write_json([table(n)], out, {"kind": "ballots"}, done.append)
        else:
            writers.write_xlsx([table(n)], out, done.append)
    elapsed = time.perf_counter() - started
    assert sum(done) == n, "progress did not count every row"
    return elapsed


def peak_mb() -> float:
    # Linux reports ru_maxrss in kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--format", choices=("csv", "json", "xlsx"), default="csv")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="madang-bench-") as scratch:
        folder = Path(scratch)
        reference = baseline(args.ballots, folder)
        ours = export(args.ballots, args.format, folder)
        size = (folder / f"ballots.{args.format}").stat().st_size
    peak = peak_mb()
    print(f"export ballots rows={args.ballots:,} format={args.format} peak={peak:.1f}MB "
          f"seconds={ours:.2f} rows/s={args.ballots / ours:,.0f} baseline={reference:.2f}s "
          f"ratio={ours / reference:.2f} size={size / 1e6:.1f}MB")
    return 0 if peak < LIMIT_MB else 1


if __name__ == "__main__":
    sys.exit(main())
