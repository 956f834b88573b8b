"""Exporting a million stored ballots: peak memory and time, against a bare dump of the same
rows measured in the same run.

Run from the repository root: ``python bench/bench_exports.py [--ballots N]``. A throwaway
PostgreSQL database gets a ranked vote and an approval vote over seven agenda items with N
ballots each (partial rankings and choices drawn by a fixed hash, so every run stores the
same ballots). Each export runs as its own ``flask export`` process, the same code as the
export pages and jobs; the reference is a process that reads the vote's stored choices once
through a server-side cursor and writes them with ``csv.writer``. One line per export: peak
resident memory and seconds, each with its ratio to the reference. Exits 1 when an export
reaches 200 MB.

Environment: BENCH_SERVER_URL (default: the local PostgreSQL's ``postgres`` database, used to
create and drop a ``madang_bench_exports`` database).
"""

from __future__ import annotations

import argparse
import atexit
import csv
import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import SERVER_URL, migrated_app, throwaway_database  # noqa: E402

LIMIT_MB = 200
ITEMS = 7
SECRET_KEY = "bench-exports"  # noqa: S105 (a throwaway app on a throwaway database)
EXPORTS = [("ranked", "ballots", "csv"), ("ranked", "ballots", "xlsx"),
           ("ranked", "ballots", "json"), ("ranked", "ballots", "preflib"),
           ("approval", "ballots", "pabulib"), ("ranked", "results", "csv")]


def seed(app, ballots: int) -> dict[str, int]:
    """Two votes with ``ballots`` ballots each, inserted by the database itself; their ids."""
    from sqlalchemy import text

    from accounts.demo import seed_cycle, seed_district
    from accounts.services import create_user
    from agenda.models import AgendaItem
    from core.auth import Role
    from core.db import commit, db, utcnow
    from voting.definition import VoteDefinition, create_vote
    from voting.rules import BallotType

    with app.app_context(), app.test_request_context():
        district = seed_district()
        cycle = seed_cycle(district)
        items = []
        for n in range(ITEMS):
            item = AgendaItem(district_id=district.id, cycle_id=cycle.id, title=f"의제 {n + 1}",
                              field="welfare", kind="problem_solving", status="shortlisted",
                              shortlisted_for_vote=True, estimated_cost=10_000_000 * (n + 1))
            db.session.add(item)
            items.append(item)
        organizer = create_user("organizer@bench.kr", "bench organizer password",
                                Role.ORGANIZER, district)
        db.session.flush()
        now = utcnow()
        # Open with live results: an open vote that hides them until closing exports nothing.
        window = {"agenda_item_ids": [i.id for i in items], "opens_at": now - timedelta(days=2),
                  "closes_at": now + timedelta(days=1), "seats": 3, "results_live": True}
        votes = {
            "ranked": create_vote(district.id, cycle.id, VoteDefinition(
                title="순위 투표", ballot_type=BallotType.RANKED, method="schulze",
                max_choices=ITEMS, **window), organizer),
            "approval": create_vote(district.id, cycle.id, VoteDefinition(
                title="찬반 투표", ballot_type=BallotType.APPROVAL, method="approval",
                max_choices=ITEMS, **window), organizer),
        }
        commit()
        ids = {name: vote.id for name, vote in votes.items()}
        connection = db.session.connection()
        # Foreign-key triggers off while filling: the rows are built from the tables they
        # point to, and checking 8 million references would take most of the run.
        connection.execute(text("SET session_replication_role = replica"))
        for name, vote_id in ids.items():
            connection.execute(text(
                "INSERT INTO ballot (vote_id, voter_key, channel, receipt_lookup, receipt_seal,"
                " cast_at, updated_at) SELECT :vote, md5(:vote || 'v' || g), 'online',"
                " md5(:vote || 'r' || g), md5(:vote || 's' || g),"
                " now() - g * interval '100 ms', now() FROM generate_series(1, :n) g"),
                {"vote": vote_id, "n": ballots})
            # Each ballot ranks (or chooses) 1 to 7 items in an order drawn from its id.
            connection.execute(text(
                "INSERT INTO ballot_choice (ballot_id, vote_item_id, vote_id, value)"
                " SELECT b.id, o.item, b.vote_id, CASE WHEN :ranked THEN o.position ELSE 1 END"
                " FROM ballot b CROSS JOIN LATERAL ("
                "  SELECT vi.id AS item, row_number() OVER ("
                "   ORDER BY md5(b.id || ':' || vi.id)) AS position"
                "  FROM vote_item vi WHERE vi.vote_id = b.vote_id) o"
                " WHERE b.vote_id = :vote AND o.position <= 1 + b.id % 7"),
                {"vote": vote_id, "ranked": name == "ranked"})
        connection.execute(text("SET session_replication_role = DEFAULT"))
        commit()
        connection = db.session.connection()
        connection.execute(text("ANALYZE"))
        commit()
    return ids


