"""Real servers a fault test owns: a free port, a bounded wait, and a redis-server or a
PostgreSQL cluster of its own that the test stops as an outage would and starts again on the
same port."""

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import IN_CI

WAIT_SECONDS = 10


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(check, seconds: float, what: str):
    """The first true value of ``check()``; the test fails, instead of hanging, when none
    comes within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"timed out after {seconds:.0f} s waiting for {what}")


def redis_server_program() -> str:
    """The redis-server executable; without one the test is skipped, and fails under CI,
    where Redis outages must be tested."""
    program = shutil.which("redis-server")
    if program:
        return program
    if IN_CI:
        pytest.fail("redis-server is not installed: Redis outages cannot be tested")
    pytest.skip("redis-server is not installed (apt-get install redis-server)")


class RedisServer:
    """A redis-server of this test only: nothing persisted, on a port of its own that it keeps
    across a stop and a start."""

    def __init__(self, folder: Path) -> None:
        self.program = redis_server_program()
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def client(self):
        from redis import Redis

        return Redis.from_url(self.url, socket_connect_timeout=1, socket_timeout=1)

    def _answers(self) -> bool:
        try:
            return bool(self.client().ping())
        except Exception:  # redis-py's ConnectionError while the server starts
            return False

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.program, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(self._answers, WAIT_SECONDS, "redis-server to answer")

    def flush(self) -> None:
        self.client().flushall()

    def stop(self) -> None:
        """Shut the server down without saving, as an outage would."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        # The server closes the connection as it goes, which redis-py reports as an error.
        with contextlib.suppress(Exception):
            self.client().shutdown(nosave=True)
        try:
            process.wait(timeout=WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=WAIT_SECONDS)


def serve_redis(folder: Path):
    """A fixture's body: a started redis-server, stopped once the fixture ends."""
    server = RedisServer(folder)
    server.start()
    yield server
    server.stop()


def postgres_programs() -> Path:
    """The folder holding initdb and pg_ctl; without them the test is skipped, and fails
    under CI, where PostgreSQL restarts must be tested."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / "pg_ctl").exists() and (folder / "initdb").exists():
            return folder
    if IN_CI:
        pytest.fail("initdb and pg_ctl are not installed: PostgreSQL restarts cannot be tested")
    pytest.skip("initdb and pg_ctl are not installed (apt-get install postgresql)")


class PostgresServer:
    """A PostgreSQL cluster of this test only, made by initdb in a folder of its own and
    stopped and started with pg_ctl on the same port, as a database restart would.

    PostgreSQL refuses to run as root: when the tests run as root the cluster belongs to the
    ``postgres`` account, and its commands run as that account."""

    def __init__(self) -> None:
        self.programs = postgres_programs()
        self.folder = Path(tempfile.mkdtemp(prefix="madang-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self._as_owner: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
            self._as_owner = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "--encoding=UTF8", "--locale=C", "--no-sync")

    def _run(self, program: str, *args: str) -> None:
        subprocess.run([*self._as_owner, str(self.programs / program), *args], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)

    def start(self) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} "
                   "-c fsync=off -c max_connections=50")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l",
                  str(self.folder / "server.log"), "-w", "-t", str(WAIT_SECONDS * 3), "start")

    def stop(self) -> None:
        """Stop as an administrator's restart does: open sessions are cut, work in flight is
        rolled back, what was committed stays."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)
