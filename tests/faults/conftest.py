import pytest

from tests.faults.servers import PostgresServer, serve_redis


@pytest.fixture
def redis_server(tmp_path):
    """A redis-server of this test's own, which it may stop and start again."""
    yield from serve_redis(tmp_path)


@pytest.fixture
def postgres_server():
    """A PostgreSQL cluster of this test's own, started; the test may stop and start it."""
    server = PostgresServer()
    try:
        server.start()
        yield server
    finally:
        server.remove()
