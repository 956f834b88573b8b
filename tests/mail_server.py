"""A test SMTP server (aiosmtpd) that keeps what it receives and can answer slowly."""

import asyncio
import contextlib
import socket
import threading

from aiosmtpd.controller import Controller


class Mailbox:
    """aiosmtpd handler: waits ``delay`` seconds before answering EHLO, so a client that
    gives up (or a process that exits) before then delivers nothing, and keeps each message's
    bytes as received."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.received: list[bytes] = []
        self.delivered = threading.Event()
        self.port = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        await asyncio.sleep(self.delay)
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.received.append(envelope.original_content)
        self.delivered.set()
        return "250 queued"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def serving_mail(delay: float, port: int = 0):
    """A Mailbox served on 127.0.0.1 (on ``port``, or a free one) until the block ends."""
    mailbox = Mailbox(delay)
    mailbox.port = port or _free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=mailbox.port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()