def reference_dump(database_url: str, vote_id: int, out: Path) -> None:
    """The bare baseline: every stored choice of the vote, read once, written as CSV."""
    import psycopg

    url = database_url.replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(url) as connection, connection.cursor(name="dump") as cursor, \
            open(out, "w", newline="", encoding="utf-8-sig") as stream:
        cursor.itersize = 5000
        cursor.execute("SELECT ballot_id, vote_item_id, value FROM ballot_choice"
                       " WHERE vote_id = %s", (vote_id,))
        writer = csv.writer(stream)
        writer.writerow(["ballot", "item", "value"])
        writer.writerows(cursor)


def peak_of_this_process() -> float:
    """Peak resident memory in MB of this process since it started its program: VmHWM is
    kept per address space, so unlike ``ru_maxrss`` it does not include the memory of the
    process that started it."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def run_measured(peak_file: Path, command: list[str]) -> None:
    """Run ``command`` (``flask ...`` or ``reference URL VOTE OUT``) in this process and
    write its peak memory to ``peak_file`` when it ends, however it ends."""
    atexit.register(lambda: peak_file.write_text(f"{peak_of_this_process():.1f}"))
    if command[0] == "reference":
        reference_dump(command[1], int(command[2]), Path(command[3]))
        return
    from flask.cli import main as flask

    sys.argv = command
    flask()


def measure(command: list[str], env: dict, folder: Path) -> tuple[float, float]:
    """Run a command in a process of its own to its end; its peak resident memory in MB and
    its seconds."""
    peak_file = folder / "peak"
    started = time.perf_counter()
    subprocess.run([str(ROOT / ".venv" / "bin" / "python"), __file__, "--child", str(peak_file),
                    *command], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, check=True)
    return float(peak_file.read_text()), time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_measured(Path(args.child[0]), args.child[1:])
        return 0
    server_url = os.environ.get("BENCH_SERVER_URL", SERVER_URL)
    within_limit = True
    with tempfile.TemporaryDirectory(prefix="madang-bench-") as scratch, \
            throwaway_database("madang_bench_exports", server_url) as database_url:
        folder = Path(scratch)
        app = migrated_app(database_url, folder / "instance", SECRET_KEY=SECRET_KEY)
        started = time.perf_counter()
        votes = seed(app, args.ballots)
        with app.app_context():
            # The database is dropped at the end: no connection of ours may stay open.
            app.extensions["sqlalchemy"].engine.dispose()
        print(f"stored {args.ballots:,} ballots in each of 2 votes in "
              f"{time.perf_counter() - started:.0f} s")
        env = {**os.environ, "FLASK_APP": "app:create_app", "DATABASE_URL": database_url,
               "SECRET_KEY": SECRET_KEY, "INSTANCE_PATH": str(folder / "instance"),
               "MAIL_BACKEND": "memory"}
        env.pop("REDIS_URL", None)
        references = {}
        for name, vote_id in votes.items():
            references[name] = measure(["reference", database_url, str(vote_id),
                                        str(folder / f"{name}.reference.csv")], env, folder)
            peak, seconds = references[name]
            print(f"reference {name:8s} dump of the stored choices  peak {peak:6.1f} MB"
                  f"  {seconds:6.2f} s")
        for vote, kind, fmt in EXPORTS:
            out = folder / f"{vote}-{kind}.{fmt}"
            peak, seconds = measure(["flask", "export", kind, "--format", fmt,
                                     "--vote", str(votes[vote]), "--out", str(out)], env, folder)
            base_peak, base_seconds = references[vote]
            within_limit &= peak < LIMIT_MB
            print(f"export {kind} {fmt:7s} {vote:8s} {args.ballots:,} ballots"
                  f"  peak {peak:6.1f} MB (ratio {peak / base_peak:4.2f})"
                  f"  {seconds:6.2f} s (ratio {seconds / base_seconds:5.2f})"
                  f"  {out.stat().st_size / 1e3:9,.0f} kB file"
                  f"  {'under' if peak < LIMIT_MB else 'OVER'} {LIMIT_MB} MB")
    return 0 if within_limit else 1


if __name__ == "__main__":
    sys.exit(main())
