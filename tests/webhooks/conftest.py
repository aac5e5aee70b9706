"""Fixtures of the webhook tests: private addresses allowed (the receivers are local), a
receiver, a fake clock, and bookings to make events with."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from bookings.platform.models import domain_events
from bookings.platform.routing import Services
from bookings.webhooks.models import webhook_attempts
from bookings.webhooks.ports import Dispatcher, DispatcherConfig
from tests.booking.conftest import API, Catalog, class_booking, next_monday
from tests.conftest import SiteKeys
from tests.helpers import ok
from tests.webhooks.receiver import Receiver, receiving

HOOKS = "/_api/bookings-server/v1/webhooks"


@pytest.fixture(autouse=True)
def allow_private(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOOKINGS_WEBHOOK_ALLOW_PRIVATE", "1")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as r:
        yield r


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.t = start or datetime.now(UTC).replace(microsecond=0)

    def now(self) -> datetime:
        return self.t

    def advance(self, delta: timedelta) -> None:
        self.t += delta


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def dispatcher(
    services: Services,
    clock: Any = None,
    transport: httpx.AsyncBaseTransport | None = None,
    **config: Any,
) -> Dispatcher:
    return Dispatcher(
        services.db,
        clock=clock,
        transport=transport,
        config=DispatcherConfig(**{"poll": 0.05, **config}),
        rng=random.Random(7),
    )


async def subscribe(
    client: httpx.AsyncClient, site: SiteKeys, url: str, types: list[str] | None = None
) -> dict[str, Any]:
    body = {"webhook": {"url": url, "eventTypes": types or [], "format": "STANDARD"}}
    return dict(ok(await client.post(HOOKS, json=body, headers=site.admin))["webhook"])


class Bookings:
    """Class-session bookings of one site (each create records a booking_created event)."""

    def __init__(self, client: httpx.AsyncClient, site: SiteKeys) -> None:
        self.client, self.site = client, site
        self.service: dict[str, Any] = {}
        self.event: dict[str, Any] = {}

    async def setup(self, capacity: int = 1000) -> Bookings:
        catalog = Catalog(self.client, self.site.admin)
        self.service = await catalog.group(capacity=capacity)
        self.event = await catalog.session(self.service, next_monday(), capacity=capacity)
        return self

    async def create(self) -> dict[str, Any]:
        res = await self.client.post(
            API, json={"booking": class_booking(self.service, self.event)}, headers=self.site.admin
        )
        return dict(ok(res)["booking"])


async def eventually(check: Any, within: float = 60) -> None:
    """Wait until ``check()`` holds (for work that runs on real time: a dispatcher loop, a
    receiver thread), with a generous deadline."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not check():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


async def attempts_of(services: Services, site_id: str) -> list[Any]:
    t = webhook_attempts
    async with services.db.connect_for_read() as conn:
        stmt = sa.select(t).where(t.c.site_id == site_id).order_by(t.c.started_date, t.c.number)
        return list((await conn.execute(stmt)).all())


#: Every event type of bookings (every slice records events: services, staff, schedules...).
BOOKING_TYPES = [
    f"wix.bookings.v2.booking_{slug}"
    for slug in (
        "created",
        "updated",
        "canceled",
        "confirmed",
        "declined",
        "rescheduled",
        "markedAsPending",
        "number_of_participants_updated",
    )
]


async def events_of(services: Services, site_id: str, fqdn: str | None = None) -> list[Any]:
    """The site's outbox events (``fqdn``: of that entity only)."""
    t = domain_events
    stmt = sa.select(t).where(t.c.site_id == site_id)
    if fqdn is not None:
        stmt = stmt.where(t.c.entity_fqdn == fqdn)
    async with services.db.connect_for_read() as conn:
        return list((await conn.execute(stmt)).all())


async def deliveries(
    client: httpx.AsyncClient, site: SiteKeys, hook_id: str, **params: Any
) -> list[dict[str, Any]]:
    res = await client.get(f"{HOOKS}/{hook_id}/deliveries", params=params, headers=site.admin)
    return list(ok(res)["deliveries"])
