"""Multi-service time slots through HTTP: chains of appointment services back to back."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from tests.availability.conftest import STAFF_TYPE, TS, UNKNOWN_ID, Catalog, next_weekday
from tests.booking.conftest import appointment_booking, created
from tests.conftest import SiteKeys
from tests.helpers import app_error, ok, violation

MS = "/_api/service-availability/v2/multi-service-time-slots"
MS_ALIAS = "/service-availability/v2/multi-service-time-slots"
CUSTOM = {"locationType": "CUSTOM"}
LOCATION = {"formattedAddress": "1 Main St", "locationType": "CUSTOM"}
NO_VIOLATIONS = {"tooEarlyToBook": False, "tooLateToBook": False, "bookOnlineDisabled": False}


def minutes(duration: int, buffer: int = 0) -> dict[str, Any]:
    """A service's ``schedule`` with this duration and buffer."""
    return {
        "availabilityConstraints": {
            "sessionDurations": [duration],
            "timeBetweenSessions": buffer,
        }
    }


def items(*services: dict[str, Any], **per_id: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"serviceId": s["id"], **per_id.get(s["name"], {})} for s in services]


def day_body(services: list[dict[str, Any]], day: date, **extra: Any) -> dict[str, Any]:
    return {
        "services": services,
        "fromLocalDate": f"{day}T00:00:00",
        "toLocalDate": f"{day + timedelta(days=1)}T00:00:00",
        "location": CUSTOM,
        **extra,
    }


def starts(res: dict[str, Any]) -> list[str]:
    return [s["localStartDate"][11:16] for s in res["timeSlots"]]


def staff_of(nested: dict[str, Any]) -> list[str]:
    found = [e for e in nested["availableResources"] if e["resourceTypeId"] == STAFF_TYPE]
    return [r["id"] for r in found[0]["resources"]] if found else []


def grid(first: str, last: str, step: int) -> list[str]:
    at = datetime.strptime(first, "%H:%M")
    end = datetime.strptime(last, "%H:%M")
    out = []
    while at <= end:
        out.append(at.strftime("%H:%M"))
        at += timedelta(minutes=step)
    return out


SHOW_STAFF = {"includeResourceTypeIds": [STAFF_TYPE]}


async def test_list_wire_json_and_aliases(client: httpx.AsyncClient, site: SiteKeys) -> None:
    cat = Catalog(client, site)
    ana = await cat.staff("Ana")
    cut = await cat.service([ana["resourceId"]], name="Cut", schedule=minutes(30))
    color = await cat.service([ana["resourceId"]], name="Color", schedule=minutes(60))
    monday = next_weekday(0)
    body = day_body(items(cut, color, Cut=SHOW_STAFF), monday)
    res = await cat.post(MS, body)
    # The grid of the first service (30 min, no buffer) while the whole chain ends by 17:00;
    # Ana takes both links (no buffer between them).
    assert starts(res) == grid("09:00", "15:30", 30)
    assert res["timeZone"] == "UTC"
    assert res["cursorPagingMetadata"] == {"cursors": {}, "hasNext": False}
    assert res["timeSlots"][0] == {
        "localStartDate": f"{monday}T09:00:00",
        "localEndDate": f"{monday}T10:30:00",
        "bookable": True,
        "location": LOCATION,
        "totalCapacity": 1,
        "remainingCapacity": 1,
        "bookableCapacity": 1,
        "bookingPolicyViolations": NO_VIOLATIONS,
        "availableResources": [],
        "nestedTimeSlots": [
            {
                "serviceId": cut["id"],
                "localStartDate": f"{monday}T09:00:00",
                "localEndDate": f"{monday}T09:30:00",
                "scheduleId": cut["schedule"]["id"],
                "availableResources": [
                    {
                        "resourceTypeId": STAFF_TYPE,
                        "resources": [{"id": ana["resourceId"], "name": "Ana"}],
                        "hasMoreAvailableResources": False,
                    }
                ],
            },
            {
                "serviceId": color["id"],
                "localStartDate": f"{monday}T09:30:00",
                "localEndDate": f"{monday}T10:30:00",
                "scheduleId": color["schedule"]["id"],
                "availableResources": [],
            },
        ],
    }
    # Every chain is back to back, in request order.
    for slot in res["timeSlots"]:
        first, second = slot["nestedTimeSlots"]
        assert first["localStartDate"] == slot["localStartDate"]
        assert first["localEndDate"] == second["localStartDate"]
        assert second["localEndDate"] == slot["localEndDate"]
    assert await cat.post(MS_ALIAS, body) == res
    # The other order: the grid is the first service's (60 min), the chain still 90 min.
    res = await cat.post(MS, day_body(items(color, cut), monday))
    assert starts(res) == grid("09:00", "15:00", 60)
    assert [n["serviceId"] for n in res["timeSlots"][0]["nestedTimeSlots"]] == [
        color["id"],
        cut["id"],
    ]


