"""Recurring series through HTTP: INSTANCE -> EXCEPTION, MASTER updates (past untouched,
future instances regenerated, exceptions keep their own fields), cancel, split, restore
defaults, and materialization beyond the horizon."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tests.calendar.conftest import BASE, Calendar, local
from tests.helpers import app_error, ok, violation

WINDOW = {"fromLocalDate": "2027-01-01T00:00:00", "toLocalDate": "2027-03-01T00:00:00"}


async def weekly_master(cal: Calendar, **fields: Any) -> dict[str, Any]:
    sid = (await cal.schedule(defaultCapacity=5))["id"]
    body = {
        "scheduleId": sid,
        "title": "Yoga",
        "start": local("2027-01-04T09:00:00"),  # a Monday
        "end": local("2027-01-04T10:00:00"),
        "recurrenceRule": {"days": ["MONDAY"], "until": local("2027-02-22T09:00:00")},
        "resources": [{"id": "staff-1"}],
        **fields,
    }
    return await cal.event(body)


async def occurrences(cal: Calendar, master: dict[str, Any], **body: Any) -> list[dict[str, Any]]:
    query = {
        "filter": {"recurringEventId": master["id"], "status": {"$in": ["CONFIRMED", "CANCELLED"]}}
    }
    found = await cal.query(**{**WINDOW, "query": query, **body})
    events: list[dict[str, Any]] = found["events"]
    return events


async def test_updating_an_instance_makes_an_exception(cal: Calendar) -> None:
    master = await weekly_master(cal)
    series = await occurrences(cal, master)
    assert [e["start"]["localDate"][:10] for e in series] == [
        "2027-01-04",
        "2027-01-11",
        "2027-01-18",
        "2027-01-25",
        "2027-02-01",
        "2027-02-08",
        "2027-02-15",
        "2027-02-22",
    ]
    instance = series[2]
    # ids are derived from the master id and the occurrence date
    assert instance["id"] == hashlib.sha256(f"{master['id']}|2027-01-18".encode()).hexdigest()
    res = await cal.update(
        {
            "id": instance["id"],
            "revision": "1",
            "title": "Special",
            "location": {"type": "CUSTOMER"},
        }
    )
    exception = ok(res)["event"]
    assert exception["id"] == instance["id"]
    assert exception["recurrenceType"] == "EXCEPTION"
    assert exception["recurringEventId"] == master["id"]
    assert exception["inheritedFields"] == [
        "TIME_ZONE",
        "TIME",
        "RESOURCES",
        "CAPACITY",
        "CONFERENCING_DETAILS",
    ]
    assert exception["revision"] == "2"
    assert "recurrenceRule" not in exception
    res = await cal.update(
        {"id": instance["id"], "revision": "2", "recurrenceRule": {"days": ["MONDAY"]}}
    )
    violation(res, "event.recurrenceRule", "FIELD_NOT_ALLOWED")
    # reverting the title keeps it an EXCEPTION
    res = await cal.update({"id": instance["id"], "revision": "2", "title": "Yoga"})
    assert ok(res)["event"]["recurrenceType"] == "EXCEPTION"
    others = [e for e in await occurrences(cal, master) if e["id"] != instance["id"]]
    assert {(e["recurrenceType"], e["title"], e["revision"]) for e in others} == {
        ("INSTANCE", "Yoga", "1")
    }


async def test_master_update_regenerates_future_occurrences(cal: Calendar) -> None:
    master = await weekly_master(cal)
    series = await occurrences(cal, master)
    moved, titled, cancelled = series[1], series[2], series[3]
    moved_x = ok(
        await cal.update(
            {
                "id": moved["id"],
                "revision": "1",
                "start": local("2027-01-12T07:00:00"),
                "end": local("2027-01-12T08:00:00"),
            }
        )
    )["event"]
    assert moved_x["inheritedFields"] == [
        "TITLE",
        "TIME_ZONE",
        "LOCATION",
        "RESOURCES",
        "CAPACITY",
        "CONFERENCING_DETAILS",
    ]
    ok(await cal.update({"id": titled["id"], "revision": "1", "title": "Own title"}))
    ok(await cal.cancel(cancelled["id"]))
    res = await cal.update(
        {
            "id": master["id"],
            "revision": "1",
            "title": "Power yoga",
            "totalCapacity": 7,
            "start": local("2027-01-04T18:00:00"),
            "end": local("2027-01-04T19:30:00"),
            "resources": [{"id": "staff-2"}],
        }
    )
    updated = ok(res)["event"]
    assert (updated["revision"], updated["title"], updated["inheritedFields"]) == (
        "2",
        "Power yoga",
        ["TIME_ZONE", "LOCATION", "CONFERENCING_DETAILS"],
    )
    after = {e["start"]["localDate"][:10]: e for e in await occurrences(cal, master)}
    by_id = {e["id"]: e for e in after.values()}
    # instances follow the master completely, with their ids kept
    plain = by_id[series[5]["id"]]
    assert (plain["title"], plain["totalCapacity"], plain["resources"], plain["revision"]) == (
        "Power yoga",
        7,
        [{"id": "staff-2", "transparency": "OPAQUE"}],
        "2",
    )
    assert (plain["start"]["localDate"], plain["end"]["localDate"]) == (
        "2027-02-08T18:00:00",
        "2027-02-08T19:30:00",
    )
    # the moved exception keeps its time but takes the new title and capacity
    mx = by_id[moved["id"]]
    assert (mx["start"]["localDate"], mx["title"], mx["totalCapacity"]) == (
        "2027-01-12T07:00:00",
        "Power yoga",
        7,
    )
    # the retitled exception keeps its title but moves to the new time
    tx = by_id[titled["id"]]
    assert (tx["title"], tx["start"]["localDate"], tx["totalCapacity"]) == (
        "Own title",
        "2027-01-18T18:00:00",
        7,
    )
    # the cancelled occurrence stays cancelled and does not come back
    assert by_id[cancelled["id"]]["status"] == "CANCELLED"
    assert by_id[cancelled["id"]]["start"]["localDate"] == "2027-01-25T09:00:00"
    # until (22 Feb 09:00) now comes before the 18:00 occurrence of that day: it is gone
    assert sorted(after) == [
        "2027-01-04",
        "2027-01-12",
        "2027-01-18",
        "2027-01-25",
        "2027-02-01",
        "2027-02-08",
        "2027-02-15",
    ]
    assert series[-1]["id"] not in by_id


async def test_master_update_leaves_past_occurrences_alone(cal: Calendar) -> None:
    sid = (await cal.schedule())["id"]
    today = datetime.now(UTC).date()
    master = await cal.event(
        {
            "scheduleId": sid,
            "title": "Early",
            "start": local(f"{today.isoformat()}T00:00:00"),
            "end": local(f"{today.isoformat()}T00:01:00"),
            "recurrenceRule": {"days": [today.strftime("%A").upper()]},
        }
    )
    window = {
        "fromLocalDate": f"{today.isoformat()}T00:00:00",
        "toLocalDate": f"{today.isoformat()}T23:59:00",
    }
    [first] = (await cal.query(**window))["events"]
    ok(await cal.update({"id": master["id"], "revision": "1", "title": "Late"}))
    again = await cal.get(first["id"])
    assert (again["title"], again["revision"]) == ("Early", "1")
    found = await cal.query(
        fromLocalDate=f"{today.isoformat()}T23:59:00",
        toLocalDate="2028-01-01T00:00:00",
        query={"cursorPaging": {"limit": 3}},
    )
    assert {e["title"] for e in found["events"]} == {"Late"}


async def test_changing_the_rule_changes_the_dates(cal: Calendar) -> None:
    master = await weekly_master(cal)
    before = await occurrences(cal, master)
    res = await cal.update(
        {
            "id": master["id"],
            "revision": "1",
            "start": local("2027-01-05T09:00:00"),
            "end": local("2027-01-05T10:00:00"),
            "recurrenceRule": {"days": ["TUESDAY"], "interval": 2},
        }
    )
    rule = ok(res)["event"]["recurrenceRule"]
    assert rule == {"frequency": "WEEKLY", "interval": 2, "days": ["TUESDAY"]}
    after = await occurrences(cal, master)
    assert [e["start"]["localDate"][:10] for e in after] == [
        "2027-01-05",
        "2027-01-19",
        "2027-02-02",
        "2027-02-16",
    ]
    assert not {e["id"] for e in after} & {e["id"] for e in before}
    res = await cal.update(
        {"id": master["id"], "revision": "2", "start": local("2027-01-06T09:00:00")}
    )
    violation(res, "event.recurrenceRule.days")


async def test_cancel_instance_and_master(cal: Calendar) -> None:
    master = await weekly_master(cal)
    series = await occurrences(cal, master)
    ok(await cal.cancel(series[0]["id"]))
    visible = await cal.ids(**WINDOW, query={"filter": {"recurringEventId": master["id"]}})
    assert visible == [e["id"] for e in series[1:]]
    cancelled = ok(await cal.cancel(master["id"]))["event"]
    assert (cancelled["status"], cancelled["recurrenceType"]) == ("CANCELLED", "MASTER")
    assert {e["status"] for e in await occurrences(cal, master)} == {"CANCELLED"}
    app_error(
        await cal.update({"id": master["id"], "revision": "2", "title": "x"}),
        428,
        "EVENT_CANCELLED",
    )


async def test_split(cal: Calendar) -> None:
    master = await weekly_master(cal)
    series = await occurrences(cal, master)
    ok(await cal.update({"id": series[5]["id"], "revision": "1", "title": "Exception"}))
    url = f"{BASE}/events/{master['id']}/split"
    res = await cal.client.post(
        url, json={"splitLocalDate": "2027-02-01T00:00:00"}, headers=cal.headers
    )
    body = ok(res)
    ended, started = (
        body["updatedRecurringEventEndingBeforeSplit"],
        body["newRecurringEventStartingFromSplit"],
    )
    assert ended["id"] == master["id"] and ended["revision"] == "2"
    assert ended["recurrenceRule"] == {
        "frequency": "WEEKLY",
        "interval": 1,
        "days": ["MONDAY"],
        "until": {
            "localDate": "2027-01-25T10:00:00",
            "timeZone": "UTC",
            "utcDate": "2027-01-25T10:00:00.000Z",
        },
        "adjustedUntil": {"localDate": "2027-01-25T10:00:00", "timeZone": "UTC"},
    }
    assert started["id"] != master["id"] and started["revision"] == "1"
    assert (started["recurrenceType"], started["title"]) == ("MASTER", "Yoga")
    assert (started["start"]["localDate"], started["end"]["localDate"]) == (
        "2027-02-01T09:00:00",
        "2027-02-01T10:00:00",
    )
    assert started["recurrenceRule"]["until"]["localDate"] == "2027-02-22T09:00:00"
    old = await occurrences(cal, master)
    new = await occurrences(cal, started)
    assert [e["start"]["localDate"][:10] for e in old] == [
        "2027-01-04",
        "2027-01-11",
        "2027-01-18",
        "2027-01-25",
    ]
    assert [e["start"]["localDate"][:10] for e in new] == [
        "2027-02-01",
        "2027-02-08",
        "2027-02-15",
        "2027-02-22",
    ]
    assert [e["id"] for e in old + new] == [e["id"] for e in series]  # ids kept
    assert new[1]["title"] == "Exception" and new[1]["recurrenceType"] == "EXCEPTION"
    # errors
    for when in ("2020-01-01T00:00:00", "2027-01-04T08:00:00"):
        res = await cal.client.post(
            f"{BASE}/events/{started['id']}/split",
            json={"splitLocalDate": when},
            headers=cal.headers,
        )
        violation(res, "splitLocalDate")
    res = await cal.client.post(
        f"{BASE}/events/{started['id']}/split",
        json={"splitLocalDate": "2027-03-01T00:00:00"},
        headers=cal.headers,
    )
    violation(res, "splitLocalDate")
    res = await cal.client.post(
        f"{BASE}/events/{new[0]['id']}/split",
        json={"splitLocalDate": "2027-02-10T00:00:00"},
        headers=cal.headers,
    )
    violation(res, "recurringEventId")
    res = await cal.client.post(
        f"{BASE}/events/{'a' * 64}/split",
        json={"splitLocalDate": "2027-02-10T00:00:00"},
        headers=cal.headers,
    )
    app_error(res, 404, "EVENT_NOT_FOUND")


async def test_restore_defaults(cal: Calendar) -> None:
    master = await weekly_master(cal)
    instance = (await occurrences(cal, master))[1]
    ok(
        await cal.update(
            {
                "id": instance["id"],
                "revision": "1",
                "title": "Own",
                "totalCapacity": 1,
                "start": local("2027-01-11T11:00:00"),
                "end": local("2027-01-11T12:00:00"),
            }
        )
    )
    url = f"{BASE}/events/{instance['id']}/restore-defaults"
    res = await cal.client.post(url, json={"fields": ["TITLE", "TIME"]}, headers=cal.headers)
    restored = ok(res)["event"]
    assert (restored["title"], restored["totalCapacity"], restored["start"]["localDate"]) == (
        "Yoga",
        1,
        "2027-01-11T09:00:00",
    )
    assert restored["inheritedFields"] == [
        "TITLE",
        "TIME_ZONE",
        "TIME",
        "LOCATION",
        "RESOURCES",
        "CONFERENCING_DETAILS",
    ]
    assert restored["recurrenceType"] == "EXCEPTION" and restored["revision"] == "3"
    res = await cal.update({"id": instance["id"], "revision": "3", "timeZone": "Asia/Tokyo"})
    tokyo = ok(res)["event"]
    assert tokyo["start"] == {
        "localDate": "2027-01-11T09:00:00",
        "timeZone": "Asia/Tokyo",
        "utcDate": "2027-01-11T00:00:00.000Z",
    }
    assert "TIME" not in tokyo["inheritedFields"]
    res = await cal.client.post(url, json={"fields": ["TIME_ZONE", "TIME"]}, headers=cal.headers)
    assert ok(res)["event"]["start"] == instance["start"]
    res = await cal.client.post(url, json={"fields": ["PARTICIPANTS"]}, headers=cal.headers)
    violation(res, "fields[0]", "FIELD_NOT_ALLOWED")
    res = await cal.client.post(url, json={"fields": []}, headers=cal.headers)
    violation(res, "fields", "MIN_SIZE")
    res = await cal.client.post(
        f"{BASE}/events/{master['id']}/restore-defaults",
        json={"fields": ["CAPACITY"]},
        headers=cal.headers,
    )
    back = ok(res)["event"]
    assert back["totalCapacity"] == 5 and "CAPACITY" in back["inheritedFields"]
    assert {
        e["totalCapacity"] for e in await occurrences(cal, master) if e["id"] != instance["id"]
    } == {5}


async def test_materialization_extends_beyond_the_horizon(cal: Calendar) -> None:
    sid = (await cal.schedule())["id"]
    master = await cal.event(
        {
            "scheduleId": sid,
            "start": local("2027-01-04T09:00:00"),
            "end": local("2027-01-04T10:00:00"),
            "recurrenceRule": {"days": ["MONDAY"]},
        }
    )
    far = {
        "fromLocalDate": "2029-06-01T00:00:00",
        "toLocalDate": "2029-06-30T00:00:00",
        "query": {"filter": {"recurringEventId": master["id"]}},
    }
    first = await cal.ids(**far)
    assert len(first) == 4  # the Mondays of June 2029
    assert first[0] == hashlib.sha256(f"{master['id']}|2029-06-04".encode()).hexdigest()
    assert await cal.ids(**far) == first
    # everything between the old horizon and the window exists once
    mid = await cal.ids(
        fromLocalDate="2028-01-01T00:00:00",
        toLocalDate="2029-01-01T00:00:00",
        query={"filter": {"recurringEventId": master["id"]}, "cursorPaging": {"limit": 100}},
    )
    mondays = sum(1 for d in range(366) if (date(2028, 1, 1) + timedelta(days=d)).weekday() == 0)
    assert len(mid) == len(set(mid)) == mondays == 52
