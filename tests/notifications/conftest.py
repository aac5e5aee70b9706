"""Fixtures of the notification tests: a local SMTP server (aiosmtpd, in-process), a notifier
pointed at it, a fake clock, and a recording SMS provider."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from bookings.identity.models import sites
from bookings.notifications.service import Notifier
from bookings.notifications.transport import LogSmsProvider, SmtpTransport
from bookings.platform.db import Database
from bookings.platform.routing import Services


@dataclass
class Inbox:
    """An aiosmtpd handler keeping what it receives; ``refuse``: addresses answered 550."""

    messages: list[EmailMessage] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.content, policy=default)
        assert isinstance(msg, EmailMessage)
        self.messages.append(msg)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Smtp:
    inbox: Inbox
    port: int
    controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    server = Smtp(Inbox(), free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp_down() -> Iterator[Smtp]:
    """A port with no server yet (``start()`` brings it up)."""
    server = Smtp(Inbox(), free_port())
    try:
        yield server
    finally:
        server.stop()


class Texts(LogSmsProvider):
    """The log backend, also keeping what it sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send(self, to: str, text: str) -> None:
        self.sent.append((to, text))
        await super().send(to, text)


def notifier(services: Services, smtp: Smtp, sms: Texts | None = None) -> Notifier:
    return Notifier(
        db=services.db,
        signer=services.signer,
        mail=SmtpTransport("127.0.0.1", smtp.port, timeout=10),
        sms=sms or Texts(),
        public_url="https://book.example.com",
        mail_from="Bookings <bookings@book.example.com>",
    )


class Clock:
    def __init__(self, at: datetime | None = None) -> None:
        self.now = at or datetime.now(UTC)

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


async def set_settings(db: Database, site_id: str, **values: Any) -> None:
    async with db.connect_for_write() as conn:
        current = (
            await conn.execute(sa.select(sites.c.settings).where(sites.c.site_id == site_id))
        ).scalar()
        await conn.execute(
            sa.update(sites)
            .where(sites.c.site_id == site_id)
            .values(settings={**(current or {}), **values})
        )
