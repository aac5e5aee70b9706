"""Calendar V3 schedules through HTTP: exact wire form, defaults inherited by events, update
and cancel rules, query with cursor paging, roles and sites kept apart."""

from __future__ import annotations

from typing import Any

import httpx

from bookings.calendar.schemas import BOOKINGS_APP_ID
from tests.calendar.conftest import BASE, Calendar, local
from tests.calendar.test_events import TIMESTAMP
from tests.conftest import SiteKeys
from tests.helpers import app_error, ok, violation


async def test_create_and_get_schedule_exact_wire(london: Calendar) -> None:
    body = {
        "schedule": {
            "id": "ignored",
            "externalId": "0c8bbf8f-3b2b-4b5a-9a36-7a1d5e8a3c11",
            "name": "Pilates",
            "defaultTitle": "Pilates class",
            "defaultLocation": {"type": "CUSTOM", "name": "Studio 2", "address": "2 Main St"},
            "defaultCapacity": 10,
            "defaultConferencingDetails": {"type": "ZOOM", "hostUrl": "https://zoom/h"},
            "extendedFields": {"namespaces": {"@acme/app": {"color": "red"}}},
            "status": "CANCELLED",  # read-only
            "revision": "9",  # read-only on create
        }
    }
    res = await london.client.post(f"{BASE}/schedules", json=body, headers=london.headers)
    schedule = ok(res)["schedule"]
    assert TIMESTAMP.match(schedule["createdDate"])
    expected = {
        "id": schedule["id"],
        "externalId": "0c8bbf8f-3b2b-4b5a-9a36-7a1d5e8a3c11",
        "name": "Pilates",
        "status": "ACTIVE",
        "timeZone": "Europe/London",
        "defaultTitle": "Pilates class",
        "defaultLocation": {"type": "CUSTOM", "name": "Studio 2", "address": "2 Main St"},
        "defaultCapacity": 10,
        "defaultConferencingDetails": {"type": "ZOOM", "hostUrl": "https://zoom/h"},
        "appId": BOOKINGS_APP_ID,
        "extendedFields": {"namespaces": {"@acme/app": {"color": "red"}}},
        "revision": "1",
        "createdDate": schedule["createdDate"],
        "updatedDate": schedule["createdDate"],
    }
    assert schedule == expected
    assert schedule["id"] != "ignored" and len(schedule["id"]) == 36
    public = {k: v for k, v in expected.items() if k != "defaultConferencingDetails"}
    for prefix in ("", "/_api"):
        url = f"{prefix}{BASE}/schedules/{schedule['id']}"
        assert ok(await london.client.get(url, headers=london.headers))["schedule"] == public
        got = await london.client.get(url, params={"fields": "PI_FIELDS"}, headers=london.headers)
        assert ok(got)["schedule"] == expected


async def test_schedule_defaults(cal: Calendar) -> None:
    minimal = ok(
        await cal.client.post(f"{BASE}/schedules", json={"schedule": {}}, headers=cal.headers)
    )
    assert minimal["schedule"] == {
        "id": minimal["schedule"]["id"],
        "status": "ACTIVE",
        "timeZone": "UTC",
        "appId": BOOKINGS_APP_ID,
        "revision": "1",
        "createdDate": minimal["schedule"]["createdDate"],
        "updatedDate": minimal["schedule"]["updatedDate"],
    }
    other = await cal.schedule(timeZone="Asia/Tokyo", appId="my-app")
    assert (other["timeZone"], other["appId"]) == ("Asia/Tokyo", "my-app")
    res = await cal.client.post(
        f"{BASE}/schedules", json={"schedule": {"timeZone": "Nowhere/Land"}}, headers=cal.headers
    )
    violation(res, "schedule.timeZone", "FORMAT")
    res = await cal.client.post(
        f"{BASE}/schedules", json={"schedule": {"name": "x" * 201}}, headers=cal.headers
    )
    violation(res, "schedule.name", "MAX_LENGTH")
    res = await cal.client.post(
        f"{BASE}/schedules", json={"schedule": {"defaultCapacity": -2}}, headers=cal.headers
    )
    violation(res, "schedule.defaultCapacity", "MIN")


async def patch(cal: Calendar, schedule: dict[str, Any]) -> httpx.Response:
    return await cal.client.patch(
        f"{BASE}/schedules/{schedule['id']}", json={"schedule": schedule}, headers=cal.headers
    )


