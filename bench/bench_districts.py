"""One city, many districts: casting spread over Seoul's 25 districts on one deployment,
against casting in a deployment of one district, measured in the same run.

The target (issue "One city, many districts"): 25 districts with one open vote each, the
casting benchmark's 50 voters spread evenly across them, cast within 10% of the throughput
and p95 latency of the single-district run.

Two throwaway databases on the same PostgreSQL server. One holds 강동구 alone, served at the
root URLs as a deployment of one district always was; the other Seoul's 25 districts, each
added as ``flask create-district`` adds it and served at ``/<slug>/``. Every district has
its 2027 cycle, an organizer, the casting benchmark's shortlist and open approval vote, and
its own voters, members of that district only; both deployments hold the same number of
voters (and so, after the run, of ballots). gunicorn (gunicorn.conf.py) serves each; the
voters sign in at their district's path and change their ballots there as fast as the server
answers, as in bench_casting.py. The two deployments take turns over several short rounds,
so that other work on the machine weighs on each alike.

Prints one line per deployment: ballots/s, p95 and the server CPU per ballot (which holds
still when other work shares the machine), medians over the rounds, and whether each
district's database rows hold exactly the ballots sent there: every voter's last ballot,
under the voter's pseudonym, in the vote of the voter's own district, with its choices, and
nothing else. Then a line with the ratios 25 districts / one (medians of the rounds'
ratios), marked as meeting the target or not. Last, the city's board of every district (each
with its plan in the city's review) read by a city reviewer: its p95 against /healthz's,
against the target of 300 ms. It exits non-zero when a cast was refused or a ballot is not
where it was sent; a figure off target is reported, not an error, since the machine may be
busy.

Environment: BENCH_DATABASE_URL and BENCH_REDIS_URL as bench_casting.py (the databases are
named after it, ``<name>_single`` and ``<name>_districts``); BENCH_DISTRICTS (25),
BENCH_VOTERS (50), BENCH_SECONDS per phase (6) and BENCH_ROUNDS (5) scale the run down.
"""

from __future__ import annotations

import contextlib
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import bench_casting as casting  # noqa: E402
from bench.bench_casting import (  # noqa: E402
    DATABASE,
    DATABASE_SERVER_URL,
    MAX_REQUESTS_PER_VOTER,
    PASSWORD,
    REDIS_URL,
    Client,
    Phase,
    failed,
    measured,
    open_vote,
    p95,
    raw_request,
    run_phase,
    token,
)
from bench.common import free_port, migrated_app, throwaway_database  # noqa: E402

# Seoul's 25 autonomous districts (자치구); 강동구 first, the district the casting benchmark
# and the single-district run serve.
SEOUL = (
    ("gangdong", "강동구", "Gangdong-gu"), ("gangnam", "강남구", "Gangnam-gu"),
    ("gangbuk", "강북구", "Gangbuk-gu"), ("gangseo", "강서구", "Gangseo-gu"),
    ("gwanak", "관악구", "Gwanak-gu"), ("gwangjin", "광진구", "Gwangjin-gu"),
    ("guro", "구로구", "Guro-gu"), ("geumcheon", "금천구", "Geumcheon-gu"),
    ("nowon", "노원구", "Nowon-gu"), ("dobong", "도봉구", "Dobong-gu"),
    ("dongdaemun", "동대문구", "Dongdaemun-gu"), ("dongjak", "동작구", "Dongjak-gu"),
    ("mapo", "마포구", "Mapo-gu"), ("seodaemun", "서대문구", "Seodaemun-gu"),
    ("seocho", "서초구", "Seocho-gu"), ("seongdong", "성동구", "Seongdong-gu"),
    ("seongbuk", "성북구", "Seongbuk-gu"), ("songpa", "송파구", "Songpa-gu"),
    ("yangcheon", "양천구", "Yangcheon-gu"), ("yeongdeungpo", "영등포구", "Yeongdeungpo-gu"),
    ("yongsan", "용산구", "Yongsan-gu"), ("eunpyeong", "은평구", "Eunpyeong-gu"),
    ("jongno", "종로구", "Jongno-gu"), ("jung", "중구", "Jung-gu"),
    ("jungnang", "중랑구", "Jungnang-gu"),
)

