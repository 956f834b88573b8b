"""Live results under load: a city-sized online forum on one server.

Run from the repository root: ``python bench/bench_forums_live.py``. It needs PostgreSQL
(``BENCH_POSTGRES_URL``, a database on the server it may create others from) and Redis
(``BENCH_REDIS_URL``). It creates and migrates a throwaway database named for this run
(``madang_bench_live_<pid>``), serves the app with gunicorn (the project's gunicorn.conf.py)
on a loopback port, and connects 1,000 participant phones (each following its forum's event
stream, as the phone page does) and the projection (following the forum and, on a poll
slide, the poll). Then the organizer opens five room polls one after another; after each
opening 300 of the phones answer within 10 s. Then it stops the server and drops the
database.

Besides the lines of each round below: opening-to-screen p95 (from launching a poll to
every phone and the projection showing it: a phone shows a poll drawn in the event that
announced it, or else once it has fetched its list of polls as the page does; the projection
once it has fetched its slide) against /healthz p95 under the same load,
updates dropped (openings some phone never saw), phone streams kept / opened, and memory
per connection (the server's RSS with every stream open, less before, per stream).

One line per measurement, each with its ratio to a reference from the same run:
answers stored / answers sent, streams kept / streams opened, answer-to-screen p95 / p95 of
GET /healthz under the same load, RSS of the gunicorn processes after / before. It exits
non-zero when a target is missed: every answer stored, no stream dropped, p95 under 1 s,
memory after the second round within 10% of after the first.

Latency is measured from sending the POST to the moment a stream sees a snapshot whose
version certainly includes the answer. The client cannot know which version an answer got,
only that it was committed before its response arrived, when at most ``v0 + n`` answers
(``n`` = answers sent by then) had bumped the version; the first snapshot at or past that
version includes it. So each figure is an upper bound of the true latency.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

import httpx
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402 (needs the root on the path)
    SERVER_URL,
    free_port,
    migrated_app,
    throwaway_database,
)
from bench.phones import CSRF, ForumStream, Phone, Stream  # noqa: E402 (needs the root on the path)
from core.realtime import KEEPALIVE_SECONDS  # noqa: E402 (needs the root on the path)

# Each run has its own database and Redis channels, so two runs on one server never meet
# (the throwaway database is dropped first: a fixed name would drop another run's).
NAMESPACE = f"bench-live-{os.getpid()}"
DATABASE = f"madang_bench_live_{os.getpid()}"
SECRET_KEY = "bench-forums-live"  # noqa: S105 (a throwaway server)
ORGANIZER_EMAIL = "bench-organizer@example.kr"
ORGANIZER_PASSWORD = "bench organizer password"  # noqa: S105 (a throwaway database)
LATENCY_TARGET = 1.0
MEMORY_GROWTH_LIMIT = 1.10
STARTUP_SECONDS = 60
SETTLE_SECONDS = 20
# Two keep-alive intervals: the first write to a closed connection may still succeed.
RELEASE_SECONDS = 40


PHONES = 1000
OPENINGS = 5


def report(name: str, value: str, reference: str, ratio: float, verdict: str = "") -> None:
    print(f"{name:34s} {value:>14s}  reference {reference:>14s}  ratio {ratio:7.2f}  {verdict}")
    sys.stdout.flush()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


# --- the throwaway database ------------------------------------------------------------------

def seed_forum(app) -> tuple[int, str]:
    """The district, an organizer and a forum; returns the forum's id and join code."""
    from accounts.demo import seed_cycle, seed_district
    from accounts.services import create_user
    from core.auth import Role
    from core.db import commit
    from forums import services

    with app.app_context():
        district = seed_district()
        cycle = seed_cycle(district)
        create_user(ORGANIZER_EMAIL, ORGANIZER_PASSWORD, Role.ORGANIZER, district, "운영자")
        forum = services.create_forum(district.id, cycle.id, "협치강동 원탁토론회",
                                      date(2027, 2, 10), "강동구청 대강당", 300, "chosen", 30)
        commit()
        return forum.id, forum.join_code


def launch_room_poll(app, forum_id: int, round_number: int) -> tuple[int, int, list[int]]:
    """A room live poll, open at once; returns its id, its question and its options."""
    from accounts.services import user_by_email
    from core.db import commit, db
    from forums import services
    from forums.models import Forum

    with app.app_context():
        forum = db.session.get(Forum, forum_id)
        poll = services.launch_live_poll(
            forum, user_by_email(ORGANIZER_EMAIL), None, "single",
            f"{round_number}차: 주민참여예산을 늘려야 하나요?",
            ["늘려야 한다", "지금이 적당하다", "줄여야 한다", "잘 모르겠다"])
        commit()
        question = poll.questions[0]
        ids = poll.id, question.id, [option.id for option in question.options]
        db.session.remove()
        return ids


