"""A create plans with the process's copies of the catalog (the service and its policy, the
staff resources and names: ``platform/site_cache.py``), and a change made anywhere else is
seen by the next create: through another process's API, or straight in the database (the
triggers of migration 0019 move the site's catalog version on). Both engines."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from bookings.app import create_app, start_services
from bookings.identity.models import sites
from bookings.platform import site_cache
from bookings.platform.routing import Services
from bookings.staff.models import staff_members
from tests.booking.conftest import Catalog, appointment_booking, class_booking, created, next_monday
from tests.conftest import SiteKeys
from tests.helpers import ok


@pytest.fixture
async def other_process(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    """The API of a second server process on the same database (its own engine and copies)."""
    other = await start_services(services.settings)
    transport = httpx.ASGITransport(app=create_app(services=other))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://other") as c:
            yield c
    finally:
        await other.db.dispose()


@contextmanager
def statements(services: Services) -> Iterator[list[str]]:
    """The SQL statements the app's engine sends meanwhile."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    engine = services.db.engine.sync_engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


#: The tables of the catalog proper.
CATALOG = ("services", "booking_policies", "resources", "staff_members")


def reading(seen: list[str], table: str) -> list[str]:
    """The reads of ``table`` among ``seen`` (its row locks are not reads of a copy)."""
    return [
        s
        for s in seen
        if s.lstrip().upper().startswith("SELECT")
        and f"FROM {table}" in s
        and "FOR UPDATE" not in s
    ]


async def catalog_version(services: Services, site_id: str) -> int:
    async with services.db.engine.connect() as conn:
        query = sa.select(sites.c.catalog_version).where(sites.c.site_id == site_id)
        return int((await conn.execute(query)).scalar_one())


