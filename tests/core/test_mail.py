"""Mail over SMTP leaves after commit; in embedded mode inline, before the request answers."""

import contextlib
import email
import logging
import socket
import socketserver
import threading
import time

import pytest
from sqlalchemy import text

from core.db import commit, db
from core.mail import send_mail


class SlowMailServer(socketserver.ThreadingTCPServer):
    """Just enough SMTP to take one message, after a slow greeting."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, greeting_delay: float, port: int = 0) -> None:
        self.greeting_delay = greeting_delay
        self.received: list[bytes] = []
        self.delivered = threading.Event()
        super().__init__(("127.0.0.1", port), _Session)


class _Session(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        time.sleep(self.server.greeting_delay)
        self._say(b"220 mail.test ESMTP")
        while line := self.rfile.readline():
            command = line.strip().upper()
            if command.startswith(b"DATA"):
                self._say(b"354 go ahead")
                self.server.received.append(self._message())
                self._say(b"250 queued")
                self.server.delivered.set()
            elif command.startswith(b"QUIT"):
                self._say(b"221 bye")
                return
            else:
                self._say(b"250 ok")

    def _message(self) -> bytes:
        lines = []
        while (line := self.rfile.readline()) not in (b".\r\n", b""):
            lines.append(line)
        return b"".join(lines)

    def _say(self, reply: bytes) -> None:
        self.wfile.write(reply + b"\r\n")


@contextlib.contextmanager
def serving_mail(greeting_delay: float, port: int = 0):
    """A SlowMailServer answering on its own thread until the block ends."""
    server = SlowMailServer(greeting_delay, port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def mail_server():
    with serving_mail(greeting_delay=1.0) as server:
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
    smtp_config(mail_server.server_address[1])
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
