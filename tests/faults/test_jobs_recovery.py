"""Work the database recorded is never stuck because Redis forgot it or a worker died.

Real processes: `flask worker` runs in a subprocess against a Redis server of the test's own
(stopped and flushed at will) and the test's database; mail goes to a test SMTP server.
Every wait is bounded, so a broken recovery fails instead of hanging.
"""

import email
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from core.db import commit, db
from tests.conftest import post_form, sign_in
from tests.exports.conftest import ctx, demo, export_bytes  # noqa: F401 (fixtures)
from tests.faults.servers import free_port, wait_until
from tests.mail_server import serving_mail

ROOT = Path(__file__).resolve().parents[2]
# A worker reconciles every second and takes a worker silent for 3 s for dead, so each
# recovery below is due within seconds; the waits allow far more before failing.
RECONCILE_SECONDS = "1"
DEAD_SECONDS = "3"
RECOVERY_TIMEOUT = 60


@pytest.fixture
def mail_server():
    # A slow answer to EHLO: a process that exits right after its commit cannot finish the send.
    with serving_mail(delay=2.0) as server:
        yield server


@pytest.fixture
def environment(app, redis_server, mail_server, monkeypatch):
    """The settings a separate process of this deployment is started with, and the same in
    this test's app."""
    monkeypatch.setitem(app.config, "REDIS_URL", redis_server.url)
    for name, value in {"MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1",
                        "MAIL_PORT": mail_server.port, "MAIL_USE_TLS": False,
                        "MAIL_USERNAME": None}.items():
        monkeypatch.setitem(app.config, name, value)
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "REDIS_URL": redis_server.url, "INSTANCE_PATH": app.instance_path,
           "SECRET_KEY": app.config["SECRET_KEY"], "MAIL_BACKEND": "smtp",
           "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(mail_server.port),
           "JOB_RECONCILE_SECONDS": RECONCILE_SECONDS, "JOB_WORKER_DEAD_SECONDS": DEAD_SECONDS,
           "FLASK_APP": "app"}
    env.pop("MAIL_USE_TLS", None)
    env.pop("MAIL_USERNAME", None)
    return env


class Workers:
    """`flask worker` processes started by a test; all are killed at its end."""

    def __init__(self, env: dict, folder: Path) -> None:
        self.env = env
        self.folder = folder
        self.started: list[subprocess.Popen] = []

    def start(self) -> subprocess.Popen:
        log = open(self.folder / f"worker-{len(self.started)}.log", "wb")  # noqa: SIM115
        process = subprocess.Popen([sys.executable, "-m", "flask", "worker"], cwd=ROOT,
                                   env=self.env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.started.append(process)
        return process

    def logs(self) -> str:
        return "\n".join(path.read_text(errors="replace")
                         for path in sorted(self.folder.glob("worker-*.log")))

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)


@pytest.fixture
def workers(environment, tmp_path):
    started = Workers(environment, tmp_path)
    yield started
    started.stop_all()


def _ask_export(client, demo):  # noqa: F811 (the fixture's value)
    sign_in(client, demo.organizer, demo.organizer_password)
    response = post_form(client, "/exports", {"target": f"agenda:{demo.cycle.id}",
                                              "format": "csv"})
    assert response.status_code == 302, response.status_code
    return int(response.headers["Location"].rsplit("/", 1)[-1])


def _job(job_id: int):
    from exports.models import ExportJob

    db.session.rollback()
    return db.session.get(ExportJob, job_id)


def _wait_done(job_id: int, workers: Workers):
    try:
        return wait_until(lambda: (job := _job(job_id)).state == "done" and job,
                         RECOVERY_TIMEOUT, f"export {job_id} to finish")
    except pytest.fail.Exception:
        print(workers.logs())
        raise


def _clean_run(demo) -> bytes:  # noqa: F811 (the fixture's value)
    return export_bytes("agenda", "csv", demo.district.id, demo.cycle.id)[1]


def _file(job) -> bytes:
    from exports.services import file_path

    return file_path(job).read_bytes()


def test_export_flushed_from_redis_before_a_worker_took_it_is_sent_again(
        demo, client, redis_server, workers):  # noqa: F811
    job_id = _ask_export(client, demo)
    assert _job(job_id).state == "queued"
    redis_server.flush()
    workers.start()
    job = _wait_done(job_id, workers)
    assert _file(job) == _clean_run(demo)


def test_export_asked_while_redis_is_down_is_recorded_and_runs_once_redis_is_back(
        demo, client, redis_server, workers):  # noqa: F811
    sign_in(client, demo.organizer, demo.organizer_password)
    redis_server.stop()
    job_id = _ask_export(client, demo)
    assert _job(job_id).state == "queued"
    redis_server.start()
    workers.start()
    job = _wait_done(job_id, workers)
    assert _file(job) == _clean_run(demo)


