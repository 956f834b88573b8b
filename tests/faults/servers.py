"""Real servers a fault test owns: a free port, a bounded wait, and a redis-server of its own
that the test stops as an outage would and starts again on the same port."""

import contextlib
import shutil
import socket
import subprocess
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
