"""The list, the single-slot check the bookings slice will call, and the two ways of reading
busy time all agree."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from bookings.availability import loading
from bookings.availability import service as availability
from bookings.booking.ports import holding_bookings
from bookings.calendar import busy
from bookings.platform.routing import Services
from tests.availability.conftest import TS, Catalog, next_weekday
from tests.conftest import SiteKeys


async def test_check_appointment_slot_agrees_with_the_list(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    cat = Catalog(client, site)
    ana, ben = await cat.staff("Ana"), await cat.staff("Ben")
    ids = [ana["resourceId"], ben["resourceId"]]
    svc = await cat.service(ids)
    monday = next_weekday(0)
    for member, start, end in ((ana, "10:00", "12:00"), (ben, "09:30", "10:00")):
        await cat.event(
            scheduleId=member["resource"]["eventsSchedule"]["id"],
            type="DEFAULT",
            start={"localDate": f"{monday}T{start}:00"},
            end={"localDate": f"{monday}T{end}:00"},
        )
    await cat.event(
        scheduleId=svc["schedule"]["id"],
        type="APPOINTMENT",
        start={"localDate": f"{monday}T14:00:00"},
        end={"localDate": f"{monday}T15:00:00"},
        resources=[{"id": ben["resourceId"]}],
    )
    body = {
        "serviceId": svc["id"],
        "fromLocalDate": f"{monday}T00:00:00",
        "toLocalDate": f"{monday + timedelta(days=1)}T00:00:00",
        "includeResourceTypeIds": ["1cd44cf8-756f-41c3-bd90-3e2ffcaf1155"],
    }
    listed = (await cat.slots(body, TS))["timeSlots"]
    day = datetime(monday.year, monday.month, monday.day, tzinfo=UTC)
    offered = {}
    for slot in listed:
        start = datetime.fromisoformat(slot["localStartDate"]).replace(tzinfo=UTC)
        offered[start] = [r["id"] for r in slot["availableResources"][0]["resources"]]
    async with services.db.read(site.site_id) as scope:
        for minute in range(0, 24 * 60, 5):
            start = day + timedelta(minutes=minute)
            free = (
                await availability.check_appointment_slot(
                    scope, holding_bookings(), svc["id"], start, start + timedelta(hours=1)
                )
            ).free
            if start in offered:
                assert free == offered[start]  # a listed slot can be booked, by the same staff
            for rid in ids:
                alone = (
                    await availability.check_appointment_slot(
                        scope, holding_bookings(), svc["id"], start, start + timedelta(hours=1), rid
                    )
                ).free
                assert alone == ([rid] if rid in free else [])
    # every grid start that the check accepts is listed (nothing refused is offered, and
    # nothing free on the grid is left out)
    async with services.db.read(site.site_id) as scope:
        for k in range(6):
            start = day + timedelta(hours=9, minutes=75 * k)
            free = (
                await availability.check_appointment_slot(
                    scope, holding_bookings(), svc["id"], start, start + timedelta(hours=1)
                )
            ).free
            assert bool(free) == (start in offered)


async def test_stored_and_computed_busy_time_agree(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    cat = Catalog(client, site)
    ana, ben = await cat.staff("Ana"), await cat.staff("Ben")
    svc = await cat.service([ana["resourceId"], ben["resourceId"]])
    monday = next_weekday(0)
    own = ana["resource"]["eventsSchedule"]["id"]
    await cat.event(  # weekly blocked time on Ana's schedule
        scheduleId=own,
        type="DEFAULT",
        start={"localDate": f"{monday}T12:00:00"},
        end={"localDate": f"{monday}T13:00:00"},
        recurrenceRule={"frequency": "WEEKLY", "interval": 1, "days": ["MONDAY"]},
    )
    await cat.event(  # transparent: never busy
        scheduleId=own,
        type="DEFAULT",
        transparency="TRANSPARENT",
        start={"localDate": f"{monday}T15:00:00"},
        end={"localDate": f"{monday}T16:00:00"},
    )
    listed = await cat.event(
        scheduleId=svc["schedule"]["id"],
        type="APPOINTMENT",
        start={"localDate": f"{monday}T09:00:00"},
        end={"localDate": f"{monday}T10:00:00"},
        resources=[
            {"id": ben["resourceId"]},
            {"id": ana["resourceId"], "transparency": "TRANSPARENT"},
        ],
    )
    cancelled = await cat.event(
        scheduleId=svc["schedule"]["id"],
        type="APPOINTMENT",
        start={"localDate": f"{monday}T11:00:00"},
        end={"localDate": f"{monday}T12:00:00"},
        resources=[{"id": ben["resourceId"]}],
    )
    res = await client.post(
        f"/calendar/v3/events/{cancelled['id']}/cancel", json={}, headers=site.admin
    )
    assert res.status_code == 200, res.text
    ids = [ana["resourceId"], ben["resourceId"]]
    owners = {own: ana["resourceId"], ben["resource"]["eventsSchedule"]["id"]: ben["resourceId"]}
    lo = datetime(monday.year, monday.month, monday.day, tzinfo=UTC)
    async with services.db.read(site.site_id) as scope:
        stored = await busy.busy_intervals(
            scope,
            resource_ids=ids,
            owners=owners,
            types=loading.BUSY_TYPES,
            start_utc=lo,
            end_utc=lo + timedelta(days=15),
        )
        computed = await busy._computed(
            scope, ids, owners, loading.BUSY_TYPES, lo, lo + timedelta(days=15)
        )
    assert sorted(stored) == sorted(computed)
    noon = int((lo + timedelta(hours=12)).timestamp())
    assert sorted((b.resource_id, b.start) for b in stored) == sorted(
        [
            (ben["resourceId"], int((lo + timedelta(hours=9)).timestamp())),
            (ana["resourceId"], noon),
            (ana["resourceId"], noon + 7 * 86400),
            (ana["resourceId"], noon + 14 * 86400),
        ]
    )
    assert listed["id"]
