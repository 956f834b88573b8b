"""Outgoing mail, sent after commit: over SMTP when configured, kept in memory
(``MAIL_BACKEND=memory``) for tests, or shown in the log on a developer's machine (the
default, ``console``), with its links hidden.

With Redis, SMTP mail is a job: it waits in Redis for a worker, survives the web process
stopping, and is retried when the mail server refuses it. Without Redis (embedded mode), or
when Redis cannot take the job, it is sent inline right after the commit, before the request
answers: a process that stops after answering has sent it already.
"""

import logging
import re
import smtplib
from email.message import EmailMessage

from flask import current_app

from core.db import after_commit
from core.jobs import enqueue

log = logging.getLogger(__name__)


def send_mail(to: str, subject: str, body: str) -> None:
    """Send a plain-text message once the current transaction has committed."""
    config = current_app.config
    message = _message(config, to, subject, body)
    backend = config["MAIL_BACKEND"]
    app = current_app._get_current_object()
    server = {name: config[name] for name in _SMTP_SETTINGS}

    def send_now():
        _send_logged(server, message)

    if backend == "smtp" and config.get("REDIS_URL"):
        from rq import Retry

        # The body carries sign-in links: RQ records and logs only the description, and
        # keeps the job no longer than it must. Should Redis refuse it, the mail leaves now.
        enqueue(deliver, to, subject, body, description=f"mail to {to}",
                retry=Retry(max=3, interval=[10, 60, 300]), result_ttl=0,
                failure_ttl=_FAILED_MAIL_KEPT, on_unqueued=send_now)
        return

    def hand_over():
        if backend == "memory":
            app.extensions.setdefault("madang_outbox", []).append(message)
        elif backend == "smtp":
            # The data is committed; the mail leaves before the request answers, so nothing
            # is left to a thread that dies with the process. A slow mail server makes this
            # one request slower (the connection times out after 10 s), never lost.
            send_now()
        else:
            log.warning("mail to %s not sent (console backend): %s\n%s", to, subject,
                        without_links(body))

    after_commit(hand_over)


# Links in mail carry password-reset and verification tokens: whoever reads a log with one
# could take over the account.
_LINK = re.compile(r"https?://\S+")


def without_links(text: str) -> str:
    return _LINK.sub("[link hidden]", text)


def check_backend(config) -> None:
    """Refuse to start where mail would silently go nowhere: the console backend outside
    debug and testing, unless ``MAIL_ALLOW_CONSOLE`` says so."""
    if config["MAIL_BACKEND"] != "console":
        return
    if config.get("DEBUG") or config.get("TESTING") or config["MAIL_ALLOW_CONSOLE"]:
        return
    raise RuntimeError(
        "MAIL_BACKEND is console (the default): mail would be logged, not sent, and residents "
        "would never get their verification or password-reset links. Set MAIL_BACKEND=smtp "
        "with MAIL_SERVER, or MAIL_ALLOW_CONSOLE=1 on a machine where that is intended.")


_SMTP_SETTINGS = ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USERNAME", "MAIL_PASSWORD")


# A mail that failed every retry stays inspectable this long (its body holds links that
# expire anyway).
_FAILED_MAIL_KEPT = 7 * 24 * 3600


def _message(config, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    return message


def deliver(to: str, subject: str, body: str) -> None:
    """The mail job: send over SMTP; a refusal raises, so RQ retries it and keeps it failed
    after the last try."""
    config = current_app.config
    _send_smtp({name: config[name] for name in _SMTP_SETTINGS},
               _message(config, to, subject, body))


def _send_smtp(server: dict, message: EmailMessage) -> None:
    try:
        with smtplib.SMTP(server["MAIL_SERVER"], server["MAIL_PORT"], timeout=10) as smtp:
            if server["MAIL_USE_TLS"]:
                smtp.starttls()
            if server["MAIL_USERNAME"]:
                smtp.login(server["MAIL_USERNAME"], server["MAIL_PASSWORD"])
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException):
        log.exception("mail to %s not sent", message["To"])
        raise


def _send_logged(server: dict, message: EmailMessage) -> None:
    """Sent after the commit, with no queue to retry it: a refusal is logged, never raised
    into the request whose data is already stored."""
    try:
        _send_smtp(server, message)
    except (OSError, smtplib.SMTPException):
        return
