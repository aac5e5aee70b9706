"""The calendar event of an appointment booking (spec D.6): written when the booking becomes
CONFIRMED or PENDING, cancelled with it, moved with it; shown by Calendar V3; never counted
by availability besides the booking itself (on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

import httpx

from bookings.calendar import service as calendar
from bookings.platform.routing import Services
from tests.booking.conftest import (
    API,
    CONFIRMATION,
    Catalog,
    appointment_booking,
    created,
    local,
    next_monday,
)
from tests.booking.test_multi_service import MSB, infos, make, pair, salon
from tests.conftest import SiteKeys
from tests.helpers import ok

EVENTS = "/calendar/v3/events"
READER = "/_api/bookings-reader/v2/extended-bookings/query"
SLOTS = "/_api/service-availability/v2/time-slots"
BOOKINGS_APP = "13d21c63-b5ec-5912-8397-c3a5ddb27a97"


async def post(
    client: httpx.AsyncClient, site: SiteKeys, path: str, body: dict[str, Any]
) -> dict[str, Any]:
    found: dict[str, Any] = ok(await client.post(path, json=body, headers=site.admin))
    return found


async def event_of(client: httpx.AsyncClient, site: SiteKeys, event_id: str) -> dict[str, Any]:
    res = await client.get(
        f"{EVENTS}/{event_id}", params={"fields": "PI_FIELDS"}, headers=site.admin
    )
    found: dict[str, Any] = ok(res)["event"]
    return found


async def staff_events(
    client: httpx.AsyncClient, site: SiteKeys, staff_id: str, day: Any
) -> list[dict[str, Any]]:
    """The APPOINTMENT events listing the staff member on ``day`` (Query Events)."""
    body = {
        "fromLocalDate": local(day, "00:00"),
        "toLocalDate": local(day, "23:59"),
        "timeZone": "UTC",
        "query": {"filter": {"resources.id": {"$hasSome": [staff_id]}, "type": "APPOINTMENT"}},
    }
    found: list[dict[str, Any]] = (await post(client, site, f"{EVENTS}/query", body))["events"]
    return found


async def free_starts(
    client: httpx.AsyncClient, site: SiteKeys, service_id: str, day: Any
) -> list[str]:
    body = {
        "serviceId": service_id,
        "fromLocalDate": local(day, "00:00"),
        "toLocalDate": local(day, "23:59"),
        "timeZone": "UTC",
        "includeNonBookable": True,
    }
    slots = (await post(client, site, SLOTS, body))["timeSlots"]
    return [s["localStartDate"][11:16] for s in slots if s.get("bookable")]


def expected_event(
    booking: dict[str, Any], service: dict[str, Any], day: Any, staff_id: str, **changes: Any
) -> dict[str, Any]:
    event = {
        "id": f"booking-{booking['id']}",
        "scheduleId": service["schedule"]["id"],
        "externalScheduleId": service["id"],
        "scheduleName": service["name"],
        "type": "APPOINTMENT",
        "status": "CONFIRMED",
        "title": service["name"],
        "start": {
            "localDate": local(day, "10:00"),
            "timeZone": "UTC",
            "utcDate": f"{day}T10:00:00.000Z",
        },
        "end": {
            "localDate": local(day, "11:00"),
            "timeZone": "UTC",
            "utcDate": f"{day}T11:00:00.000Z",
        },
        "adjustedStart": {"localDate": local(day, "10:00"), "timeZone": "UTC"},
        "adjustedEnd": {"localDate": local(day, "11:00"), "timeZone": "UTC"},
        "timeZone": "UTC",
        "recurrenceType": "NONE",
        "transparency": "OPAQUE",
        "resources": [
            {"id": staff_id, "name": "Ana", "type": event_type(), "transparency": "OPAQUE"}
        ],
        "totalCapacity": 1,
        "remainingCapacity": 0,
        "inheritedFields": ["LOCATION", "CAPACITY", "CONFERENCING_DETAILS"],
        "appId": BOOKINGS_APP,
        "revision": "1",
        "participants": {"total": 1, "hasMore": False},
    }
    event.update(changes)
    return event


def event_type() -> str:
    return "1cd44cf8-756f-41c3-bd90-3e2ffcaf1155"  # the staff resource type


def without_dates(event: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in event.items() if k not in ("createdDate", "updatedDate")}


async def test_confirm_writes_the_event_and_the_booking_names_it(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    cat = Catalog(client, site.admin)
    ana = await cat.staff("Ana")
    svc = await cat.appointment([ana])
    day = next_monday()
    booking = await created(client, site.admin, appointment_booking(svc, day, resource=ana))
    # CREATED: no event yet (rule 10: eventId is set on confirmation).
    assert "eventId" not in booking["bookedEntity"]["slot"]
    assert await staff_events(client, site, ana, day) == []
    res = await client.post(
        f"{API}/{booking['id']}/confirm", json={"revision": "1"}, headers=site.admin
    )
    confirmed = ok(res)["booking"]
    event_id = f"booking-{booking['id']}"
    assert confirmed["bookedEntity"]["slot"] == {
        **booking["bookedEntity"]["slot"],
        "eventId": event_id,
    }
    [listed] = await staff_events(client, site, ana, day)
    assert without_dates(listed) == {
        k: v for k, v in expected_event(booking, svc, day, ana).items() if k != "participants"
    }
    got = await event_of(client, site, event_id)
    assert without_dates(got) == expected_event(booking, svc, day, ana)
    # The Reader shows it, and finds the booking by its event.
    body = {"query": {"filter": {"bookedEntity.slot.eventId": event_id}}}
    [found] = (await post(client, site, READER, body))["extendedBookings"]
    assert found["booking"]["id"] == booking["id"]
    assert found["booking"]["bookedEntity"]["slot"]["eventId"] == event_id
    # Cancel cancels it.
    res = await client.post(
        f"{API}/{booking['id']}/cancel", json={"revision": "2"}, headers=site.admin
    )
    assert ok(res)["booking"]["bookedEntity"]["slot"]["eventId"] == event_id
    got = await event_of(client, site, event_id)
    assert (got["status"], got["revision"]) == ("CANCELLED", "2")


async def test_created_confirmed_then_declined_and_confirm_or_decline(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    cat = Catalog(client, site.admin)
    ana = await cat.staff("Ana")
    svc = await cat.appointment([ana], bookingPolicy=None)
    day = next_monday()
    # Created CONFIRMED: the event at once.
    direct = await created(
        client, site.admin, appointment_booking(svc, day, resource=ana, status="CONFIRMED")
    )
    assert direct["bookedEntity"]["slot"]["eventId"] == f"booking-{direct['id']}"
    got = await event_of(client, site, f"booking-{direct['id']}")
    assert without_dates(got) == expected_event(direct, svc, day, ana)
    # Marked as pending (manual approval): an event; declined: cancelled.
    manual = await cat.appointment(
        [ana], name="Consult", onlineBooking={"enabled": True, "requireManualApproval": True}
    )
    pending = await created(client, site.admin, appointment_booking(manual, day, "13:00", "14:00"))
    res = await client.post(
        f"{API}/{pending['id']}/mark_booking_as_pending", json={"revision": "1"}, headers=site.admin
    )
    marked = ok(res)["booking"]
    assert (marked["status"], marked["bookedEntity"]["slot"]["eventId"]) == (
        "PENDING",
        f"booking-{pending['id']}",
    )
    assert (await event_of(client, site, f"booking-{pending['id']}"))["status"] == "CONFIRMED"
    res = await client.post(
        f"{API}/{pending['id']}/decline", json={"revision": "2"}, headers=site.admin
    )
    assert ok(res)["booking"]["status"] == "DECLINED"
    assert (await event_of(client, site, f"booking-{pending['id']}"))["status"] == "CANCELLED"
    # Confirm Or Decline: confirmed, with its event.
    other = await created(client, site.admin, appointment_booking(svc, day, "15:00", "16:00"))
    res = await client.post(
        f"{CONFIRMATION}/{other['id']}:confirmOrDecline", json={}, headers=site.admin
    )
    assert ok(res)["booking"]["bookedEntity"]["slot"]["eventId"] == f"booking-{other['id']}"
    titles = [
        (e["title"], e["start"]["localDate"][11:16])
        for e in await staff_events(client, site, ana, day)
    ]
    assert titles == [("Massage", "10:00"), ("Massage", "15:00")]


async def test_reschedule_moves_the_event_and_its_staff(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    cat = Catalog(client, site.admin)
    ana = await cat.staff("Ana")
    ben = await cat.staff("Ben")
    svc = await cat.appointment([ana, ben])
    day = next_monday()
    booking = await created(
        client, site.admin, appointment_booking(svc, day, resource=ana, status="CONFIRMED")
    )
    event_id = f"booking-{booking['id']}"
    slot = {
        "serviceId": svc["id"],
        "startDate": local(day, "10:30"),
        "endDate": local(day, "11:30"),
        "timezone": "UTC",
        "resource": {"id": ana},
    }
    # Into a time overlapping its own old slot: neither the booking nor its event blocks it.
    url = f"{API}/{booking['id']}/reschedule"
    moved = (await post(client, site, url, {"slot": slot, "revision": "1"}))["booking"]
    assert moved["bookedEntity"]["slot"]["eventId"] == event_id
    got = await event_of(client, site, event_id)
    assert (got["start"]["utcDate"], got["end"]["utcDate"], got["revision"]) == (
        f"{day}T10:30:00.000Z",
        f"{day}T11:30:00.000Z",
        "2",
    )
    assert [r["id"] for r in got["resources"]] == [ana]
    # To another staff member: the event's resources follow.
    slot["resource"] = {"id": ben}
    moved = (await post(client, site, url, {"slot": slot, "revision": "2"}))["booking"]
    assert moved["bookedEntity"]["slot"]["resource"]["id"] == ben
    got = await event_of(client, site, event_id)
    assert [(r["id"], r["name"]) for r in got["resources"]] == [(ben, "Ben")]
    assert await staff_events(client, site, ana, day) == []
    assert [e["id"] for e in await staff_events(client, site, ben, day)] == [event_id]


async def test_a_confirmed_appointment_blocks_its_slot_once(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    cat = Catalog(client, site.admin)
    ana = await cat.staff("Ana")
    svc = await cat.appointment([ana])
    day = next_monday()
    before = await free_starts(client, site, svc["id"], day)
    assert before == ["09:00", "10:15", "11:30", "12:45", "14:00", "15:15"]
    booking = await created(
        client,
        site.admin,
        appointment_booking(svc, day, "10:15", "11:15", resource=ana, status="CONFIRMED"),
    )
    assert await free_starts(client, site, svc["id"], day) == [
        "09:00",
        "11:30",
        "12:45",
        "14:00",
        "15:15",
    ]
    # The event lists Ana, OPAQUE; the calendar's busy time leaves it out (the booking is
    # what is counted), so the slot is not counted twice.
    async with services.db.read(site.site_id) as scope:
        busy = await calendar.busy_intervals(
            scope,
            resource_ids=[ana],
            owners={},
            types=("DEFAULT", "APPOINTMENT", "CLASS", "COURSE"),
            start_utc=datetime.combine(day, time(0), UTC),
            end_utc=datetime.combine(day, time(23, 59), UTC),
        )
    assert busy == []
    # Cancelling frees the slot again, exactly as before.
    url = f"{API}/{booking['id']}/cancel"
    ok(await client.post(url, json={"revision": "1"}, headers=site.admin))
    assert await free_starts(client, site, svc["id"], day) == before


async def test_multi_service_confirm_writes_one_event_per_child(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    s = await salon(client, site)
    package = await make(client, site, pair(s))
    pid = package["id"]
    body = {"confirmBookingsInfo": infos(package), "returnFullEntity": True}
    done = await post(client, site, f"{MSB}/{pid}/confirm", body)
    children = [b["booking"] for b in done["multiServiceBooking"]["bookings"]]
    ids = [c["bookedEntity"]["slot"]["eventId"] for c in children]
    assert ids == [f"booking-{c['id']}" for c in children]
    events = [await event_of(client, site, i) for i in ids]
    assert [(e["title"], e["start"]["utcDate"], e["status"]) for e in events] == [
        ("Haircut", f"{s['day']}T10:00:00.000Z", "CONFIRMED"),
        ("Colour", f"{s['day']}T11:00:00.000Z", "CONFIRMED"),
    ]
    assert [[r["id"] for r in e["resources"]] for e in events] == [
        [c["bookedEntity"]["slot"]["resource"]["id"]] for c in children
    ]
    # An hour later (overlapping its own old times, buffer included): both events move.
    later = pair(s, "11:00")
    items = [
        {**info, "slot": b["bookedEntity"]["slot"]}
        for info, b in zip(infos(package, "2"), later, strict=True)
    ]
    body = {"rescheduleBookingsInfo": items, "returnFullEntity": True}
    done = await post(client, site, f"{MSB}/{pid}/reschedule", body)
    moved = [b["booking"] for b in done["multiServiceBooking"]["bookings"]]
    assert [c["bookedEntity"]["slot"]["eventId"] for c in moved] == ids
    events = [await event_of(client, site, i) for i in ids]
    assert [(e["start"]["utcDate"], e["end"]["utcDate"], e["revision"]) for e in events] == [
        (f"{s['day']}T11:00:00.000Z", f"{s['day']}T12:00:00.000Z", "2"),
        (f"{s['day']}T12:00:00.000Z", f"{s['day']}T12:30:00.000Z", "2"),
    ]
    ok(await client.post(f"{MSB}/{pid}/cancel", json={}, headers=site.admin))
    assert [(await event_of(client, site, i))["status"] for i in ids] == ["CANCELLED"] * 2