def answers_stored(app, poll_id: int) -> int:
    from core.db import db
    from forums.models import Answer

    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Answer)
                                  .where(Answer.poll_id == poll_id))
        db.session.remove()
        return count


# --- the server ------------------------------------------------------------------------------

class Server:
    """gunicorn with the project's settings on a loopback port; its log kept in a file."""

    def __init__(self, database_url: str, redis_url: str, folder: Path) -> None:
        self.port = free_port()
        self.redis_url = redis_url
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = folder / "gunicorn.log"
        self._log = self.log_path.open("wb")
        environment = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
                       "SECRET_KEY": SECRET_KEY, "INSTANCE_PATH": str(folder),
                       "REALTIME_NAMESPACE": NAMESPACE,
                       "MAIL_BACKEND": "memory",
                       # Every simulated phone comes from this one address.
                       "FORUM_ANSWER_RATE_LIMIT_PER_ADDRESS": "1000000 per minute",
                       "FORUM_ANSWER_RATE_LIMIT_PER_PARTICIPANT": "1000000 per minute"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py",
             "--bind", f"127.0.0.1:{self.port}", "app:create_app()"],
            cwd=ROOT, env=environment, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"gunicorn did not answer in {STARTUP_SECONDS} s:\n{self.log_tail()}")

    def log_tail(self) -> str:
        """The end of the server's log, without the access lines."""
        self._log.flush()
        lines = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(line for line in lines if not line.startswith("127.0.0.1 - "))[-6000:]

    def _stats(self) -> dict[int, list[str]]:
        """/proc/<pid>/stat fields (after the name) of the master and its workers."""
        stats = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(entry.name) == self.process.pid or int(fields[1]) == self.process.pid:
                    stats[int(entry.name)] = fields
        return stats

    def cpu_seconds(self) -> float:
        ticks = os.sysconf("SC_CLK_TCK")
        return sum(int(f[11]) + int(f[12]) for f in self._stats().values()) / ticks

    def rss_mb(self) -> float:
        """Resident memory of the master and its workers."""
        total_kb = 0
        for pid in self._stats():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            total_kb += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
        return total_kb / 1024

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._log.close()


# --- the load --------------------------------------------------------------------------------

async def sign_in(client: httpx.AsyncClient) -> None:
    page = await client.get("/signin")
    signed_in = await client.post("/signin", data={
        "csrf_token": CSRF.search(page.text).group(1),
        "email": ORGANIZER_EMAIL, "password": ORGANIZER_PASSWORD})
    if signed_in.status_code != 302:
        raise SystemExit(f"sign-in failed: {signed_in.status_code}")


async def bounded(calls, limit: int) -> None:
    gate = asyncio.Semaphore(limit)

    async def one(call):
        async with gate:
            await call

    await asyncio.gather(*(one(call) for call in calls))


async def probe_health(client: httpx.AsyncClient, until: asyncio.Event, times: list[float]):
    """The reference: a trivial request (database and Redis ping) under the same load."""
    while not until.is_set():
        sent = time.monotonic()
        # A probe that timed out still counts, with the time it waited.
        with contextlib.suppress(httpx.HTTPError):
            await client.get("/healthz")
        times.append(time.monotonic() - sent)
        await asyncio.sleep(0.1)


async def wait_for_release(redis_url: str, poll_id: int) -> float | None:
    """Seconds until no process subscribes to the poll's channel any more (None: not within
    the bound)."""
    from redis.asyncio import Redis

    from forums.live import channel

    redis = Redis.from_url(redis_url)
    started = time.monotonic()
    try:
        while time.monotonic() - started < RELEASE_SECONDS:
            [(_name, subscribers)] = await redis.pubsub_numsub(f"{NAMESPACE}:{channel(poll_id)}")
            if subscribers == 0:
                return time.monotonic() - started
            await asyncio.sleep(0.2)
        return None
    finally:
        await redis.aclose()


