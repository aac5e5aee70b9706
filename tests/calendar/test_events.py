"""Calendar V3 events through HTTP: the exact wire form of one-off and recurring events,
validation, updates, PI fields, list, bulk methods and the error codes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from bookings.calendar.schemas import BOOKINGS_APP_ID
from tests.calendar.conftest import BASE, Calendar, local
from tests.conftest import SiteKeys
from tests.helpers import app_error, ok, violation

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
EVENT_ID = re.compile(r"^[0-9a-f]{64}$")


def stamps(event: dict[str, Any]) -> dict[str, Any]:
    """The server-made fields of an event (checked for form, then reused in expectations)."""
    assert EVENT_ID.match(event["id"]), event["id"]
    assert TIMESTAMP.match(event["createdDate"]) and TIMESTAMP.match(event["updatedDate"])
    return {k: event[k] for k in ("id", "createdDate", "updatedDate")}


async def test_one_off_event_exact_wire(london: Calendar) -> None:
    schedule = await london.schedule(
        externalId="svc-1", defaultTitle="Yoga", defaultCapacity=8, name="Yoga class"
    )
    body = {
        "scheduleId": schedule["id"],
        "type": "CLASS",
        "start": local("2027-07-01T18:00:59", "ignored/zone"),
        "end": {"localDate": "2027-07-01T19:30:00", "utcDate": "1999-01-01T00:00:00Z"},
        "location": {"type": "CUSTOM", "name": "Park", "address": "1 Park Lane"},
        "resources": [
            {"id": "staff-1", "name": "read-only", "permissionRole": "WRITER"},
            {"id": "room-1", "transparency": "TRANSPARENT"},
        ],
        "notes": "bring a mat",
        "conferencingDetails": {"type": "CUSTOM", "guestUrl": "https://meet.example/x"},
        "status": "CANCELLED",  # read-only: ignored
        "recurrenceType": "MASTER",  # read-only: ignored
    }
    event = await london.event(body, timeZone="America/New_York")
    expected = {
        **stamps(event),
        "scheduleId": schedule["id"],
        "externalScheduleId": "svc-1",
        "scheduleName": "Yoga class",
        "type": "CLASS",
        "status": "CONFIRMED",
        "title": "Yoga",
        "start": {
            "localDate": "2027-07-01T18:00:00",
            "timeZone": "Europe/London",
            "utcDate": "2027-07-01T17:00:00.000Z",
        },
        "end": {
            "localDate": "2027-07-01T19:30:00",
            "timeZone": "Europe/London",
            "utcDate": "2027-07-01T18:30:00.000Z",
        },
        "adjustedStart": {"localDate": "2027-07-01T13:00:00", "timeZone": "America/New_York"},
        "adjustedEnd": {"localDate": "2027-07-01T14:30:00", "timeZone": "America/New_York"},
        "timeZone": "Europe/London",
        "recurrenceType": "NONE",
        "transparency": "OPAQUE",
        "location": {"type": "CUSTOM", "name": "Park", "address": "1 Park Lane"},
        "resources": [
            {"id": "staff-1", "transparency": "OPAQUE", "permissionRole": "WRITER"},
            {"id": "room-1", "transparency": "TRANSPARENT"},
        ],
        "totalCapacity": 8,
        "remainingCapacity": 8,
        "participants": {"total": 0, "hasMore": False},
        "notes": "bring a mat",
        "conferencingDetails": {"type": "CUSTOM", "guestUrl": "https://meet.example/x"},
        "inheritedFields": ["TITLE", "TIME_ZONE", "CAPACITY"],
        "appId": BOOKINGS_APP_ID,
        "revision": "1",
    }
    assert event == expected
    assert event["createdDate"] == event["updatedDate"]
    # Get: adjusted in the site's zone by default, PI fields only when asked for.
    got = await london.get(event["id"])
    public = {k: v for k, v in expected.items() if k not in ("participants", "notes")}
    public.pop("conferencingDetails")
    public["adjustedStart"] = {"localDate": "2027-07-01T18:00:00", "timeZone": "Europe/London"}
    public["adjustedEnd"] = {"localDate": "2027-07-01T19:30:00", "timeZone": "Europe/London"}
    assert got == public
    with_pi = await london.get(event["id"], fields="PI_FIELDS", timeZone="America/New_York")
    assert with_pi == expected
    alias = await london.client.get(
        f"/_api{BASE}/events/{event['id']}",
        params={"fields": "PI_FIELDS", "timeZone": "America/New_York"},
        headers=london.headers,
    )
    assert ok(alias)["event"] == expected


async def test_recurring_event_exact_wire(london: Calendar) -> None:
    schedule = await london.schedule(defaultLocation={"type": "BUSINESS", "id": "loc-1"})
    master = await london.event(
        {
            "scheduleId": schedule["id"],
            "title": "Spin",
            "start": local("2027-03-15T09:00:00"),
            "end": local("2027-03-15T09:45:00"),
            "recurrenceRule": {
                "frequency": "WEEKLY",
                "interval": 2,
                "days": ["MONDAY"],
                "until": local("2027-04-12T09:00:00"),
            },
            "totalCapacity": 12,
            "transparency": "TRANSPARENT",
        }
    )
    assert master == {
        **stamps(master),
        "scheduleId": schedule["id"],
        "scheduleName": "Yoga",
        "type": "DEFAULT",
        "status": "CONFIRMED",
        "title": "Spin",
        "start": {
            "localDate": "2027-03-15T09:00:00",
            "timeZone": "Europe/London",
            "utcDate": "2027-03-15T09:00:00.000Z",
        },
        "end": {
            "localDate": "2027-03-15T09:45:00",
            "timeZone": "Europe/London",
            "utcDate": "2027-03-15T09:45:00.000Z",
        },
        "adjustedStart": {"localDate": "2027-03-15T09:00:00", "timeZone": "Europe/London"},
        "adjustedEnd": {"localDate": "2027-03-15T09:45:00", "timeZone": "Europe/London"},
        "timeZone": "Europe/London",
        "recurrenceType": "MASTER",
        "recurrenceRule": {
            "frequency": "WEEKLY",
            "interval": 2,
            "days": ["MONDAY"],
            "until": {
                "localDate": "2027-04-12T09:00:00",
                "timeZone": "Europe/London",
                "utcDate": "2027-04-12T08:00:00.000Z",
            },
            "adjustedUntil": {"localDate": "2027-04-12T09:00:00", "timeZone": "Europe/London"},
        },
        "transparency": "TRANSPARENT",
        "location": {"id": "loc-1", "type": "BUSINESS"},
        "resources": [],
        "totalCapacity": 12,
        "remainingCapacity": 12,
        "participants": {"total": 0, "hasMore": False},
        "inheritedFields": ["TIME_ZONE", "LOCATION", "CONFERENCING_DETAILS"],
        "appId": BOOKINGS_APP_ID,
        "revision": "1",
    }
    found = await london.query(
        fromLocalDate="2027-03-01T00:00:00", toLocalDate="2027-06-01T00:00:00"
    )
    instances = found["events"]
    # every two weeks, 09:00 local on both sides of the change to BST, until 12 April
    assert [(e["start"]["localDate"], e["start"]["utcDate"]) for e in instances] == [
        ("2027-03-15T09:00:00", "2027-03-15T09:00:00.000Z"),
        ("2027-03-29T09:00:00", "2027-03-29T08:00:00.000Z"),
        ("2027-04-12T09:00:00", "2027-04-12T08:00:00.000Z"),
    ]
    second = instances[1]
    assert second == {
        **stamps(second),
        "scheduleId": schedule["id"],
        "scheduleName": "Yoga",
        "type": "DEFAULT",
        "status": "CONFIRMED",
        "title": "Spin",
        "start": {
            "localDate": "2027-03-29T09:00:00",
            "timeZone": "Europe/London",
            "utcDate": "2027-03-29T08:00:00.000Z",
        },
        "end": {
            "localDate": "2027-03-29T09:45:00",
            "timeZone": "Europe/London",
            "utcDate": "2027-03-29T08:45:00.000Z",
        },
        "adjustedStart": {"localDate": "2027-03-29T09:00:00", "timeZone": "Europe/London"},
        "adjustedEnd": {"localDate": "2027-03-29T09:45:00", "timeZone": "Europe/London"},
        "timeZone": "Europe/London",
        "recurrenceType": "INSTANCE",
        "recurringEventId": master["id"],
        "transparency": "TRANSPARENT",
        "location": {"id": "loc-1", "type": "BUSINESS"},
        "resources": [],
        "totalCapacity": 12,
        "remainingCapacity": 12,
        "inheritedFields": [
            "TITLE",
            "TIME_ZONE",
            "TIME",
            "LOCATION",
            "RESOURCES",
            "CAPACITY",
            "CONFERENCING_DETAILS",
        ],
        "appId": BOOKINGS_APP_ID,
        "revision": "1",
    }
    assert len({e["id"] for e in instances} | {master["id"]}) == 4
    masters = await london.query(
        fromLocalDate="2027-03-01T00:00:00",
        toLocalDate="2027-06-01T00:00:00",
        recurrenceType=["MASTER"],
        fields=["PI_FIELDS"],
    )
    assert masters["events"] == [master]


async def test_create_validation(cal: Calendar) -> None:
    schedule = await cal.schedule()
    sid = schedule["id"]
    base = {
        "scheduleId": sid,
        "start": local("2027-05-03T10:00:00"),
        "end": local("2027-05-03T11:00:00"),
    }
    weekly = {"frequency": "WEEKLY", "days": ["MONDAY"]}
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({**base, "end": local("2027-05-03T10:00:00")}, "event.end", "VALIDATION"),
        ({**base, "end": local("2027-05-03T09:00:00")}, "event.end", "VALIDATION"),
        ({"scheduleId": sid, "end": base["end"]}, "event.start", "REQUIRED_FIELD"),
        ({**base, "start": {"localDate": "May 3"}}, "event.start.localDate", "FORMAT"),
        (
            {k: v for k, v in base.items() if k != "scheduleId"},
            "event.scheduleId",
            "REQUIRED_FIELD",
        ),
        ({**base, "title": ""}, "event.title", "MIN_LENGTH"),
        ({**base, "title": "x" * 201}, "event.title", "MAX_LENGTH"),
        ({**base, "notes": "x" * 5001}, "event.notes", "MAX_LENGTH"),
        ({**base, "type": "BLOCKED"}, "event.type", "INVALID_ENUM_VALUE"),
        ({**base, "timeZone": "Mars/Olympus"}, "event.timeZone", "FORMAT"),
        ({**base, "totalCapacity": -1}, "event.totalCapacity", "MIN"),
        (
            {**base, "resources": [{"id": f"r{i}"} for i in range(101)]},
            "event.resources",
            "MAX_SIZE",
        ),
        ({**base, "resources": [{"name": "x"}]}, "event.resources[0].id", "REQUIRED_FIELD"),
        ({**base, "location": {"name": "x"}}, "event.location.type", "REQUIRED_FIELD"),
        (
            {**base, "location": {"type": "CUSTOM", "id": "x"}},
            "event.location.id",
            "FIELD_NOT_ALLOWED",
        ),
        ({**base, "type": "WORKING_HOURS", "title": "x"}, "event.title", "FIELD_NOT_ALLOWED"),
        (
            {**base, "type": "WORKING_HOURS", "totalCapacity": 3},
            "event.totalCapacity",
            "FIELD_NOT_ALLOWED",
        ),
        (
            {**base, "recurrenceRule": {**weekly, "days": ["MONDAY", "FRIDAY"]}},
            "event.recurrenceRule.days",
            "MAX_SIZE",
        ),
        (
            {**base, "recurrenceRule": {**weekly, "days": []}},
            "event.recurrenceRule.days",
            "MIN_SIZE",
        ),
        (
            {**base, "recurrenceRule": {**weekly, "days": ["TUESDAY"]}},
            "event.recurrenceRule.days",
            "VALIDATION",
        ),
        (
            {**base, "recurrenceRule": {**weekly, "interval": 5}},
            "event.recurrenceRule.interval",
            "MAX",
        ),
        (
            {**base, "recurrenceRule": {**weekly, "interval": 0}},
            "event.recurrenceRule.interval",
            "MIN",
        ),
        (
            {**base, "recurrenceRule": {**weekly, "frequency": "DAILY"}},
            "event.recurrenceRule.frequency",
            "INVALID_ENUM_VALUE",
        ),
        (
            {**base, "recurrenceRule": {**weekly, "until": local("2027-04-26T10:00:00")}},
            "event.recurrenceRule.until",
            "VALIDATION",
        ),
        (
            {**base, "start": local("2101-01-01T10:00:00"), "end": local("2101-01-01T11:00:00")},
            "event.start.localDate",
            "VALIDATION",
        ),
    ]
    for body, field, rule in cases:
        violation(await cal.create(body), field, rule)
    v = violation(
        await cal.create({**base, "type": "WORKING_HOURS", "title": "x", "resources": []}),
        "event.title",
    )
    assert v["description"].startswith("is not allowed on WORKING_HOURS events")
    res = await cal.create({**base, "scheduleId": "00000000-0000-4000-8000-000000000000"})
    assert app_error(res, 404, "SCHEDULE_NOT_FOUND")["data"] == {
        "scheduleId": "00000000-0000-4000-8000-000000000000"
    }


async def test_master_start_date_may_not_be_in_the_past(cal: Calendar) -> None:
    sid = (await cal.schedule())["id"]
    today = datetime.now(UTC).date()
    yesterday = today - timedelta(days=1)

    def weekly_on(day: Any, hh: str) -> dict[str, Any]:
        return {
            "scheduleId": sid,
            "start": local(f"{day.isoformat()}T{hh}:00:00"),
            "end": local(f"{day.isoformat()}T{hh}:30:00"),
            "recurrenceRule": {"days": [day.strftime("%A").upper()]},
        }

    v = violation(await cal.create(weekly_on(yesterday, "23")), "event.start.localDate")
    assert v["description"] == "a recurring event cannot start on a past date"
    # An earlier time today is fine, and so is a one-off event in the past.
    assert (await cal.event(weekly_on(today, "00")))["recurrenceType"] == "MASTER"
    past = {
        "scheduleId": sid,
        "start": local("2020-01-01T10:00:00"),
        "end": local("2020-01-01T11:00:00"),
    }
    assert (await cal.event(past))["recurrenceType"] == "NONE"


async def test_update_event(cal: Calendar) -> None:
    sid = (await cal.schedule(defaultTitle="Default", defaultCapacity=3))["id"]
    event = await cal.event(
        {
            "scheduleId": sid,
            "start": local("2027-05-03T10:00:00"),
            "end": local("2027-05-03T11:00:00"),
        }
    )
    assert event["inheritedFields"] == [
        "TITLE",
        "TIME_ZONE",
        "LOCATION",
        "CAPACITY",
        "CONFERENCING_DETAILS",
    ]
    res = await cal.update({"id": event["id"], "title": "New"})
    violation(res, "event.revision", "REQUIRED_FIELD")
    res = await cal.update({"id": event["id"], "revision": "7", "title": "New"})
    error = app_error(res, 409, "REVISION_MISMATCH")
    assert error["data"] == {"currentRevision": "1"}
    res = await cal.update({"id": "f" * 64, "revision": "1", "title": "New"})
    app_error(res, 404, "EVENT_NOT_FOUND")
    res = await cal.update({"id": event["id"], "revision": "1", "type": "CLASS"})
    violation(res, "event.type", "FIELD_NOT_ALLOWED")
    res = await cal.update(
        {"id": event["id"], "revision": "1", "recurrenceRule": {"days": ["MONDAY"]}}
    )
    violation(res, "event.recurrenceRule", "FIELD_NOT_ALLOWED")
    res = await cal.update(
        {"id": event["id"], "revision": "1", "end": local("2027-05-03T09:00:00")}
    )
    violation(res, "event.end")
    updated = ok(
        await cal.update(
            {
                "id": event["id"],
                "revision": 1,
                "title": "New",
                "totalCapacity": 3,  # the same value: still inherited
                "start": local("2027-05-03T10:30:00"),
                "timeZone": "Europe/Paris",
            }
        )
    )["event"]
    assert updated["revision"] == "2"
    assert updated["title"] == "New"
    assert updated["inheritedFields"] == ["LOCATION", "CAPACITY", "CONFERENCING_DETAILS"]
    assert updated["start"] == {
        "localDate": "2027-05-03T10:30:00",
        "timeZone": "Europe/Paris",
        "utcDate": "2027-05-03T08:30:00.000Z",
    }
    assert updated["end"]["utcDate"] == "2027-05-03T09:00:00.000Z"
    assert updated["adjustedStart"] == {"localDate": "2027-05-03T08:30:00", "timeZone": "UTC"}
    assert updated["createdDate"] == event["createdDate"]
    assert await cal.get(event["id"], fields="PI_FIELDS") == updated


async def test_pi_fields_only_for_backend_callers(
    client: httpx.AsyncClient, cal: Calendar, site: SiteKeys
) -> None:
    sid = (await cal.schedule())["id"]
    event = await cal.event(
        {
            "scheduleId": sid,
            "start": local("2027-05-03T10:00:00"),
            "end": local("2027-05-03T11:00:00"),
            "notes": "secret",
            "conferencingDetails": {"type": "ZOOM", "password": "pw"},
        }
    )
    res = await client.post(
        "/oauth2/token", json={"clientId": site.client_id, "grantType": "anonymous"}
    )
    visitor = {"Authorization": ok(res)["access_token"]}
    seen = ok(
        await client.get(
            f"{BASE}/events/{event['id']}", params={"fields": "PI_FIELDS"}, headers=visitor
        )
    )
    assert "notes" not in seen["event"] and "conferencingDetails" not in seen["event"]
    assert "participants" not in seen["event"]
    app = ok(
        await client.get(
            f"{BASE}/events/{event['id']}", params={"fields": "PI_FIELDS"}, headers=site.app
        )
    )
    assert app["event"]["notes"] == "secret"
    assert app["event"]["conferencingDetails"] == {"type": "ZOOM", "password": "pw"}
    # Writes need ADMIN or APP.
    res = await client.post(f"{BASE}/events", json={"event": {}}, headers=visitor)
    app_error(res, 403, "PERMISSION_DENIED")
    res = await client.post(f"{BASE}/events/query", json={"fields": ["PI_FIELDS"]}, headers=visitor)
    assert "notes" not in ok(res)["events"][0]


async def test_list_events_by_ids(cal: Calendar) -> None:
    sid = (await cal.schedule())["id"]
    first = await cal.event(
        {
            "scheduleId": sid,
            "start": local("2027-05-03T10:00:00"),
            "end": local("2027-05-03T11:00:00"),
        }
    )
    second = await cal.event(
        {
            "scheduleId": sid,
            "start": local("2027-05-02T10:00:00"),
            "end": local("2027-05-02T11:00:00"),
        }
    )
    res = await cal.client.get(
        f"{BASE}/events",
        params=[("eventIds", second["id"]), ("eventIds", "nope" * 10), ("eventIds", first["id"])],
        headers=cal.headers,
    )
    assert [e["id"] for e in ok(res)["events"]] == [second["id"], first["id"]]
    res = await cal.client.get(f"{BASE}/events", headers=cal.headers)
    violation(res, "eventIds", "REQUIRED_FIELD")


async def test_bulk_create_and_cancel(cal: Calendar) -> None:
    sid = (await cal.schedule())["id"]
    good = {
        "scheduleId": sid,
        "start": local("2027-05-03T10:00:00"),
        "end": local("2027-05-03T11:00:00"),
    }
    res = await cal.client.post(
        f"{BASE}/bulk/events/create",
        json={
            "events": [
                {"event": good},
                {"event": {**good, "end": good["start"]}},
                {"event": {**good, "title": "B"}},
            ],
            "returnEntity": True,
        },
        headers=cal.headers,
    )
    body = ok(res)
    assert body["bulkActionMetadata"] == {
        "totalSuccesses": 2,
        "totalFailures": 1,
        "undetailedFailures": 0,
    }
    results = body["results"]
    assert [r["itemMetadata"]["success"] for r in results] == [True, False, True]
    assert results[1]["itemMetadata"]["error"]["code"] == "INVALID_ARGUMENT"
    assert results[1]["itemMetadata"]["error"]["data"]["fieldViolations"][0]["field"] == "event.end"
    assert results[2]["item"]["title"] == "B"
    ids = [results[0]["itemMetadata"]["id"], results[2]["itemMetadata"]["id"]]
    assert {e["id"] for e in (await cal.query())["events"]} == set(ids)
    res = await cal.client.post(
        f"{BASE}/bulk/events/cancel", json={"eventIds": [ids[0], "x" * 64]}, headers=cal.headers
    )
    body = ok(res)
    assert [r["itemMetadata"]["success"] for r in body["results"]] == [True, False]
    assert body["results"][1]["itemMetadata"] == {
        "originalIndex": 1,
        "success": False,
        "id": "x" * 64,
        "error": {
            "code": "EVENT_NOT_FOUND",
            "description": f"Event {'x' * 64} not found",
            "data": {"eventId": "x" * 64},
        },
    }
    assert (await cal.get(ids[0]))["status"] == "CANCELLED"
    res = await cal.client.post(
        f"{BASE}/bulk/events/update",
        json={
            "events": [
                {"event": {"id": ids[1], "revision": "1", "title": "C"}},
                {"event": {"id": ids[0], "revision": "2", "title": "D"}},
            ],
            "returnEntity": True,
        },
        headers=cal.headers,
    )
    body = ok(res)
    assert body["results"][0]["item"]["title"] == "C"
    assert body["results"][1]["itemMetadata"]["error"]["code"] == "EVENT_CANCELLED"


async def test_cancel_event(cal: Calendar) -> None:
    sid = (await cal.schedule())["id"]
    event = await cal.event(
        {
            "scheduleId": sid,
            "start": local("2027-05-03T10:00:00"),
            "end": local("2027-05-03T11:00:00"),
        }
    )
    cancelled = ok(await cal.cancel(event["id"]))["event"]
    assert (cancelled["status"], cancelled["revision"]) == ("CANCELLED", "2")
    app_error(await cal.cancel(event["id"]), 428, "EVENT_ALREADY_CANCELLED")
    res = await cal.update({"id": event["id"], "revision": "2", "title": "x"})
    app_error(res, 428, "EVENT_CANCELLED")
    app_error(await cal.cancel("e" * 64), 404, "EVENT_NOT_FOUND")


async def test_events_are_kept_apart_by_site(cal: Calendar, other_site: SiteKeys) -> None:
    sid = (await cal.schedule())["id"]
    event = await cal.event(
        {
            "scheduleId": sid,
            "start": local("2027-05-03T10:00:00"),
            "end": local("2027-05-03T11:00:00"),
        }
    )
    other = Calendar(cal.client, other_site)
    res = await other.client.get(f"{BASE}/events/{event['id']}", headers=other.headers)
    app_error(res, 404, "EVENT_NOT_FOUND")
    app_error(
        await other.update({"id": event["id"], "revision": "1", "title": "x"}),
        404,
        "EVENT_NOT_FOUND",
    )
    app_error(await other.cancel(event["id"]), 404, "EVENT_NOT_FOUND")
    res = await other.create(
        {
            "scheduleId": sid,
            "start": local("2027-05-03T10:00:00"),
            "end": local("2027-05-03T11:00:00"),
        }
    )
    app_error(res, 404, "SCHEDULE_NOT_FOUND")
    assert (await other.query())["events"] == []
    res = await other.client.get(
        f"{BASE}/events", params={"eventIds": event["id"]}, headers=other.headers
    )
    assert ok(res)["events"] == []