async def test_window_bounds_the_end_and_a_booking_removes_chains(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    cat = Catalog(client, site)
    ana = await cat.staff("Ana")
    cut = await cat.service([ana["resourceId"]], name="Cut", schedule=minutes(30))
    color = await cat.service([ana["resourceId"]], name="Color", schedule=minutes(60))
    monday = next_weekday(0)
    body = {
        **day_body(items(cut, color), monday),
        "fromLocalDate": f"{monday}T10:00:00",
        "toLocalDate": f"{monday}T13:00:00",
    }
    # fromLocalDate <= start, end <= toLocalDate
    assert starts(await cat.post(MS, body)) == ["10:00", "10:30", "11:00", "11:30"]
    # Ana is booked 11:00-11:30 (a confirmed booking of the first service)
    booking = appointment_booking(
        cut, monday, "11:00", "11:30", resource=ana["resourceId"], status="CONFIRMED"
    )
    await created(client, site.admin, booking)
    # a chain is gone when either of its links meets the booking
    res = await cat.post(MS, {**body, "toLocalDate": f"{monday}T17:00:00"})
    assert starts(res) == ["11:30", *grid("12:00", "15:30", 30)]


async def test_a_buffer_keeps_one_staff_member_off_the_next_link(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    cat = Catalog(client, site)
    ana, ben = await cat.staff("Ana"), await cat.staff("Ben")
    a, b = ana["resourceId"], ben["resourceId"]
    # Cut blocks its staff member 15 minutes after it: Ana cannot take Color right after it.
    cut = await cat.service([a], name="Cut", schedule=minutes(30, 15))
    color_ana = await cat.service([a], name="Color", schedule=minutes(60))
    monday = next_weekday(0)
    res = await cat.post(MS, day_body(items(cut, color_ana), monday))
    assert res["timeSlots"] == []
    app_error(
        await client.post(
            f"{MS}/get",
            json={
                "services": items(cut, color_ana),
                "localStartDate": f"{monday}T09:00:00",
                "localEndDate": f"{monday}T10:30:00",
                "location": CUSTOM,
            },
            headers=site.admin,
        ),
        404,
        "SLOT_NOT_FOUND",
    )
    # With Ben on Color too, every chain takes Ana then Ben (the grid: 30 + 15 minutes).
    color = await cat.service([a, b], name="Color", schedule=minutes(60))
    body = day_body(items(cut, color, Color=SHOW_STAFF), monday)
    res = await cat.post(MS, body)
    assert starts(res) == grid("09:00", "15:00", 45)
    # Color's nested slot shows every staff member free for that link on their own.
    assert {tuple(staff_of(s["nestedTimeSlots"][1])) for s in res["timeSlots"]} == {(a, b)}
    # Ben's time off 10:00-11:00: chains whose Color link meets it are gone, though Ana alone
    # is free for that link.
    await cat.event(
        scheduleId=ben["resource"]["eventsSchedule"]["id"],
        type="DEFAULT",
        start={"localDate": f"{monday}T10:00:00"},
        end={"localDate": f"{monday}T11:00:00"},
    )
    res = await cat.post(MS, body)
    assert starts(res) == grid("10:30", "15:00", 45)


async def test_per_service_resource_types(client: httpx.AsyncClient, site: SiteKeys) -> None:
    cat = Catalog(client, site)
    ana, ben = await cat.staff("Ana"), await cat.staff("Ben")
    a, b = ana["resourceId"], ben["resourceId"]
    cut = await cat.service([a, b], name="Cut", schedule=minutes(30))
    color = await cat.service([a, b], name="Color", schedule=minutes(60))
    monday = next_weekday(0)
    only_ben = {"resourceTypes": [{"resourceTypeId": STAFF_TYPE, "resourceIds": [b]}]}
    body = day_body(items(cut, color, Cut=SHOW_STAFF, Color=only_ben), monday)
    await cat.event(
        scheduleId=ben["resource"]["eventsSchedule"]["id"],
        type="DEFAULT",
        start={"localDate": f"{monday}T09:00:00"},
        end={"localDate": f"{monday}T12:00:00"},
    )
    res = await cat.post(MS, body)
    # Color needs Ben, who is off until 12:00: the first chain's Color link starts at 12:00.
    assert starts(res) == grid("11:30", "15:30", 30)
    first = res["timeSlots"][0]["nestedTimeSlots"]
    assert staff_of(first[0]) == [a]  # Ben is off at 11:30
    assert first[1]["availableResources"] == [
        {
            "resourceTypeId": STAFF_TYPE,
            "resources": [{"id": b, "name": "Ben"}],
            "hasMoreAvailableResources": False,
        }
    ]
    later = res["timeSlots"][2]["nestedTimeSlots"]
    assert staff_of(later[0]) == [a, b]


async def test_policies_are_aggregated(client: httpx.AsyncClient, site: SiteKeys) -> None:
    cat = Catalog(client, site)
    ana = await cat.staff("Ana")
    monday = next_weekday(0)
    # Color must be booked at least this long before it starts: the chains whose Color link
    # starts before 12:10 on Monday are too late (20 minutes of slack for the test's run).
    now = datetime.now(UTC)
    edge = datetime(monday.year, monday.month, monday.day, 12, 10, tzinfo=UTC)
    late = await cat.policy(
        limitLateBookingPolicy={
            "enabled": True,
            "latestBookingInMinutes": int((edge - now).total_seconds() // 60),
        }
    )
    cut = await cat.service([ana["resourceId"]], name="Cut", schedule=minutes(30))
    color = await cat.service(
        [ana["resourceId"]], name="Color", schedule=minutes(60), bookingPolicy={"id": late["id"]}
    )
    body = day_body(items(cut, color), monday)
    res = await cat.post(MS, body)
    assert starts(res) == grid("09:00", "15:30", 30)
    by_start = {s["localStartDate"][11:16]: s for s in res["timeSlots"]}
    early = by_start["11:30"]  # its Color link starts at 12:00
    assert early["bookable"] is False
    assert early["bookingPolicyViolations"] == {**NO_VIOLATIONS, "tooLateToBook": True}
    assert early["nonBookableReasons"] == {"violatesBookingPolicy": True}
    assert by_start["12:00"]["bookable"] is True
    assert "nonBookableReasons" not in by_start["12:00"]
    bookable = await cat.post(MS, {**body, "bookable": True})
    assert starts(bookable) == grid("12:00", "15:30", 30)
    too_late = await cat.post(MS, {**body, "bookingPolicyViolations": {"tooLateToBook": True}})
    assert starts(too_late) == grid("09:00", "11:30", 30)
    # Per day, bookable chains win the cap first.
    assert starts(await cat.post(MS, {**body, "timeSlotsPerDay": 2})) == ["12:00", "12:30"]

    # Both with an early limit: the earliest booking date is the latest of the links'.
    first = await cat.policy(
        limitEarlyBookingPolicy={"enabled": True, "earliestBookingInMinutes": 120}
    )
    second = await cat.policy(
        limitEarlyBookingPolicy={"enabled": True, "earliestBookingInMinutes": 60}
    )
    cut = await cat.service(
        [ana["resourceId"]], name="Cut", schedule=minutes(30), bookingPolicy={"id": first["id"]}
    )
    color = await cat.service(
        [ana["resourceId"]], name="Color", schedule=minutes(60), bookingPolicy={"id": second["id"]}
    )
    slot = (await cat.post(MS, day_body(items(cut, color), monday)))["timeSlots"][0]
    assert slot["bookingPolicyViolations"] == {
        **NO_VIOLATIONS,
        "tooEarlyToBook": True,
        # Cut at 09:00 opens at 07:00, Color at 09:30 at 08:30
        "earliestBookingDate": f"{monday}T08:30:00.000Z",
    }
    assert slot["bookable"] is False


async def test_paging_per_day_cap_and_time_zone(client: httpx.AsyncClient, site: SiteKeys) -> None:
    cat = Catalog(client, site)
    ana = await cat.staff("Ana")
    cut = await cat.service([ana["resourceId"]], name="Cut", schedule=minutes(60, 15))
    ben = await cat.staff("Ben")
    color = await cat.service(
        [ana["resourceId"], ben["resourceId"]], name="Color", schedule=minutes(60)
    )
    monday = next_weekday(0)
    week = {
        **day_body(items(cut, color), monday),
        "toLocalDate": f"{monday + timedelta(days=7)}T00:00:00",
    }
    everything = (await cat.post(MS, week))["timeSlots"]
    # 75-minute grid while the 120-minute chain ends by 17:00: 09:00 ... 14:00, five days
    assert len(everything) == 5 * 5
    seen: list[dict[str, Any]] = []
    res = await cat.post(MS, {**week, "cursorPaging": {"limit": 4}})
    while True:
        seen += res["timeSlots"]
        meta = res["cursorPagingMetadata"]
        if not meta["hasNext"]:
            assert meta["cursors"] == {}
            break
        assert len(res["timeSlots"]) == 4
        res = await cat.post(MS, {"cursorPaging": {"cursor": meta["cursors"]["next"]}})
    assert seen == everything
    res = await cat.post(MS, {**week, "cursorPaging": {"limit": 2}})
    cursor = res["cursorPagingMetadata"]["cursors"]["next"]
    nxt = await cat.post(MS, {"cursorPaging": {"cursor": cursor, "limit": 7}})
    assert nxt["timeSlots"] == everything[2:9]
    # a tampered cursor, or one of the single-service list, is a 400
    tampered = cursor[:-3] + ("AAA" if not cursor.endswith("AAA") else "BBB")
    bad = await client.post(MS, json={"cursorPaging": {"cursor": tampered}}, headers=site.admin)
    violation(bad, "cursorPaging.cursor")
    single = await cat.post(
        TS,
        {
            "serviceId": cut["id"],
            "fromLocalDate": f"{monday}T00:00:00",
            "toLocalDate": f"{monday + timedelta(days=1)}T00:00:00",
            "cursorPaging": {"limit": 1},
        },
    )
    foreign = single["cursorPagingMetadata"]["cursors"]["next"]
    bad = await client.post(MS, json={"cursorPaging": {"cursor": foreign}}, headers=site.admin)
    violation(bad, "cursorPaging.cursor")
    # at most two a day
    capped = (await cat.post(MS, {**week, "timeSlotsPerDay": 2}))["timeSlots"]
    assert starts({"timeSlots": capped}) == ["09:00", "10:15"] * 5
    # shown in the requested zone
    ny = await cat.post(MS, {**day_body(items(cut, color), monday), "timeZone": "America/New_York"})
    assert ny["timeZone"] == "America/New_York"
    assert starts(ny) == ["04:00", "05:15", "06:30", "07:45", "09:00"]


async def test_get(client: httpx.AsyncClient, site: SiteKeys) -> None:
    cat = Catalog(client, site)
    ana, ben = await cat.staff("Ana"), await cat.staff("Ben")
    a, b = ana["resourceId"], ben["resourceId"]
    cut = await cat.service([a, b], name="Cut", schedule=minutes(30, 15))
    color = await cat.service([a, b], name="Color", schedule=minutes(60))
    monday = next_weekday(0)
    body = {
        "services": items(cut, color),
        "localStartDate": f"{monday}T09:00:00",
        "localEndDate": f"{monday}T10:30:00",
        "location": CUSTOM,
    }
    both = {
        "resourceTypeId": STAFF_TYPE,
        "resources": [{"id": a, "name": "Ana"}, {"id": b, "name": "Ben"}],
        "hasMoreAvailableResources": False,
    }
    expected = {
        "timeSlot": {
            "localStartDate": f"{monday}T09:00:00",
            "localEndDate": f"{monday}T10:30:00",
            "bookable": True,
            "location": LOCATION,
            "totalCapacity": 1,
            "remainingCapacity": 1,
            "bookableCapacity": 1,
            "bookingPolicyViolations": NO_VIOLATIONS,
            "availableResources": [],
            "nestedTimeSlots": [
                {
                    "serviceId": cut["id"],
                    "localStartDate": f"{monday}T09:00:00",
                    "localEndDate": f"{monday}T09:30:00",
                    "scheduleId": cut["schedule"]["id"],
                    "availableResources": [both],
                },
                {
                    "serviceId": color["id"],
                    "localStartDate": f"{monday}T09:30:00",
                    "localEndDate": f"{monday}T10:30:00",
                    "scheduleId": color["schedule"]["id"],
                    "availableResources": [both],
                },
            ],
        },
        "timeZone": "UTC",
    }
    for path in (f"{MS}/get", f"{MS_ALIAS}/get"):
        assert await cat.post(path, body) == expected
    # off the grid is fine when the chain can be booked there
    off_grid = {
        **body,
        "localStartDate": f"{monday}T09:05:00",
        "localEndDate": f"{monday}T10:35:00",
    }
    assert (await cat.post(f"{MS}/get", off_grid))["timeSlot"]["bookable"] is True

    async def not_found(changed: dict[str, Any]) -> None:
        res = await client.post(f"{MS}/get", json={**body, **changed}, headers=site.admin)
        app_error(res, 404, "SLOT_NOT_FOUND")

    await not_found({"localEndDate": f"{monday}T10:00:00"})  # not the chain's duration
    await not_found(
        {"localStartDate": "2020-01-06T09:00:00", "localEndDate": "2020-01-06T10:30:00"}
    )
    await not_found({"localStartDate": f"{monday}T16:00:00", "localEndDate": f"{monday}T17:30:00"})
    await not_found({"location": {"locationType": "CUSTOMER"}})  # not offered
    # Ben is off: Ana alone cannot take both links (Cut's buffer).
    await cat.event(
        scheduleId=ben["resource"]["eventsSchedule"]["id"],
        type="DEFAULT",
        start={"localDate": f"{monday}T08:00:00"},
        end={"localDate": f"{monday}T12:00:00"},
    )
    await not_found({})
    # each link's own free staff; includeResourceTypeIds narrows what is shown
    later = {**body, "localStartDate": f"{monday}T12:00:00", "localEndDate": f"{monday}T13:30:00"}
    assert (await cat.post(f"{MS}/get", later))["timeSlot"]["nestedTimeSlots"][1][
        "availableResources"
    ] == [both]


async def test_errors(client: httpx.AsyncClient, site: SiteKeys) -> None:
    cat = Catalog(client, site)
    ana = await cat.staff()
    cut = await cat.service([ana["resourceId"]], name="Cut", schedule=minutes(30))
    color = await cat.service([ana["resourceId"]], name="Color", schedule=minutes(60))
    yoga = await cat.a_class()
    monday = next_weekday(0)

    async def post(body: Any, path: str = MS) -> httpx.Response:
        return await client.post(path, json=body, headers=site.admin)

    two = items(cut, color)
    missing = app_error(await post({}), 400, "MISSING_ARGUMENTS")
    assert missing["data"] == {"missingArguments": ["services", "toLocalDate", "location"]}
    no_location = {k: v for k, v in day_body(two, monday).items() if k != "location"}
    missing = app_error(await post(no_location), 400, "MISSING_ARGUMENTS")
    assert missing["data"] == {"missingArguments": ["location"]}
    business = day_body(two, monday, location={"locationType": "BUSINESS"})
    assert violation(await post(business), "location.id")["violatedRule"] == "REQUIRED_FIELD"
    violation(await post(day_body(two, monday, location={})), "location.locationType")
    # no service offers a CUSTOMER location: no chains
    customer = day_body(two, monday, location={"locationType": "CUSTOMER"})
    assert ok(await post(customer))["timeSlots"] == []
    assert violation(await post(day_body(two[:1], monday)), "services")["violatedRule"] == (
        "MIN_SIZE"
    )
    assert (
        violation(await post(day_body(two * 4 + two[:1], monday)), "services")["violatedRule"]
        == "MAX_SIZE"
    )
    # 8 services are fine: Ana takes all the links of a six-hour chain (no buffers)
    assert starts(ok(await post(day_body(two * 4, monday)))) == grid("09:00", "11:00", 30)
    violation(await post(day_body([{"includeResourceTypeIds": []}, *two], monday)))
    app_error(
        await post(day_body([*two, {"serviceId": UNKNOWN_ID}], monday)), 404, "SERVICE_NOT_FOUND"
    )
    with_class = day_body([*two, {"serviceId": yoga["id"]}], monday)
    found = violation(await post(with_class), "services[2].serviceId")
    assert found["ruleName"] == "APPOINTMENT_SERVICE_REQUIRED"
    gender = day_body(
        [two[0], {**two[1], "customerChoices": {"requestedGender": {"gender": "ANY_MALE"}}}],
        monday,
    )
    app_error(await post(gender), 400, "REQUESTED_GENDER_NOT_ALLOWED")
    long = day_body(two, monday, toLocalDate=f"{monday + timedelta(days=400)}T00:00:00")
    assert violation(await post(long), "toLocalDate")["violatedRule"] == "MAX"
    violation(await post(day_body(two, monday, timeZone="Mars/Olympus")), "timeZone")

    get = {
        "services": two,
        "localStartDate": f"{monday}T09:00:00",
        "localEndDate": f"{monday}T10:30:00",
        "location": CUSTOM,
    }
    assert ok(await post(get, f"{MS}/get"))["timeSlot"]["bookable"] is True
    for field in ("services", "localStartDate", "localEndDate", "location"):
        partial = {k: v for k, v in get.items() if k != field}
        assert violation(await post(partial, f"{MS}/get"), field)["violatedRule"] == (
            "REQUIRED_FIELD"
        )
    one = {**get, "services": two[:1]}
    assert violation(await post(one, f"{MS}/get"), "services")["violatedRule"] == "MIN_SIZE"
    nine = {**get, "services": two * 4 + two[:1]}
    assert violation(await post(nine, f"{MS}/get"), "services")["violatedRule"] == "MAX_SIZE"
    business = {**get, "location": {"locationType": "BUSINESS"}}
    violation(await post(business, f"{MS}/get"), "location.id")
    unknown = {**get, "services": [*two, {"serviceId": UNKNOWN_ID}]}
    app_error(await post(unknown, f"{MS}/get"), 404, "SERVICE_NOT_FOUND")
    with_class = {**get, "services": [*two, {"serviceId": yoga["id"]}]}
    violation(await post(with_class, f"{MS}/get"), "services[2].serviceId")
    backwards = {**get, "localEndDate": f"{monday}T08:00:00"}
    violation(await post(backwards, f"{MS}/get"), "localEndDate")
    # visitors may read; no credential is a 401
    token = ok(
        await client.post(
            "/oauth2/token", json={"clientId": site.client_id, "grantType": "anonymous"}
        )
    )["access_token"]
    as_visitor = await client.post(MS, json=day_body(two, monday), headers={"Authorization": token})
    assert ok(as_visitor) == ok(await post(day_body(two, monday)))
    assert (await client.post(MS, json=day_body(two, monday))).status_code == 401
