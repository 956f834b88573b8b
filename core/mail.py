"""Outgoing mail, sent after commit: over SMTP when configured, kept in memory
(``MAIL_BACKEND=memory``) for tests, or shown in the log on a developer's machine (the
default, ``console``), with its links hidden."""

import logging
import re
import smtplib
import threading
from email.message import EmailMessage

from flask import current_app

from core.db import after_commit

log = logging.getLogger(__name__)


def send_mail(to: str, subject: str, body: str) -> None:
    """Send a plain-text message once the current transaction has committed."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    backend = config["MAIL_BACKEND"]
    app = current_app._get_current_object()

    def deliver():
        if backend == "memory":
            app.extensions.setdefault("madang_outbox", []).append(message)
        elif backend == "smtp":
            # The data is committed; the request does not wait for the mail server (a slow
            # one would hold its turn at the app, see core.gate). A message still on its way
            # when the process stops is lost, like one the server refuses: both are logged.
            server = {name: config[name] for name in _SMTP_SETTINGS}
            threading.Thread(target=_send_smtp, args=(server, message), daemon=True).start()
        else:
            log.warning("mail to %s not sent (console backend): %s\n%s", to, subject,
                        without_links(body))

    after_commit(deliver)


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
