import pytest

from tests.faults.servers import serve_redis


@pytest.fixture
def redis_server(tmp_path):
    """A redis-server of this test's own, which it may stop and start again."""
    yield from serve_redis(tmp_path)
