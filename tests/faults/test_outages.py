"""Outages fail only what they must, against real servers.

Redis away: signing in, casting and answering a forum poll still work and are stored (rate
limits are counted in memory, live pushes are skipped), the health check names Redis, and
pushes resume once Redis is back; Redis flushed and restarted mid-vote loses no ballot and
the count equals a recount. PostgreSQL away (a proxy between the app and the database is
cut, or a cluster of the test's own stopped and started with pg_ctl): pages and the API
answer 503 with ``Retry-After`` in the reader's language, never a 500, no ballot answered as
cast is lost, and the same app serves again once the database is back, without a restart.
"""

import contextlib
import re
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, select

from app import create_app
from core import realtime
from core.db import db
from core.i18n import LOCALE_COOKIE
from core.security import limiter
from forums import live
from tests.conftest import (
    TEST_PASSWORD,
    IsolatedClient,
    base_config,
    csrf_token,
    post_form,
    require_service,
    sign_in,
)
from tests.faults.servers import WAIT_SECONDS, free_port
from tests.forums import conftest as forum_fixtures
from tests.forums.conftest import ticket_code
from tests.forums.test_views import _answers, _open_pre
from tests.voting import conftest as vote_fixtures
from tests.voting.conftest import item_ids
from tests.voting.test_views import ballot_form
from voting.models import Ballot
from voting.pseudonyms import account_identity, voter_key

# The forum and vote fixtures those packages' tests use.
facilitators, forum = forum_fixtures.facilitators, forum_fixtures.forum
shortlist, make_vote = vote_fixtures.shortlist, vote_fixtures.make_vote

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

UNAVAILABLE_KO = "지금은 서비스에 연결할 수 없습니다"
UNAVAILABLE_EN = "The service cannot be reached right now"


class Proxy:
    """A TCP relay between the app and PostgreSQL that can be cut (no new connections, the
    open ones closed) and restored on the same port, like a database restart."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = free_port()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self.restore()

    def restore(self) -> None:
        listener = socket.create_server(("127.0.0.1", self.port))
        listener.settimeout(0.1)
        self._listener = listener
        thread = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        thread.start()
        self._threads.append(thread)

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream, timeout=WAIT_SECONDS)
            except OSError:
                client.close()
                continue
            for end in (client, server):
                end.settimeout(None)
            with self._lock:
                self._sockets.update((client, server))
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            self._close(source)
            self._close(target)

    def _close(self, end: socket.socket) -> None:
        with self._lock:
            self._sockets.discard(end)
        with contextlib.suppress(OSError):
            end.shutdown(socket.SHUT_RDWR)
        end.close()

    def cut(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        for thread in self._threads:
            thread.join(timeout=WAIT_SECONDS)
        self._threads.clear()
        with self._lock:
            open_ends = list(self._sockets)
        for end in open_ends:
            self._close(end)


@pytest.fixture
def own_limiter_storage():
    """Apps built here point the process's one rate limiter at their own storage; give it
    back its in-memory storage afterwards for the tests that follow."""
    yield
    spare = Flask("limiter-reset")
    spare.config.update(RATELIMIT_STORAGE_URI="memory://", RATELIMIT_STRATEGY="moving-window")
    limiter.init_app(spare)
    limiter._storage_dead = False


@pytest.fixture
def app_with(tmp_path):
    """Build an app of the test's own on the given database, closing its connections after."""
    built = []

    def build(database_url: str, **config):
        application = create_app({**base_config(tmp_path, database_url), **config})
        application.test_client_class = IsolatedClient
        built.append(application)
        return application

    yield build
    for application in built:
        with application.app_context():
            db.engine.dispose()


def _client(application, language: str = "ko"):
    client = application.test_client()
    client.set_cookie(LOCALE_COOKIE, language, domain=application.config["SERVER_NAME"])
    return client


def _ballots(vote_id: int) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Ballot)
                             .where(Ballot.vote_id == vote_id))


