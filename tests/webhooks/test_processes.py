"""Real processes (marked slow): ``kill -9`` of a ``bookings serve`` while deliveries are in
flight and during a burst of creates (proof 4, both engines), and three ``bookings worker``
processes sharing the queue on PostgreSQL (proof 5). Waits are on conditions, with generous
deadlines."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import subprocess
import sys
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from bookings.booking.models import bookings
from bookings.identity import service as identity
from bookings.platform import events
from bookings.platform.db import Database
from bookings.platform.models import domain_events
from bookings.webhooks import service as webhooks
from bookings.webhooks.models import webhook_attempts, webhook_deliveries
from tests.booking.conftest import API, Catalog, class_booking, next_monday
from tests.conftest import ENGINES, fresh_database
from tests.serving import serving
from tests.webhooks.conftest import HOOKS
from tests.webhooks.receiver import Receiver, receiving

pytestmark = pytest.mark.slow


@dataclass
class Setup:
    url: str
    env: dict[str, str]
    site_id: str
    headers: dict[str, str]
    db: Database
    tmp: Path


@pytest.fixture(params=ENGINES)
async def setup(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Setup]:
    async with fresh_database(request.param, tmp_path) as url:
        site_id, key = str(uuid.uuid4()), f"automation-{uuid.uuid4().hex}"
        env = {
            "BOOKINGS_DATA_DIR": str(tmp_path),
            "BOOKINGS_DATABASE_URL": url,
            "BOOKINGS_SITE_ID": site_id,
            "BOOKINGS_ADMIN_API_KEY": key,
            "BOOKINGS_WEBHOOK_ALLOW_PRIVATE": "1",
            "BOOKINGS_WEBHOOK_LEASE_SECONDS": "2",
            "BOOKINGS_WEBHOOK_POLL_MS": "100",
        }
        db = Database(url)
        headers = {"Authorization": key, "wix-site-id": site_id}
        try:
            yield Setup(url, env, site_id, headers, db, tmp_path)
        finally:
            await db.dispose()


async def created_events(db: Database, site_id: str) -> list[Any]:
    e = domain_events
    stmt = (
        sa.select(e.c.id, e.c.entity_id, e.c.slug)
        .where(e.c.site_id == site_id)
        .where(e.c.entity_fqdn == "wix.bookings.v2.booking")
    )
    async with db.connect_for_read() as conn:
        return [r for r in (await conn.execute(stmt)).all() if r.slug == "created"]


async def wait_until(check: Any, within: float = 120) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await check():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.1)


def check_deliveries(receiver: Receiver, expected: set[str]) -> None:
    """Every expected event arrived; a duplicate only ever under the same webhook-id."""
    with receiver.lock:
        got = list(receiver.received)
    assert {r.headers["webhook-id"] for r in got} == expected
    for r in got:
        assert json.loads(r.body)["data"]["id"] == r.headers["webhook-id"]


async def prepare(setup: Setup, http: httpx.AsyncClient, base: str, receiver: Receiver) -> Any:
    body = {"webhook": {"url": receiver.url, "eventTypes": ["wix.bookings.v2.booking_created"]}}
    res = await http.post(f"{base}{HOOKS}", json=body, headers=setup.headers)
    assert res.status_code == 200, res.text
    catalog = Catalog(http, setup.headers)
    catalog.client = _Based(http, base)  # type: ignore[assignment]
    service = await catalog.group(capacity=1000)
    event = await catalog.session(service, next_monday(), capacity=1000)
    return class_booking(service, event)


class _Based:
    def __init__(self, http: httpx.AsyncClient, base: str) -> None:
        self.http, self.base = http, base

    async def post(self, path: str, **kw: Any) -> httpx.Response:
        return await self.http.post(self.base + path, **kw)


async def test_kill_9_during_deliveries(setup: Setup) -> None:
    with receiving() as receiver:
        async with httpx.AsyncClient(timeout=60) as http:
            with serving(setup.env, "--no-demo", log=setup.tmp / "serve1.log") as (base, proc):
                booking = await prepare(setup, http, base, receiver)
                receiver.released.clear()  # hold every request: deliveries stay in flight
                for _ in range(30):
                    res = await http.post(
                        base + API, json={"booking": booking}, headers=setup.headers
                    )
                    assert res.status_code == 200, res.text

                async def in_flight() -> bool:
                    return receiver.in_flight >= 3

                await wait_until(in_flight)
                proc.kill()
                proc.wait()
            receiver.released.set()  # the held requests were seen, never recorded as delivered
            expected = {e.id for e in await created_events(setup.db, setup.site_id)}
            assert len(expected) == 30
            with serving(setup.env, "--no-demo", log=setup.tmp / "serve2.log"):

                async def all_arrived() -> bool:
                    with receiver.lock:
                        return expected <= {r.headers["webhook-id"] for r in receiver.received}

                await wait_until(all_arrived)
            check_deliveries(receiver, expected)


async def test_kill_9_during_a_burst_of_creates(setup: Setup) -> None:
    with receiving() as receiver:
        async with httpx.AsyncClient(timeout=60) as http:
            with serving(setup.env, "--no-demo", log=setup.tmp / "serve1.log") as (base, proc):
                booking = await prepare(setup, http, base, receiver)
                answered: list[int] = []

                async def create() -> None:
                    try:
                        res = await http.post(
                            base + API, json={"booking": booking}, headers=setup.headers
                        )
                        answered.append(res.status_code)
                    except httpx.HTTPError:
                        pass

                gate = asyncio.Semaphore(16)

                async def gated() -> None:
                    async with gate:
                        await create()

                burst = [asyncio.create_task(gated()) for _ in range(300)]

                async def some_done() -> bool:
                    return len(answered) >= 40

                await wait_until(some_done)
                proc.kill()
                proc.wait()
                await asyncio.gather(*burst)
            assert 40 <= answered.count(200) < 300
            with serving(setup.env, "--no-demo", log=setup.tmp / "serve2.log"):
                stored = sa.select(bookings.c.id).where(bookings.c.site_id == setup.site_id)
                async with setup.db.connect_for_read() as conn:
                    booking_ids = sorted(r.id for r in (await conn.execute(stored)).all())
                found = await created_events(setup.db, setup.site_id)
                assert sorted(e.entity_id for e in found) == booking_ids  # 1:1
                assert len(booking_ids) >= answered.count(200)
                expected = {e.id for e in found}

                async def all_arrived() -> bool:
                    with receiver.lock:
                        return expected <= {r.headers["webhook-id"] for r in receiver.received}

                await wait_until(all_arrived)
            check_deliveries(receiver, expected)


@contextmanager
def workers(env: dict[str, str], count: int, tmp: Path) -> Iterator[list[subprocess.Popen[str]]]:
    full = {**os.environ, **env}
    with ExitStack() as stack:
        procs = []
        for i in range(count):
            log = stack.enter_context((tmp / f"worker{i}.log").open("w"))
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "bookings.cli", "worker"],
                    env=full,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    text=True,
                )
            )
        try:
            yield procs
        finally:
            for p in procs:
                p.terminate()
            for p in procs:
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


async def test_three_postgres_workers_never_lease_one_delivery_twice(tmp_path: Path) -> None:
    """Proof 5: 3 workers deliver 1 000 events; the attempt log shows every delivery sent
    once, and no two attempts of one delivery at overlapping times."""
    async with fresh_database("postgres", tmp_path) as url:
        db = Database(url)
        try:
            from bookings import migrations

            await migrations.upgrade(db)
            site = await identity.create_site(db, "Workers", "UTC")
            with receiving() as receiver:
                os.environ["BOOKINGS_WEBHOOK_ALLOW_PRIVATE"] = "1"
                try:
                    await webhooks.create_webhook(db, site.site_id, receiver.url, [])
                finally:
                    del os.environ["BOOKINGS_WEBHOOK_ALLOW_PRIVATE"]
                env = {
                    "BOOKINGS_DATABASE_URL": url,
                    "BOOKINGS_DATA_DIR": str(tmp_path),
                    "BOOKINGS_WEBHOOK_ALLOW_PRIVATE": "1",
                    "BOOKINGS_WEBHOOK_POLL_MS": "50",
                }
                with workers(env, 3, tmp_path):
                    for _ in range(10):
                        async with db.write(site.site_id) as uow:
                            for _ in range(100):
                                await events.record(
                                    uow,
                                    entity_fqdn="wix.bookings.v2.booking",
                                    slug="created",
                                    entity_id=str(uuid.uuid4()),
                                    kind="created",
                                    payload={"n": 1},
                                    sequence=1,
                                    later=True,
                                )

                    async def all_arrived() -> bool:
                        with receiver.lock:
                            return len({r.headers["webhook-id"] for r in receiver.received}) >= 1000

                    await wait_until(all_arrived, within=180)

                    async def all_recorded() -> bool:
                        d = webhook_deliveries
                        stmt = sa.select(sa.func.count()).where(d.c.status == "DELIVERED")
                        async with db.connect_for_read() as conn:
                            return int(await conn.scalar(stmt) or 0) == 1000

                    await wait_until(all_recorded)
            t = webhook_attempts
            async with db.connect_for_read() as conn:
                log = (await conn.execute(sa.select(t))).all()
            by_delivery: dict[str, list[Any]] = defaultdict(list)
            for a in log:
                by_delivery[a.delivery_id].append(a)
            assert len(by_delivery) == 1000
            for attempts in by_delivery.values():
                spans = sorted((a.started_date, a.finished_date, a.worker) for a in attempts)
                for (_, end, _), (start, _, _) in itertools.pairwise(spans):
                    assert end <= start, spans
            # each delivered once (an attempt that failed, say a refused connection, was retried)
            assert sum(1 for a in log if a.status_code == 204) == 1000
            assert len({a.worker for a in log}) == 3  # the queue was shared
            assert len(receiver.received) == 1000
        finally:
            await db.dispose()