def test_export_whose_worker_was_killed_midway_is_run_again_to_the_same_file(
        app, demo, client, workers):  # noqa: F811
    from agenda.models import AgendaItem

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("holds the export midway with a PostgreSQL table lock")
    job_id = _ask_export(client, demo)
    # The export's first read waits behind this lock, so the worker is surely midway when
    # it is killed.
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.connect() as blocker:
            blocker.execute(text(
                f"LOCK TABLE {AgendaItem.__tablename__} IN ACCESS EXCLUSIVE MODE"))
            first = workers.start()
            wait_until(lambda: _job(job_id).state == "running", RECOVERY_TIMEOUT,
                      "the first worker to start the export")
            time.sleep(1)
            assert _job(job_id).state == "running"
            os.kill(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
            blocker.rollback()
    finally:
        engine.dispose()
    workers.start()
    job = _wait_done(job_id, workers)
    assert job.attempts == 2
    assert _file(job) == _clean_run(demo)
    leftovers = list(_file_folder(job).glob(f".{job_id}-*.part"))
    assert leftovers == []


def _file_folder(job) -> Path:
    from exports.services import file_path

    return file_path(job).parent


RESET_IN_ANOTHER_PROCESS = """
from app import create_app
from accounts.services import request_password_reset
from core.db import commit

app = create_app()
with app.test_request_context("/"):
    request_password_reset({email!r}, "ko")
    commit()
"""


def test_reset_mail_asked_while_no_worker_runs_is_delivered_once_one_starts(
        ctx, make_user, environment, mail_server, workers):  # noqa: F811
    user = make_user("resident", email="resetter@example.kr")
    commit()
    # The web process that takes the request stops right after its commit.
    subprocess.run([sys.executable, "-c", RESET_IN_ANOTHER_PROCESS.format(email=user.email)],
                   cwd=ROOT, env=environment, check=True, timeout=60)
    assert not mail_server.delivered.wait(mail_server.delay + 1)
    workers.start()
    if not mail_server.delivered.wait(RECOVERY_TIMEOUT):
        print(workers.logs())
        pytest.fail("the reset mail never arrived")
    message = email.message_from_bytes(mail_server.received[0])
    assert message["To"] == user.email
    body = message.get_payload(decode=True).decode()
    link = next(word for word in body.split() if word.startswith("http"))
    assert link not in workers.logs()


def test_reset_mail_in_embedded_mode_is_sent_before_the_process_that_committed_it_exits(
        ctx, make_user, environment, mail_server):  # noqa: F811
    user = make_user("resident", email="embedded@example.kr")
    commit()
    # No Redis: no queue and no worker. The process exits as soon as its commit returns
    # (a slow mail server greets it only after 2 s), as a web process may after answering.
    embedded = {name: value for name, value in environment.items() if name != "REDIS_URL"}
    subprocess.run([sys.executable, "-c", RESET_IN_ANOTHER_PROCESS.format(email=user.email)],
                   cwd=ROOT, env=embedded, check=True, timeout=60)
    assert mail_server.delivered.is_set(), "the reset mail left with the process"
    assert email.message_from_bytes(mail_server.received[0])["To"] == user.email


def test_operators_reconcile_command_sends_a_forgotten_export_again_once(
        app, demo, client, redis_server, environment):  # noqa: F811
    from core.jobs import rq_queue

    job_id = _ask_export(client, demo)
    redis_server.flush()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["reconcile-jobs"])
    assert first.exit_code == 0 and first.output.startswith("1 "), first.output
    assert rq_queue(redis_server.url).job_ids == [f"export-{job_id}-0"]
    # Now Redis holds it: a second pass leaves it alone.
    again = runner.invoke(args=["reconcile-jobs"])
    assert again.exit_code == 0 and again.output.startswith("0 "), again.output
    assert _job(job_id).state == "queued"


def test_mail_job_keeps_links_out_of_redis_records_and_fails_loudly(
        app, ctx, environment, redis_server, monkeypatch):  # noqa: F811
    from rq.job import Job

    from core.jobs import rq_queue
    from core.mail import deliver, send_mail

    body = "링크: https://madang.test/reset/secret-token"
    send_mail("resident@example.kr", "[마당] 비밀번호 재설정", body)
    commit()
    [job_id] = rq_queue(redis_server.url).job_ids
    job = Job.fetch(job_id, connection=rq_queue(redis_server.url).connection)
    assert "secret-token" not in job.description
    assert job.retries_left == 3
    # A mail server that cannot be reached makes the job fail, so RQ retries it.
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())
    with pytest.raises(OSError):
        deliver("resident@example.kr", "제목", body)


def test_mail_refused_by_the_mail_server_is_retried_by_the_worker(
        app, ctx, environment, workers, monkeypatch):  # noqa: F811
    from core.mail import send_mail

    # The mail server is down when the worker first tries, and answers on the same port by
    # the first retry (10 s later).
    port = free_port()
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    workers.env["MAIL_PORT"] = str(port)
    send_mail("resident@example.kr", "[마당] 이메일 주소를 확인해 주세요", "본문")
    commit()
    workers.start()
    wait_until(lambda: "not sent" in workers.logs(), RECOVERY_TIMEOUT, "the first try to fail")
    with serving_mail(delay=0, port=port) as server:
        if not server.delivered.wait(RECOVERY_TIMEOUT):
            print(workers.logs())
            pytest.fail("the mail was not retried")
    assert email.message_from_bytes(server.received[0])["To"] == "resident@example.kr"


def test_default_settings_recover_a_lost_job_within_a_minute(monkeypatch, tmp_path):
    """A job Redis forgot, or whose worker fell silent, is sent again at the first pass after
    ``JOB_WORKER_DEAD_SECONDS`` of silence, and passes come every ``JOB_RECONCILE_SECONDS``:
    with the settings a deployment gets by default, both together stay under a minute."""
    from core.config import from_environment

    for name in ("JOB_RECONCILE_SECONDS", "JOB_WORKER_DEAD_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    config = from_environment(str(tmp_path))
    assert config["JOB_RECONCILE_SECONDS"] + config["JOB_WORKER_DEAD_SECONDS"] < 60