# --- Redis away --------------------------------------------------------------------------


def test_redis_outage_keeps_sign_in_casting_and_answers_working(
        app, ctx, app_with, redis_server, own_limiter_storage, make_user, make_vote,
        forum):
    served = app_with(app.config["SQLALCHEMY_DATABASE_URI"],
                       REDIS_URL=redis_server.url, RATELIMIT_STORAGE_URI=redis_server.url,
                       FORUMS_PUSH_INTERVAL=0.05)
    voter = make_user()
    vote = make_vote("approval")
    poll = _open_pre(forum)
    question = poll.questions[0]
    resident, participant = served.test_client(), served.test_client()
    assert participant.get(f"/j/{forum.join_code}").status_code == 200
    joined = post_form(participant, f"/j/{forum.join_code}",
                       {"code": forum.join_code, "ticket": ticket_code(forum)})
    assert joined.status_code == 302

    redis_server.stop()

    sign_in(resident, voter.email)
    form = {**ballot_form(resident, vote), "item": [str(item_ids(vote)[0])]}
    cast = resident.post(f"/votes/{vote.id}/ballot", data=form)
    assert cast.status_code == 302, cast.get_data(as_text=True)
    assert _ballots(vote.id) == 1
    answer_path = f"/forums/{forum.id}/me/polls/{poll.id}"
    answered = post_form(participant, answer_path,
                         {f"q{question.id}": str(question.options[0].id)})
    assert answered.status_code == 302, answered.get_data(as_text=True)
    assert _answers() == 1

    started = time.monotonic()
    health = resident.get("/healthz")
    assert time.monotonic() - started < 5
    assert health.status_code == 503
    assert health.get_json()["database"] == "ok" and health.get_json()["redis"] == "error"

    redis_server.start()
    with served.app_context():
        messages = realtime.subscribe(live.channel(poll.id), timeout=0.05,
                                          district_id=forum.district_id)
        next(messages)  # subscribed: the first quiet slice
        again = post_form(participant, answer_path,
                          {f"q{question.id}": str(question.options[1].id)})
        assert again.status_code == 302
        deadline = time.monotonic() + WAIT_SECONDS
        pushed = None
        while pushed is None and time.monotonic() < deadline:
            pushed = next(messages)
        messages.close()
    assert pushed is not None, "no push after Redis came back"
    assert resident.get("/healthz").status_code == 200


# --- PostgreSQL away ---------------------------------------------------------------------


@pytest.fixture
def proxy():
    url = urlsplit(require_service("TEST_DATABASE_URL", "PostgreSQL"))
    relay = Proxy((url.hostname or "127.0.0.1", url.port or 5432))
    yield relay
    relay.cut()


def _through(proxy: Proxy) -> str:
    url = urlsplit(require_service("TEST_DATABASE_URL", "PostgreSQL")
                   .replace("postgresql://", "postgresql+psycopg://", 1))
    credentials = url.netloc.rpartition("@")[0]
    netloc = f"{credentials}@127.0.0.1:{proxy.port}" if credentials else f"127.0.0.1:{proxy.port}"
    return urlunsplit(url._replace(netloc=netloc))


def _unavailable(response, message: str) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)[:500]
    assert response.headers["Retry-After"] == "30"
    shown = response.get_json()["error"] if response.is_json else response.get_data(as_text=True)
    assert message in shown


@pytest.mark.parametrize("app", ["postgres"], indirect=True)
def test_postgres_outage_answers_503_with_retry_after_and_recovers(
        app, ctx, app_with, proxy, own_limiter_storage, make_vote):
    served = app_with(_through(proxy))
    vote = make_vote("approval")
    korean, english = _client(served, "ko"), _client(served, "en")
    api = f"/api/v1/votes/{vote.id}"
    requests = [(korean, "/", UNAVAILABLE_KO), (english, "/", UNAVAILABLE_EN),
                (english, f"/votes/{vote.id}", UNAVAILABLE_EN), (korean, api, UNAVAILABLE_KO),
                (english, api, UNAVAILABLE_EN)]
    for client, path, _ in requests:
        assert client.get(path).status_code == 200

    proxy.cut()
    for client, path, message in requests:
        response = client.get(path)
        _unavailable(response, message)
        if path == api:
            assert response.get_json() == {"error": response.get_json()["error"], "status": 503}
        else:
            assert response.mimetype == "text/html"

    proxy.restore()
    for client, path, _ in requests:
        response = client.get(path)
        assert response.status_code == 200, response.get_data(as_text=True)[:500]