async def test_update_schedule_and_inheritance(cal: Calendar) -> None:
    schedule = await cal.schedule(defaultTitle="Old", defaultCapacity=4)
    sid = schedule["id"]
    inheriting = await cal.event(
        {
            "scheduleId": sid,
            "start": local("2027-05-03T10:00:00"),
            "end": local("2027-05-03T11:00:00"),
        }
    )
    own = await cal.event(
        {
            "scheduleId": sid,
            "title": "Mine",
            "totalCapacity": 9,
            "start": local("2027-05-04T10:00:00"),
            "end": local("2027-05-04T11:00:00"),
        }
    )
    past = await cal.event(
        {
            "scheduleId": sid,
            "start": local("2020-05-04T10:00:00"),
            "end": local("2020-05-04T11:00:00"),
        }
    )
    master = await cal.event(
        {
            "scheduleId": sid,
            "start": local("2027-05-05T10:00:00"),
            "end": local("2027-05-05T11:00:00"),
            "recurrenceRule": {"days": ["WEDNESDAY"]},
        }
    )
    violation(await patch(cal, {"id": sid, "name": "x"}), "schedule.revision", "REQUIRED_FIELD")
    error = app_error(
        await patch(cal, {"id": sid, "revision": "3", "name": "x"}), 409, "REVISION_MISMATCH"
    )
    assert error["data"] == {"currentRevision": "1"}
    res = await patch(cal, {"id": sid, "revision": "1", "externalId": "other"})
    violation(res, "schedule.externalId", "FIELD_NOT_ALLOWED")
    updated = ok(
        await patch(
            cal,
            {
                "id": sid,
                "revision": "1",
                "name": "Renamed",
                "defaultTitle": "New",
                "defaultCapacity": 6,
            },
        )
    )["schedule"]
    assert (updated["name"], updated["defaultTitle"], updated["revision"]) == (
        "Renamed",
        "New",
        "2",
    )
    assert updated["updatedDate"] >= updated["createdDate"]
    now = await cal.get(inheriting["id"])
    assert (now["title"], now["totalCapacity"], now["scheduleName"], now["revision"]) == (
        "New",
        6,
        "Renamed",
        "2",
    )
    mine = await cal.get(own["id"])
    assert (mine["title"], mine["totalCapacity"], mine["revision"]) == ("Mine", 9, "1")
    old = await cal.get(past["id"])
    assert (old["title"], old["totalCapacity"]) == ("Old", 4)  # past events keep their values
    assert (await cal.get(master["id"]))["title"] == "New"
    found = await cal.query(
        fromLocalDate="2027-05-01T00:00:00",
        toLocalDate="2027-05-20T00:00:00",
        query={"filter": {"recurringEventId": master["id"]}},
    )
    assert [(e["title"], e["totalCapacity"]) for e in found["events"]] == [("New", 6)] * 3
    # Time zone of the schedule: inheriting future events keep their wall-clock time.
    ok(await patch(cal, {"id": sid, "revision": "2", "timeZone": "America/New_York"}))
    moved = await cal.get(inheriting["id"])
    assert moved["start"] == {
        "localDate": "2027-05-03T10:00:00",
        "timeZone": "America/New_York",
        "utcDate": "2027-05-03T14:00:00.000Z",
    }
    found = await cal.query(
        fromLocalDate="2027-05-01T00:00:00",
        toLocalDate="2027-05-20T00:00:00",
        query={"filter": {"recurringEventId": master["id"]}},
    )
    assert [e["start"]["utcDate"] for e in found["events"]] == [
        "2027-05-05T14:00:00.000Z",
        "2027-05-12T14:00:00.000Z",
        "2027-05-19T14:00:00.000Z",
    ]


