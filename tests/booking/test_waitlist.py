"""The waitlist of class sessions: register, leave, book from it, list it; freed spots offered
in line, held while the offer runs, moved on when it runs out; what the slot lists show."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import sqlalchemy as sa

from bookings.booking.models import waitlist_entries
from bookings.booking.service.waitlist_calls import settle_due_waitlists
from bookings.platform.db import utcnow
from bookings.platform.routing import Services
from tests.booking.conftest import (
    API,
    EVENTS,
    UNKNOWN_ID,
    Catalog,
    class_booking,
    created,
    next_monday,
)
from tests.conftest import SiteKeys
from tests.helpers import app_error, ok

WAITLIST = "/bookings/v1/waitlist"
EVENT_SLOTS = "/_api/service-availability/v2/time-slots/event"
LEGACY = "/_api/availability-calendar/v1/availability/query"


async def session(
    client: httpx.AsyncClient, site: SiteKeys, *, enabled: bool = True, **service: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A class session of one spot, under a policy with a waitlist of two."""
    body = {
        "bookingPolicy": {
            "name": "Waitlist",
            "waitlistPolicy": {"enabled": enabled, "capacity": 2, "reservationTimeInMinutes": 10},
            "participantsPolicy": {"maxParticipantsPerBooking": 5},
            "cancellationPolicy": {"enabled": True, "limitLatestCancellation": False},
        }
    }
    policy = ok(await client.post("/bookings/v1/booking-policies", json=body, headers=site.admin))
    cat = Catalog(client, site.admin)
    yoga = await cat.group(
        capacity=1, bookingPolicy={"id": policy["bookingPolicy"]["id"]}, **service
    )
    event = await cat.session(yoga, next_monday(), capacity=1)
    return yoga, event


async def register(
    client: httpx.AsyncClient, site: SiteKeys, yoga: dict[str, Any], event: dict[str, Any]
) -> httpx.Response:
    return await client.post(
        f"{WAITLIST}/register", json={"booking": class_booking(yoga, event)}, headers=site.admin
    )


async def listed(client: httpx.AsyncClient, site: SiteKeys, event: dict[str, Any]) -> list[Any]:
    got = ok(await client.get(WAITLIST, params={"eventId": event["id"]}, headers=site.admin))
    return [(e["bookingId"], e["status"]) for e in got["entries"]]


async def slot(client: httpx.AsyncClient, site: SiteKeys, event: dict[str, Any]) -> dict[str, Any]:
    got = ok(await client.get(f"{EVENT_SLOTS}/{event['id']}", headers=site.admin))
    return dict(got["timeSlot"])


