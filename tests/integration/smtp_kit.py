"""A real SMTP server for the relay's tests: aiosmtpd on 127.0.0.1, in a thread, recording what it accepts."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from billing.entities import OutboxMail
from billing.relay import OutboxRelay
from service.mail.smtp import SmtpTransport, SmtpUrl

SENDER = "Billing Portal <billing@billing.example>"
DOMAIN = "billing.example"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes


@dataclass
class Recorder:
    """aiosmtpd handler: keeps every message it accepts; refuses the next `refuse` DATA commands with
    `reply` (a 451 by default), and takes `delay` seconds over each DATA."""

    refuse: int = 0
    reply: str = "451 4.3.0 Try again later"
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            if self.refuse > 0:
                self.refuse -= 1
                self.refused += 1
                return self.reply
            message = message_from_bytes(envelope.content, policy=policy.default)
            assert isinstance(message, EmailMessage)
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message, envelope.content))
        return "250 2.0.0 OK"

    def message_ids(self) -> list[str]:
        with self.lock:
            return [str(r.message["Message-ID"]) for r in self.received]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class SmtpServer:
    port: int
    recorder: Recorder

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


@contextmanager
def smtp_server(recorder: Recorder | None = None, **smtp_options: Any) -> Iterator[SmtpServer]:
    """`server_hostname` is given so aiosmtpd does not look up this host's name."""
    recorder = recorder or Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port, server_hostname="localhost", **smtp_options)
    controller.start()
    try:
        yield SmtpServer(port, recorder)
    finally:
        controller.stop()


def transport(url: str, **kwargs: Any) -> SmtpTransport:
    return SmtpTransport(SmtpUrl.parse(url), SENDER, local_hostname="localhost", timeout=10, **kwargs)


def relay(uow_factory: Any, clock: Any, url: str, **kwargs: Any) -> OutboxRelay:
    return OutboxRelay(uow_factory, clock, transport(url), DOMAIN, **kwargs)


def queue(uow_factory: Any, clock: Any, n: int, prefix: str = "mail_t") -> list[str]:
    ids = [f"{prefix}{i:03}" for i in range(n)]
    with uow_factory(write=True) as uow:
        uow.repo.add_all(
            [
                OutboxMail(m, f"user{i}@x.example", f"Notice {i}", f"Body {i}", "notice", "ref", clock.now())
                for i, m in enumerate(ids)
            ]
        )
        uow.commit()
    return ids
