"""Every slice records its domain events in the unit of work of its change (the outbox,
``bookings.platform.events``): created / updated / deleted, with the Wix entity fqdn and the
entity's wire document as the API returns it, read through the admin feed
``GET /_api/bookings-server/v1/domain-events?entityFqdn=&entityId=`` (SQLite and PostgreSQL).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx

from bookings.platform import events
from tests.conftest import SiteKeys
from tests.helpers import ok, violations

FEED = "/_api/bookings-server/v1/domain-events"
SERVICE = "wix.bookings.services.v2.service"
POLICY = "wix.bookings.v1.booking_policy"
STAFF = "wix.bookings.staff.v1.staff_member"
RESOURCE = "wix.bookings.resources.v2.resource"
SCHEDULE = "wix.calendar.v3.schedule"
EVENT = "wix.calendar.v3.event"


async def feed(
    client: httpx.AsyncClient, site: SiteKeys, fqdn: str, entity_id: str
) -> list[dict[str, Any]]:
    params = {"entityFqdn": fqdn, "entityId": entity_id}
    found: list[dict[str, Any]] = ok(await client.get(FEED, params=params, headers=site.admin))[
        "events"
    ]
    for n, event in enumerate(found, 1):
        assert (event["entityFqdn"], event["entityId"]) == (fqdn, entity_id), event
        assert event["entityEventSequence"] == str(n), event
    return found


def payload(event: dict[str, Any]) -> Any:
    kind = event["slug"]
    key = {"created": "createdEvent", "updated": "updatedEvent", "deleted": "deletedEvent"}[kind]
    body = event[key]
    return body.get("entity") or body.get("currentEntity") or body.get("deletedEntity")


def slugs(found: list[dict[str, Any]]) -> list[str]:
    return [e["slug"] for e in found]


def unadjusted(event: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in event.items() if not k.startswith("adjusted")}


def next_weekday(weekday: int) -> date:
    today = date.today()
    return today + timedelta(days=(weekday - today.weekday()) % 7 + 7)


async def test_feed_accepts_every_fqdn_of_ours_and_refuses_others(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    for fqdn in events.ENTITY_FQDNS:
        ok(await client.get(FEED, params={"entityFqdn": fqdn}, headers=site.admin))
    res = await client.get(FEED, params={"entityFqdn": "wix.stores.v1.product"}, headers=site.admin)
    [bad] = violations(res)
    assert bad["field"] == "entityFqdn"


async def test_service_and_its_schedule(client: httpx.AsyncClient, site: SiteKeys) -> None:
    svc = {
        "type": "CLASS",
        "name": "Yoga",
        "defaultCapacity": 5,
        "onlineBooking": {"enabled": True},
        "payment": {"rateType": "NO_FEE", "options": {"inPerson": True}},
    }
    made = ok(await client.post("/bookings/v2/services", headers=site.admin, json={"service": svc}))
    made = made["service"]
    change = {"service": {"id": made["id"], "revision": made["revision"], "name": "Hot yoga"}}
    url = f"/bookings/v2/services/{made['id']}"
    updated = ok(await client.patch(url, headers=site.admin, json=change))["service"]
    ok(await client.delete(url, headers=site.admin))

    found = await feed(client, site, SERVICE, made["id"])
    assert slugs(found) == ["created", "updated", "deleted"]
    assert payload(found[0]) == made
    assert payload(found[1]) == updated
    assert payload(found[2]) == updated  # the last state of the deleted service

    schedule_id = made["schedule"]["id"]
    scheduled = await feed(client, site, SCHEDULE, schedule_id)
    assert slugs(scheduled) == ["created", "updated"]  # made with the service, cancelled
    assert payload(scheduled[0])["externalId"] == made["id"]
    assert payload(scheduled[1])["status"] == "CANCELLED"


async def test_booking_policy(client: httpx.AsyncClient, site: SiteKeys) -> None:
    base = "/bookings/v1/booking-policies"
    made = ok(await client.post(base, headers=site.admin, json={"bookingPolicy": {"name": "A"}}))
    made = made["bookingPolicy"]
    change = {"bookingPolicy": {"revision": made["revision"], "name": "B"}}
    updated = ok(await client.patch(f"{base}/{made['id']}", headers=site.admin, json=change))
    updated = updated["bookingPolicy"]
    ok(await client.delete(f"{base}/{made['id']}", headers=site.admin))

    found = await feed(client, site, POLICY, made["id"])
    assert slugs(found) == ["created", "updated", "deleted"]
    assert [payload(e) for e in found] == [made, updated, updated]

    # The site's default, made on first need, recorded its creation too; setting another
    # default updates both and records Wix's action event.
    other = ok(await client.post(base, headers=site.admin, json={"bookingPolicy": {"name": "C"}}))
    other = other["bookingPolicy"]
    swapped = ok(await client.post(f"{base}/{other['id']}:setDefault", headers=site.admin, json={}))
    old_default = swapped["previousDefaultBookingPolicy"]
    assert slugs(await feed(client, site, POLICY, old_default["id"])) == ["created", "updated"]
    found = await feed(client, site, POLICY, other["id"])
    assert slugs(found) == ["created", "updated", "default_booking_policy_set"]
    assert payload(found[1]) == swapped["currentDefaultBookingPolicy"]
    assert found[2]["actionEvent"]["body"] == swapped


async def test_staff_member_and_its_resource(client: httpx.AsyncClient, site: SiteKeys) -> None:
    base = "/bookings/v1/staff-members"
    made = ok(await client.post(base, headers=site.admin, json={"staffMember": {"name": "Ana"}}))
    made = made["staffMember"]
    change = {"staffMember": {"id": made["id"], "revision": made["revision"], "name": "Anna"}}
    updated = ok(await client.patch(f"{base}/{made['id']}", headers=site.admin, json=change))
    updated = updated["staffMember"]
    ok(await client.delete(f"{base}/{made['id']}", headers=site.admin))

    found = await feed(client, site, STAFF, made["id"])
    assert slugs(found) == ["created", "updated", "deleted"]
    assert [payload(e) for e in found] == [made, updated, updated]

    resource = await feed(client, site, RESOURCE, made["resourceId"])
    assert slugs(resource) == ["created", "updated", "deleted"]  # renamed with her
    assert [payload(e)["name"] for e in resource] == ["Ana", "Anna", "Anna"]


async def test_resource(client: httpx.AsyncClient, site: SiteKeys) -> None:
    base = "/bookings/v2/resources"
    made = ok(await client.post(base, headers=site.admin, json={"resource": {"name": "Room"}}))
    made = made["resource"]
    change = {"resource": {"id": made["id"], "revision": made["revision"], "name": "Big room"}}
    updated = ok(await client.patch(f"{base}/{made['id']}", headers=site.admin, json=change))
    updated = updated["resource"]
    ok(await client.delete(f"{base}/{made['id']}", headers=site.admin))

    found = await feed(client, site, RESOURCE, made["id"])
    assert slugs(found) == ["created", "updated", "deleted"]
    assert [payload(e) for e in found] == [made, updated, updated]
    # Its events schedule was made with it and cancelled with it.
    events_schedule = made["eventsSchedule"]["scheduleId"]
    assert slugs(await feed(client, site, SCHEDULE, events_schedule))[0] == "created"
    assert slugs(await feed(client, site, SCHEDULE, events_schedule))[-1] == "updated"


async def test_calendar_schedule_and_events(client: httpx.AsyncClient, site: SiteKeys) -> None:
    sched = {"schedule": {"name": "Room plan", "timeZone": "Europe/London"}}
    made = ok(await client.post("/calendar/v3/schedules", headers=site.admin, json=sched))
    schedule = made["schedule"]
    change = {"schedule": {"id": schedule["id"], "revision": schedule["revision"], "name": "Plan"}}
    url = f"/calendar/v3/schedules/{schedule['id']}"
    renamed = ok(await client.patch(url, headers=site.admin, json=change))["schedule"]

    monday = next_weekday(0)
    single = {
        "scheduleId": schedule["id"],
        "type": "WORKING_HOURS",
        "start": {"localDate": f"{monday}T09:00:00"},
        "end": {"localDate": f"{monday}T12:00:00"},
    }
    event = ok(await client.post("/calendar/v3/events", headers=site.admin, json={"event": single}))
    event = event["event"]
    later = {"localDate": f"{monday}T13:00:00"}
    change = {"event": {"id": event["id"], "revision": event["revision"], "end": later}}
    url = f"/calendar/v3/events/{event['id']}"
    updated = ok(await client.patch(url, headers=site.admin, json=change))["event"]
    cancelled = ok(await client.post(f"{url}/cancel", headers=site.admin, json={}))["event"]

    found = await feed(client, site, EVENT, event["id"])
    assert slugs(found) == ["created", "updated", "updated"]
    # The payload is the event as the API returns it, ``adjusted*`` in the event's own zone
    # (not the zone a request asked for).
    assert [unadjusted(payload(e)) for e in found] == [
        unadjusted(e) for e in (event, updated, cancelled)
    ]
    assert payload(found[0])["adjustedStart"] == {
        "localDate": f"{monday}T09:00:00",
        "timeZone": "Europe/London",
    }

    # A weekly series: its occurrences are materialized without events of their own; when
    # the series is cancelled each future occurrence records its change.
    weekly = {
        **single,
        "recurrenceRule": {"frequency": "WEEKLY", "interval": 1, "days": ["MONDAY"]},
    }
    master = ok(
        await client.post("/calendar/v3/events", headers=site.admin, json={"event": weekly})
    )
    master = master["event"]
    assert slugs(await feed(client, site, EVENT, master["id"])) == ["created"]
    window = {
        "fromLocalDate": f"{monday}T00:00:00",
        "toLocalDate": f"{monday + timedelta(days=21)}T00:00:00",
        "query": {"filter": {"recurringEventId": master["id"], "type": "WORKING_HOURS"}},
    }
    res = await client.post("/calendar/v3/events/query", headers=site.admin, json=window)
    listed = ok(res)["events"]
    assert len(listed) == 3
    for occurrence in listed:
        assert await feed(client, site, EVENT, occurrence["id"]) == []
    ok(await client.post(f"/calendar/v3/events/{master['id']}/cancel", headers=site.admin, json={}))
    assert slugs(await feed(client, site, EVENT, master["id"])) == ["created", "updated"]
    for occurrence in listed:
        [change_event] = await feed(client, site, EVENT, occurrence["id"])
        assert change_event["slug"] == "updated"
        assert payload(change_event)["status"] == "CANCELLED"
        assert payload(change_event)["id"] == occurrence["id"]

    cancel = f"/calendar/v3/schedules/{schedule['id']}/cancel"
    ok(await client.post(cancel, headers=site.admin, json={}))
    found = await feed(client, site, SCHEDULE, schedule["id"])
    assert slugs(found) == ["created", "updated", "updated"]
    assert payload(found[0]) == schedule
    assert payload(found[1]) == renamed
    assert payload(found[2])["status"] == "CANCELLED"


def test_every_slice_fqdn_is_listed() -> None:
    from bookings.attendance.service import ENTITY_FQDN as attendance
    from bookings.booking.documents import ENTITY_FQDN as booking
    from bookings.booking.waitlist import ENTITY_FQDN as waitlist
    from bookings.calendar.store import EVENT_FQDN, SCHEDULE_FQDN
    from bookings.catalog.policies.service import ENTITY_FQDN as policy
    from bookings.catalog.services.queries import ENTITY_FQDN as service
    from bookings.ecom.service import CHECKOUT_FQDN, ORDER_FQDN
    from bookings.staff.members import STAFF_FQDN
    from bookings.staff.resources import RESOURCE_FQDN

    mine = {attendance, booking, waitlist, EVENT_FQDN, SCHEDULE_FQDN, policy, service}
    ecom = {CHECKOUT_FQDN, ORDER_FQDN}
    assert mine | {STAFF_FQDN, RESOURCE_FQDN} | ecom == set(events.ENTITY_FQDNS)
    assert (
        service,
        policy,
        STAFF_FQDN,
        RESOURCE_FQDN,
        SCHEDULE_FQDN,
        EVENT_FQDN,
    ) == (SERVICE, POLICY, STAFF, RESOURCE, SCHEDULE, EVENT)
