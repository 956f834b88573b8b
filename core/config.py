"""Configuration read once from the environment when the app is created."""

import os
import secrets
from pathlib import Path


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def district_hosts(value: str) -> dict[str, str]:
    """``gangdong.example.kr=gangdong,sd.example.kr=seongdong`` as host -> slug. Host names
    are compared in lower case and without a port, as browsers send them."""
    hosts = {}
    for pair in filter(None, (part.strip() for part in value.split(","))):
        host, separator, slug = pair.partition("=")
        if not separator or not host.strip() or not slug.strip():
            raise ValueError(f"DISTRICT_HOSTS: expected host=slug, got {pair!r}")
        hosts[host.strip().lower()] = slug.strip()
    return hosts


def from_environment(instance_path: str) -> dict:
    """Build the Flask config dict from environment variables (see .env.example)."""
    sqlite_path = Path(instance_path) / "madang.sqlite3"
    redis_url = os.environ.get("REDIS_URL") or None
    secret_key = os.environ.get("SECRET_KEY")
    if not secret_key:
        # A per-machine key kept in instance/ so that sessions survive restarts in embedded mode.
        key_file = Path(instance_path) / "secret_key"
        if key_file.exists():
            secret_key = key_file.read_text().strip()
        else:
            secret_key = secrets.token_hex(32)
            key_file.write_text(secret_key)
            key_file.chmod(0o600)
    database_url = _database_url(os.environ.get("DATABASE_URL") or f"sqlite:///{sqlite_path}")
    return {
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(database_url),
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "MAIL_BACKEND": os.environ.get("MAIL_BACKEND", "console"),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD"),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS"),
        "MAIL_SENDER": os.environ.get("MAIL_SENDER", "madang@localhost"),
        # The console backend shows mail instead of sending it: for a developer's machine.
        # Elsewhere it would lose every message, so create_app refuses it unless allowed.
        "MAIL_ALLOW_CONSOLE": _bool("MAIL_ALLOW_CONSOLE"),
        # Proxies in front of the app that append to X-Forwarded-For (an HTTPS proxy, a load
        # balancer); 0 trusts no header, so a client cannot pick the address it is limited by.
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE"),
        "MADANG_DISTRICT": os.environ.get("MADANG_DISTRICT"),
        "DISTRICT_HOSTS": district_hosts(os.environ.get("DISTRICT_HOSTS", "")),
        "SIGNIN_RATE_LIMIT": os.environ.get("SIGNIN_RATE_LIMIT", "10 per minute"),
        "RESET_RATE_LIMIT": os.environ.get("RESET_RATE_LIMIT", "5 per minute"),
        **{name: os.environ.get(name, default) for name, default in RATE_LIMITS.items()},
        "REALTIME_NAMESPACE": os.environ.get("REALTIME_NAMESPACE", "madang"),
        "REQUESTS_AT_ONCE": int(os.environ.get("REQUESTS_AT_ONCE", "2")),
        # How long a request waits for its turn before it is answered 503, and the
        # Retry-After it is given (core.gate).
        "REQUEST_WAIT_SECONDS": float(os.environ.get("REQUEST_WAIT_SECONDS", "10")),
        "REQUEST_RETRY_AFTER": int(os.environ.get("REQUEST_RETRY_AFTER", "5")),
        # gunicorn's open connections per process (gunicorn.conf.py reads the same variable):
        # each may be an event stream holding a Redis subscription.
        "WORKER_CONNECTIONS": int(os.environ.get("WORKER_CONNECTIONS", "1000")),
        # Personal data of people inactive this long is erased by `flask purge-personal-data`
        # (개인정보 보호법: kept no longer than its purpose needs).
        "PERSONAL_DATA_RETENTION_DAYS": int(os.environ.get("PERSONAL_DATA_RETENTION_DAYS",
                                                           "1095")),
        # `flask worker` re-sends jobs that Redis forgot or whose worker died this often;
        # a worker silent for JOB_WORKER_DEAD_SECONDS is taken for dead.
        "JOB_RECONCILE_SECONDS": float(os.environ.get("JOB_RECONCILE_SECONDS", "30")),
        "JOB_WORKER_DEAD_SECONDS": float(os.environ.get("JOB_WORKER_DEAD_SECONDS", "20")),
    }