async def run_round(server: Server, screen: httpx.AsyncClient, phones: list[Phone],
                    forum_id: int, poll: tuple[int, int, list[int]], options) -> dict:
    poll_id, question_id, option_ids = poll
    phones = phones[:options.answers]
    streams = [Stream() for _ in range(options.streams)]
    path = f"/forums/{forum_id}/polls/{poll_id}/stream"
    followers = [asyncio.create_task(stream.follow(screen, path)) for stream in streams]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and any(not s.arrivals and not s.ended for s in streams):
        await asyncio.sleep(0.1)
    opened = [s for s in streams if s.status == 200 and s.arrivals]
    start_version = max((s.arrivals[0][1] for s in opened), default=0)

    rng = random.Random(poll_id)
    start = time.monotonic() + 0.5
    moments = sorted(start + rng.uniform(0, options.seconds * 0.95) for _ in phones)
    sends: list[float] = []
    results: list[tuple[float, float, int]] = []

    async def answer(phone: Phone, moment: float) -> None:
        await asyncio.sleep(max(0.0, moment - time.monotonic()))
        sent = time.monotonic()
        sends.append(sent)
        try:
            response = await phone.client.post(
                f"/forums/{forum_id}/me/polls/{poll_id}",
                data={"csrf_token": phone.csrf, f"q{question_id}": str(rng.choice(option_ids))})
            status = response.status_code
        except httpx.HTTPError:
            status = 0
        results.append((sent, time.monotonic(), status))

    answered = asyncio.Event()
    health_times: list[float] = []
    health = httpx.AsyncClient(base_url=server.url, timeout=30)
    prober = asyncio.create_task(probe_health(health, answered, health_times))
    cpu_before = server.cpu_seconds(), time.process_time()
    await asyncio.gather(*(answer(phone, moment)
                           for phone, moment in zip(phones, moments, strict=True)))
    finished = time.monotonic()
    cpu = server.cpu_seconds() - cpu_before[0], time.process_time() - cpu_before[1]
    answered.set()
    await prober
    await health.aclose()

    stored_ok = sum(1 for _, _, status in results if status == 302)
    final_version = start_version + stored_ok
    deadline = time.monotonic() + SETTLE_SECONDS
    while time.monotonic() < deadline and any(
            not s.ended and (not s.arrivals or s.arrivals[-1][1] < final_version)
            for s in opened):
        await asyncio.sleep(0.1)
    kept = [s for s in opened if not s.ended]
    for stream in streams:
        stream.closing = True
    for follower in followers:
        follower.cancel()
    await asyncio.gather(*followers, return_exceptions=True)

    # Closed screens free their server greenlets when the next keep-alive write fails; wait
    # for that (Redis counts the subscriptions left), so rounds do not overlap.
    released = await wait_for_release(server.redis_url, poll_id)

    sends.sort()
    latencies, missing = [], 0
    for sent, done, status in results:
        if status != 302:
            continue
        # Answers committed by the time this response came back: at most those sent by then.
        including = start_version + bisect.bisect_right(sends, done)
        for stream in opened:
            seen = stream.first_seen(min(including, final_version))
            if seen is None:
                missing += 1
            else:
                latencies.append(seen - sent)
    statuses = Counter(status for _, _, status in results)
    return {"poll_id": poll_id, "sent": len(results), "accepted": stored_ok,
            "statuses": statuses, "released": released, "cpu": cpu,
            "responses": [done - sent for sent, done, status in results if status == 302],
            "answer_span": finished - start, "requested": options.streams,
            "opened": len(opened), "kept": len(kept), "latencies": latencies,
            "missing": missing, "health": health_times}


async def open_poll(app, forum_id: int, number: int, followers: list[ForumStream],
                    server: Server) -> tuple[tuple[int, int, list[int]], list[float], int,
                                             list[float]]:
    """Launch a room poll; returns it, each follower's seconds until it showed the poll,
    how many never did, and /healthz times meanwhile."""
    done = asyncio.Event()
    health_times: list[float] = []
    health = httpx.AsyncClient(base_url=server.url, timeout=30)
    prober = asyncio.create_task(probe_health(health, done, health_times))
    started = time.monotonic()
    poll = await asyncio.to_thread(launch_room_poll, app, forum_id, number)
    deadline = time.monotonic() + SETTLE_SECONDS
    while time.monotonic() < deadline and any(
            poll[0] not in f.opened_at and not f.ended for f in followers):
        await asyncio.sleep(0.05)
    done.set()
    await prober
    await health.aclose()
    seen = [f.opened_at[poll[0]] - started for f in followers if poll[0] in f.opened_at]
    return poll, seen, len(followers) - len(seen), health_times