async def test_cancel_schedule(cal: Calendar) -> None:
    sid = (await cal.schedule())["id"]
    future = await cal.event(
        {
            "scheduleId": sid,
            "start": local("2027-05-03T10:00:00"),
            "end": local("2027-05-03T11:00:00"),
        }
    )
    past = await cal.event(
        {
            "scheduleId": sid,
            "start": local("2020-05-04T10:00:00"),
            "end": local("2020-05-04T11:00:00"),
        }
    )
    master = await cal.event(
        {
            "scheduleId": sid,
            "start": local("2027-05-05T10:00:00"),
            "end": local("2027-05-05T11:00:00"),
            "recurrenceRule": {"days": ["WEDNESDAY"]},
        }
    )
    res = await cal.client.post(f"{BASE}/schedules/{sid}/cancel", json={}, headers=cal.headers)
    schedule = ok(res)["schedule"]
    assert (schedule["status"], schedule["revision"]) == ("CANCELLED", "2")
    assert (await cal.get(future["id"]))["status"] == "CANCELLED"
    assert (await cal.get(master["id"]))["status"] == "CANCELLED"
    assert (await cal.get(past["id"]))["status"] == "CONFIRMED"
    assert (
        await cal.ids(fromLocalDate="2027-01-01T00:00:00", toLocalDate="2028-01-01T00:00:00") == []
    )
    res = await cal.client.post(f"{BASE}/schedules/{sid}/cancel", json={}, headers=cal.headers)
    app_error(res, 428, "SCHEDULE_ALREADY_CANCELLED")
    app_error(
        await patch(cal, {"id": sid, "revision": "2", "name": "x"}), 428, "SCHEDULE_CANCELLED"
    )
    res = await cal.create(
        {
            "scheduleId": sid,
            "start": local("2027-05-03T10:00:00"),
            "end": local("2027-05-03T11:00:00"),
        }
    )
    app_error(res, 428, "SCHEDULE_CANCELLED")


async def test_query_schedules(cal: Calendar) -> None:
    made = [
        await cal.schedule(name=f"S{i}", externalId="ext-a" if i % 2 else "ext-b") for i in range(5)
    ]
    url = f"{BASE}/schedules/query"
    found = ok(
        await cal.client.post(
            url, json={"query": {"filter": {"externalId": "ext-a"}}}, headers=cal.headers
        )
    )
    assert [s["name"] for s in found["schedules"]] == ["S1", "S3"]
    assert found["pagingMetadata"] == {"count": 2, "cursors": {}, "hasNext": False}
    first = ok(
        await cal.client.post(
            url, json={"query": {"cursorPaging": {"limit": 2}}}, headers=cal.headers
        )
    )
    assert [s["id"] for s in first["schedules"]] == [s["id"] for s in made[:2]]
    assert first["pagingMetadata"]["hasNext"] is True
    cursor = first["pagingMetadata"]["cursors"]["next"]
    second = ok(
        await cal.client.post(
            url, json={"query": {"cursorPaging": {"cursor": cursor}}}, headers=cal.headers
        )
    )
    assert [s["id"] for s in second["schedules"]] == [s["id"] for s in made[2:4]]
    res = await cal.client.post(
        url, json={"query": {"cursorPaging": {"limit": 101}}}, headers=cal.headers
    )
    violation(res, "query.cursorPaging.limit", "MAX")
    res = await cal.client.post(url, json={"query": {"filter": {"secret": 1}}}, headers=cal.headers)
    violation(res, "query.filter.secret", "FIELD_NOT_ALLOWED")
    res = await cal.client.post(
        url,
        json={
            "query": {
                "sort": [{"fieldName": "name", "order": "DESC"}],
                "cursorPaging": {"limit": 1},
            }
        },
        headers=cal.headers,
    )
    assert [s["name"] for s in ok(res)["schedules"]] == ["S4"]


async def test_schedules_are_kept_apart_by_site(cal: Calendar, other_site: SiteKeys) -> None:
    schedule = await cal.schedule()
    other = Calendar(cal.client, other_site)
    res = await other.client.get(f"{BASE}/schedules/{schedule['id']}", headers=other.headers)
    error = app_error(res, 404, "SCHEDULE_NOT_FOUND")
    assert error["data"] == {"scheduleId": schedule["id"]}
    app_error(
        await patch(other, {"id": schedule["id"], "revision": "1", "name": "x"}),
        404,
        "SCHEDULE_NOT_FOUND",
    )
    res = await other.client.post(
        f"{BASE}/schedules/{schedule['id']}/cancel", json={}, headers=other.headers
    )
    app_error(res, 404, "SCHEDULE_NOT_FOUND")
    res = await other.client.post(f"{BASE}/schedules/query", json={}, headers=other.headers)
    assert ok(res)["schedules"] == []


async def test_not_implemented_methods(cal: Calendar) -> None:
    for method, path in (
        ("POST", "/participations"),
        ("POST", "/participations/query"),
        ("POST", "/schedules/s/clone"),
        ("GET", "/events/memberId/m"),
    ):
        res = await cal.client.request(
            method, BASE + path, json={} if method == "POST" else None, headers=cal.headers
        )
        app_error(res, 501, "UNIMPLEMENTED")
    view = ok(await cal.client.get(f"{BASE}/events/view", headers=cal.headers))["eventsView"]
    assert view["futureDurationInDays"] == 365 and TIMESTAMP.match(view["endDate"])
