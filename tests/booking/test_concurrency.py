"""Never overbooked: real server processes (two per engine, sharing one database) and many
concurrent clients, on SQLite and PostgreSQL.

* 200 concurrent creates at one class session of capacity 10: exactly 10 succeed;
* 200 concurrent creates at one appointment slot of one staff member: exactly 1 succeeds;
* with a hold of 0: every create succeeds, then concurrent Confirm Or Decline leaves exactly
  the capacity CONFIRMED and DECLINES the rest;
* concurrent confirm/cancel calls carrying one revision: exactly one wins.

Every loser gets the spec's error, and the stored bookings (read straight from the database)
agree with the answers.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from bookings.booking.models import bookings
from bookings.platform.db import Database
from bookings.platform.models import domain_events
from tests.booking.conftest import (
    API,
    CONFIRMATION,
    Catalog,
    appointment_booking,
    class_booking,
    next_monday,
    set_hold,
)
from tests.conftest import POSTGRES_URL, _create_pg_database, _drop_pg_database
from tests.serving import serving

pytestmark = pytest.mark.slow

CONCURRENCY = 50
CALLS = 200


@dataclass
class Cluster:
    bases: list[str]
    site_id: str
    headers: dict[str, str]
    db: Database

    def base(self, i: int) -> str:
        return self.bases[i % len(self.bases)]


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def cluster(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Cluster]:
    tmp: Path = tmp_path_factory.mktemp("cluster")
    pg_name = None
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp / 'bookings.sqlite3'}"
    else:
        if not POSTGRES_URL:
            pytest.skip("PostgreSQL: set BOOKINGS_TEST_POSTGRES_URL")
        url, pg_name = await _create_pg_database(POSTGRES_URL)
    site_id = str(uuid.uuid4())
    key = f"automation-{uuid.uuid4().hex}"
    env = {
        "BOOKINGS_DATA_DIR": str(tmp),
        "BOOKINGS_DATABASE_URL": url,
        "BOOKINGS_SITE_ID": site_id,
        "BOOKINGS_ADMIN_API_KEY": key,
        "BOOKINGS_LOG_JSON": "1",
    }
    db = Database(url)
    try:
        with ExitStack() as stack:
            bases = [
                stack.enter_context(serving(env, log=tmp / f"serve{i}.log"))[0] for i in range(2)
            ]
            yield Cluster(bases, site_id, {"Authorization": key, "wix-site-id": site_id}, db)
    finally:
        await db.dispose()
        if pg_name is not None:
            await _drop_pg_database(POSTGRES_URL, pg_name)


@pytest.fixture
def http() -> Iterator[httpx.AsyncClient]:
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    client = httpx.AsyncClient(timeout=60, limits=limits)
    yield client


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
    return f"{res.status_code} {res.json()['details']['applicationError']['code']}"


async def stored(db: Database, site_id: str, **where: Any) -> Counter[str]:
    b = bookings
    stmt = sa.select(b.c.status).where(b.c.site_id == site_id)
    for name, value in where.items():
        stmt = stmt.where(b.c[name] == value)
    async with db.engine.connect() as conn:
        return Counter(r.status for r in (await conn.execute(stmt)).all())


async def catalog(http: httpx.AsyncClient, cluster: Cluster) -> Catalog:
    return Catalog(_Based(http, cluster.bases[0]), cluster.headers)  # type: ignore[arg-type]


class _Based:
    """An httpx client that prefixes paths with a base URL (the Catalog helper posts paths)."""

    def __init__(self, http: httpx.AsyncClient, base: str) -> None:
        self.http = http
        self.base = base

    async def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.http.post(self.base + path, **kwargs)


async def test_class_session_is_never_overbooked(cluster: Cluster, http: httpx.AsyncClient) -> None:
    await set_hold(cluster.db, cluster.site_id, 15)
    cat = await catalog(http, cluster)
    yoga = await cat.group(capacity=10)
    event = await cat.session(yoga, next_monday(), capacity=10)
    body = {"booking": class_booking(yoga, event)}
    answers = await fire(
        http, [(cluster.base(i) + API, body) for i in range(CALLS)], cluster.headers
    )
    counts = Counter(outcome(r) for r in answers)
    assert counts == {"OK": 10, "428 SESSION_CAPACITY_EXCEEDED": 190}
    assert await stored(cluster.db, cluster.site_id, event_id=event["id"]) == {"CREATED": 10}
    got = await http.get(
        f"{cluster.bases[1]}/calendar/v3/events/{event['id']}", headers=cluster.headers
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


async def test_appointment_slot_is_never_overbooked(
    cluster: Cluster, http: httpx.AsyncClient
) -> None:
    await set_hold(cluster.db, cluster.site_id, 15)
    cat = await catalog(http, cluster)
    ana = await cat.staff("Ana")
    massage = await cat.appointment([ana])
    day = next_monday(3)
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


async def test_hold_zero_creates_succeed_and_confirm_or_decline_sorts_them_out(
    cluster: Cluster, http: httpx.AsyncClient
) -> None:
    await set_hold(cluster.db, cluster.site_id, 0)
    try:
        cat = await catalog(http, cluster)
        yoga = await cat.group(capacity=10)
        event = await cat.session(yoga, next_monday(4), capacity=10)
        body = {"booking": class_booking(yoga, event)}
        created = await fire(
            http, [(cluster.base(i) + API, body) for i in range(60)], cluster.headers
        )
        assert Counter(outcome(r) for r in created) == {"OK": 60}
        ids = [r.json()["booking"]["id"] for r in created]
        decided = await fire(
            http,
            [
                (f"{cluster.base(i)}{CONFIRMATION}/{bid}:confirmOrDecline", {})
                for i, bid in enumerate(ids)
            ],
            cluster.headers,
        )
        assert Counter(outcome(r) for r in decided) == {"OK": 60}
        statuses = Counter(r.json()["booking"]["status"] for r in decided)
        assert statuses == {"CONFIRMED": 10, "DECLINED": 50}
        assert await stored(cluster.db, cluster.site_id, event_id=event["id"]) == statuses
    finally:
        await set_hold(cluster.db, cluster.site_id, 15)


async def test_one_revision_one_winner(cluster: Cluster, http: httpx.AsyncClient) -> None:
    cat = await catalog(http, cluster)
    yoga = await cat.group(capacity=100)
    event = await cat.session(yoga, next_monday(5), capacity=100)
    first = await http.post(
        cluster.bases[0] + API,
        json={"booking": class_booking(yoga, event)},
        headers=cluster.headers,
    )
    booking_id = first.json()["booking"]["id"]
    calls = [
        (
            f"{cluster.base(i)}{API}/{booking_id}/{'confirm' if i % 2 else 'cancel'}",
            {"revision": "1"},
        )
        for i in range(40)
    ]
    answers = await fire(http, calls, cluster.headers)
    counts = Counter(outcome(r) for r in answers)
    assert counts == {"OK": 1, "409 REVISION_MISMATCH": 39}
    winner = next(r for r in answers if r.status_code == 200).json()["booking"]
    assert winner["revision"] == "2"
    assert await stored(cluster.db, cluster.site_id, id=booking_id) == {winner["status"]: 1}