async def load(server: Server, app, forum_id: int, code: str, options) -> bool:
    import ssl

    ssl_context = ssl.create_default_context()
    limits = httpx.Limits(max_connections=options.streams + 20,
                          max_keepalive_connections=options.streams + 20)
    screen = httpx.AsyncClient(base_url=server.url, limits=limits, verify=ssl_context,
                               timeout=httpx.Timeout(30, read=None))
    phones = [Phone(server.url, ssl_context) for _ in range(options.phones)]
    for phone in phones:
        phone.client.timeout = httpx.Timeout(30, read=None)
    followers: list[ForumStream] = []
    tasks = []
    try:
        await sign_in(screen)
        await bounded([phone.join(code) for phone in phones], limit=20)
        await asyncio.sleep(1)
        rss = [server.rss_mb()]
        projection = ForumStream(redraw=f"/forums/{forum_id}/present/slide")
        tasks.append(asyncio.create_task(
            projection.follow(screen, f"/forums/{forum_id}/screen/stream")))
        followers.append(projection)
        for phone in phones:
            stream = ForumStream(redraw=f"/forums/{forum_id}/me/polls")
            tasks.append(asyncio.create_task(
                stream.follow(phone.client, f"/forums/{forum_id}/me/stream")))
            followers.append(stream)
        await asyncio.wait_for(asyncio.gather(*(f.first_event.wait() for f in followers)), 120)
        connected = [f for f in followers if f.status == 200 and not f.ended]
        await asyncio.sleep(2)
        rss.append(server.rss_mb())
        report("forum streams connected / asked", f"{len(connected)}/{len(followers)}",
               f"{len(followers)} asked", len(connected) / len(followers),
               verdict(len(connected) == len(followers), "all"))
        if len(connected) < len(followers):
            print("forum streams by status:",
                  dict(Counter((f.status, f.error) for f in followers if f not in connected)))
        per_connection = (rss[1] - rss[0]) * 1024 / max(len(connected), 1)
        report("memory per connection", f"{per_connection:.0f} KB", f"{rss[0]:.0f} MB idle",
               per_connection / 1024 / rss[0], f"({len(connected)} streams: "
               f"{rss[1]:.0f} MB with, {rss[0]:.0f} MB without)")
        met = len(connected) == len(followers)
        opening_seen: list[float] = []
        opening_health: list[float] = []
        dropped = 0
        for number in range(1, options.openings + 1):
            poll, seen, missed, health = await open_poll(app, forum_id, number, followers,
                                                         server)
            opening_seen += seen
            opening_health += health
            dropped += missed
            outcome = await run_round(server, screen, phones, forum_id, poll, options)
            rss.append(server.rss_mb())
            met &= print_round(number, outcome, answers_stored(app, outcome["poll_id"]))
        kept = [f for f in followers if not f.ended]
        report("forum streams kept / connected", f"{len(kept)}/{len(connected)}",
               f"{len(connected)} connected", len(kept) / max(len(connected), 1),
               verdict(len(kept) == len(connected), "none dropped"))
        report("openings dropped", f"{dropped}", f"{len(followers) * options.openings} due",
               dropped / (len(followers) * options.openings), verdict(dropped == 0, "none"))
        if opening_seen and opening_health:
            p95, health_p95 = percentile(opening_seen, 0.95), percentile(opening_health, 0.95)
            report("opening-to-every-screen p95", f"{p95 * 1000:.0f} ms",
                   f"healthz {health_p95 * 1000:.0f} ms", p95 / health_p95,
                   verdict(p95 < LATENCY_TARGET, f"< {LATENCY_TARGET * 1000:.0f} ms, "
                           f"{len(opening_seen)} phone-openings"))
            report("opening-to-every-screen max", f"{max(opening_seen) * 1000:.0f} ms",
                   f"healthz {max(opening_health) * 1000:.0f} ms",
                   max(opening_seen) / max(opening_health))
            met &= p95 < LATENCY_TARGET
        growth = rss[-1] / rss[2]
        report(f"memory after round {options.openings} / round 1", f"{rss[-1]:.0f} MB",
               f"{rss[2]:.0f} MB", growth,
               verdict(growth <= MEMORY_GROWTH_LIMIT, f"target <= {MEMORY_GROWTH_LIMIT:.2f}"))
        return met and dropped == 0 and len(kept) == len(connected) \
            and growth <= MEMORY_GROWTH_LIMIT
    finally:
        for follower in followers:
            follower.closing = True
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await screen.aclose()
        for phone in phones:
            await phone.client.aclose()