DISTRICTS = int(os.environ.get("BENCH_DISTRICTS", len(SEOUL)))
VOTERS = int(os.environ.get("BENCH_VOTERS", casting.VOTERS))
# Short phases taking turns often: each round's two phases see the machine alike, and the
# ratios are the median of the rounds' (a busy machine moves a phase's rate by a quarter).
SECONDS = float(os.environ.get("BENCH_SECONDS", "6"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
# "Within 10%": the many districts' throughput at least 0.9 of the one's, p95 at most 1.1.
TOLERANCE = 0.10
# The city's board of every district: p95 under 300 ms over this many reads.
BOARD_TARGET_MS = 300
BOARD_READS = int(os.environ.get("BENCH_BOARD_READS", "100"))
REVIEWER = "reviewer@seoul.bench.kr"

# What the benchmark expects of a deployment's ballots and finds in its database: per
# district slug, each ballot's voter pseudonym (``voter_key``) and the vote items it chose.
Ballots = dict[str, dict[str, frozenset[int]]]


@dataclass(frozen=True)
class Voter:
    """One voter: the district it is a member of, the path prefix that district is served
    at ("" for the root URLs), its account and the vote it casts in."""

    slug: str
    base: str
    email: str
    user_id: int
    vote_id: int
    salt: str
    items: tuple[int, ...]


@dataclass
class Deployment:
    """One served deployment and what was cast in it: its voters (signed in, with the fields
    their ballot form posts), the phases measured with the server CPU each took per ballot
    and, per voter, its last ballot sent."""

    name: str
    database: str
    server_url: str
    database_url: str
    voters: list[Voter]
    port: int = 0
    server_pid: int = 0
    cookies: list[dict[str, str]] = field(default_factory=list)
    forms: list[dict[str, str]] = field(default_factory=list)
    phases: list[Phase] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    last: dict[int, tuple[int, ...]] = field(default_factory=dict)

    @property
    def districts(self) -> list[str]:
        return list(dict.fromkeys(voter.slug for voter in self.voters))

    def cast_round(self, round_: int, seconds: float, requests_per_voter: int) -> Phase:
        """Every voter changes its ballot at its district's path until ``seconds`` or
        ``requests_per_voter`` is spent; remembers each voter's last ballot sent."""
        requests, choices = [], []
        for index, voter in enumerate(self.voters):
            # The casting benchmark's ballots: one to three items, a different set each time.
            mine = [tuple(voter.items[(index + n + k) % len(voter.items)]
                          for k in range(1 + n % 3)) for n in range(requests_per_voter)]
            choices.append(mine)
            requests.append([raw_request(
                "POST", f"{voter.base}/votes/{voter.vote_id}/ballot", self.cookies[index],
                urlencode({**self.forms[index], "item": [str(item) for item in chosen]},
                          doseq=True).encode(),
                {"Accept": "application/json",
                 "Idempotency-Key": f"bench-{self.name}-{round_}-{index}-{n}"})
                for n, chosen in enumerate(mine)])
        phase, cpu, _database_cpu = measured(
            self.server_pid, lambda: run_phase(self.port, requests, {200, 201}, seconds),
            self.database, self.server_url)
        for index, answered in enumerate(phase.served):
            if answered:
                self.last[index] = choices[index][answered - 1]
        self.phases.append(phase)
        self.cpu.append(cpu)
        return phase


def served_app():
    """The app as gunicorn serves it here (gunicorn calls this factory)."""
    from app import create_app

    # The hashing cost the benchmark accounts were made with: signing in rehashes otherwise.
    return create_app({"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024})


def plan_in_city_review(district, cycle) -> None:
    """The plan the city's board shows for a district: the council passed it and the city
    reviews it (seed 001): its first version, a decision returning it in an earlier round,
    and items open in this one. Written as rows, since the board reads only these and the
    road there (a council with its roster and meeting) is not what is measured."""
    from datetime import datetime

    from core.db import db
    from plans.models import CityDecision, Plan, PlanLogEntry, PlanVersion, ReviewComment

    plan = Plan(district_id=district.id, cycle_id=cycle.id, status="in_review", version=2,
                title=f"2027 {district.name_ko} 실행계획", total_budget=1_000_000_000)
    plan.versions.extend(PlanVersion(number=n, note=f"제{n}차안", snapshot={"projects": []})
                         for n in (1, 2))
    plan.log.append(PlanLogEntry(action="council_approved"))
    db.session.add(plan)
    for version, severity in ((1, "required"), (2, "required"), (2, "recommended")):
        plan.comments.append(ReviewComment(version_number=version, severity=severity,
                                           title="실행사업별 협치적 맥락 보완", body="본문"))
    db.session.flush()
    plan.decisions.append(CityDecision(
        version_number=1, outcome="returned", note="필수 의견 반영 후 다시 제출",
        decided_by="서울시", items=[{"id": plan.comments[0].id}],
        decided_at=datetime(2027, 5, 1).astimezone()))


def prepare(database_url: str, districts: int, voters: int) -> list[Voter]:
    """Migrate the database and add ``districts`` of Seoul's districts through the service
    ``flask create-district`` calls, each with its cycle, organizer and open vote; then
    ``voters`` residents, dealt to the districts in turn, each a member of its own only. A
    deployment of one district is served at the root URLs, more at their paths."""
    from accounts.demo import CYCLE_2027, GANGDONG_DONGS
    from accounts.services import create_user, give_city_role, save_cycle
    from core.auth import Role
    from core.db import commit, db
    from core.districts import create_district

    app = migrated_app(database_url, Path(os.environ["INSTANCE_PATH"]))
    with app.app_context(), app.test_request_context():
        votes, cycles = [], {}
        for slug, name_ko, name_en in SEOUL[:districts]:
            dongs = [name for name, _english in GANGDONG_DONGS] if slug == "gangdong" else []
            district = create_district(slug, name_ko, name_en, dongs)
            cycle = save_cycle(district.id, 2027, f"2027 {name_ko} 지역사회혁신계획", "",
                               CYCLE_2027)
            organizer = create_user(f"organizer@{slug}.bench.kr", PASSWORD, Role.ORGANIZER,
                                    district)
            votes.append((district, open_vote(district, cycle, organizer)))
            cycles[district.id] = cycle
        if districts > 1:
            for district, _vote in votes:
                plan_in_city_review(district, cycles[district.id])
            give_city_role(REVIEWER, PASSWORD, "reviewer", "서울시 검토자")
        people = []
        for n in range(voters):
            district, vote = votes[n % len(votes)]
            slug = district.slug
            email = f"voter{n}@{slug}.bench.kr"
            user = create_user(email, PASSWORD, Role.RESIDENT, district)
            people.append(Voter(slug, f"/{slug}" if districts > 1 else "", email, user.id,
                                vote.id, vote.salt, tuple(item.id for item in vote.items)))
        commit()
        db.engine.dispose()
    return people


@contextlib.contextmanager
def serving(database_url: str, redis_url: str) -> Iterator[tuple[int, int]]:
    """gunicorn (gunicorn.conf.py) on ``database_url`` at a free loopback port, until the
    block ends; yields the port and the gunicorn master's pid once /healthz answers."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
           "SECRET_KEY": "bench-secret", "SIGNIN_RATE_LIMIT": "100000 per minute",
           "CAST_RATE_LIMIT_PER_ADDRESS": "1000000 per minute",
           "CAST_RATE_LIMIT_PER_ACCOUNT": "1000000 per minute", "MAIL_BACKEND": "memory"}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"),
         "--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null",
         "bench.bench_districts:served_app()"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(150):
            if server.poll() is not None:
                raise RuntimeError(f"gunicorn exited with status {server.returncode}")
            probe = Client(port)
            try:
                if probe.request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            finally:
                probe.connection.close()
            time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not answer /healthz within 30 s")
        yield port, server.pid
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def sign_in(deployment: Deployment) -> None:
    """Sign every voter in at its district's path and read the fields its ballot form posts
    there."""
    for voter in deployment.voters:
        client = Client(deployment.port)
        _status, page = client.request("GET", f"{voter.base}/signin")
        status, _ = client.request("POST", f"{voter.base}/signin", {
            "csrf_token": token(page, "csrf_token"), "email": voter.email,
            "password": PASSWORD})
        if status != 302:
            raise RuntimeError(f"{voter.email} could not sign in at {voter.base}/: {status}")
        status, page = client.request("GET", f"{voter.base}/votes/{voter.vote_id}/ballot")
        if status != 200:
            raise RuntimeError(f"{voter.email}'s ballot at {voter.base}/: {status}")
        deployment.forms.append({"csrf_token": token(page, "csrf_token"),
                                 "definition": token(page, "definition"), "action": "cast"})
        deployment.cookies.append(client.cookies)
        client.connection.close()


@contextlib.contextmanager
def deployment(name: str, server_url: str, database: str, redis_url: str, districts: int,
               voters: int) -> Iterator[Deployment]:
    """A prepared deployment in the throwaway database ``<database>_<name>``, served, its
    voters signed in; the server stopped and the database dropped when the block ends."""
    with throwaway_database(f"{database}_{name}", server_url) as database_url:
        served = Deployment(name, f"{database}_{name}", server_url, database_url,
                            prepare(database_url, districts, voters))
        with serving(database_url, redis_url) as (port, pid):
            served.port, served.server_pid = port, pid
            sign_in(served)
            yield served


def sent_ballots(deployment: Deployment) -> Ballots:
    """Per district, the ballot each of its voters holds if every cast landed where it was
    sent: the last one, under the voter's pseudonym in its district's vote."""
    from voting.pseudonyms import account_identity, voter_key

    sent: Ballots = {slug: {} for slug in deployment.districts}
    for index, chosen in deployment.last.items():
        voter = deployment.voters[index]
        sent[voter.slug][voter_key(voter.salt, account_identity(voter.user_id))] = \
            frozenset(chosen)
    return sent


def stored_ballots(database_url: str) -> Ballots:
    """Per district, the ballots its database holds in the district's votes."""
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT district.slug, ballot.voter_key, ballot_choice.vote_item_id"
            " FROM district LEFT JOIN vote ON vote.district_id = district.id"
            " LEFT JOIN ballot ON ballot.vote_id = vote.id"
            " LEFT JOIN ballot_choice ON ballot_choice.ballot_id = ballot.id")).all()
    engine.dispose()
    stored: dict[str, dict[str, set[int]]] = {}
    for slug, key, item in rows:
        ballots = stored.setdefault(slug, {})
        if key is not None:
            ballots.setdefault(key, set())
            if item is not None:
                ballots[key].add(item)
    return {slug: {key: frozenset(items) for key, items in ballots.items()}
            for slug, ballots in stored.items()}


def misplaced(sent: Ballots, stored: Ballots) -> list[str]:
    """What differs, district by district, between the ballots sent and those stored: a
    voter's ballot missing from its district, a ballot no voter of the district sent there,
    or one stored with other choices than the last sent."""
    problems = []
    for slug in sorted(sent.keys() | stored.keys()):
        wanted, found = sent.get(slug, {}), stored.get(slug, {})
        missing = len(wanted.keys() - found.keys())
        foreign = len(found.keys() - wanted.keys())
        changed = sum(wanted[key] != found[key] for key in wanted.keys() & found.keys())
        if missing or foreign or changed:
            problems.append(f"{slug}: {len(found)} stored for {len(wanted)} sent ({missing} "
                            f"missing, {foreign} not sent there, {changed} with other choices)")
    return problems


def spread(counts: list[int]) -> str:
    return f"{min(counts)} to {max(counts)}" if counts else "none"


def line(deployment: Deployment, problems: list[str], stored: Ballots) -> str:
    """One deployment's result: medians over its rounds, and where its ballots are."""
    phases = deployment.phases
    rate = statistics.median(phase.rate for phase in phases)
    latency = statistics.median(p95(phase.latencies) for phase in phases)
    per_voter = [sum(phase.served[index] for phase in phases)
                 for index in range(len(deployment.voters))]
    per_district: dict[str, int] = {}
    for voter, answered in zip(deployment.voters, per_voter, strict=True):
        per_district[voter.slug] = per_district.get(voter.slug, 0) + answered
    districts = deployment.districts
    where = (f"{len(districts)} districts at /<slug>/, answers per district "
             f"{spread(list(per_district.values()))}" if len(districts) > 1
             else "1 district at the root URLs")
    held = sum(len(ballots) for ballots in stored.values())
    placed = (f"every district holds exactly the ballots sent there ({len(districts)} of "
              f"{len(districts)})" if not problems
              else f"ballots not where they were sent: {'; '.join(problems)}")
    label = f"{len(districts)} district{'s' if len(districts) > 1 else ''}"
    return (f"districts, {label}: casting {rate:.0f} ballots/s, p95 {latency:.0f} ms, "
            f"server CPU {statistics.median(deployment.cpu) * 1000:.1f} ms/ballot (medians "
            f"of {len(phases)} rounds; {where}; "
            f"{sum(len(phase.latencies) for phase in phases)} casts, "
            f"{failed([status for phase in phases for status in phase.failures])}, answers "
            f"per voter {spread(per_voter)}); {len(deployment.voters)} voters, {held} ballots "
            f"stored, {placed}")


def ratios(single: Deployment, many: Deployment) -> str:
    """The many districts' throughput, p95 and server CPU per ballot over the single
    district's, each the median of the rounds' ratios (a round's two phases ran one after
    the other), against the target."""
    rounds = list(zip(single.phases, many.phases, single.cpu, many.cpu, strict=True))
    throughput = statistics.median(b.rate / a.rate for a, b, _, _ in rounds)
    latency = statistics.median(p95(b.latencies) / p95(a.latencies) for a, b, _, _ in rounds)
    cpu = statistics.median(b / a for _, _, a, b in rounds)
    met = throughput >= 1 - TOLERANCE and latency <= 1 + TOLERANCE
    return (f"districts, {len(many.districts)} vs 1: throughput ratio {throughput:.2f}, "
            f"p95 ratio {latency:.2f}, server CPU per ballot ratio {cpu:.2f} "
            f"({len(many.districts)} districts / 1 district, same voters, medians of "
            f"{len(rounds)} rounds' ratios); {'meets' if met else 'does not meet'} the target: "
            f"within {TOLERANCE:.0%} (throughput ratio >= {1 - TOLERANCE:.2f}, p95 ratio <= "
            f"{1 + TOLERANCE:.2f})")


def board_line(deployment: Deployment) -> tuple[str, bool]:
    """The city reviewer reads the board of every district ``BOARD_READS`` times, each read
    followed by one of /healthz as the reference, one request at a time on one keep-alive
    connection as a browser tab would."""
    client = Client(deployment.port)
    _status, page = client.request("GET", "/signin")
    status, _ = client.request("POST", "/signin", {
        "csrf_token": token(page, "csrf_token"), "email": REVIEWER, "password": PASSWORD})
    if status != 302:
        raise RuntimeError(f"the city reviewer could not sign in: {status}")
    board, health, pages = [], [], {}
    for _ in range(BOARD_READS):
        for path, samples in (("/city", board), ("/healthz", health)):
            started = time.perf_counter()
            status, pages[path] = client.request("GET", path)
            samples.append(time.perf_counter() - started)
            if status != 200:
                raise RuntimeError(f"GET {path}: {status}")
    client.connection.close()
    cards = pages["/city"].count('class="card city-board__district')
    if cards != len(deployment.districts):
        raise RuntimeError(f"the board shows {cards} of {len(deployment.districts)} districts")
    board_p95, health_p95 = p95(board), p95(health)
    met = board_p95 < BOARD_TARGET_MS
    return (f"districts, city board of {len(deployment.districts)} districts: p95 "
            f"{board_p95:.0f} ms, reference /healthz p95 {health_p95:.0f} ms, ratio "
            f"{board_p95 / health_p95:.1f} ({BOARD_READS} reads each, one at a time); "
            f"{'meets' if met else 'does not meet'} the target: p95 under "
            f"{BOARD_TARGET_MS} ms"), met


def main() -> int:
    os.environ.setdefault("INSTANCE_PATH", "/tmp/madang-bench")  # noqa: S108
    with deployment("single", DATABASE_SERVER_URL, DATABASE, REDIS_URL, 1, VOTERS) as single, \
            deployment("districts", DATABASE_SERVER_URL, DATABASE, REDIS_URL, DISTRICTS,
                       VOTERS) as many:
        for round_ in range(ROUNDS):
            # Turn about, so that neither always runs first (on a warmer or quieter machine).
            for served in (single, many) if round_ % 2 == 0 else (many, single):
                phase = served.cast_round(round_, SECONDS, MAX_REQUESTS_PER_VOTER)
                print(f"round {round_ + 1}, {served.name}: {phase.rate:.0f} ballots/s, p95 "
                      f"{p95(phase.latencies):.0f} ms", file=sys.stderr)
        outcomes = []
        for served in (single, many):
            stored = stored_ballots(served.database_url)
            problems = misplaced(sent_ballots(served), stored)
            outcomes.append(not problems and not any(phase.failures for phase in served.phases))
            print(line(served, problems, stored))
        board, _met = board_line(many)
    print(ratios(single, many))
    print(board)
    return 0 if all(outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
