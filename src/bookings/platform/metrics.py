"""``/metrics`` in the Prometheus text format (off unless ``BOOKINGS_METRICS=1``; with
``BOOKINGS_METRICS_TOKEN`` set, a scrape must send ``Authorization: Bearer <token>``).

* Requests by route template, method and status, and their latency (a histogram), counted by
  :class:`MetricsMiddleware` around every request.
* Creates (booking creates answered 200), conflicts (409) and unavailable answers (503).
* Read at each scrape (the app adds probes: :meth:`Metrics.add_probe`): the outbox lag (age of
  the oldest event not yet fanned out to webhooks), the webhook deliveries by status, and the
  database pool's connections in use.

One registry per app (not the global one), so that several apps in one process (the tests)
never collide.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Awaitable, Callable
from typing import Any

import sqlalchemy as sa
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bookings.platform import errors
from bookings.platform.db import Database, utcnow
from bookings.platform.json_encoding import WireJSONResponse
from bookings.platform.models import outbox_pending

#: A probe: read at each scrape, answers ``{(metric, label value): value}`` for the gauge
#: family it was added with.
Probe = Callable[[Database], Awaitable[dict[str, float]]]
#: The route names (``{method name} {path}``) whose 200 is a booking create.
CREATES = ("createBooking ", "createMultiServiceBooking ")


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "bookings_http_requests",
            "HTTP requests by route template, method and status",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "bookings_http_request_duration_seconds",
            "Time to answer a request, by route template and method",
            ["route", "method"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.creates = Counter(
            "bookings_booking_creates", "Bookings created (answered 200)", registry=self.registry
        )
        self.conflicts = Counter(
            "bookings_conflicts",
            "Requests answered 409 (a write came first)",
            ["route"],
            registry=self.registry,
        )
        self.unavailable = Counter(
            "bookings_unavailable",
            "Requests answered 503 (the database could not take them)",
            ["route"],
            registry=self.registry,
        )
        self.outbox_lag = Gauge(
            "bookings_outbox_lag_seconds",
            "Age of the oldest event not yet fanned out to webhooks (0: none waits)",
            registry=self.registry,
        )
        self.pool_in_use = Gauge(
            "bookings_db_pool_connections_in_use",
            "Database connections checked out",
            registry=self.registry,
        )
        self.pool_size = Gauge(
            "bookings_db_pool_size",
            "Database connections the pool keeps at most",
            registry=self.registry,
        )
        self._probes: list[tuple[Gauge, Probe]] = []

    def add_probe(self, name: str, documentation: str, label: str, probe: Probe) -> None:
        """A gauge family ``name`` with one label, read from ``probe`` at each scrape."""
        gauge = Gauge(name, documentation, [label], registry=self.registry)
        self._probes.append((gauge, probe))

    def observe(self, route: str, route_name: str, method: str, status: int, took: float) -> None:
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route, method).observe(took)
        if status == 409:
            self.conflicts.labels(route).inc()
        elif status == 503:
            self.unavailable.labels(route).inc()
        elif status == 200 and route_name.startswith(CREATES):
            self.creates.inc()

    async def scrape(self, db: Database) -> bytes:
        """The text exposition, with the probes read now."""
        async with db.connect_for_read() as conn:
            oldest = (
                await conn.execute(sa.select(sa.func.min(outbox_pending.c.created_date)))
            ).scalar()
        self.outbox_lag.set(max((utcnow() - oldest).total_seconds(), 0.0) if oldest else 0.0)
        pool: Any = db.engine.pool
        if hasattr(pool, "checkedout"):
            self.pool_in_use.set(pool.checkedout())
            self.pool_size.set(pool.size() if hasattr(pool, "size") else 0)
        for gauge, probe in self._probes:
            for label, value in (await probe(db)).items():
                gauge.labels(label).set(value)
        return bytes(generate_latest(self.registry))


class MetricsMiddleware:
    """Counts and times every HTTP request (outermost but one: inside the request id)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def counting(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, counting)
        finally:
            route = scope.get("route")
            template = str(getattr(route, "path", "unmatched"))
            name = str(getattr(route, "name", ""))
            self.metrics.observe(
                template, name, str(scope.get("method")), status, time.perf_counter() - started
            )


async def metrics_endpoint(request: Request) -> Response:
    """``GET /metrics``: the exposition (401 without the configured token)."""
    metrics: Metrics = request.app.state.metrics
    token: str | None = request.app.state.metrics_token
    if token:
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            error = errors.unauthenticated("A metrics token is required")
            return WireJSONResponse(
                error.body(), status_code=401, headers={"WWW-Authenticate": "Bearer"}
            )
    body = await metrics.scrape(request.app.state.services.db)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
