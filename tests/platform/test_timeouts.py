"""Request and statement timeouts (issue 17): a request that runs too long answers 503 in the
Wix envelope with Retry-After, and the server goes on; PostgreSQL cancels a statement past
``statement_timeout``."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from bookings.app import create_app
from bookings.platform.db import Database
from bookings.platform.routing import AnyRequest, ApiRouter, Call, Services
from tests.conftest import POSTGRES_URL

slow = ApiRouter("Test slow")


@slow.method("slowCall", "POST", ("/_test/slow",), roles=None, request=AnyRequest)
async def slow_call(call: Call, req: AnyRequest) -> dict[str, Any]:
    await asyncio.sleep(5)
    return {}


@slow.method("quickCall", "POST", ("/_test/quick",), roles=None, request=AnyRequest)
async def quick_call(call: Call, req: AnyRequest) -> dict[str, Any]:
    return {"ok": True}


async def test_a_request_past_the_timeout_answers_503(services: Services) -> None:
    settings = dataclasses.replace(services.settings, request_timeout_seconds=0.2)
    app = create_app(
        services=dataclasses.replace(services, settings=settings), extra_routers=[slow]
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        res = await c.post("/_test/slow", json={})
        assert res.status_code == 503 and res.headers["retry-after"] == "1"
        assert res.json()["details"]["applicationError"]["code"] == "REQUEST_TIMEOUT"
        assert (await c.post("/_test/quick", json={})).json() == {"ok": True}


@pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL: set BOOKINGS_TEST_POSTGRES_URL")
async def test_postgres_cancels_a_statement_past_the_timeout() -> None:
    db = Database(POSTGRES_URL, statement_timeout_ms=100)
    try:
        async with db.engine.connect() as conn:
            shown = (await conn.execute(sa.text("SHOW statement_timeout"))).scalar()
            assert shown == "100ms"
            with pytest.raises(sa.exc.DBAPIError, match="statement timeout"):
                await conn.execute(sa.text("SELECT pg_sleep(1)"))
    finally:
        await db.dispose()