@pytest.mark.parametrize("app", ["postgres"], indirect=True)
def test_casting_under_light_load_through_an_outage_loses_no_committed_ballot(
        app, ctx, app_with, proxy, own_limiter_storage, make_user, make_vote):
    served = app_with(_through(proxy))
    vote = make_vote("approval")
    first_item = str(item_ids(vote)[0])
    voters = []
    for _ in range(24):
        client, person = served.test_client(), make_user()
        sign_in(client, person.email)
        voters.append((client, {**ballot_form(client, vote), "item": [first_item]},
                       voter_key(vote.salt, account_identity(person.id))))

    outcomes: list[tuple[int, int]] = []  # (voter index, status)
    errors: list[str] = []
    lock = threading.Lock()

    def cast(indexes: list[int]) -> None:
        for index in indexes:
            client, form, _ = voters[index]
            try:
                status = client.post(f"/votes/{vote.id}/ballot", data=form,
                                     headers={"Accept": "application/json"}).status_code
            except Exception as error:
                errors.append(repr(error))
                status = 500
            with lock:
                outcomes.append((index, status))
            time.sleep(0.05)

    threads = [threading.Thread(target=cast, args=(list(range(start, 24, 3)),), daemon=True)
               for start in range(3)]
    for thread in threads:
        thread.start()
    time.sleep(0.1)
    proxy.cut()
    time.sleep(0.2)
    proxy.restore()
    for thread in threads:
        thread.join(timeout=WAIT_SECONDS * 3)
    assert not any(thread.is_alive() for thread in threads)

    statuses = [status for _, status in outcomes]
    assert len(outcomes) == 24
    assert set(statuses) <= {201, 503}, (statuses, errors)
    assert 503 in statuses, "the outage was not felt: cut longer"
    db.session.rollback()
    stored = set(db.session.scalars(select(Ballot.voter_key).where(Ballot.vote_id == vote.id)))
    for index, status in outcomes:
        if status == 201:
            assert voters[index][2] in stored


# --- Redis flushed and restarted during a vote ----------------------------------------------


def _approval_choices(ids: list[str], index: int) -> list[str]:
    """One to three items, varied from voter to voter."""
    return [ids[(index + offset) % len(ids)] for offset in range(1 + index % 3)]


def _recount(vote) -> dict[str, float]:
    """Each item's approvals, counted straight from the stored choices: the oracle the
    counting engine's support must equal."""
    from voting.models import BallotChoice, VoteItem

    db.session.rollback()
    counted = dict(db.session.execute(
        select(VoteItem.agenda_item_id, func.count(BallotChoice.ballot_id))
        .join(BallotChoice, BallotChoice.vote_item_id == VoteItem.id, isouter=True)
        .where(VoteItem.vote_id == vote.id).group_by(VoteItem.agenda_item_id)).all())
    return {str(item): float(n) for item, n in counted.items()}


