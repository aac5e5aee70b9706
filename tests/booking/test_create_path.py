"""What the create path no longer re-reads stays what a re-read would give (on SQLite and
PostgreSQL): the answered booking is its stored row, its events are numbered 1, 2, its
snapshot is its service's policy, and a class event's participants are the recount."""

from __future__ import annotations

from typing import Any

import httpx
import sqlalchemy as sa

from bookings.booking import service
from bookings.booking.models import bookings
from bookings.catalog.policies import rules as policy_rules
from bookings.catalog.policies import service as policies
from bookings.platform.db import utcnow
from bookings.platform.routing import Services
from tests.booking.conftest import (
    EVENTS,
    Catalog,
    appointment_booking,
    class_booking,
    course_booking,
    created,
    next_monday,
    set_hold,
)
from tests.conftest import SiteKeys
from tests.helpers import ok


async def stored(services: Services, site: SiteKeys, booking_id: str) -> dict[str, Any]:
    """The wire booking of the row as the database has it now."""
    async with services.db.read(site.site_id) as scope:
        row = await scope.one_or_none(scope.select(bookings).where(bookings.c.id == booking_id))
    assert row is not None
    return service.booking_wire(row)


async def outbox(client: httpx.AsyncClient, site: SiteKeys, booking_id: str) -> list[Any]:
    res = await client.get(EVENTS, params={"entityId": booking_id}, headers=site.admin)
    return list(ok(res)["events"])


async def participants(client: httpx.AsyncClient, site: SiteKeys, event_id: str) -> Any:
    res = await client.get(
        f"/calendar/v3/events/{event_id}", params={"fields": "PI_FIELDS"}, headers=site.admin
    )
    event = ok(res)["event"]
    return event["participants"]["total"], event.get("remainingCapacity")


async def test_the_answer_is_the_stored_row(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    cat = Catalog(client, site.admin)
    ana = await cat.staff("Ana")
    massage = await cat.appointment([ana])
    yoga = await cat.group(capacity=5)
    session = await cat.session(yoga, next_monday(), capacity=5)
    pottery = await cat.group(kind="COURSE", capacity=5)
    await cat.session(pottery, next_monday())
    day = next_monday()
    # Values JSON writers disagree on: an integer beyond 64 bits, exponents, text beyond ASCII.
    values = {"b": [1, 2.5, None, 2**70, 1e16, -0.0], "a": "x", "é": "ünï\u2028\x01"}
    extra = {"extendedFields": {"namespaces": {"n": values}}}
    for booking in (
        appointment_booking(massage, day, resource=ana, **extra),
        appointment_booking(massage, day, "13:00", "14:00"),  # auto-assigned
        class_booking(yoga, session, totalParticipants=2, status="CONFIRMED", **extra),
        course_booking(pottery),
    ):
        got = await created(client, site.admin, booking)
        assert got == await stored(services, site, got["id"])
        if "extendedFields" in booking:
            assert got["extendedFields"]["namespaces"]["n"] == values
        events = await outbox(client, site, got["id"])
        assert events[0]["createdEvent"]["entity"] == got
        assert [e["entityEventSequence"] for e in events] == [
            str(i + 1) for i in range(len(events))
        ]
        if got["status"] == "CONFIRMED":
            assert [e["slug"] for e in events] == ["created", "confirmed"]
            assert events[1]["actionEvent"]["body"]["booking"] == got


async def test_the_snapshot_is_the_services_policy(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    cat = Catalog(client, site.admin)
    yoga = await cat.group(capacity=5)
    session = await cat.session(yoga, next_monday(), capacity=5)
    got = await created(client, site.admin, class_booking(yoga, session))
    policy_id = yoga["bookingPolicy"]["id"]
    async with services.db.read(site.site_id) as scope:
        [snapshot] = await policies.list_snapshots(scope, [got["id"]])
        policy = (await policies.get_policies(scope, [policy_id]))[policy_id]
    assert snapshot["policy"]["id"] == policy_id
    assert snapshot["policy"] == policy_rules.snapshot_policy(policy)


async def test_class_participants_are_the_recount(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    cat = Catalog(client, site.admin)
    yoga = await cat.group(capacity=3)
    session = await cat.session(yoga, next_monday(), capacity=3)
    evening = await cat.session(yoga, next_monday(), "20:00", "21:00", capacity=5)

    async def recount(event_id: str) -> int:
        total = sa.func.coalesce(sa.func.sum(bookings.c.participants), 0)
        async with services.db.read(site.site_id) as scope:
            return int(
                await scope.scalar(
                    scope.select(bookings, total)
                    .where(bookings.c.event_id == event_id)
                    .where(
                        sa.or_(
                            bookings.c.status.in_(["CONFIRMED", "PENDING"]),
                            sa.and_(
                                bookings.c.status == "CREATED",
                                bookings.c.hold_until > utcnow(),
                            ),
                        )
                    )
                )
                or 0
            )

    await created(client, site.admin, class_booking(yoga, session, totalParticipants=2))
    assert await participants(client, site, session["id"]) == (2, 1)
    # Over capacity with skipAvailabilityValidation: counted, remainingCapacity stays at 0.
    skip = {"skipAvailabilityValidation": True}
    over = class_booking(yoga, session, totalParticipants=2)
    assert (await created(client, site.admin, over, flowControlSettings=skip))["doubleBooked"]
    assert await participants(client, site, session["id"]) == (4, 0)
    # A hold of 0: a CREATED booking holds nothing, a CONFIRMED one does.
    await set_hold(services.db, site.site_id, 0)
    await created(client, site.admin, class_booking(yoga, evening))
    assert await participants(client, site, evening["id"]) == (0, 5)
    confirmed = class_booking(yoga, evening, totalParticipants=3, status="CONFIRMED")
    await created(client, site.admin, confirmed)
    assert await participants(client, site, evening["id"]) == (3, 2)
    for event_id in (session["id"], evening["id"]):
        assert (await participants(client, site, event_id))[0] == await recount(event_id)
