"""Helpers of the dashboard page tests: a signed-in client, its CSRF token, HTML parsing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from selectolax.lexbor import LexborHTMLParser

from bookings.platform.routing import Services
from bookings.web.dashboard.session import COOKIE, _serializer
from tests.conftest import SiteKeys


@asynccontextmanager
async def signed_in(client: httpx.AsyncClient, site: SiteKeys) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the same app signed in to ``site``'s dashboard with its admin key."""
    async with httpx.AsyncClient(transport=client._transport, base_url="http://testserver") as c:
        res = await c.post("/dashboard/login", data={"api_key": site.admin_key})
        assert res.status_code == 303, res.text
        yield c


def csrf(services: Services, client: httpx.AsyncClient) -> str:
    raw = client.cookies.get(COOKIE, path="/dashboard")
    assert raw
    body: dict[str, Any] = _serializer(services).loads(raw)
    return str(body["csrf"])


def html(res: httpx.Response) -> LexborHTMLParser:
    assert res.status_code == 200, res.text[:2000]
    return LexborHTMLParser(res.text)
