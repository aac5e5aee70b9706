"""Rate limits (issue 17): visitors per IP, API keys per credential when the site asks,
429 in the Wix envelope with Retry-After; a visitor flood does not starve the business."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import httpx
import pytest
import sqlalchemy as sa

from bookings.app import create_app
from bookings.identity.models import sites
from bookings.platform.ratelimit import RateLimiter
from bookings.platform.routing import Services
from tests.conftest import SiteKeys

TOKEN = "/oauth2/token"
SERVICES = "/bookings/v2/services/query"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_refills_over_time() -> None:
    clock = FakeClock()
    limiter = RateLimiter(60, clock=clock)
    assert [limiter.take("k", 60) for _ in range(15)] == [0.0] * 15  # a quarter minute
    assert limiter.take("k", 60) == pytest.approx(1.0)
    clock.now += 2
    assert limiter.take("k", 60) == 0.0 and limiter.take("k", 60) == 0.0
    assert limiter.take("k", 60) > 0
    assert limiter.take("other", 60) == 0.0
    assert limiter.take("k", 0) == 0.0  # no limit
    assert limiter.rate_for({"rateLimitVisitorPerMinute": 7}, visitor=True) == 7
    assert limiter.rate_for({}, visitor=True) == 60
    assert limiter.rate_for({"rateLimitApiKeyPerMinute": True}, visitor=False) == 0


@pytest.fixture
async def limited(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    limiter = RateLimiter(20, 0)
    app = create_app(services=dataclasses.replace(services, limiter=limiter))
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 4242))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def test_a_visitor_flood_gets_429_and_the_business_goes_on(
    limited: httpx.AsyncClient, site: SiteKeys
) -> None:
    body = {"grantType": "anonymous", "clientId": site.client_id}
    answers = [(await limited.post(TOKEN, json=body)).status_code for _ in range(8)]
    assert answers[:5] == [200] * 5 and answers[-1] == 429
    res = await limited.post(TOKEN, json=body)
    assert res.status_code == 429 and int(res.headers["retry-after"]) >= 1
    assert res.json() == {
        "message": "Too many requests: slow down and retry after the time in Retry-After",
        "details": {
            "applicationError": {
                "code": "TOO_MANY_REQUESTS",
                "description": "Too many requests: slow down and retry after the time in "
                "Retry-After",
                "data": {},
            }
        },
    }
    # The business's key has its own bucket (and none unless the site sets a rate).
    for _ in range(30):
        ok = await limited.post(SERVICES, json={"query": {}}, headers=site.admin)
        assert ok.status_code == 200


async def test_a_site_can_limit_its_api_keys(
    limited: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    async with services.db.connect_for_write() as conn:
        await conn.execute(
            sa.update(sites)
            .where(sites.c.site_id == site.site_id)
            .values(settings={"rateLimitApiKeyPerMinute": 20})
        )
    codes = [
        (await limited.post(SERVICES, json={"query": {}}, headers=site.admin)).status_code
        for _ in range(7)
    ]
    assert codes[:5] == [200] * 5 and codes[-1] == 429
    # Another key of the site is another bucket.
    assert (
        await limited.post(SERVICES, json={"query": {}}, headers=site.headers(site.app_key))
    ).status_code == 200
