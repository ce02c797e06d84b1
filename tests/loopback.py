"""Servers the tests start on 127.0.0.1: a free port, and real SMTP servers (aiosmtpd) that record mail.

``RecordingHandler`` keeps each message with its envelope (or refuses them all); ``CountingInbox`` keeps
each with the moment it was accepted, for the crash tests. How a server is started is the same for all.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_smtp_controller(handler: object, **options) -> tuple[Controller, int]:
    """A started aiosmtpd server on a free loopback port (options go to the controller and the SMTP class)."""
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
    controller.start()
    return controller, port


@contextmanager
def smtp_server(handler: object, **options) -> Iterator[int]:
    """An SMTP server on 127.0.0.1 for the duration of the block; yields its port."""
    controller, port = start_smtp_controller(handler, **options)
    try:
        yield port
    finally:
        controller.stop()


@dataclass
class Received:
    """One message as the server got it: the envelope and the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    peer: tuple  # the client's address and port: one per SMTP connection

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.raw, policy=policy.default)


@dataclass
class RecordingHandler:
    """An aiosmtpd handler that keeps every message, or refuses every message when ``refuse`` is set."""

    refuse: bool = False
    received: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.refuse:
            return "554 5.7.1 Message rejected: this test server refuses everything"
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content, tuple(session.peer))
        )
        return "250 2.0.0 Message accepted for delivery"


@dataclass
class SmtpServer:
    host: str
    port: int
    handler: RecordingHandler

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    @property
    def messages(self) -> list[EmailMessage]:
        return [r.message for r in self.handler.received]


def start_smtp(handler: RecordingHandler, **options) -> tuple[Controller, SmtpServer]:
    """An aiosmtpd server on a free loopback port (options go to the controller and the SMTP class)."""
    controller, port = start_smtp_controller(handler, **options)
    return controller, SmtpServer("127.0.0.1", port, handler)


@dataclass
class Delivered:
    """One message the SMTP server accepted, and when."""

    raw: bytes
    at: float

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.raw, policy=policy.default)

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


@dataclass
class CountingInbox:
    """An aiosmtpd handler that keeps every accepted message with the moment it accepted it."""

    delivered: list[Delivered] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            self.delivered.append(Delivered(envelope.original_content, time.monotonic()))
        return "250 2.0.0 accepted"

    def snapshot(self) -> list[Delivered]:
        with self.lock:
            return list(self.delivered)
