"""Time Slots V2 for appointments through HTTP: exact wire JSON, filters, paging, access."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from tests.availability.conftest import STAFF_TYPE, TS, TS_ALIAS, UNKNOWN_ID, Catalog, next_weekday
from tests.conftest import SiteKeys
from tests.helpers import app_error, ok, violation


def day_body(service_id: str, day: Any, **extra: Any) -> dict[str, Any]:
    return {
        "serviceId": service_id,
        "fromLocalDate": f"{day}T00:00:00",
        "toLocalDate": f"{day + timedelta(days=1)}T00:00:00",
        **extra,
    }


async def test_list_wire_json(client: httpx.AsyncClient, site: SiteKeys) -> None:
    cat = Catalog(client, site)
    ana = await cat.staff("Ana")
    svc = await cat.service([ana["resourceId"]])
    monday = next_weekday(0)
    res = await cat.slots(day_body(svc["id"], monday))
    starts = [s["localStartDate"][11:16] for s in res["timeSlots"]]
    # 09:00-17:00, 60 min + 15 min buffer: a start every 75 minutes while it ends by 17:00
    assert starts == ["09:00", "10:15", "11:30", "12:45", "14:00", "15:15"]
    assert res["timeZone"] == "UTC"
    assert res["cursorPagingMetadata"] == {"cursors": {}, "hasNext": False}
    assert res["timeSlots"][0] == {
        "serviceId": svc["id"],
        "localStartDate": f"{monday}T09:00:00",
        "localEndDate": f"{monday}T10:00:00",
        "bookable": True,
        "location": {"formattedAddress": "1 Main St", "locationType": "CUSTOM"},
        "totalCapacity": 1,
        "remainingCapacity": 1,
        "bookableCapacity": 1,
        "bookingPolicyViolations": {
            "tooEarlyToBook": False,
            "tooLateToBook": False,
            "bookOnlineDisabled": False,
        },
        "availableResources": [],
        "nestedTimeSlots": [],
        "scheduleId": svc["schedule"]["id"],
    }


def starts(res: dict[str, Any]) -> list[str]:
    return [s["localStartDate"][11:16] for s in res["timeSlots"]]


def staff_of(slot: dict[str, Any]) -> list[str]:
    found = [e for e in slot["availableResources"] if e["resourceTypeId"] == STAFF_TYPE]
    return [r["id"] for r in found[0]["resources"]] if found else []


async def test_aliases_answer_alike(client: httpx.AsyncClient, site: SiteKeys) -> None:
    cat = Catalog(client, site)
    ana = await cat.staff()
    svc = await cat.service([ana["resourceId"]])
    body = day_body(svc["id"], next_weekday(0))
    assert await cat.slots(body) == await cat.slots(body, TS_ALIAS)


async def test_staff_hours_time_off_and_busy_events(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    cat = Catalog(client, site)
    ana, ben, cy = await cat.staff("Ana"), await cat.staff("Ben"), await cat.staff("Cy")
    monday = next_weekday(0)
    # Cy works his own hours: Mondays 18:00-20:00 (outside the business hours)
    own = await cat.own_hours(cy)
    await cat.event(
        scheduleId=own,
        type="WORKING_HOURS",
        start={"localDate": f"{monday - timedelta(days=7)}T18:00:00"},
        end={"localDate": f"{monday - timedelta(days=7)}T20:00:00"},
        recurrenceRule={"frequency": "WEEKLY", "interval": 1, "days": ["MONDAY"]},
    )
    ids = [ana["resourceId"], ben["resourceId"], cy["resourceId"]]
    svc = await cat.service(ids)
    include = {"includeResourceTypeIds": [STAFF_TYPE]}
    res = await cat.slots(day_body(svc["id"], monday, **include))
    assert starts(res) == ["09:00", "10:15", "11:30", "12:45", "14:00", "15:15", "18:00"]
    assert staff_of(res["timeSlots"][0]) == ids[:2]
    assert staff_of(res["timeSlots"][-1]) == ids[2:]
    assert res["timeSlots"][-1]["availableResources"] == [
        {
            "resourceTypeId": STAFF_TYPE,
            "resources": [{"id": cy["resourceId"], "name": "Cy"}],
            "hasMoreAvailableResources": False,
        }
    ]

    # Ana's time off (an OPAQUE event on her events schedule) 10:00-12:00; a TRANSPARENT
    # one for Ben changes nothing.
    for member, transparency in ((ana, "OPAQUE"), (ben, "TRANSPARENT")):
        await cat.event(
            scheduleId=member["resource"]["eventsSchedule"]["id"],
            type="DEFAULT",
            transparency=transparency,
            start={"localDate": f"{monday}T10:00:00"},
            end={"localDate": f"{monday}T12:00:00"},
        )
    # Ben is booked 14:00-15:00: an APPOINTMENT event of the service listing him; the
    # service's 15 min buffer extends it to 15:15.
    await cat.event(
        scheduleId=svc["schedule"]["id"],
        type="APPOINTMENT",
        start={"localDate": f"{monday}T14:00:00"},
        end={"localDate": f"{monday}T15:00:00"},
        resources=[{"id": ben["resourceId"]}],
    )
    res = await cat.slots(day_body(svc["id"], monday, **include))
    by_start = {s["localStartDate"][11:16]: staff_of(s) for s in res["timeSlots"]}
    a, b, c = ids
    assert by_start == {
        "09:00": [b],  # Ana's slot would end its buffer at 10:15, inside her time off
        "10:15": [b],
        "11:30": [b],
        "12:45": [a, b],  # [12:45, 14:00) with its buffer only touches Ben's booking
        "14:00": [a],
        "15:15": [a, b],  # Ben's booking with its own buffer ends at 15:15
        "18:00": [c],
    }
    # Only Ben: the resourceTypes filter keeps the slots where he is free.
    only_ben = {"resourceTypes": [{"resourceTypeId": STAFF_TYPE, "resourceIds": [b]}]}
    res = await cat.slots(day_body(svc["id"], monday, **only_ben))
    assert starts(res) == ["09:00", "10:15", "11:30", "12:45", "15:15"]
    assert staff_of(res["timeSlots"][0]) == [b]


async def test_get_time_slot(client: httpx.AsyncClient, site: SiteKeys) -> None:
    cat = Catalog(client, site)
    ana, ben = await cat.staff("Ana"), await cat.staff("Ben")
    svc = await cat.service([ana["resourceId"], ben["resourceId"]])
    monday = next_weekday(0)
    await cat.event(
        scheduleId=ana["resource"]["eventsSchedule"]["id"],
        type="DEFAULT",
        start={"localDate": f"{monday}T09:00:00"},
        end={"localDate": f"{monday}T10:00:00"},
    )
    body = {
        "serviceId": svc["id"],
        "localStartDate": f"{monday}T09:00:00",
        "localEndDate": f"{monday}T10:00:00",
    }
    for path in (f"{TS}/get", f"{TS_ALIAS}/get"):
        res = await cat.post(path, body)
        assert res == {
            "timeSlot": {
                "serviceId": svc["id"],
                "localStartDate": f"{monday}T09:00:00",
                "localEndDate": f"{monday}T10:00:00",
                "bookable": True,
                "location": {"formattedAddress": "1 Main St", "locationType": "CUSTOM"},
                "totalCapacity": 1,
                "remainingCapacity": 1,
                "bookableCapacity": 1,
                "bookingPolicyViolations": {
                    "tooEarlyToBook": False,
                    "tooLateToBook": False,
                    "bookOnlineDisabled": False,
                },
                "availableResources": [
                    {
                        "resourceTypeId": STAFF_TYPE,
                        "resources": [{"id": ben["resourceId"], "name": "Ben"}],
                        "hasMoreAvailableResources": False,
                    }
                ],
                "nestedTimeSlots": [],
                "scheduleId": svc["schedule"]["id"],
            },
            "timeZone": "UTC",
        }
    # An off-grid start that is free is a slot too (a booking there would be accepted).
    off_grid = {
        **body,
        "localStartDate": f"{monday}T09:05:00",
        "localEndDate": f"{monday}T10:05:00",
    }
    assert (await cat.post(f"{TS}/get", off_grid))["timeSlot"]["bookable"] is True
    for bad in (
        {**body, "localEndDate": f"{monday}T09:30:00"},  # not the service's duration
        {**body, "localStartDate": f"{monday}T18:00:00", "localEndDate": f"{monday}T19:00:00"},
        {**body, "localStartDate": "2020-01-06T09:00:00", "localEndDate": "2020-01-06T10:00:00"},
    ):
        res = await client.post(f"{TS}/get", json=bad, headers=site.admin)
        app_error(res, 404, "SLOT_NOT_FOUND")
    both_busy = await cat.event(
        scheduleId=ben["resource"]["eventsSchedule"]["id"],
        type="DEFAULT",
        start={"localDate": f"{monday}T08:00:00"},
        end={"localDate": f"{monday}T12:00:00"},
    )
    assert both_busy["id"]
    app_error(await client.post(f"{TS}/get", json=body, headers=site.admin), 404, "SLOT_NOT_FOUND")


async def test_policy_violations(client: httpx.AsyncClient, site: SiteKeys) -> None:
    cat = Catalog(client, site)
    ana = await cat.staff()
    monday = next_weekday(0)
    early = await cat.policy(
        limitEarlyBookingPolicy={"enabled": True, "earliestBookingInMinutes": 60}
    )
    svc = await cat.service([ana["resourceId"]], bookingPolicy={"id": early["id"]})
    res = await cat.slots(day_body(svc["id"], monday))
    first = res["timeSlots"][0]
    assert first["bookable"] is False
    assert first["bookingPolicyViolations"] == {
        "tooEarlyToBook": True,
        "tooLateToBook": False,
        "bookOnlineDisabled": False,
        "earliestBookingDate": f"{monday}T08:00:00.000Z",
    }
    assert first["nonBookableReasons"] == {"violatesBookingPolicy": True}
    assert (await cat.slots(day_body(svc["id"], monday, bookable=True)))["timeSlots"] == []
    flt = {"bookingPolicyViolations": {"tooEarlyToBook": False}}
    assert (await cat.slots(day_body(svc["id"], monday, **flt)))["timeSlots"] == []
    flt = {"bookingPolicyViolations": {"tooEarlyToBook": True}}
    assert len((await cat.slots(day_body(svc["id"], monday, **flt)))["timeSlots"]) == 6

    late = await cat.policy(
        limitLateBookingPolicy={"enabled": True, "latestBookingInMinutes": 60 * 24 * 60}
    )
    svc = await cat.service([ana["resourceId"]], bookingPolicy={"id": late["id"]})
    first = (await cat.slots(day_body(svc["id"], monday)))["timeSlots"][0]
    assert first["bookingPolicyViolations"] == {
        "tooEarlyToBook": False,
        "tooLateToBook": True,
        "bookOnlineDisabled": False,
    }
    assert first["bookable"] is False

    svc = await cat.service([ana["resourceId"]], onlineBooking={"enabled": False})
    first = (await cat.slots(day_body(svc["id"], monday)))["timeSlots"][0]
    assert first["bookingPolicyViolations"]["bookOnlineDisabled"] is True
    assert first["bookable"] is False
    assert first["nonBookableReasons"] == {"violatesBookingPolicy": True}


async def test_paging_per_day_cap_and_time_zone(client: httpx.AsyncClient, site: SiteKeys) -> None:
    cat = Catalog(client, site)
    ana = await cat.staff()
    svc = await cat.service([ana["resourceId"]])
    monday = next_weekday(0)
    week = {
        "serviceId": svc["id"],
        "fromLocalDate": f"{monday}T00:00:00",
        "toLocalDate": f"{monday + timedelta(days=7)}T00:00:00",
    }
    everything = (await cat.slots(week))["timeSlots"]
    assert len(everything) == 5 * 6
    seen: list[dict[str, Any]] = []
    res = await cat.slots({**week, "cursorPaging": {"limit": 4}})
    while True:
        seen += res["timeSlots"]
        meta = res["cursorPagingMetadata"]
        if not meta["hasNext"]:
            assert meta["cursors"] == {}
            break
        assert len(res["timeSlots"]) == 4
        cursor = meta["cursors"]["next"]
        res = await cat.slots({"cursorPaging": {"cursor": cursor}})
    assert seen == everything
    # a new limit on a follow-up is honoured
    res = await cat.slots({**week, "cursorPaging": {"limit": 2}})
    nxt = await cat.slots(
        {"cursorPaging": {"cursor": res["cursorPagingMetadata"]["cursors"]["next"], "limit": 7}}
    )
    assert nxt["timeSlots"] == everything[2:9]
    # a tampered cursor, or another site's, is a 400
    cursor = res["cursorPagingMetadata"]["cursors"]["next"]
    tampered = cursor[:-3] + ("AAA" if not cursor.endswith("AAA") else "BBB")
    bad = await client.post(TS, json={"cursorPaging": {"cursor": tampered}}, headers=site.admin)
    violation(bad, "cursorPaging.cursor")
    # at most two a day
    capped = (await cat.slots({**week, "timeSlotsPerDay": 2}))["timeSlots"]
    assert [s["localStartDate"][11:16] for s in capped] == ["09:00", "10:15"] * 5
    # presented in the requested zone (New York is 5 hours behind UTC in winter)
    ny = await cat.slots(
        {
            "serviceId": svc["id"],
            "fromLocalDate": f"{monday}T00:00:00",
            "toLocalDate": f"{monday + timedelta(days=1)}T00:00:00",
            "timeZone": "America/New_York",
        }
    )
    assert ny["timeZone"] == "America/New_York"
    assert starts(ny) == ["04:00", "05:15", "06:30", "07:45", "09:00", "10:15"]


async def test_access_and_isolation(
    client: httpx.AsyncClient, site: SiteKeys, other_site: SiteKeys
) -> None:
    cat = Catalog(client, site)
    ana = await cat.staff()
    svc = await cat.service([ana["resourceId"]])
    body = day_body(svc["id"], next_weekday(0))
    token = ok(
        await client.post(
            "/oauth2/token", json={"clientId": site.client_id, "grantType": "anonymous"}
        )
    )["access_token"]
    as_visitor = ok(await client.post(TS, json=body, headers={"Authorization": token}))
    assert as_visitor == await cat.slots(body)
    assert (await client.post(TS, json=body)).status_code == 401
    foreign = await client.post(TS, json=body, headers=other_site.admin)
    app_error(foreign, 404, "SERVICE_NOT_FOUND")
    # a cursor of one site is refused by another
    res = await cat.slots({**body, "cursorPaging": {"limit": 1}})
    cursor = res["cursorPagingMetadata"]["cursors"]["next"]
    refused = await client.post(
        TS, json={"cursorPaging": {"cursor": cursor}}, headers=other_site.admin
    )
    violation(refused, "cursorPaging.cursor")


async def test_errors(client: httpx.AsyncClient, site: SiteKeys) -> None:
    cat = Catalog(client, site)
    ana = await cat.staff()
    svc = await cat.service([ana["resourceId"]])
    yoga = await cat.a_class()
    monday = next_weekday(0)

    async def post(body: Any) -> httpx.Response:
        return await client.post(TS, json=body, headers=site.admin)

    app_error(await post({}), 400, "MISSING_ARGUMENTS")
    app_error(await post({"serviceId": svc["id"]}), 400, "MISSING_ARGUMENTS")
    app_error(await post(day_body(UNKNOWN_ID, monday)), 404, "SERVICE_NOT_FOUND")
    assert violation(await post(day_body(yoga["id"], monday)), "serviceId")["ruleName"] == (
        "APPOINTMENT_SERVICE_REQUIRED"
    )
    long = {
        **day_body(svc["id"], monday),
        "toLocalDate": f"{monday + timedelta(days=400)}T00:00:00",
    }
    assert violation(await post(long), "toLocalDate")["violatedRule"] == "MAX"
    backwards = {**day_body(svc["id"], monday), "toLocalDate": f"{monday}T00:00:00"}
    violation(await post(backwards), "toLocalDate")
    violation(await post(day_body(svc["id"], monday, timeZone="Mars/Olympus")), "timeZone")
    too_many = day_body(svc["id"], monday, cursorPaging={"limit": 1001})
    assert violation(await post(too_many), "cursorPaging.limit")["violatedRule"] == "MAX"
    violation(await post(day_body(svc["id"], monday, bookable="maybe")), "bookable")
    violation(await post({**day_body(svc["id"], monday), "fromLocalDate": "nope"}), "fromLocalDate")
    violation(await post({"serviceId": "not-a-guid"}), "serviceId")
    gender = day_body(
        svc["id"], monday, customerChoices={"requestedGender": {"gender": "ANY_MALE"}}
    )
    app_error(await post(gender), 400, "REQUESTED_GENDER_NOT_ALLOWED")
    assert (await client.post(TS, content=b"[1, 2", headers=site.admin)).status_code == 400
    end_options = await client.post(f"{TS}/end-options", json={}, headers=site.admin)
    app_error(end_options, 501, "UNIMPLEMENTED")