def test_a_request_caught_as_another_thread_gives_up_on_redis_still_signs_in(
        app, ctx, app_with, redis_server, own_limiter_storage, make_user, monkeypatch):
    """Flask-Limiter's switch to memory is not thread-safe: a request whose Redis call fails
    just after another thread marked Redis dead finds the switch made and would re-raise.
    It is let through unlimited instead (RATELIMIT_SWALLOW_ERRORS)."""
    import redis

    served = app_with(app.config["SQLALCHEMY_DATABASE_URI"],
                      REDIS_URL=redis_server.url, RATELIMIT_STORAGE_URI=redis_server.url)
    person = make_user()
    client = served.test_client()
    assert client.get("/signin").status_code == 200
    strategy = limiter.limiter

    def hit_while_another_thread_gives_up(*_args, **_kwargs):
        limiter._storage_dead = True  # what the other thread did meanwhile
        raise redis.exceptions.ConnectionError("Connection closed by server.")

    monkeypatch.setattr(strategy, "hit", hit_while_another_thread_gives_up)
    signed_in = post_form(client, "/signin", {"email": person.email, "password": TEST_PASSWORD})
    assert signed_in.status_code == 302


def test_redis_flushed_and_restarted_during_voting_counts_every_committed_ballot(
        app, ctx, app_with, redis_server, own_limiter_storage, make_user, make_vote):
    from voting.results import compute_result

    served = app_with(app.config["SQLALCHEMY_DATABASE_URI"],
                      REDIS_URL=redis_server.url, RATELIMIT_STORAGE_URI=redis_server.url)
    vote = make_vote("approval", results_live=True)
    ids = [str(item) for item in item_ids(vote)]
    cast_path = f"/votes/{vote.id}/ballot"  # read here: the threads have no session
    before, racing, while_down, after = range(0, 6), range(6, 15), range(15, 19), range(19, 24)
    people = [make_user() for _ in range(24)]
    clients = [served.test_client() for _ in people]
    keys = [voter_key(vote.salt, account_identity(person.id)) for person in people]
    outcomes: dict[int, int] = {}
    errors: list[str] = []
    forms: dict[int, dict] = {}

    def ballot_page(index: int) -> None:
        forms[index] = {**ballot_form(clients[index], vote),
                        "item": _approval_choices(ids, index)}

    def cast(index: int) -> int:
        client, form = clients[index], forms[index]
        try:
            status = client.post(cast_path, data=form,
                                 headers={"Accept": "application/json"}).status_code
        except Exception as error:
            errors.append(repr(error))
            status = 500
        outcomes[index] = status
        return status

    for index in [*before, *racing]:
        sign_in(clients[index], people[index].email)
        ballot_page(index)
    for index in before:
        assert cast(index) == 201

    # Voters keep casting on three threads while Redis is flushed, stopped and started.
    def keep_casting(indexes: list[int]) -> None:
        for index in indexes:
            cast(index)
            time.sleep(0.1)

    threads = [threading.Thread(target=keep_casting, args=(list(racing)[start::3],),
                                daemon=True) for start in range(3)]
    for thread in threads:
        thread.start()
    redis_server.flush()
    time.sleep(0.1)
    redis_server.stop()
    # While Redis is down: residents sign in (rate limits counted in memory) and cast.
    for index in while_down:
        sign_in(clients[index], people[index].email)
        ballot_page(index)
        assert cast(index) == 201, errors
    assert clients[0].get("/healthz").get_json()["redis"] == "error"
    redis_server.start()
    for thread in threads:
        thread.join(timeout=WAIT_SECONDS * 3)
    assert not any(thread.is_alive() for thread in threads)

    for index in after:
        sign_in(clients[index], people[index].email)
        ballot_page(index)
        assert cast(index) == 201
    assert clients[0].get("/healthz").status_code == 200

    assert sorted(outcomes) == list(range(24))
    assert set(outcomes.values()) <= {201, 503}, (outcomes, errors)
    db.session.rollback()
    stored = set(db.session.scalars(select(Ballot.voter_key).where(Ballot.vote_id == vote.id)))
    succeeded = {keys[index] for index, status in outcomes.items() if status == 201}
    # Every ballot answered as cast is stored, and none answered as failed was.
    assert stored == succeeded
    result = compute_result(vote.id)
    assert result["channels"]["online"] == len(succeeded)
    assert result["support"] == _recount(vote)


# --- PostgreSQL stopped and started under light load ----------------------------------------