# Limits on what residents post, each per client address and per person (account, or for
# sign-up the address being signed up). A forum of 91 people shares one venue NAT address, so
# the per-address limits leave room for the whole room at once; the per-person limits are the
# tight ones.
RATE_LIMITS = {
    "SIGNUP_RATE_LIMIT_PER_ADDRESS": "100 per hour",
    "SIGNUP_RATE_LIMIT_PER_EMAIL": "3 per hour",
    "VERIFICATION_MAIL_RATE_LIMIT_PER_ADDRESS": "100 per hour",
    "VERIFICATION_MAIL_RATE_LIMIT_PER_ACCOUNT": "3 per hour",
    "CAST_RATE_LIMIT_PER_ADDRESS": "300 per minute",
    "CAST_RATE_LIMIT_PER_ACCOUNT": "10 per minute",
    "PROPOSE_RATE_LIMIT_PER_ADDRESS": "200 per hour",
    "PROPOSE_RATE_LIMIT_PER_ACCOUNT": "20 per hour",
    "COMMENT_RATE_LIMIT_PER_ADDRESS": "300 per hour",
    "COMMENT_RATE_LIMIT_PER_ACCOUNT": "30 per hour",
    "SUPPORT_RATE_LIMIT_PER_ADDRESS": "600 per hour",
    "SUPPORT_RATE_LIMIT_PER_ACCOUNT": "60 per hour",
    "FORUM_ANSWER_RATE_LIMIT_PER_ADDRESS": "600 per minute",
    "FORUM_ANSWER_RATE_LIMIT_PER_PARTICIPANT": "30 per minute",
}


def _engine_options(database_url: str) -> dict:
    # A connection the server closed while it sat in the pool (a restart, an idle timeout) is
    # found by a ping when it is handed out and replaced before the request sees it. A ping
    # only after idle measured 1.22x this one's casting throughput and 1.04x its p95 (one run
    # of bench/bench_request_path.py), short of the 1.3x a hand-written equivalent must earn.
    options = {"pool_pre_ping": True}
    if database_url.startswith("postgresql"):
        # A process may run several requests at once (REQUESTS_AT_ONCE, plus event streams
        # reading their first snapshot). Past the pool, each would open a connection of its
        # own and close it after the request: a new PostgreSQL backend per request, which
        # costs more than the request. Requests beyond the pool wait for a connection instead
        # (PostgreSQL does best with a few busy connections); workers x pool size must stay
        # under the server's max_connections.
        options.update(pool_size=int(os.environ.get("DATABASE_POOL_SIZE", "10")),
                       max_overflow=int(os.environ.get("DATABASE_MAX_OVERFLOW", "0")))
    return options


def _database_url(url: str) -> str:
    # Managed PostgreSQL services hand out postgres:// URLs; SQLAlchemy needs the psycopg 3 driver.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


DEFAULTS = {
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "PERMANENT_SESSION_LIFETIME": 60 * 60 * 12,
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    "WTF_CSRF_TIME_LIMIT": 60 * 60 * 12,
    "BABEL_DEFAULT_LOCALE": "ko",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Seoul",
    "LANGUAGES": ("ko", "en"),
    "PASSWORD_RESET_MAX_AGE": 60 * 60,
    "EMAIL_VERIFICATION_MAX_AGE": 3 * 24 * 60 * 60,
    "ARGON2_TIME_COST": 3,
    "ARGON2_MEMORY_COST": 65536,
    "RATELIMIT_HEADERS_ENABLED": True,
    "RATELIMIT_STRATEGY": "moving-window",
    # Limits are counted in Redis. While Redis is away they are counted in this process's
    # memory instead (looser across processes, still a limit), so an outage does not turn
    # every limited route, sign-in included, into an error; Redis is used again once it
    # answers. Short timeouts keep a dead Redis from holding requests.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    # The switch to memory is not thread-safe: a request that reached Redis just before
    # another thread marked it dead would fail. Such a request goes unlimited, once, instead.
    "RATELIMIT_SWALLOW_ERRORS": True,
    "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
}