async def test_register_leave_and_book_from_the_waitlist(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    yoga, event = await session(client, site)
    app_error(await register(client, site, yoga, event), 428, "SESSION_HAS_OPEN_SPOTS")
    first = await created(client, site.admin, class_booking(yoga, event))
    res = await register(client, site, yoga, event)
    got = ok(res)
    ann = got["booking"]
    assert ann["status"] == "WAITING_LIST"
    assert got["entry"] == {
        "id": got["entry"]["id"],
        "bookingId": ann["id"],
        "eventId": event["id"],
        "status": "WAITING",
        "createdDate": got["entry"]["createdDate"],
    }
    ben = ok(await register(client, site, yoga, event))["booking"]
    app_error(await register(client, site, yoga, event), 428, "WAITLIST_FULL")
    assert await listed(client, site, event) == [(ann["id"], "WAITING"), (ben["id"], "WAITING")]
    full = await client.get(WAITLIST, params={"eventId": event["id"]}, headers=site.admin)
    assert ok(full)["configuration"] == {"capacity": 2, "reservationTimeInMinutes": 10}
    shown = await slot(client, site, event)
    assert shown["eventInfo"]["waitingList"] == {"totalCapacity": 2, "remainingCapacity": 0}
    # The first participant cancels: the spot is offered to Ann, and held for her.
    res = await client.post(
        f"{API}/{first['id']}/cancel", json={"revision": "1"}, headers=site.admin
    )
    ok(res)
    assert await listed(client, site, event) == [(ann["id"], "SUGGESTING"), (ben["id"], "WAITING")]
    offer = ok(await client.get(WAITLIST, params={"eventId": event["id"]}, headers=site.admin))
    assert "expiresAt" in offer["entries"][0]
    shown = await slot(client, site, event)
    assert (shown["remainingCapacity"], shown["bookableCapacity"], shown["bookable"]) == (
        1,
        0,
        False,
    )
    assert shown["nonBookableReasons"]["reservedForWaitingList"] is True
    day = next_monday()
    flt = {
        "serviceId": [yoga["id"]],
        "startDate": f"{day}T00:00:00Z",
        "endDate": f"{day + timedelta(days=1)}T00:00:00Z",
    }
    res = await client.post(LEGACY, json={"query": {"filter": flt}}, headers=site.admin)
    legacy = ok(res)["availabilityEntries"][0]
    assert (legacy["bookable"], legacy["openSpots"], legacy["locked"]) == (False, 1, True)
    assert legacy["waitingList"] == {"totalSpots": 2, "openSpots": 0}
    public = await client.post(
        API, json={"booking": class_booking(yoga, event)}, headers=site.admin
    )
    app_error(public, 428, "SESSION_CAPACITY_EXCEEDED")
    body = {"bookingId": ben["id"], "revision": "1"}
    app_error(
        await client.post(f"{WAITLIST}/book", json=body, headers=site.admin), 428, "NO_OPEN_SPOTS"
    )
    body = {"bookingId": ann["id"], "revision": "1"}
    booked = ok(await client.post(f"{WAITLIST}/book", json=body, headers=site.admin))["booking"]
    assert (booked["status"], booked["revision"]) == ("CONFIRMED", "2")
    assert await listed(client, site, event) == [(ann["id"], "ENROLLED"), (ben["id"], "WAITING")]
    # Ben leaves: his booking is canceled, his entry gone from the list.
    body = {"bookingId": ben["id"], "revision": "1"}
    left = ok(await client.post(f"/_api{WAITLIST}/leave", json=body, headers=site.admin))
    assert left["booking"]["status"] == "CANCELED"
    assert await listed(client, site, event) == [(ann["id"], "ENROLLED")]
    app_error(
        await client.post(f"{WAITLIST}/leave", json={**body, "revision": "2"}, headers=site.admin),
        428,
        "NOT_ON_WAITLIST",
    )
    # Entries write their own domain events.
    entry_id = got["entry"]["id"]
    events = ok(
        await client.get(
            EVENTS,
            params={"entityId": entry_id, "entityFqdn": "wix.bookings.v1.waitlist_entry"},
            headers=site.admin,
        )
    )["events"]
    assert [e["slug"] for e in events] == ["created", "updated", "updated"]
    assert events[-1]["updatedEvent"]["currentEntity"]["status"] == "ENROLLED"


async def test_refusals(client: httpx.AsyncClient, site: SiteKeys) -> None:
    yoga, event = await session(client, site, enabled=False)
    await created(client, site.admin, class_booking(yoga, event))
    app_error(await register(client, site, yoga, event), 428, "WAITLIST_NOT_ENABLED")
    res = await client.get(WAITLIST, params={"eventId": UNKNOWN_ID}, headers=site.admin)
    app_error(res, 404, "SESSION_NOT_FOUND")
    res = await client.post(
        f"{WAITLIST}/book", json={"bookingId": UNKNOWN_ID, "revision": "1"}, headers=site.admin
    )
    app_error(res, 404, "BOOKING_NOT_FOUND")
    loose = await created(client, site.admin, class_booking(*(await session(client, site))))
    res = await client.post(
        f"{WAITLIST}/book", json={"bookingId": loose["id"], "revision": "1"}, headers=site.admin
    )
    app_error(res, 428, "NOT_ON_WAITLIST")


async def test_an_offer_that_runs_out_goes_to_the_next(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    yoga, event = await session(
        client, site, onlineBooking={"enabled": True, "requireManualApproval": True}
    )
    first = await created(client, site.admin, class_booking(yoga, event))
    ann = ok(await register(client, site, yoga, event))["booking"]
    ben = ok(await register(client, site, yoga, event))["booking"]
    ok(await client.post(f"{API}/{first['id']}/cancel", json={"revision": "1"}, headers=site.admin))
    assert await listed(client, site, event) == [(ann["id"], "SUGGESTING"), (ben["id"], "WAITING")]
    # Ann's offer runs out (as if 10 minutes had passed): the sweeper moves it on to Ben.
    w = waitlist_entries
    async with services.db.connect_for_write() as conn:
        await conn.execute(
            sa.update(w)
            .where(w.c.booking_id == ann["id"])
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert await settle_due_waitlists(services.db) == 1
    assert await settle_due_waitlists(services.db) == 0
    assert await listed(client, site, event) == [(ben["id"], "SUGGESTING")]
    res = await client.post(
        f"{WAITLIST}/book", json={"bookingId": ann["id"], "revision": "2"}, headers=site.admin
    )
    app_error(res, 428, "NOT_ON_WAITLIST")
    gone = ok(
        await client.post(
            "/_api/bookings-reader/v2/extended-bookings/query",
            json={"query": {"filter": {"id": ann["id"]}}},
            headers=site.admin,
        )
    )
    assert gone["extendedBookings"][0]["booking"]["status"] == "CANCELED"
    # A service with manual approval: booking from the waitlist waits for the business.
    body = {"bookingId": ben["id"], "revision": "1"}
    booked = ok(await client.post(f"{WAITLIST}/book", json=body, headers=site.admin))["booking"]
    assert booked["status"] == "PENDING"
    assert await listed(client, site, event) == [(ben["id"], "ENROLLED")]


async def test_confirm_takes_the_held_spot_and_cancel_leaves_the_list(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    yoga, event = await session(client, site)
    first = await created(client, site.admin, class_booking(yoga, event))
    ann = ok(await register(client, site, yoga, event))["booking"]
    ben = ok(await register(client, site, yoga, event))["booking"]
    ok(await client.post(f"{API}/{first['id']}/cancel", json={"revision": "1"}, headers=site.admin))
    # The business confirms Ann's waitlisted booking: it takes the spot held for her.
    res = await client.post(
        f"{API}/{ann['id']}/confirm", json={"revision": "1"}, headers=site.admin
    )
    assert ok(res)["booking"]["status"] == "CONFIRMED"
    assert await listed(client, site, event) == [(ann["id"], "ENROLLED"), (ben["id"], "WAITING")]
    # Cancel of a waitlisted booking is a Leave; a waitlisted booking is not rescheduled.
    res = await client.post(
        f"{API}/{ben['id']}/reschedule",
        json={"revision": "1", "slot": {"eventId": event["id"]}},
        headers=site.admin,
    )
    app_error(res, 428, "INVALID_BOOKING_STATUS")
    res = await client.post(f"{API}/{ben['id']}/cancel", json={"revision": "1"}, headers=site.admin)
    assert ok(res)["booking"]["status"] == "CANCELED"
    assert await listed(client, site, event) == [(ann["id"], "ENROLLED")]
