"""Redis clients shared within a process.

A client holds a pool of connections and is safe to share between threads; making one per
request would open a new TCP connection to Redis every time (the health check and every
enqueued job did).
"""

from functools import cache


@cache
def redis_client(url: str, *, decode_responses: bool = False):
    from redis import Redis

    # Bounded waits: a health check or an enqueue must fail, not hang, when Redis is away.
    return Redis.from_url(url, decode_responses=decode_responses, socket_timeout=5,
                          socket_connect_timeout=2)
