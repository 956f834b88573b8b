"""Casting throughput: gunicorn (gunicorn.conf.py) on PostgreSQL and Redis, 50
simulated voters changing their ballots as fast as the server answers.

Prints one line: ballots/s sustained and p95 latency for casting, the same for /healthz
measured in the same run, and the ratios. It also prints the CPU time the server side
(gunicorn and the PostgreSQL backends) spent per request, which holds still when other work
shares the machine: two free cores give at most 2000 / (ms per ballot) ballots/s. Loopback
only; bounded by request count and time.

Environment: BENCH_DATABASE_URL (default: a ``madang_bench`` database on the local
PostgreSQL), BENCH_REDIS_URL (default: local db 15). The run creates that database through
the ``postgres`` database of the same server, replacing one of the same name, and drops it
at the end, also when the run fails.
"""

import asyncio
import http.client
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import SERVER_URL, free_port, migrated_app, throwaway_database  # noqa: E402

VOTERS = 50
SECONDS = 10.0
MAX_REQUESTS_PER_VOTER = 400
PASSWORD = "bench voter password"  # noqa: S105 (throwaway accounts in a throwaway database)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")


def database_and_server() -> tuple[str, str]:
    """The benchmark database's name, and the URL of the server database it is created and
    dropped from: the ``postgres`` database next to the one BENCH_DATABASE_URL names."""
    given = os.environ.get("BENCH_DATABASE_URL")
    if not given:
        return "madang_bench", SERVER_URL
    url = make_url(given)
    return url.database, url.set(database="postgres").render_as_string(hide_password=False)


DATABASE, DATABASE_SERVER_URL = database_and_server()


def open_vote(district, cycle, organizer):
    """Six shortlisted agenda items of ``cycle`` and an approval vote on them (up to three
    chosen), open from an hour ago for a day."""
    from agenda.models import AgendaItem
    from core.db import db, utcnow
    from voting.definition import VoteDefinition, create_vote
    from voting.rules import BallotType

    items = []
    for n in range(6):
        item = AgendaItem(district_id=district.id, cycle_id=cycle.id, title=f"의제 {n + 1}",
                          field="welfare", kind="problem_solving", status="shortlisted",
                          shortlisted_for_vote=True, estimated_cost=10_000_000 * (n + 1))
        db.session.add(item)
        items.append(item)
    db.session.flush()
    now = utcnow()
    return create_vote(district.id, cycle.id, VoteDefinition(
        title="벤치마크 투표", ballot_type=BallotType.APPROVAL,
        agenda_item_ids=[i.id for i in items], opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=1), method="approval", max_choices=3), organizer)


def prepare_database(database_url: str) -> tuple[int, list[int]]:
    """The schema with the demo district, a shortlist, one open approval vote and voters."""
    from accounts.demo import seed_cycle, seed_district
    from accounts.services import create_user
    from core.auth import Role
    from core.db import commit, db

    instance = Path(os.environ.get("INSTANCE_PATH", "/tmp/madang-bench"))  # noqa: S108
    app = migrated_app(database_url, instance)
    with app.app_context(), app.test_request_context():
        district = seed_district()
        cycle = seed_cycle(district)
        organizer = create_user("organizer@bench.kr", PASSWORD, Role.ORGANIZER, district)
        vote = open_vote(district, cycle, organizer)
        for n in range(VOTERS):
            create_user(f"voter{n}@bench.kr", PASSWORD, Role.RESIDENT, district)
        commit()
        ids = vote.id, [item.id for item in vote.items]
        db.engine.dispose()
    return ids


