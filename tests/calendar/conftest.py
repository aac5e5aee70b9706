"""Helpers of the calendar tests: calls through HTTP and envelope checks."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from bookings.platform.routing import Services
from tests.conftest import SiteKeys, make_site
from tests.helpers import ok

BASE = "/calendar/v3"


class Calendar:
    """The calendar API of one site, as its ADMIN (or another identity) calls it."""

    def __init__(self, client: httpx.AsyncClient, site: SiteKeys) -> None:
        self.client = client
        self.site = site
        self.headers = site.admin

    async def schedule(self, **fields: Any) -> dict[str, Any]:
        body = {"schedule": {"name": "Yoga", **fields}}
        res = await self.client.post(f"{BASE}/schedules", json=body, headers=self.headers)
        schedule: dict[str, Any] = ok(res)["schedule"]
        return schedule

    async def create(self, event: dict[str, Any], **extra: Any) -> httpx.Response:
        return await self.client.post(
            f"{BASE}/events", json={"event": event, **extra}, headers=self.headers
        )

    async def event(self, event: dict[str, Any], **extra: Any) -> dict[str, Any]:
        created: dict[str, Any] = ok(await self.create(event, **extra))["event"]
        return created

    async def get(self, event_id: str, **params: Any) -> dict[str, Any]:
        res = await self.client.get(
            f"{BASE}/events/{event_id}", params=params, headers=self.headers
        )
        event: dict[str, Any] = ok(res)["event"]
        return event

    async def update(self, event: dict[str, Any], **extra: Any) -> httpx.Response:
        return await self.client.patch(
            f"{BASE}/events/{event['id']}", json={"event": event, **extra}, headers=self.headers
        )

    async def query(self, **body: Any) -> dict[str, Any]:
        res = await self.client.post(f"{BASE}/events/query", json=body, headers=self.headers)
        return ok(res)

    async def ids(self, **body: Any) -> list[str]:
        return [e["id"] for e in (await self.query(**body))["events"]]

    async def cancel(self, event_id: str, **body: Any) -> httpx.Response:
        return await self.client.post(
            f"{BASE}/events/{event_id}/cancel", json=body, headers=self.headers
        )


def local(value: str, zone: str | None = None) -> dict[str, Any]:
    return {"localDate": value} if zone is None else {"localDate": value, "timeZone": zone}


@pytest.fixture
async def cal(client: httpx.AsyncClient, site: SiteKeys) -> Calendar:
    return Calendar(client, site)


@pytest.fixture
async def london(client: httpx.AsyncClient, services: Services) -> Calendar:
    return Calendar(client, await make_site(services, "Europe/London"))
