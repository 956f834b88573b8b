"""gunicorn settings. Threads let one worker hold many long-lived event streams
(live results on the big screen) while still answering ordinary requests."""

import multiprocessing
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '5000')}"
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "16"))
# Event streams stay open; keep-alives are sent every few seconds, so a long timeout is safe.
timeout = 120
graceful_timeout = 30
keepalive = 5
accesslog = "-"
raw_env = ["FLASK_APP=app:create_app"]