def _seed_vote(application, voters: int):
    """A district, its shortlist and an open approval vote on the app's own (fresh)
    database; returns the vote's id, its salt and the voters' e-mail addresses and ids."""
    from accounts.demo import seed_cycle, seed_district
    from accounts.services import create_user
    from agenda.models import AgendaItem
    from core.auth import Role
    from core.db import commit
    from tests.conftest import TEST_PASSWORD
    from tests.voting.conftest import COSTS, TITLES, definition
    from voting.definition import create_vote

    with application.app_context():
        upgrade(directory=str(MIGRATIONS))
    with application.test_request_context():
        district = seed_district()
        cycle = seed_cycle(district)
        commit()
        items = [AgendaItem(district_id=district.id, cycle_id=cycle.id, title=title,
                            description="설명", field="welfare", kind="problem_solving",
                            status="shortlisted", shortlisted_for_vote=True,
                            estimated_cost=cost) for title, cost in zip(TITLES, COSTS, strict=True)]
        db.session.add_all(items)
        commit()
        organizer = create_user("organizer@example.kr", TEST_PASSWORD, Role("organizer"),
                                district, display_name="organizer 님")
        people = [create_user(f"resident{n}@example.kr", TEST_PASSWORD, Role("resident"),
                              district, display_name="resident 님") for n in range(voters)]
        commit()
        vote = create_vote(district.id, cycle.id, definition("approval", items), organizer)
        commit()
        seeded = (vote.id, vote.salt, [str(item.agenda_item_id) for item in vote.items],
                  [(person.email, person.id) for person in people])
        db.session.remove()
    return seeded


def test_postgres_stopped_and_started_under_light_load_loses_no_committed_ballot(
        app_with, postgres_server, own_limiter_storage):
    served = app_with(postgres_server.url)
    vote_id, salt, items, people = _seed_vote(served, 24)
    clients = [served.test_client() for _ in people]
    forms = []
    for client, (address, _) in zip(clients, people, strict=True):
        sign_in(client, address)
        page = client.get(f"/votes/{vote_id}/ballot").get_data(as_text=True)
        form = {"csrf_token": csrf_token(client, f"/votes/{vote_id}/ballot"), "action": "cast",
                "item": [items[len(forms) % len(items)]]}
        found = re.search(r'name="definition" value="([^"]+)"', page)
        if found:
            form["definition"] = found.group(1)
        forms.append(form)

    outcomes: dict[int, int] = {}
    errors: list[str] = []

    def cast(indexes: list[int]) -> None:
        for index in indexes:
            try:
                status = clients[index].post(
                    f"/votes/{vote_id}/ballot", data=forms[index],
                    headers={"Accept": "application/json"}).status_code
            except Exception as error:
                errors.append(repr(error))
                status = 500
            outcomes[index] = status
            time.sleep(0.1)

    threads = [threading.Thread(target=cast, args=(list(range(start, 21, 3)),), daemon=True)
               for start in range(3)]
    for thread in threads:
        thread.start()
    time.sleep(0.2)
    postgres_server.stop()
    time.sleep(0.5)
    postgres_server.start()
    for thread in threads:
        thread.join(timeout=WAIT_SECONDS * 3)
    assert not any(thread.is_alive() for thread in threads)
    # Once it is back the same app serves again, without a restart.
    for index in range(21, 24):
        cast([index])
        assert outcomes[index] == 201, (outcomes, errors)

    statuses = list(outcomes.values())
    assert len(statuses) == 24
    assert set(statuses) <= {201, 503}, (outcomes, errors)
    assert 503 in statuses, "the restart was not felt: stop it longer"
    with served.app_context():
        stored = set(db.session.scalars(select(Ballot.voter_key)
                                        .where(Ballot.vote_id == vote_id)))
        db.session.remove()
    for index, status in outcomes.items():
        if status == 201:
            assert voter_key(salt, account_identity(people[index][1])) in stored
