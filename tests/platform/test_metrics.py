"""``/metrics`` (issue 17): off by default; on, Prometheus text with requests by route,
latencies, creates, the outbox lag, webhook deliveries and the pool; a token guards it."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import httpx
import pytest

from bookings.app import create_app
from bookings.platform.routing import Services
from tests.booking.conftest import Catalog, appointment_booking, created, next_monday
from tests.conftest import SiteKeys


@pytest.fixture
async def measured(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    settings = dataclasses.replace(services.settings, metrics=True, metrics_token="s3cret")
    app = create_app(services=dataclasses.replace(services, settings=settings))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def test_metrics_are_off_by_default(client: httpx.AsyncClient) -> None:
    assert (await client.get("/metrics")).status_code == 404


async def test_metrics_count_requests_and_read_the_queues(
    measured: httpx.AsyncClient, site: SiteKeys
) -> None:
    cat = Catalog(measured, site.admin)
    service = await cat.appointment([await cat.staff()])
    await created(measured, site.admin, appointment_booking(service, next_monday()))
    assert (await measured.get("/healthz")).status_code == 200
    refused = await measured.get("/metrics")
    assert refused.status_code == 401
    assert refused.json()["details"]["applicationError"]["code"] == "UNAUTHENTICATED"
    res = await measured.get("/metrics", headers={"Authorization": "Bearer s3cret"})
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/plain")
    text = res.text
    assert 'bookings_http_requests_total{method="GET",route="/healthz",status="200"} 1.0' in text
    assert "bookings_http_request_duration_seconds_bucket" in text
    assert "bookings_booking_creates_total 1.0" in text
    assert "bookings_outbox_lag_seconds" in text
    assert 'bookings_webhook_deliveries{status="PENDING"}' in text
    assert "bookings_db_pool_connections_in_use" in text
