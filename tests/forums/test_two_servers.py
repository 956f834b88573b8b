"""Two app servers, as two machines would run them: separate gunicorn processes on separate
ports sharing one PostgreSQL and one Redis. An answer posted to one reaches a big screen
following the poll on the other, through Redis pub/sub, within a second."""

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from core.db import commit
from forums import services
from tests.conftest import CSRF_PATTERN, TEST_PASSWORD, require_service

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 30
# gunicorn's own graceful_timeout is 30 s: a server that needs this long is stuck.
SHUTDOWN_SECONDS = 20
LATENCY_LIMIT = 1.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class AppServer:
    """One gunicorn master (the project's gunicorn.conf.py, gevent workers) on a loopback
    port, its output kept in a log file to explain a failure."""

    def __init__(self, name: str, folder: Path, environment: dict) -> None:
        self.name = name
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        instance = folder / name
        instance.mkdir()
        self.log_path = folder / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py",
             "--bind", f"127.0.0.1:{self.port}", "app:create_app()"],
            cwd=ROOT, env={**environment, "INSTANCE_PATH": str(instance)},
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"{self.name} exited:\n{self.log()}"
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        pytest.fail(f"{self.name} did not answer /healthz in {STARTUP_SECONDS} s:\n{self.log()}")

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-4000:]

    def terminate(self) -> None:
        """Ask for gunicorn's graceful shutdown, which must end open event streams."""
        if self.process.poll() is None:
            self.process.terminate()

    def wait(self) -> int:
        """The exit status; a server still running after the grace period is killed with
        its workers (it started their process group), which the status then shows."""
        try:
            self.process.wait(timeout=SHUTDOWN_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=SHUTDOWN_SECONDS)
        self._log.close()
        return self.process.returncode


def stop(servers: list[AppServer]) -> list[int]:
    for server in servers:
        server.terminate()
    return [server.wait() for server in servers]


@pytest.fixture
def two_servers(app, tmp_path):
    database_url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not database_url.startswith("postgresql"):
        pytest.skip("two servers share one PostgreSQL database, not a SQLite file")
    redis_url = require_service("TEST_REDIS_URL", "Redis")
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "REALTIME_NAMESPACE": app.config["REALTIME_NAMESPACE"],
        "SECRET_KEY": "two-servers-share-this-key",
        "WEB_CONCURRENCY": "2",
        "MAIL_BACKEND": "memory",
    }
    servers = [AppServer(name, tmp_path, environment) for name in ("server-a", "server-b")]
    try:
        for server in servers:
            server.wait_until_ready()
        yield servers
    finally:
        stop(servers)


class ScreenStream:
    """A big screen's EventSource: reads the stream on its own thread and queues each event
    with the moment it arrived."""

    def __init__(self, client: httpx.Client, path: str) -> None:
        self.events: queue.Queue = queue.Queue()
        self._client, self._path = client, path
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            with self._client.stream("GET", self._path) as response:
                self.events.put((time.monotonic(), {"status": response.status_code}))
                for line in response.iter_lines():
                    if line.startswith("data: "):
                        self.events.put((time.monotonic(), json.loads(line[len("data: "):])))
        except httpx.HTTPError as error:  # the server went away at teardown
            self.events.put((time.monotonic(), {"error": str(error)}))

    def next(self, timeout: float) -> tuple[float, dict]:
        return self.events.get(timeout=timeout)

    def join(self) -> None:
        self._thread.join(timeout=15)


def _csrf(client: httpx.Client, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    match = CSRF_PATTERN.search(page.text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def test_answer_on_one_server_reaches_a_screen_on_the_other(
        ctx, forum, organizer, two_servers):
    server_a, server_b = two_servers
    poll = services.launch_live_poll(forum, organizer, None, "single",
                                     "오늘 토론 주제가 우리 동네에 중요한가요?",
                                     ["매우 중요하다", "보통이다", "중요하지 않다"])
    commit()
    question = poll.questions[0]
    chosen = question.options[0]
    forum_id, poll_id, join_code = forum.id, poll.id, forum.join_code

    with httpx.Client(base_url=server_b.url, timeout=httpx.Timeout(5, read=20)) as screen, \
            httpx.Client(base_url=server_a.url, timeout=5) as phone:
        signed_in = screen.post("/signin", data={
            "csrf_token": _csrf(screen, "/signin"),
            "email": organizer.email, "password": TEST_PASSWORD})
        assert signed_in.status_code == 302, signed_in.text

        stream = ScreenStream(screen, f"/forums/{forum_id}/polls/{poll_id}/stream")
        _arrived, opened = stream.next(timeout=5)
        assert opened == {"status": 200}
        _arrived, first = stream.next(timeout=5)
        assert first["poll"] == poll_id
        assert first["questions"][0]["respondents"] == 0

        joined = phone.post(f"/j/{join_code}", data={
            "csrf_token": _csrf(phone, f"/j/{join_code}"), "code": join_code})
        assert joined.status_code == 302, joined.text
        assert any(name.startswith("forum_participant_") for name in phone.cookies)
        token = _csrf(phone, f"/forums/{forum_id}/me")

        sent = time.monotonic()
        answered = phone.post(f"/forums/{forum_id}/me/polls/{poll_id}",
                              data={"csrf_token": token, f"q{question.id}": str(chosen.id)})
        assert answered.status_code == 302, answered.text

        deadline = sent + LATENCY_LIMIT
        seen = None
        while seen is None:
            try:
                arrived, event = stream.next(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"no update on server B within {LATENCY_LIMIT} s of the answer "
                            f"on server A\nA:\n{server_a.log()}\nB:\n{server_b.log()}")
            if event.get("version", 0) > first["version"]:
                seen = arrived, event
        arrived, event = seen
        assert arrived - sent < LATENCY_LIMIT
        counts = {o["id"]: o["count"] for o in event["questions"][0]["options"]}
        assert counts[chosen.id] == 1
        assert event["questions"][0]["respondents"] == 1

        # A screen still follows the stream on B: shutting down must end it, not wait for
        # the kill at the end of the grace period.
        assert stop(two_servers) == [0, 0]
        stream.join()