class Client:
    """One simulated voter: a keep-alive connection and its own cookies."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict | None = None,
                headers: dict | None = None) -> tuple[int, str]:
        try:
            return self._request(method, path, body, headers)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # The server closed an idle keep-alive connection: reconnect once, as browsers do.
            self.connection.close()
            return self._request(method, path, body, headers)

    def _request(self, method, path, body, headers):
        sent = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
                **(headers or {})}
        data = None
        if body is not None:
            data = urlencode(body, doseq=True)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=data, headers=sent)
        response = self.connection.getresponse()
        text = response.read().decode()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, text


def token(page: str, name: str) -> str:
    return re.search(rf'name="{name}"[^>]*value="([^"]+)"', page).group(1)


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[int(len(ordered) * 0.95) - 1] * 1000 if ordered else float("nan")


def raw_request(method: str, path: str, cookies: dict[str, str], body: bytes = b"",
                 headers: dict | None = None) -> bytes:
    """One HTTP/1.1 request as bytes, built before the clock starts."""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1",
             "Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items())]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body:
        lines += ["Content-Type: application/x-www-form-urlencoded",
                  f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _exchange(port: int, connection: list, request: bytes) -> int:
    """Send one request on the voter's keep-alive connection; the status of the answer."""
    for attempt in (1, 2):
        if connection[0] is None:
            connection[0] = await asyncio.open_connection("127.0.0.1", port)
        reader, writer = connection[0]
        try:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"(?i)\r\ncontent-length: *(\d+)", head).group(1))
            await reader.readexactly(length)
            return int(head[9:12])
        except (asyncio.IncompleteReadError, ConnectionError):
            # The server closed an idle keep-alive connection: reconnect once, as browsers do
            # (casts carry an Idempotency-Key, so sending one again stores nothing twice).
            writer.close()
            connection[0] = None
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


@dataclass
class Phase:
    """What one phase measured: requests answered per second, each request's latency, the
    statuses that were not expected, and how many answers each voter got (a server that
    leaves some voters waiting while it serves others would look fast by the rest)."""

    rate: float
    latencies: list[float]
    failures: list[int]
    served: list[int]

    def fairness(self) -> str:
        return f"answers per voter {min(self.served)} to {max(self.served)}"


def run_phase(port: int, requests: list[list[bytes]], ok: set[int],
              seconds: float = SECONDS) -> Phase:
    """Each voter sends its prepared requests one after another on one keep-alive connection
    until ``seconds`` or its request budget is spent; all voters run at once in one event
    loop, so the load generator takes little of the CPU the server needs."""
    latencies: list[float] = []
    failures: list[int] = []
    served = [0] * len(requests)

    async def voter(index: int, queue: list[bytes], deadline: float) -> None:
        connection = [None]
        for request in queue:
            began = time.perf_counter()
            if began >= deadline:
                break
            status = await _exchange(port, connection, request)
            if status not in ok:
                failures.append(status)
            latencies.append(time.perf_counter() - began)
            served[index] += 1
        if connection[0] is not None:
            connection[0][1].close()

    async def everyone() -> float:
        began = time.perf_counter()
        await asyncio.gather(*(voter(index, queue, began + seconds)
                               for index, queue in enumerate(requests)))
        return time.perf_counter() - began

    elapsed = asyncio.run(everyone())
    return Phase(len(latencies) / elapsed, latencies, failures, served)


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used so far."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def server_pids(gunicorn: int, database: str = DATABASE,
                server_url: str = DATABASE_SERVER_URL) -> tuple[list[int], list[int]]:
    """The gunicorn master and workers, and the PostgreSQL backends serving ``database``
    (looked up through ``server_url``)."""
    pids = [gunicorn]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == gunicorn:
                pids.append(int(stat.parent.name))
        except (FileNotFoundError, ProcessLookupError):
            continue
    # Through the server database: a connection to the benchmark's own would count itself.
    engine = create_engine(server_url)
    with engine.connect() as connection:
        backends = connection.scalars(text("SELECT pid FROM pg_stat_activity"
                                           " WHERE datname = :name"), {"name": database}).all()
    engine.dispose()
    return pids, list(backends)


def measured(gunicorn: int, phase, database_name: str = DATABASE,
             server_url: str = DATABASE_SERVER_URL) -> tuple[Phase, float, float]:
    """Run a phase; also the server-side CPU it took per request: all of it (app and
    database), and the database's share."""
    def cpu() -> tuple[float, float]:
        app, database = server_pids(gunicorn, database_name, server_url)
        return _cpu_seconds(app), _cpu_seconds(database)

    app_before, database_before = cpu()
    result = phase()
    # Backends opened during the phase count from zero, so read the set again afterwards.
    app, database = cpu()
    requests = max(len(result.latencies), 1)
    return (result, (app - app_before + database - database_before) / requests,
            (database - database_before) / requests)


