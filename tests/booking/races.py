"""What the tests of real server processes share (``test_concurrency.py``, ``test_hosts.py``,
``test_kill.py``): the environment of a server with one site, a cluster of servers on one
database, firing many calls at once, and the two overbooking races (a class session, an
appointment slot) with their assertions."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from bookings.booking.capacity import holds
from bookings.booking.models import bookings
from bookings.platform.db import Database
from bookings.platform.models import domain_events
from tests.booking.conftest import (
    API,
    Catalog,
    appointment_booking,
    class_booking,
    next_monday,
    set_hold,
)

CONCURRENCY = 50
CALLS = 200


@dataclass
class SiteEnv:
    """The environment of ``bookings serve`` on ``url`` with one site and its admin key."""

    env: dict[str, str]
    site_id: str
    headers: dict[str, str]


def site_env(url: str, data_dir: Path) -> SiteEnv:
    site_id = str(uuid.uuid4())
    key = f"automation-{uuid.uuid4().hex}"
    env = {
        "BOOKINGS_DATA_DIR": str(data_dir),
        "BOOKINGS_DATABASE_URL": url,
        "BOOKINGS_SITE_ID": site_id,
        "BOOKINGS_ADMIN_API_KEY": key,
        "BOOKINGS_LOG_JSON": "1",
    }
    return SiteEnv(env, site_id, {"Authorization": key, "wix-site-id": site_id})


@dataclass
class Cluster:
    """Server processes on one database (``db``: the test's own connection to it)."""

    bases: list[str]
    site_id: str
    headers: dict[str, str]
    db: Database

    def base(self, i: int) -> str:
        return self.bases[i % len(self.bases)]


def client(concurrency: int = CONCURRENCY) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    return httpx.AsyncClient(timeout=60, limits=limits)


async def fire(
    http: httpx.AsyncClient, calls: list[tuple[str, dict[str, Any]]], headers: dict[str, str]
) -> list[httpx.Response]:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(url: str, body: dict[str, Any]) -> httpx.Response:
        async with gate:
            return await http.post(url, json=body, headers=headers)

    return list(await asyncio.gather(*(one(u, b) for u, b in calls)))


def outcome(res: httpx.Response) -> str:
    if res.status_code == 200:
        return "OK"
    details = res.json()["details"]
    assert "applicationError" in details, res.text
    return f"{res.status_code} {details['applicationError']['code']}"


async def stored(db: Database, site_id: str, **where: Any) -> Counter[str]:
    b = bookings
    stmt = sa.select(b.c.status).where(b.c.site_id == site_id)
    for name, value in where.items():
        stmt = stmt.where(b.c[name] == value)
    async with db.engine.connect() as conn:
        return Counter(r.status for r in (await conn.execute(stmt)).all())


def catalog(http: httpx.AsyncClient, base: str, headers: dict[str, str]) -> Catalog:
    """The catalog helper of ``tests/booking/conftest.py`` on the server at ``base``."""
    return Catalog(_Based(http, base), headers)  # type: ignore[arg-type]


def double_booked(rows: Sequence[sa.Row[Any]], staff: Iterable[str], now: datetime) -> list[str]:
    """Those of ``staff`` who hold two of the booking ``rows`` whose spans (buffers included)
    meet."""
    found = []
    for rid in staff:
        spans = sorted(
            (r.start_utc, r.busy_end_utc)
            for r in rows
            if r.resource_id == rid and holds(r.status, r.hold_until, now)
        )
        if any(end > start for (_, end), (start, _) in itertools.pairwise(spans)):
            found.append(rid)
    return found


class _Based:
    """An httpx client that prefixes paths with a base URL (the Catalog helper posts paths)."""

    def __init__(self, http: httpx.AsyncClient, base: str) -> None:
        self.http = http
        self.base = base

    async def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.http.post(self.base + path, **kwargs)


# ---------------------------------------------------------------- the two races


async def class_session_race(cluster: Cluster, http: httpx.AsyncClient, week: int = 2) -> None:
    """200 concurrent creates at one class session of capacity 10, spread over the cluster's
    servers: exactly 10 succeed, the others get the spec's error, the database agrees."""
    await set_hold(cluster.db, cluster.site_id, 15)
    cat = catalog(http, cluster.bases[0], cluster.headers)
    yoga = await cat.group(capacity=10)
    event = await cat.session(yoga, next_monday(week), capacity=10)
    body = {"booking": class_booking(yoga, event)}
    answers = await fire(
        http, [(cluster.base(i) + API, body) for i in range(CALLS)], cluster.headers
    )
    counts = Counter(outcome(r) for r in answers)
    assert counts == {"OK": 10, "428 SESSION_CAPACITY_EXCEEDED": 190}
    assert await stored(cluster.db, cluster.site_id, event_id=event["id"]) == {"CREATED": 10}
    got = await http.get(
        f"{cluster.bases[-1]}/calendar/v3/events/{event['id']}", headers=cluster.headers
    )
    assert got.json()["event"]["remainingCapacity"] == 0
    ids = {r.json()["booking"]["id"] for r in answers if r.status_code == 200}
    async with cluster.db.engine.connect() as conn:
        created = (
            await conn.execute(
                sa.select(domain_events.c.entity_id).where(domain_events.c.slug == "created")
            )
        ).all()
    assert ids <= {r.entity_id for r in created}


async def appointment_slot_race(cluster: Cluster, http: httpx.AsyncClient, week: int = 3) -> None:
    """200 concurrent creates at one appointment slot of one staff member (half naming her,
    half leaving the choice to the server), spread over the cluster's servers: exactly one
    succeeds."""
    await set_hold(cluster.db, cluster.site_id, 15)
    cat = catalog(http, cluster.bases[0], cluster.headers)
    ana = await cat.staff("Ana")
    massage = await cat.appointment([ana])
    day = next_monday(week)
    calls = [
        (cluster.base(i) + API, {"booking": appointment_booking(massage, day, resource=ana)})
        if i % 2
        else (cluster.base(i) + API, {"booking": appointment_booking(massage, day)})
        for i in range(CALLS)
    ]
    answers = await fire(http, calls, cluster.headers)
    counts = Counter(outcome(r) for r in answers)
    assert counts == {"OK": 1, "428 SLOT_NOT_AVAILABLE": 199}
    assert await stored(cluster.db, cluster.site_id, resource_id=ana) == {"CREATED": 1}
