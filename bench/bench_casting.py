"""Casting throughput: gunicorn (gthread, gunicorn.conf.py) on PostgreSQL and Redis, 50
simulated voters changing their ballots as fast as the server answers.

Prints one line: ballots/s sustained and p95 latency for casting, the same for /healthz
measured in the same run, and the ratio. Loopback only; bounded by request count and time.

Environment: BENCH_DATABASE_URL (default: a ``madang_bench`` database on the local
PostgreSQL, created if missing and emptied each run), BENCH_REDIS_URL (default: local db 15).
"""

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

VOTERS = 50
SECONDS = 10.0
MAX_REQUESTS_PER_VOTER = 400
PASSWORD = "bench voter password"  # noqa: S105 (throwaway accounts in a throwaway database)
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/madang_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")


def prepare_database() -> tuple[int, list[int]]:
    """A fresh schema with the demo district, a shortlist, one open approval vote and voters."""
    import psycopg
    from flask_migrate import upgrade
    from sqlalchemy import create_engine, text

    name = DATABASE_URL.rsplit("/", 1)[1]
    admin = DATABASE_URL.rsplit("/", 1)[0].replace("postgresql+psycopg", "postgresql") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                    (name,)).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')
    engine = create_engine(DATABASE_URL)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()

    from accounts.demo import seed_cycle, seed_district
    from accounts.services import create_user
    from agenda.models import AgendaItem
    from app import create_app
    from core.auth import Role
    from core.db import commit, db, utcnow
    from voting import services
    from voting.ballots import BallotType

    os.environ.setdefault("INSTANCE_PATH", "/tmp/madang-bench")  # noqa: S108
    Path(os.environ["INSTANCE_PATH"]).mkdir(exist_ok=True)
    app = create_app({"SQLALCHEMY_DATABASE_URI": DATABASE_URL, "REDIS_URL": None,
                      "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024})
    with app.app_context(), app.test_request_context():
        upgrade(directory=str(ROOT / "migrations"))
        district = seed_district()
        cycle = seed_cycle(district)
        items = []
        for n in range(6):
            item = AgendaItem(district_id=district.id, cycle_id=cycle.id, title=f"의제 {n + 1}",
                              field="welfare", kind="problem_solving", status="shortlisted",
                              shortlisted_for_vote=True, estimated_cost=10_000_000 * (n + 1))
            db.session.add(item)
            items.append(item)
        organizer = create_user("organizer@bench.kr", PASSWORD, Role.ORGANIZER, district)
        db.session.flush()
        now = utcnow()
        vote = services.create_vote(district.id, cycle.id, services.VoteDefinition(
            title="벤치마크 투표", ballot_type=BallotType.APPROVAL,
            agenda_item_ids=[i.id for i in items], opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=1), method="approval", max_choices=3), organizer)
        for n in range(VOTERS):
            create_user(f"voter{n}@bench.kr", PASSWORD, Role.RESIDENT, district)
        commit()
        return vote.id, [item.id for item in vote.items]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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


def run_phase(clients, work) -> tuple[float, list[float], int]:
    """Every client runs ``work`` in a loop until the time or request budget is spent."""
    latencies: list[list[float]] = [[] for _ in clients]
    failures = [0]
    start = threading.Barrier(len(clients) + 1)
    deadline = [0.0]

    def loop(index, client):
        start.wait()
        for n in range(MAX_REQUESTS_PER_VOTER):
            if time.perf_counter() >= deadline[0]:
                break
            began = time.perf_counter()
            if not work(index, n, client):
                failures[0] += 1
            latencies[index].append(time.perf_counter() - began)

    threads = [threading.Thread(target=loop, args=(i, c)) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    deadline[0] = time.perf_counter() + SECONDS
    began = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    flat = [x for per in latencies for x in per]
    return len(flat) / elapsed, flat, failures[0]


def main() -> int:
    vote_id, item_ids = prepare_database()
    port = free_port()
    env = {**os.environ, "DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL,
           "SECRET_KEY": "bench-secret", "SIGNIN_RATE_LIMIT": "100000 per minute",
           "INSTANCE_PATH": os.environ["INSTANCE_PATH"]}
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"),
         "--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null", "app:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
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

        def health(_index, _n, client):
            return client.request("GET", "/healthz")[0] == 200

        def cast(index, n, client):
            chosen = [str(item_ids[(index + n + k) % len(item_ids)]) for k in range(1 + n % 3)]
            status, _ = client.request(
                "POST", f"/votes/{vote_id}/ballot", {**forms[index], "item": chosen},
                {"Accept": "application/json", "Idempotency-Key": f"bench-{index}-{n}"})
            return status in (200, 201)

        health_rate, health_lat, health_failed = run_phase(clients, health)
        cast_rate, cast_lat, cast_failed = run_phase(clients, cast)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    from sqlalchemy import create_engine, text

    engine = create_engine(DATABASE_URL)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT count(*) FROM ballot")).scalar()
    engine.dispose()
    print(f"casting: {cast_rate:.0f} ballots/s sustained, p95 {p95(cast_lat):.0f} ms "
          f"({len(cast_lat)} casts, {cast_failed} failed, {stored} ballots stored for {VOTERS} "
          f"voters); /healthz: {health_rate:.0f} req/s, p95 {p95(health_lat):.0f} ms "
          f"({health_failed} failed); casting/healthz throughput ratio "
          f"{cast_rate / health_rate:.2f}; target >= 300 ballots/s and p95 < 200 ms")
    return 0 if stored == VOTERS and cast_failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
