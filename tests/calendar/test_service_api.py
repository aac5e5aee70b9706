"""The calendar functions other slices call, inside their own units of work: business
schedule (race-free), schedules, events, occurrences for availability, the capacity hook."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from bookings.app import wire_slices
from bookings.calendar import ports as calendar_ports
from bookings.calendar import service as calendar
from bookings.calendar.schemas import BOOKINGS_APP_ID, BUSINESS_SCHEDULE_EXTERNAL_ID
from bookings.platform.db import SiteScope
from bookings.platform.routing import Services
from tests.calendar.conftest import BASE, Calendar, local
from tests.conftest import make_site
from tests.helpers import ok


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


async def test_business_schedule_is_created_once_with_working_hours(
    services: Services, client: httpx.AsyncClient
) -> None:
    site = await make_site(services, "America/New_York")
    db = services.db

    async def ensure() -> dict[str, Any]:
        async with db.write(site.site_id) as uow:
            return await calendar.ensure_business_schedule(uow)

    first, second = await asyncio.gather(ensure(), ensure())
    assert first == second == await ensure()
    assert first == {
        "id": first["id"],
        "externalId": BUSINESS_SCHEDULE_EXTERNAL_ID,
        "name": "business",
        "status": "ACTIVE",
        "timeZone": "America/New_York",
        "appId": BOOKINGS_APP_ID,
        "revision": "1",
        "createdDate": first["createdDate"],
        "updatedDate": first["createdDate"],
    }
    cal = Calendar(client, site)
    res = await client.post(
        f"{BASE}/schedules/query",
        json={"query": {"filter": {"externalId": BUSINESS_SCHEDULE_EXTERNAL_ID}}},
        headers=site.admin,
    )
    assert [s["id"] for s in ok(res)["schedules"]] == [first["id"]]
    masters = (
        await cal.query(
            recurrenceType=["MASTER"],
            query={"filter": {"scheduleId": first["id"], "type": "WORKING_HOURS"}},
        )
    )["events"]
    assert sorted(m["recurrenceRule"]["days"][0] for m in masters) == sorted(
        ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"]
    )
    for m in masters:
        assert (m["start"]["localDate"][11:], m["end"]["localDate"][11:]) == (
            "09:00:00",
            "17:00:00",
        )
        assert m["timeZone"] == "America/New_York"
        assert m["type"] == "WORKING_HOURS" and "title" not in m
    week = await cal.query(
        fromLocalDate="2027-03-08T00:00:00",
        toLocalDate="2027-03-20T00:00:00",
        query={"filter": {"type": "WORKING_HOURS"}, "cursorPaging": {"limit": 20}},
    )
    hours = [(e["start"]["localDate"], e["start"]["utcDate"]) for e in week["events"]]
    assert len(hours) == 10
    assert hours[0] == ("2027-03-08T09:00:00", "2027-03-08T14:00:00.000Z")  # EST
    assert hours[5] == ("2027-03-15T09:00:00", "2027-03-15T13:00:00.000Z")  # EDT


async def test_schedule_functions(services: Services) -> None:
    site = await make_site(services, "Europe/Berlin")
    async with services.db.write(site.site_id) as uow:
        schedule = await calendar.create_schedule(
            uow, external_id="svc-9", name="N" * 300, default_capacity=3
        )
        assert await calendar.get_schedule(uow, schedule["id"]) == schedule
    assert (schedule["name"], schedule["timeZone"], schedule["defaultCapacity"]) == (
        "N" * 200,
        "Europe/Berlin",
        3,
    )
    async with services.db.write(site.site_id) as uow:
        event = await calendar.create_event(
            uow,
            {
                "scheduleId": schedule["id"],
                "type": "CLASS",
                "start": local("2027-06-01T10:00:00"),
                "end": local("2027-06-01T11:00:00"),
                "resources": [{"id": "staff-1", "name": "Ann", "type": "STAFF"}],
            },
        )
        updated = await calendar.update_schedule(
            uow, schedule["id"], {"name": "Renamed", "defaultCapacity": 4}
        )
    assert event["resources"] == [
        {"id": "staff-1", "name": "Ann", "type": "STAFF", "transparency": "OPAQUE"}
    ]
    assert event["adjustedStart"] == {
        "localDate": "2027-06-01T10:00:00",
        "timeZone": "Europe/Berlin",
    }
    assert (updated["name"], updated["revision"]) == ("Renamed", "2")
    async with services.db.read(site.site_id) as scope:
        again = await calendar.get_event(scope, event["id"])
        assert await calendar.get_event(scope, "nope" * 16) is None
        assert await calendar.get_schedule(scope, "nope") is None
    assert again is not None
    assert (again["totalCapacity"], again["scheduleName"], again["revision"]) == (4, "Renamed", "2")
    async with services.db.write(site.site_id) as uow:
        await calendar.cancel_schedule(uow, schedule["id"])
        await calendar.cancel_schedule(uow, schedule["id"])  # idempotent
        cancelled = await calendar.get_schedule(uow, schedule["id"])
        assert await calendar.get_event(uow, event["id"]) is not None
    assert cancelled is not None and cancelled["status"] == "CANCELLED"


async def test_occurrences_for_availability(services: Services) -> None:
    site = await make_site(services, "UTC")
    async with services.db.write(site.site_id) as uow:
        sid = (await calendar.create_schedule(uow, external_id="s", name="s"))["id"]
        other = (await calendar.create_schedule(uow, external_id="o", name="o"))["id"]
        cls = await calendar.create_event(
            uow,
            {
                "scheduleId": sid,
                "type": "CLASS",
                "start": local("2027-06-07T10:00:00"),
                "end": local("2027-06-07T11:00:00"),
                "recurrenceRule": {"days": ["MONDAY"]},
                "resources": [{"id": "staff-1"}],
            },
        )
        appt = await calendar.create_event(
            uow,
            {
                "scheduleId": other,
                "type": "APPOINTMENT",
                "start": local("2027-06-08T10:00:00"),
                "end": local("2027-06-08T10:30:00"),
                "resources": [{"id": "staff-2"}],
            },
        )
        hours = await calendar.create_event(
            uow,
            {
                "scheduleId": sid,
                "type": "WORKING_HOURS",
                "start": local("2027-06-07T08:00:00"),
                "end": local("2027-06-07T18:00:00"),
                "recurrenceRule": {"days": ["MONDAY"]},
            },
        )
    week = {"start_utc": utc(2027, 6, 7), "end_utc": utc(2027, 6, 14)}

    async def read(**kw: Any) -> list[dict[str, Any]]:
        async with services.db.read(site.site_id) as scope:
            return await calendar.occurrences(scope, **{**week, **kw})

    every = await read()
    assert [(e["type"], e["start"]["localDate"]) for e in every] == [
        ("WORKING_HOURS", "2027-06-07T08:00:00"),
        ("CLASS", "2027-06-07T10:00:00"),
        ("APPOINTMENT", "2027-06-08T10:00:00"),
    ]
    assert calendar.event_interval(every[1]) == (utc(2027, 6, 7, 10), utc(2027, 6, 7, 11))
    assert [e["id"] for e in await read(resource_ids=["staff-2"])] == [appt["id"]]
    assert [e["recurringEventId"] for e in await read(resource_ids=["staff-1"])] == [cls["id"]]
    assert [e["type"] for e in await read(types=["WORKING_HOURS"])] == ["WORKING_HOURS"]
    assert [e["id"] for e in await read(schedule_ids=[other])] == [appt["id"]]
    async with services.db.write(site.site_id) as uow:
        await calendar.cancel_event(uow, appt["id"])
    assert [e["id"] for e in await read(include_cancelled=True, schedule_ids=[other])] == [
        appt["id"]
    ]
    assert await read(schedule_ids=[other]) == []
    # Beyond the materialized horizon: a read computes them, a write materializes them.
    far = (utc(2030, 6, 3), utc(2030, 6, 4))
    computed = await read(start_utc=far[0], end_utc=far[1])
    async with services.db.write(site.site_id) as uow:
        stored = await calendar.occurrences(uow, start_utc=far[0], end_utc=far[1])
    assert [e["id"] for e in computed] == [e["id"] for e in stored]
    assert {e["recurringEventId"] for e in stored} == {cls["id"], hours["id"]}
    assert stored[1]["id"] == hashlib.sha256(f"{cls['id']}|2030-06-03".encode()).hexdigest()
    assert [e["start"] for e in computed] == [e["start"] for e in stored]


async def test_capacity_hook_and_resource_details(
    services: Services, client: httpx.AsyncClient
) -> None:
    site = await make_site(services)
    cal = Calendar(client, site)
    sid = (await cal.schedule(defaultCapacity=5))["id"]

    async def details(scope: SiteScope, ids: Sequence[str]) -> Mapping[str, Mapping[str, Any]]:
        return {i: {"name": f"Staff {i}", "type": "STAFF"} for i in ids if i.startswith("s")}

    calendar_ports.resource_details.wire(details)
    try:
        event = await cal.event(
            {
                "scheduleId": sid,
                "start": local("2027-06-07T10:00:00"),
                "end": local("2027-06-07T11:00:00"),
                "resources": [{"id": "s1", "name": "forged"}, {"id": "room"}],
            }
        )
    finally:
        wire_slices()
    assert event["resources"] == [
        {"id": "s1", "name": "Staff s1", "type": "STAFF", "transparency": "OPAQUE"},
        {"id": "room", "transparency": "OPAQUE"},
    ]
    async with services.db.write(site.site_id) as uow:
        await calendar.set_participants_total(uow, event["id"], 3)
    got = await cal.get(event["id"], fields="PI_FIELDS")
    assert (got["totalCapacity"], got["remainingCapacity"], got["participants"]) == (
        5,
        2,
        {"total": 3, "hasMore": False},
    )
    assert got["revision"] == "1"
    window = {"fromLocalDate": "2027-06-07T00:00:00", "toLocalDate": "2027-06-08T00:00:00"}
    assert await cal.ids(**window, query={"filter": {"remainingCapacity": {"$gt": 2}}}) == []
    assert await cal.ids(**window, query={"filter": {"participants.total": 3}}) == [event["id"]]
    ok(await cal.update({"id": event["id"], "revision": "1", "totalCapacity": 10}))
    assert (await cal.get(event["id"]))["remainingCapacity"] == 7
