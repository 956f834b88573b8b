"""What the request gate buys (``core.gate``: a few requests run the app at once per process,
the others wait in turn).

It is measured against the plain setup (no gate) in the same run:
gunicorn (gunicorn.conf.py, gevent workers) on PostgreSQL and Redis, 50 voters changing their
ballots over HTTP as fast as the server answers, the variants taking turns over several
rounds so that other work on the machine weighs on each alike. Prints one line: ballots/s
and p95 latency with and without the gate (medians over the rounds), and the ratios. An
optimization earns its place at a ratio of 1.3 or more.

Environment: as bench_casting.py (BENCH_DATABASE_URL, BENCH_REDIS_URL).
"""

import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_casting import (  # noqa: E402
    DATABASE,
    DATABASE_SERVER_URL,
    MAX_REQUESTS_PER_VOTER,
    REDIS_URL,
    failed,
    p95,
    prepare_database,
    raw_request,
    run_phase,
    signed_in_voters,
)
from bench.common import free_port, throwaway_database  # noqa: E402

ROUNDS = 3
REFERENCE = "reference"
GATE = "gate"


def app_variant(name: str):
    """The app as gunicorn serves it in variant ``name`` (gunicorn calls this factory)."""
    from app import create_app

    # The hashing cost the benchmark accounts were made with: signing in rehashes otherwise.
    # gunicorn.conf.py installs the gate unless REQUESTS_AT_ONCE is 0.
    return create_app({"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024,
                       "REQUESTS_AT_ONCE": 2 if name == GATE else 0})


def serve_and_cast(database_url: str, vote_id: int, item_ids: list[int], variant: str,
                   round_: int):
    """Start gunicorn on ``variant``, sign the voters in, and measure one casting phase."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": REDIS_URL,
           "SECRET_KEY": "bench-secret", "SIGNIN_RATE_LIMIT": "100000 per minute",
           "CAST_RATE_LIMIT_PER_ADDRESS": "1000000 per minute",
           "CAST_RATE_LIMIT_PER_ACCOUNT": "1000000 per minute", "MAIL_BACKEND": "memory"}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"),
         "--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null",
         f"bench.bench_request_path:app_variant({variant!r})"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        clients, forms = signed_in_voters(port, vote_id, tries=150)
        casts = [[raw_request(
            "POST", f"/votes/{vote_id}/ballot", client.cookies,
            urlencode({**forms[index], "item": [str(item_ids[(index + n + k) % len(item_ids)])
                                                for k in range(1 + n % 3)]}, doseq=True).encode(),
            {"Accept": "application/json",
             "Idempotency-Key": f"bench-{variant}-{round_}-{index}-{n}"})
            for n in range(MAX_REQUESTS_PER_VOTER)] for index, client in enumerate(clients)]
        return run_phase(port, casts, {200, 201})
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def line(name: str, phases: list, reference: list) -> str:
    rate = statistics.median(phase.rate for phase in phases)
    latency = statistics.median(p95(phase.latencies) for phase in phases)
    base_rate = statistics.median(phase.rate for phase in reference)
    base_latency = statistics.median(p95(phase.latencies) for phase in reference)
    failures = [status for phase in phases + reference for status in phase.failures]
    return (f"{name}: casting {rate:.0f} ballots/s, p95 {latency:.0f} ms; reference (no gate) "
            f"{base_rate:.0f} ballots/s, p95 {base_latency:.0f} ms; throughput "
            f"ratio {rate / base_rate:.2f}, p95 ratio (reference/this) "
            f"{base_latency / latency:.2f}; medians of {ROUNDS} rounds, {failed(failures)}; "
            f"kept only at >= 1.3")


def main() -> int:
    os.environ.setdefault("INSTANCE_PATH", "/tmp/madang-bench")  # noqa: S108
    with throwaway_database(DATABASE, DATABASE_SERVER_URL) as database_url:
        vote_id, item_ids = prepare_database(database_url)
        phases = {REFERENCE: [], GATE: []}
        for round_ in range(ROUNDS):
            for variant, results in phases.items():
                began = time.perf_counter()
                results.append(serve_and_cast(database_url, vote_id, item_ids, variant, round_))
                print(f"round {round_ + 1}, {variant}: {results[-1].rate:.0f} ballots/s "
                      f"({time.perf_counter() - began:.0f} s with start and sign-in)",
                      file=sys.stderr)
    print(line("request gate (REQUESTS_AT_ONCE=2)", phases[GATE], phases[REFERENCE]))
    return 0 if not any(phase.failures for results in phases.values() for phase in results) else 1


if __name__ == "__main__":
    sys.exit(main())
