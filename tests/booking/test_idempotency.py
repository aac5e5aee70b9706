"""Idempotency keys on writes (issue 15), through HTTP on SQLite and PostgreSQL: one booking
for 20 concurrent creates with one key, replays with ``Idempotent-Replayed``, 422 on another
request, 409 while the first runs, errors not stored, per-credential scope, expiry after 24 h
on a fake clock, a keyed bulk create that dies midway leaves nothing (its retry books each
item once)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from bookings.app import create_app
from bookings.booking.models import bookings
from bookings.booking.service import create
from bookings.identity import credentials
from bookings.identity import service as identity
from bookings.platform import idempotency
from bookings.platform.auth import Role, hash_secret
from bookings.platform.db import utcnow
from bookings.platform.models import domain_events, idempotency_records
from bookings.platform.routing import Services
from tests.booking.conftest import (
    API,
    BULK,
    Catalog,
    appointment_booking,
    class_booking,
    next_monday,
)
from tests.conftest import SiteKeys
from tests.helpers import app_error, ok, violation


def keyed(headers: dict[str, str], key: str) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key}


async def count(services: Services, table: sa.Table, site_id: str) -> int:
    async with services.db.read(site_id) as scope:
        return int(await scope.scalar(scope.select(table, sa.func.count())))


async def send_until_done(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], body: dict[str, Any]
) -> httpx.Response:
    """Retry on 409 IDEMPOTENCY_KEY_IN_USE, as a client honouring ``Retry-After`` would."""
    while True:
        res = await client.post(path, json=body, headers=headers)
        if res.status_code != 409:
            return res
        assert res.headers["retry-after"] == "1"
        app_error(res, 409, "IDEMPOTENCY_KEY_IN_USE")
        await asyncio.sleep(0.01)


async def yoga(client: httpx.AsyncClient, site: SiteKeys) -> tuple[dict[str, Any], dict[str, Any]]:
    cat = Catalog(client, site.admin)
    svc = await cat.group(capacity=50)
    return svc, await cat.session(svc, next_monday())


async def test_twenty_concurrent_creates_one_booking(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    svc, event = await yoga(client, site)
    body = {"booking": class_booking(svc, event)}
    headers = keyed(site.admin, "create-1")
    answers = await asyncio.gather(
        *(send_until_done(client, API, headers, body) for _ in range(20))
    )
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    assert len({a.content for a in answers}) == 1
    fresh = [a for a in answers if "idempotent-replayed" not in a.headers]
    assert len(fresh) == 1
    assert all(a.headers["idempotent-replayed"] == "true" for a in answers if a not in fresh)
    assert await count(services, bookings, site.site_id) == 1
    events = await count(services, domain_events, site.site_id)
    # Once more, later: a replay, nothing new written.
    again = await client.post(API, json=body, headers=headers)
    assert again.status_code == 200 and again.content == answers[0].content
    assert again.headers["idempotent-replayed"] == "true"
    assert await count(services, bookings, site.site_id) == 1
    assert await count(services, domain_events, site.site_id) == events
    # The X- spelling and the Structured-Field string are the same key.
    xs = {**site.admin, "X-Idempotency-Key": "create-1"}
    assert (await client.post(API, json=body, headers=xs)).content == answers[0].content
    sf = keyed(site.admin, '"create-1"')
    assert (await client.post(API, json=body, headers=sf)).headers["idempotent-replayed"]


async def test_another_request_with_the_key_is_422(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    svc, event = await yoga(client, site)
    headers = keyed(site.admin, "k-422")
    ok(await client.post(API, json={"booking": class_booking(svc, event)}, headers=headers))
    other = {"booking": class_booking(svc, event, totalParticipants=2)}
    app_error(await client.post(API, json=other, headers=headers), 422, "IDEMPOTENCY_KEY_REUSED")
    # Another route with the key too.
    res = await client.post(
        "/bookings/v1/staff-members", json={"staffMember": {"name": "X"}}, headers=headers
    )
    app_error(res, 422, "IDEMPOTENCY_KEY_REUSED")
    assert await count(services, bookings, site.site_id) == 1


async def test_malformed_key_is_400(client: httpx.AsyncClient, site: SiteKeys) -> None:
    svc, event = await yoga(client, site)
    body = {"booking": class_booking(svc, event)}
    for bad in ["x" * 256, "tab\there", '""']:
        res = await client.post(API, json=body, headers=keyed(site.admin, bad))
        violation(res, "header:idempotency-key")


async def test_errors_are_not_stored(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    cat = Catalog(client, site.admin)
    ana = await cat.staff("Ana")
    svc = await cat.appointment([ana])
    day = next_monday()
    first = ok(
        await client.post(API, json={"booking": appointment_booking(svc, day)}, headers=site.admin)
    )["booking"]
    body = {"booking": appointment_booking(svc, day)}
    headers = keyed(site.admin, "retry-me")
    app_error(await client.post(API, json=body, headers=headers), 428, "SLOT_NOT_AVAILABLE")
    async with services.db.read(site.site_id) as scope:
        assert await scope.scalar(scope.select(idempotency_records, sa.func.count())) == 0
    cancel = {"revision": first["revision"]}
    ok(await client.post(f"{API}/{first['id']}/cancel", json=cancel, headers=site.admin))
    res = await client.post(API, json=body, headers=headers)
    assert res.status_code == 200 and "idempotent-replayed" not in res.headers
    assert (await client.post(API, json=body, headers=headers)).headers["idempotent-replayed"]


async def test_keys_are_per_credential(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    svc, event = await yoga(client, site)
    _, second_admin = await identity.create_api_key(services.db, site.site_id, Role.ADMIN)
    body = {"booking": class_booking(svc, event)}
    one = ok(await client.post(API, json=body, headers=keyed(site.admin, "shared")))
    two = ok(await client.post(API, json=body, headers=keyed(site.headers(second_admin), "shared")))
    assert one["booking"]["id"] != two["booking"]["id"]
    assert await count(services, bookings, site.site_id) == 2


async def test_cancel_with_a_key_replays(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    svc, event = await yoga(client, site)
    booking = ok(
        await client.post(API, json={"booking": class_booking(svc, event)}, headers=site.admin)
    )["booking"]
    path = f"{API}/{booking['id']}/cancel"
    headers = keyed(site.admin, "cancel-1")
    body = {"revision": booking["revision"]}
    first = await client.post(path, json=body, headers=headers)
    assert first.status_code == 200, first.text
    events = await count(services, domain_events, site.site_id)
    again = await client.post(path, json=body, headers=headers)
    assert again.status_code == 200 and again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert await count(services, domain_events, site.site_id) == events
    # Without the key the same cancel is a conflict (stale revision or already canceled).
    assert (await client.post(path, json=body, headers=site.admin)).status_code != 200


@dataclasses.dataclass
class FakeClock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def clocked(services: Services) -> AsyncIterator[tuple[httpx.AsyncClient, FakeClock]]:
    clock = FakeClock(utcnow())
    app = create_app(services=dataclasses.replace(services, clock=clock))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c, clock


async def test_key_is_new_again_after_24_hours(
    clocked: tuple[httpx.AsyncClient, FakeClock], site: SiteKeys, services: Services
) -> None:
    client, clock = clocked
    svc, event = await yoga(client, site)
    body = {"booking": class_booking(svc, event)}
    headers = keyed(site.admin, "daily")
    first = ok(await client.post(API, json=body, headers=headers))
    clock.now += timedelta(hours=23, minutes=59)
    again = await client.post(API, json=body, headers=headers)
    assert again.headers["idempotent-replayed"] == "true"
    assert await count(services, bookings, site.site_id) == 1
    clock.now += timedelta(minutes=2)
    fresh = await client.post(API, json=body, headers=headers)
    assert fresh.status_code == 200 and "idempotent-replayed" not in fresh.headers
    assert ok(fresh)["booking"]["id"] != first["booking"]["id"]
    assert await count(services, bookings, site.site_id) == 2
    # Pruning deletes expired records only.
    await idempotency.prune(services.db, clock.now + timedelta(hours=1))
    assert await count(services, idempotency_records, site.site_id) == 1
    assert await idempotency.prune(services.db, clock.now + timedelta(hours=25)) >= 1
    assert await count(services, idempotency_records, site.site_id) == 0


async def test_without_a_key_nothing_is_recorded(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    svc, event = await yoga(client, site)
    body = {"booking": class_booking(svc, event)}
    ok(await client.post(API, json=body, headers=site.admin))
    ok(await client.post(API, json=body, headers=site.admin))
    assert await count(services, bookings, site.site_id) == 2
    assert await count(services, idempotency_records, site.site_id) == 0


async def test_key_in_use_is_409_with_retry_after(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    if services.db.is_sqlite:
        pytest.skip("SQLite: writers queue (BEGIN IMMEDIATE); the second request replays")
    svc, event = await yoga(client, site)
    caller = await credentials.lookup(services.db, hash_secret(site.admin_key))
    assert caller is not None
    scope = idempotency.scope_key(site.site_id, f"{caller.role.value}:{caller.subject_id}", "busy")
    body = {"booking": class_booking(svc, event)}
    async with services.db.engine.connect() as conn, conn.begin():
        # Another request holds the key (its transaction has the advisory lock).
        lock = sa.text("SELECT pg_advisory_xact_lock(hashtextextended(:s, 0))")
        await conn.execute(lock, {"s": scope})
        res = await client.post(API, json=body, headers=keyed(site.admin, "busy"))
        app_error(res, 409, "IDEMPOTENCY_KEY_IN_USE")
        assert res.headers["retry-after"] == "1"
    assert await count(services, bookings, site.site_id) == 0
    ok(await client.post(API, json=body, headers=keyed(site.admin, "busy")))


async def test_a_keyed_bulk_create_that_dies_midway_keeps_nothing(
    client: httpx.AsyncClient,
    site: SiteKeys,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A bulk create runs a unit of work per item: with a key they are one transaction, which
    commits with the key's record, so a request that dies after its first item (the database
    gone, the process killed) leaves nothing, and its retry with the key makes each booking
    once. (Were the first item committed alone, the retry would book it twice.)"""
    svc, event = await yoga(client, site)
    body = {"createBookingsInfo": [{"booking": class_booking(svc, event)} for _ in range(3)]}
    headers = keyed(site.admin, "bulk-dies")
    before = await count(services, bookings, site.site_id)
    real, seen = create._insert, []

    async def dies_at_the_second(*args: Any, **kwargs: Any) -> Any:
        seen.append(1)
        if len(seen) == 2:
            raise ConnectionResetError("the database went away")
        return await real(*args, **kwargs)

    monkeypatch.setattr(create, "_insert", dies_at_the_second)
    res = await client.post(f"{BULK}/create", json=body, headers=headers)
    assert res.status_code == 503, res.text
    assert await count(services, bookings, site.site_id) == before
    monkeypatch.undo()
    first = ok(await client.post(f"{BULK}/create", json=body, headers=headers))
    assert first["bulkActionMetadata"]["totalSuccesses"] == 3
    again = await client.post(f"{BULK}/create", json=body, headers=headers)
    assert again.headers["idempotent-replayed"] == "true"
    assert ok(again) == first
    assert await count(services, bookings, site.site_id) == before + 3


