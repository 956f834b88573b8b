"""Mail over SMTP leaves after commit; in embedded mode inline, before the request answers."""

import email
import logging
import socket

import pytest
from sqlalchemy import text

from core.db import commit, db
from core.mail import send_mail
from tests.mail_server import serving_mail


@pytest.fixture
def mail_server():
    with serving_mail(delay=1.0) as server:
        yield server


@pytest.fixture
def smtp_config(app, monkeypatch):
    def use(port: int) -> None:
        for name, value in {"MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1",
                            "MAIL_PORT": port, "MAIL_USE_TLS": False,
                            "MAIL_USERNAME": None}.items():
            monkeypatch.setitem(app.config, name, value)

    return use


def test_embedded_mode_sends_the_mail_inline_before_the_commit_returns(
        ctx, mail_server, smtp_config):
    """Without Redis there is no queue: the mail leaves right after the commit, in the
    request, so a process that stops once it has answered has sent it already (a thread
    would have been cut off with the process)."""
    smtp_config(mail_server.port)
    db.session.execute(text("SELECT 1"))  # a transaction the mail waits for
    send_mail("resident@example.kr", "[마당] 비밀번호 재설정", "링크를 눌러 주세요.")
    assert not mail_server.received, "sent before the commit"
    commit()
    assert mail_server.delivered.is_set()
    message = email.message_from_bytes(mail_server.received[0])
    assert message["To"] == "resident@example.kr"
    assert str(email.header.make_header(email.header.decode_header(message["Subject"]))) \
        == "[마당] 비밀번호 재설정"


def test_a_mail_server_that_cannot_be_reached_fails_no_request(ctx, smtp_config, caplog):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    smtp_config(closed_port)
    with caplog.at_level(logging.ERROR, logger="core.mail"):
        send_mail("resident@example.kr", "제목", "본문")
        commit()
    assert "mail to resident@example.kr not sent" in caplog.text