def verdict(met: bool, target: str) -> str:
    return f"{'met' if met else 'MISSED'} ({target})"


def print_round(number: int, outcome: dict, stored: int) -> bool:
    prefix = f"round {number}"
    sent = outcome["sent"]
    stored_met = stored == sent == outcome["accepted"]
    report(f"{prefix} answers stored / sent", f"{stored}/{sent}", f"{sent} sent", stored / sent,
           verdict(stored_met, f"all, sent within {outcome['answer_span']:.1f} s"))
    if set(outcome["statuses"]) != {302}:
        print(f"{prefix}: answer responses by status {dict(outcome['statuses'])}")
    opened, kept = outcome["opened"], outcome["kept"]
    report(f"{prefix} streams opened / requested", f"{opened}/{outcome['requested']}",
           f"{outcome['requested']} asked", opened / outcome["requested"],
           verdict(opened == outcome["requested"], "all"))
    report(f"{prefix} streams kept / opened", f"{kept}/{opened}", f"{opened} opened",
           kept / max(opened, 1), verdict(kept == opened, "none dropped"))
    released = outcome["released"]
    report(f"{prefix} closed streams released", "-" if released is None else f"{released:.1f} s",
           f"keep-alive {KEEPALIVE_SECONDS} s", (released or RELEASE_SECONDS) / KEEPALIVE_SECONDS,
           verdict(released is not None, f"within {RELEASE_SECONDS} s"))
    latencies, health = outcome["latencies"], outcome["health"]
    if not latencies or not health:
        print(f"{prefix}: no latency measured (missing {outcome['missing']})")
        return False
    p95, health_p95 = percentile(latencies, 0.95), percentile(health, 0.95)
    latency_met = p95 < LATENCY_TARGET and outcome["missing"] == 0
    report(f"{prefix} answer-to-screen p95", f"{p95 * 1000:.0f} ms",
           f"healthz {health_p95 * 1000:.0f} ms", p95 / health_p95,
           verdict(latency_met, f"< {LATENCY_TARGET * 1000:.0f} ms, "
                   f"{len(latencies)} answer-screen pairs, {outcome['missing']} unseen"))
    responses = outcome["responses"]
    report(f"{prefix} answer response p95", f"{percentile(responses, 0.95) * 1000:.0f} ms",
           f"healthz {health_p95 * 1000:.0f} ms", percentile(responses, 0.95) / health_p95)
    span = outcome["answer_span"]
    server_cpu, client_cpu = outcome["cpu"]
    report(f"{prefix} server CPU while answering", f"{server_cpu / span:.2f} cores",
           f"client {client_cpu / span:.2f} cores", server_cpu / max(client_cpu, 1e-9))
    report(f"{prefix} answer-to-screen max", f"{max(latencies) * 1000:.0f} ms",
           f"healthz {max(health) * 1000:.0f} ms", max(latencies) / max(health))
    return (stored_met and opened == outcome["requested"] and kept == opened and latency_met
            and released is not None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phones", type=int, default=PHONES)
    parser.add_argument("--openings", type=int, default=OPENINGS)
    parser.add_argument("--streams", type=int, default=1,
                        help="screens following each poll's results (the projection)")
    parser.add_argument("--answers", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=10.0)
    options = parser.parse_args()
    server_url = os.environ.get("BENCH_POSTGRES_URL", SERVER_URL)
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    print(f"forums live: {options.phones} phones and the projection, {options.openings} "
          f"openings, {options.answers} answers within {options.seconds:.0f} s after each, "
          f"{options.streams} result stream(s), gunicorn.conf.py settings, "
          f"{os.cpu_count()} cores")
    with throwaway_database(DATABASE, server_url) as database_url, \
            tempfile.TemporaryDirectory(prefix="madang-bench-") as folder:
        app = migrated_app(database_url, Path(folder), REDIS_URL=redis_url,
                           SECRET_KEY=SECRET_KEY, MAIL_BACKEND="memory",
                           REALTIME_NAMESPACE=NAMESPACE)
        forum_id, code = seed_forum(app)
        server = Server(database_url, redis_url, Path(folder))
        try:
            server.wait_until_ready()
            met = asyncio.run(load(server, app, forum_id, code, options))
            if not met:
                print(f"server errors, if any:\n{server.log_tail()}")
        except BaseException:
            print(server.log_tail())
            raise
        finally:
            server.stop()
            with app.app_context():
                app.extensions["sqlalchemy"].engine.dispose()
    if not met:
        print("forums live: a target was missed")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
