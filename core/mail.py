"""Outgoing mail, sent after commit: printed to the console by default, SMTP when
configured, or kept in memory (``MAIL_BACKEND=memory``) for tests."""

import smtplib
import sys
from email.message import EmailMessage

from flask import current_app

from core.db import after_commit


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
            with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
                if config["MAIL_USE_TLS"]:
                    smtp.starttls()
                if config["MAIL_USERNAME"]:
                    smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
                smtp.send_message(message)
        else:
            print(f"--- mail to {to}: {subject}\n{body}\n---", file=sys.stderr)

    after_commit(deliver)
