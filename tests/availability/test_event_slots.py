"""Event time slots (class sessions) through HTTP: capacity, cancelled sessions, filters,
paging, the single-event GET, and the booking load every use case is given."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import httpx

from bookings.availability import service as availability
from bookings.availability.ports import WaitlistState
from bookings.availability.schemas import (
    ListAvailabilityTimeSlotsRequest,
    ListEventTimeSlotsRequest,
)
from bookings.calendar import service as calendar
from bookings.platform import wire
from bookings.platform.db import SiteScope
from bookings.platform.routing import Services
from tests.availability.conftest import EVENT_TS, STAFF_TYPE, TS, Catalog, next_weekday
from tests.conftest import SiteKeys
from tests.helpers import app_error, ok, violation


async def setup_yoga(
    cat: Catalog, services: Services
) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    ana = await cat.staff("Ana")
    yoga = await cat.a_class()
    monday = next_weekday(0)
    sessions = []
    for day, capacity in ((monday, 8), (monday + timedelta(days=1), None)):
        event: dict[str, Any] = {
            "scheduleId": yoga["schedule"]["id"],
            "type": "CLASS",
            "title": "Morning flow",
            "start": {"localDate": f"{day}T18:00:00"},
            "end": {"localDate": f"{day}T19:00:00"},
            "location": {"type": "CUSTOM", "address": "2 Side St"},
            "resources": [{"id": ana["resourceId"]}],
        }
        if capacity is not None:
            event["totalCapacity"] = capacity
        sessions.append(await cat.event(**event))
    async with services.db.write(cat.site.site_id) as uow:
        await calendar.set_participants_total(uow, sessions[0]["id"], 3)
    return ana, yoga, sessions


def week(**extra: Any) -> dict[str, Any]:
    monday = next_weekday(0)
    return {
        "fromLocalDate": f"{monday}T00:00:00",
        "toLocalDate": f"{monday + timedelta(days=7)}T00:00:00",
        **extra,
    }


async def test_list_and_get_event_slots(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    cat = Catalog(client, site)
    ana, yoga, sessions = await setup_yoga(cat, services)
    res = await cat.slots(week(), EVENT_TS)
    assert res["timeZone"] == "UTC"
    assert res["pagingMetadata"] == {"cursors": {}, "hasNext": False}
    first, second = res["timeSlots"]
    monday = next_weekday(0)
    assert first == {
        "serviceId": yoga["id"],
        "localStartDate": f"{monday}T18:00:00",
        "localEndDate": f"{monday}T19:00:00",
        "bookable": True,
        "location": {"formattedAddress": "2 Side St", "locationType": "CUSTOM"},
        "eventInfo": {"eventId": sessions[0]["id"], "eventTitle": "Morning flow"},
        "totalCapacity": 8,
        "remainingCapacity": 5,
        "bookableCapacity": 5,
        "bookingPolicyViolations": {
            "tooEarlyToBook": False,
            "tooLateToBook": False,
            "bookOnlineDisabled": False,
        },
        "availableResources": [
            {
                "resourceTypeId": STAFF_TYPE,
                "resources": [{"id": ana["resourceId"], "name": "Ana"}],
                "hasMoreAvailableResources": False,
            }
        ],
        "nestedTimeSlots": [],
        "scheduleId": yoga["schedule"]["id"],
    }
    assert second["totalCapacity"] == second["remainingCapacity"] == 10  # the service default

    got = ok(
        await client.get(
            f"{EVENT_TS}/{sessions[0]['id']}",
            params={"timeZone": "Europe/London"},
            headers=site.admin,
        )
    )
    assert got == {"timeSlot": first, "timeZone": "Europe/London"}  # UTC = London in winter
    alias = ok(
        await client.get(
            f"/service-availability/v2/time-slots/event/{sessions[0]['id']}", headers=site.admin
        )
    )
    assert alias["timeSlot"] == first
    unknown = await client.get(f"{EVENT_TS}/{'0' * 64}", headers=site.admin)
    app_error(unknown, 404, "SLOT_NOT_FOUND")

    # filters
    assert len((await cat.slots(week(minBookableCapacity=6), EVENT_TS))["timeSlots"]) == 1
    only = await cat.slots(week(serviceIds=[yoga["id"]]), EVENT_TS)
    assert len(only["timeSlots"]) == 2
    svc = await cat.service([ana["resourceId"]])
    assert (await cat.slots(week(serviceIds=[svc["id"]]), EVENT_TS))["timeSlots"] == []
    by_day = week(eventFilter={"id": {"$in": [sessions[1]["id"]]}})
    assert [
        s["eventInfo"]["eventId"] for s in (await cat.slots(by_day, EVENT_TS))["timeSlots"]
    ] == [sessions[1]["id"]]
    bad = await client.post(EVENT_TS, json=week(eventFilter={"bogus": 1}), headers=site.admin)
    violation(bad, "eventFilter.bogus")

    # the platform's query language: $not, $or, array operators on resources.id
    def listed(flt: dict[str, Any]) -> Any:
        return cat.slots(week(eventFilter=flt), EVENT_TS)

    not_first = await listed({"$not": {"id": sessions[0]["id"]}})
    assert [s["eventInfo"]["eventId"] for s in not_first["timeSlots"]] == [sessions[1]["id"]]
    either = {"$or": [{"id": sessions[0]["id"]}, {"resources.id": {"$hasSome": ["nobody"]}}]}
    assert len((await listed(either))["timeSlots"]) == 1
    staffed = await listed({"resources.id": {"$isEmpty": False}})
    assert len(staffed["timeSlots"]) == 2
    unstaffed = await listed({"resources.id": {"$isEmpty": True}})
    assert unstaffed["timeSlots"] == []
    wrong_op = week(eventFilter={"title": {"$startsWith": "M"}})
    res = await client.post(EVENT_TS, json=wrong_op, headers=site.admin)
    violation(res, "eventFilter.title.$startsWith", "FIELD_NOT_ALLOWED")
    month = {
        "fromLocalDate": f"{monday}T00:00:00",
        "toLocalDate": f"{monday + timedelta(days=40)}T00:00:00",
        "maxSlotsPerDay": 1,
    }
    violation(await client.post(EVENT_TS, json=month, headers=site.admin), "maxSlotsPerDay")

    # paging: one at a time
    page = await cat.slots(week(cursorPaging={"limit": 1}), EVENT_TS)
    assert page["timeSlots"] == [first] and page["pagingMetadata"]["hasNext"] is True
    cursor = page["pagingMetadata"]["cursors"]["next"]
    page = await cat.slots({"cursorPaging": {"cursor": cursor}}, EVENT_TS)
    assert page["timeSlots"] == [second]
    assert page["pagingMetadata"] == {"cursors": {}, "hasNext": False}
    # an appointment cursor is not an event cursor
    other = await cat.slots(
        {
            "serviceId": svc["id"],
            **week(),
            "cursorPaging": {"limit": 1},
        }
    )
    wrong = other["cursorPagingMetadata"]["cursors"]["next"]
    res = await client.post(EVENT_TS, json={"cursorPaging": {"cursor": wrong}}, headers=site.admin)
    violation(res, "cursorPaging.cursor")


async def test_cancelled_and_full_sessions(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    cat = Catalog(client, site)
    _ana, _yoga, sessions = await setup_yoga(cat, services)
    cancelled = await client.post(
        f"/calendar/v3/events/{sessions[1]['id']}/cancel", json={}, headers=site.admin
    )
    assert cancelled.status_code == 200, cancelled.text
    async with services.db.write(site.site_id) as uow:
        await calendar.set_participants_total(uow, sessions[0]["id"], 8)
    res = (await cat.slots(week(), EVENT_TS))["timeSlots"]
    assert [(s["bookable"], s["remainingCapacity"], s["nonBookableReasons"]) for s in res] == [
        (False, 0, {"noRemainingCapacity": True}),
        (False, 10, {"eventCancelled": True}),
    ]
    assert (await cat.slots(week(includeNonBookable=False), EVENT_TS))["timeSlots"] == []


class Provider:
    """A stand-in for the bookings slice: the load every availability use case is given."""

    def __init__(self, busy: dict[str, list[tuple[datetime, datetime]]], booked: dict[str, int]):
        self.busy, self.booked = busy, booked
        self.excluded: list[frozenset[str]] = []

    async def appointment_busy(
        self,
        scope: SiteScope,
        resource_ids: Sequence[str],
        start_utc: datetime,
        end_utc: datetime,
        exclude: frozenset[str] = frozenset(),
    ) -> Mapping[str, Sequence[tuple[datetime, datetime]]]:
        self.excluded.append(exclude)
        return {r: v for r, v in self.busy.items() if r in resource_ids}

    async def event_participants(
        self, scope: SiteScope, event_ids: Sequence[str]
    ) -> Mapping[str, int]:
        return {e: n for e, n in self.booked.items() if e in event_ids}

    async def event_waitlists(
        self, scope: SiteScope, event_ids: Sequence[str]
    ) -> Mapping[str, WaitlistState]:
        return {}


async def test_slots_count_the_booking_load_they_are_given(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    cat = Catalog(client, site)
    ana, _yoga, sessions = await setup_yoga(cat, services)
    svc = await cat.service([ana["resourceId"]])
    monday = next_weekday(0)
    nine = datetime.fromisoformat(f"{monday}T09:00:00+00:00")
    provider = Provider(
        {ana["resourceId"]: [(nine, nine + timedelta(minutes=75))]}, {sessions[0]["id"]: 6}
    )
    body = {
        "serviceId": svc["id"],
        "fromLocalDate": f"{monday}T00:00:00",
        "toLocalDate": f"{monday + timedelta(days=1)}T00:00:00",
    }
    listed = await availability.list_availability_time_slots(
        services.db,
        provider,
        services.signer,
        site.site_id,
        wire.parse(ListAvailabilityTimeSlotsRequest, body),
    )
    starts = [s["localStartDate"][11:16] for s in listed["timeSlots"]]
    assert starts == ["10:15", "11:30", "12:45", "14:00", "15:15"]
    events = await availability.list_event_time_slots(
        services.db,
        provider,
        services.signer,
        site.site_id,
        wire.parse(ListEventTimeSlotsRequest, week()),
    )
    first = events["timeSlots"][0]
    assert (first["totalCapacity"], first["remainingCapacity"]) == (8, 2)
    # the check a reschedule makes leaves the moved booking out through the load
    async with services.db.read(site.site_id) as scope:
        check = await availability.check_appointment_slot(
            scope,
            provider,
            svc["id"],
            nine,
            nine + timedelta(hours=1),
            exclude=frozenset({"moved"}),
        )
    assert check.free == []  # the load's span blocks 09:00
    assert provider.excluded[-1] == frozenset({"moved"})
    # over HTTP the slots count the real bookings: none here, so 09:00 is offered
    http = [s["localStartDate"][11:16] for s in (await cat.slots(body, TS))["timeSlots"]]
    assert http[0] == "09:00"