def failed(statuses: list[int]) -> str:
    """How many requests got an unexpected answer, and which statuses they got."""
    if not statuses:
        return "0 failed"
    counts = ", ".join(f"{status} x{statuses.count(status)}" for status in sorted(set(statuses)))
    return f"{len(statuses)} failed: {counts}"


def signed_in_voters(port: int, vote_id: int, tries: int) -> tuple[list, list[dict]]:
    """Wait (``tries`` × 0.2 s at most) for the server to answer, then sign every voter in
    and read the fields their ballot form posts."""
    for _ in range(tries):
        try:
            if Client(port).request("GET", "/healthz")[0] == 200:
                break
        except OSError:
            time.sleep(0.2)
    clients = [Client(port) for _ in range(VOTERS)]
    forms = []
    for n, client in enumerate(clients):
        _status, page = client.request("GET", "/signin")
        status, _ = client.request("POST", "/signin", {
            "csrf_token": token(page, "csrf_token"), "email": f"voter{n}@bench.kr",
            "password": PASSWORD})
        assert status == 302, f"sign-in failed: {status}"
        _status, page = client.request("GET", f"/votes/{vote_id}/ballot")
        forms.append({"csrf_token": token(page, "csrf_token"),
                      "definition": token(page, "definition"), "action": "cast"})
        client.connection.close()
    return clients, forms


def run(database_url: str) -> bool:
    """Serve on ``database_url``, measure /healthz then casting, print the line; whether
    every cast was answered as expected and each voter holds exactly one ballot."""
    vote_id, item_ids = prepare_database(database_url)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": REDIS_URL,
           "SECRET_KEY": "bench-secret", "SIGNIN_RATE_LIMIT": "100000 per minute",
           "CAST_RATE_LIMIT_PER_ADDRESS": "1000000 per minute",
           "CAST_RATE_LIMIT_PER_ACCOUNT": "1000000 per minute", "MAIL_BACKEND": "memory",
           "INSTANCE_PATH": os.environ["INSTANCE_PATH"]}
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"),
         "--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null", "app:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        clients, forms = signed_in_voters(port, vote_id, tries=100)

        health = [[raw_request("GET", "/healthz", client.cookies)] * MAX_REQUESTS_PER_VOTER
                  for client in clients]
        casts = [[raw_request(
            "POST", f"/votes/{vote_id}/ballot", client.cookies,
            urlencode({**forms[index], "item": [str(item_ids[(index + n + k) % len(item_ids)])
                                                for k in range(1 + n % 3)]}, doseq=True).encode(),
            {"Accept": "application/json", "Idempotency-Key": f"bench-{index}-{n}"})
            for n in range(MAX_REQUESTS_PER_VOTER)] for index, client in enumerate(clients)]

        began, client_cpu = time.perf_counter(), time.process_time()
        health, health_cpu, _ = measured(server.pid, lambda: run_phase(port, health, {200}))
        cast, cast_cpu, cast_database_cpu = measured(
            server.pid, lambda: run_phase(port, casts, {200, 201}))
        client_cpu = (time.process_time() - client_cpu) / (time.perf_counter() - began)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    engine = create_engine(database_url)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT count(*) FROM ballot")).scalar()
    engine.dispose()
    print(f"casting: {cast.rate:.0f} ballots/s sustained, "
          f"p95 {p95(cast.latencies):.0f} ms, "
          f"server CPU {cast_cpu * 1000:.1f} ms/ballot of which PostgreSQL "
          f"{cast_database_cpu * 1000:.1f} ms ({len(cast.latencies)} casts, "
          f"{failed(cast.failures)}, {cast.fairness()}, {stored} ballots stored for {VOTERS} "
          f"voters); /healthz: {health.rate:.0f} req/s, p95 {p95(health.latencies):.0f} ms, "
          f"server CPU {health_cpu * 1000:.1f} ms/req ({failed(health.failures)}, "
          f"{health.fairness()}); casting/healthz throughput ratio "
          f"{cast.rate / health.rate:.2f}, CPU ratio {cast_cpu / health_cpu:.1f}; load "
          f"generator used {client_cpu:.0%} of a core; target >= 300 ballots/s and p95 < 200 ms")
    return stored == VOTERS and not cast.failures


def main() -> int:
    with throwaway_database(DATABASE, DATABASE_SERVER_URL) as database_url:
        return 0 if run(database_url) else 1


if __name__ == "__main__":
    sys.exit(main())