async def test_a_second_create_reads_no_catalog_row(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    cat = Catalog(client, site.admin)
    ana = await cat.staff("Ana")
    massage = await cat.appointment([ana])
    yoga = await cat.group(capacity=5)
    session = await cat.session(yoga, next_monday(), capacity=5)
    day = next_monday()
    await created(client, site.admin, appointment_booking(massage, day, "10:00", "11:00", ana))
    await created(client, site.admin, class_booking(yoga, session))
    version = await catalog_version(services, site.site_id)
    # A confirmed appointment writes its own calendar event, a class booking the session's
    # participant count: neither moves the version.
    confirmed = appointment_booking(massage, day, "14:00", "15:00", ana, status="CONFIRMED")
    assert (await created(client, site.admin, confirmed))["status"] == "CONFIRMED"
    assert await catalog_version(services, site.site_id) == version
    with statements(services) as seen:
        got = await created(
            client, site.admin, appointment_booking(massage, day, "12:00", "13:00", ana)
        )
    assert got["bookedEntity"]["slot"]["resource"] == {"id": ana, "name": "Ana"}
    # Neither the catalog nor the calendar (no event of the site's own changed since; a
    # booking's event is none): the staff member's lock, the bookings, the writes.
    for table in (*CATALOG, "calendar_events", "calendar_event_resources"):
        assert reading(seen, table) == [], table
    with statements(services) as seen:
        await created(client, site.admin, class_booking(yoga, session))
    for table in CATALOG:
        assert reading(seen, table) == [], table
    # Bookings move no catalog version (else every create would read the catalog again).
    assert await catalog_version(services, site.site_id) == version


async def test_a_change_through_another_process_is_seen_by_the_next_create(
    client: httpx.AsyncClient,
    other_process: httpx.AsyncClient,
    site: SiteKeys,
    services: Services,
) -> None:
    cat = Catalog(client, site.admin)
    ana = await cat.staff("Ana")
    massage = await cat.appointment([ana])
    day = next_monday()
    first = await created(client, site.admin, appointment_booking(massage, day, "10:00", "11:00"))
    assert first["bookedEntity"]["title"] == massage["name"]
    res = await other_process.patch(
        f"/_api/bookings/v2/services/{massage['id']}",
        headers=site.admin,
        json={"service": {"id": massage["id"], "revision": massage["revision"], "name": "Shiatsu"}},
    )
    ok(res)
    second = await created(client, site.admin, appointment_booking(massage, day, "12:00", "13:00"))
    assert second["bookedEntity"]["title"] == "Shiatsu"
    # Online booking switched off elsewhere: the next create is refused at once.
    revision = ok(res)["service"]["revision"]
    off = {"id": massage["id"], "revision": revision, "onlineBooking": {"enabled": False}}
    ok(
        await other_process.patch(
            f"/_api/bookings/v2/services/{massage['id']}", headers=site.admin, json={"service": off}
        )
    )
    visitor = await client.post(
        "/oauth2/token", json={"grantType": "anonymous", "clientId": site.client_id}
    )
    headers = {"Authorization": ok(visitor)["access_token"]}
    refused = await client.post(
        "/_api/bookings-service/v2/bookings",
        headers=headers,
        json={"booking": appointment_booking(massage, day, "14:00", "15:00")},
    )
    assert refused.status_code != 200, refused.text


async def test_a_change_straight_in_the_database_is_seen_by_the_next_create(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    cat = Catalog(client, site.admin)
    ana = await cat.staff("Ana")
    massage = await cat.appointment([ana])
    day = next_monday()
    first = await created(
        client, site.admin, appointment_booking(massage, day, "10:00", "11:00", resource=ana)
    )
    assert first["bookedEntity"]["slot"]["resource"]["name"] == "Ana"
    before = await catalog_version(services, site.site_id)
    async with services.db.engine.begin() as conn:
        await conn.execute(
            sa.update(staff_members)
            .where(staff_members.c.site_id == site.site_id, staff_members.c.resource_id == ana)
            .values(name="Bea")
        )
    assert await catalog_version(services, site.site_id) > before
    second = await created(
        client, site.admin, appointment_booking(massage, day, "12:00", "13:00", resource=ana)
    )
    assert second["bookedEntity"]["slot"]["resource"]["name"] == "Bea"


async def test_time_blocked_through_another_process_refuses_the_next_create(
    client: httpx.AsyncClient,
    other_process: httpx.AsyncClient,
    site: SiteKeys,
    services: Services,
) -> None:
    cat = Catalog(client, site.admin)
    member = ok(
        await client.post(
            "/bookings/v1/staff-members",
            json={"staffMember": {"name": "Ana"}, "fields": ["RESOURCE_DETAILS"]},
            headers=site.admin,
        )
    )["staffMember"]
    ana = member["resourceId"]
    massage = await cat.appointment([ana])
    day = next_monday()
    await created(client, site.admin, appointment_booking(massage, day, "10:00", "11:00", ana))
    own = member["resource"]["eventsSchedule"]["id"]
    before = await catalog_version(services, site.site_id)
    weekly = {"frequency": "WEEKLY", "interval": 1, "days": ["MONDAY"]}
    for start, end, rule in (("12:00", "13:00", weekly), ("15:00", "16:00", None)):
        event = {
            "scheduleId": own,
            "type": "DEFAULT",
            "start": {"localDate": f"{day}T{start}:00"},
            "end": {"localDate": f"{day}T{end}:00"},
        }
        if rule is not None:
            event["recurrenceRule"] = rule
        ok(
            await other_process.post(
                "/calendar/v3/events", json={"event": event}, headers=site.admin
            )
        )
    # The calendar's own events move the version (bookings' events do not: above).
    assert await catalog_version(services, site.site_id) > before
    later = day + timedelta(days=7)
    for when, start, end in ((later, "12:00", "13:00"), (day, "15:00", "16:00")):
        refused = await client.post(
            "/_api/bookings-service/v2/bookings",
            headers=site.admin,
            json={"booking": appointment_booking(massage, when, start, end, resource=ana)},
        )
        assert refused.status_code == 428, refused.text
        assert refused.json()["details"]["applicationError"]["code"] == "SLOT_NOT_AVAILABLE"


def test_a_copy_serves_only_the_version_it_was_read_at() -> None:
    cache = site_cache.SiteCache(limit=2)
    cache.put("s", 1, "service", "a", "A1")
    assert cache.get("s", 1, "service", "a") == "A1"
    assert cache.get("other-site", 1, "service", "a") is None
    assert cache.get("s", 1, "staff", "a") is None
    assert cache.get("s", 2, "service", "a") is None
    cache.put("s", 2, "service", "a", "A2")
    assert cache.get("s", 1, "service", "a") is None
    cache.put("s", 2, "service", "b", "B2")
    cache.put("s", 2, "service", "c", "C2")  # over the limit: the least recently used goes
    assert cache.get("s", 2, "service", "a") is None
    assert cache.get("s", 2, "service", "c") == "C2"