async def test_keyed_bulk_creates_in_opposite_orders_each_commit_whole(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    """Two keyed bulk creates at the same two sessions, in opposite orders, at once: each
    holds its first item's lock while it takes its second's (one transaction), so on
    PostgreSQL one may be a deadlock's victim. That one answers 503 (never 500) and left
    nothing; its retry with its key books it whole."""
    cat = Catalog(client, site.admin)
    svc = await cat.group(capacity=100)
    one = await cat.session(svc, next_monday(6), capacity=100)
    two = await cat.session(svc, next_monday(7), capacity=100)
    made, refused = 0, 0
    for round_ in range(3):
        bodies = [
            {"createBookingsInfo": [{"booking": class_booking(svc, e)} for e in order]}
            for order in ((one, two), (two, one))
        ]
        keys = [keyed(site.admin, f"opposite-{round_}-{i}") for i in range(2)]
        answers = await asyncio.gather(
            *(
                client.post(f"{BULK}/create", json=b, headers=k)
                for b, k in zip(bodies, keys, strict=True)
            )
        )
        for body, key, res in zip(bodies, keys, answers, strict=True):
            if res.status_code == 503:
                app_error(res, 503, "UNAVAILABLE")
                refused += 1
                res = await send_until_done(client, f"{BULK}/create", key, body)
            assert ok(res)["bulkActionMetadata"]["totalSuccesses"] == 2
            made += 2
    assert await count(services, bookings, site.site_id) == made, refused
