"""Query Events through HTTP: the local date window (overlap semantics, request time zone),
what is hidden by default, the filters of the spec, sorting and cursor paging."""

from __future__ import annotations

from typing import Any

from tests.calendar.conftest import BASE, Calendar, local
from tests.helpers import ok, violation


async def one_off(cal: Calendar, sid: str, start: str, end: str, **fields: Any) -> dict[str, Any]:
    return await cal.event({"scheduleId": sid, "start": local(start), "end": local(end), **fields})


async def test_window_overlap_in_the_request_time_zone(london: Calendar) -> None:
    sid = (await london.schedule())["id"]
    event = await one_off(london, sid, "2027-07-01T09:00:00", "2027-07-01T10:00:00")
    hits = {
        ("2027-07-01T09:30:00", "2027-07-01T09:45:00"): True,  # inside
        ("2027-07-01T08:00:00", "2027-07-01T09:01:00"): True,  # overlaps the start
        ("2027-07-01T09:59:00", "2027-07-01T12:00:00"): True,  # overlaps the end
        ("2027-07-01T08:00:00", "2027-07-01T09:00:00"): False,  # ends where it starts
        ("2027-07-01T10:00:00", "2027-07-01T11:00:00"): False,  # starts where it ends
    }
    for (start, end), hit in hits.items():
        ids = await london.ids(fromLocalDate=start, toLocalDate=end)
        assert ids == ([event["id"]] if hit else []), (start, end)
    # 09:00 BST is 04:00 in New York: the window and adjusted dates follow the request zone
    found = await london.query(
        fromLocalDate="2027-07-01T03:30:00",
        toLocalDate="2027-07-01T04:30:00",
        timeZone="America/New_York",
    )
    [seen] = found["events"]
    assert seen["adjustedStart"] == {
        "localDate": "2027-07-01T04:00:00",
        "timeZone": "America/New_York",
    }
    assert seen["start"]["localDate"] == "2027-07-01T09:00:00"
    res = await london.client.post(
        f"{BASE}/events/query",
        json={"fromLocalDate": "2027-07-02T00:00:00", "toLocalDate": "2027-07-01T00:00:00"},
        headers=london.headers,
    )
    violation(res, "toLocalDate")
    res = await london.client.post(
        f"{BASE}/events/query", json={"timeZone": "Bad/Zone"}, headers=london.headers
    )
    violation(res, "timeZone", "FORMAT")


async def test_masters_working_hours_and_cancelled_are_hidden_by_default(cal: Calendar) -> None:
    sid = (await cal.schedule())["id"]
    window = {"fromLocalDate": "2027-05-03T00:00:00", "toLocalDate": "2027-05-04T00:00:00"}
    one = await one_off(cal, sid, "2027-05-03T08:00:00", "2027-05-03T09:00:00")
    gone = await one_off(cal, sid, "2027-05-03T09:00:00", "2027-05-03T10:00:00")
    ok(await cal.cancel(gone["id"]))
    master = await cal.event(
        {
            "scheduleId": sid,
            "start": local("2027-05-03T10:00:00"),
            "end": local("2027-05-03T11:00:00"),
            "recurrenceRule": {"days": ["MONDAY"]},
        }
    )
    hours = await cal.event(
        {
            "scheduleId": sid,
            "type": "WORKING_HOURS",
            "start": local("2027-05-03T07:00:00"),
            "end": local("2027-05-03T17:00:00"),
            "recurrenceRule": {"days": ["MONDAY"]},
        }
    )
    default = await cal.query(**window)
    assert [(e["start"]["localDate"][11:16], e["recurrenceType"]) for e in default["events"]] == [
        ("08:00", "NONE"),
        ("10:00", "INSTANCE"),
    ]
    assert default["events"][0]["id"] == one["id"]
    masters = await cal.ids(**window, recurrenceType=["MASTER"])
    assert masters == [master["id"]]
    with_hours = await cal.query(
        **window, query={"filter": {"type": {"$in": ["WORKING_HOURS", "DEFAULT"]}}}
    )
    assert [e["type"] for e in with_hours["events"]] == ["WORKING_HOURS", "DEFAULT", "DEFAULT"]
    only_hours = await cal.query(
        **window, recurrenceType=["MASTER", "INSTANCE"], query={"filter": {"type": "WORKING_HOURS"}}
    )
    assert {(e["recurrenceType"], e["id"] == hours["id"]) for e in only_hours["events"]} == {
        ("MASTER", True),
        ("INSTANCE", False),
    }
    cancelled = await cal.ids(**window, query={"filter": {"status": "CANCELLED"}})
    assert cancelled == [gone["id"]]
    # a MASTER is in a window while its series runs in it
    later = {"fromLocalDate": "2027-09-01T00:00:00", "toLocalDate": "2027-09-02T00:00:00"}
    assert await cal.ids(**later, recurrenceType=["MASTER"]) == [master["id"]]
    ended = await cal.event(
        {
            "scheduleId": sid,
            "start": local("2027-05-03T12:00:00"),
            "end": local("2027-05-03T13:00:00"),
            "recurrenceRule": {"days": ["MONDAY"], "until": local("2027-08-30T12:00:00")},
        }
    )
    last = {"fromLocalDate": "2027-08-30T12:59:00", "toLocalDate": "2027-08-31T00:00:00"}
    assert await cal.ids(**last, recurrenceType=["MASTER"]) == [master["id"], ended["id"]]
    after = {"fromLocalDate": "2027-08-30T13:00:00", "toLocalDate": "2027-08-31T00:00:00"}
    assert await cal.ids(**after, recurrenceType=["MASTER"]) == [master["id"]]


async def test_filters(cal: Calendar) -> None:
    s1 = await cal.schedule(externalId="service-1", defaultCapacity=10)
    s2 = await cal.schedule(externalId="service-2", appId="other-app")
    day = "2027-06-07"
    a = await one_off(
        cal,
        s1["id"],
        f"{day}T08:00:00",
        f"{day}T09:00:00",
        type="CLASS",
        resources=[{"id": "staff-1"}, {"id": "room-1"}],
        location={"type": "BUSINESS", "id": "loc-1"},
    )
    b = await one_off(
        cal,
        s1["id"],
        f"{day}T09:00:00",
        f"{day}T10:00:00",
        type="APPOINTMENT",
        totalCapacity=1,
        resources=[{"id": "staff-2"}],
        transparency="TRANSPARENT",
    )
    c = await one_off(
        cal,
        s2["id"],
        f"{day}T10:00:00",
        f"{day}T11:00:00",
        resources=[{"id": "staff-1"}],
        conferencingDetails={"type": "ZOOM"},
        location={"type": "CUSTOMER"},
    )
    window = {"fromLocalDate": f"{day}T00:00:00", "toLocalDate": f"{day}T23:00:00"}

    async def ids(filter_: dict[str, Any]) -> list[str]:
        return await cal.ids(**window, query={"filter": filter_})

    assert await ids({"scheduleId": s1["id"]}) == [a["id"], b["id"]]
    assert await ids({"scheduleId": {"$in": [s2["id"]]}}) == [c["id"]]
    assert await ids({"externalScheduleId": "service-2"}) == [c["id"]]
    assert await ids({"appId": "other-app"}) == [c["id"]]
    assert await ids({"type": {"$in": ["CLASS", "APPOINTMENT"]}}) == [a["id"], b["id"]]
    assert await ids({"resources.id": {"$hasSome": ["staff-1"]}}) == [a["id"], c["id"]]
    assert await ids({"resources.id": {"$hasAll": ["staff-1", "room-1"]}}) == [a["id"]]
    assert await ids({"resources.id": {"$hasSome": ["staff-2", "room-1"]}}) == [a["id"], b["id"]]
    assert await ids({"location.id": "loc-1"}) == [a["id"]]
    assert await ids({"location.type": {"$in": ["CUSTOMER"]}}) == [c["id"]]
    assert await ids({"location": {"$exists": False}}) == [b["id"]]
    assert await ids({"conferencingDetails": {"$exists": True}}) == [c["id"]]
    assert await ids({"transparency": "TRANSPARENT"}) == [b["id"]]
    assert await ids({"totalCapacity": {"$gte": 5}}) == [a["id"]]
    assert await ids({"totalCapacity": {"$exists": False}}) == [c["id"]]
    assert await ids({"remainingCapacity": {"$lt": 5}}) == [b["id"]]
    assert await ids({"$or": [{"type": "CLASS"}, {"appId": "other-app"}]}) == [a["id"], c["id"]]
    violation(
        await cal.client.post(
            f"{BASE}/events/query",
            json={"query": {"filter": {"start": {"$gt": "2027-01-01T00:00:00Z"}}}},
            headers=cal.headers,
        ),
        "query.filter.start.$gt",
        "FIELD_NOT_ALLOWED",
    )
    violation(
        await cal.client.post(
            f"{BASE}/events/query", json={"query": {"filter": {"notes": "x"}}}, headers=cal.headers
        ),
        "query.filter.notes",
        "FIELD_NOT_ALLOWED",
    )
    violation(
        await cal.client.post(
            f"{BASE}/events/query",
            json={"query": {"cursorPaging": {"limit": 1001}}},
            headers=cal.headers,
        ),
        "query.cursorPaging.limit",
        "MAX",
    )
    violation(
        await cal.client.post(
            f"{BASE}/events/query",
            json={"recurrenceType": ["NONE", "MASTER", "INSTANCE", "EXCEPTION", "NONE", "NONE"]},
            headers=cal.headers,
        ),
        "recurrenceType",
        "MAX_SIZE",
    )


async def test_sort_and_cursor_paging(cal: Calendar) -> None:
    sid = (await cal.schedule())["id"]
    made = [
        await one_off(
            cal, sid, f"2027-06-{d:02d}T09:00:00", f"2027-06-{d:02d}T{9 + d % 3 + 1:02d}:00:00"
        )
        for d in range(1, 8)
    ]
    window = {"fromLocalDate": "2027-06-01T00:00:00", "toLocalDate": "2027-07-01T00:00:00"}
    first = await cal.query(**window, query={"cursorPaging": {"limit": 3}})
    assert [e["id"] for e in first["events"]] == [e["id"] for e in made[:3]]
    meta = first["pagingMetadata"]
    assert (meta["count"], meta["hasNext"]) == (3, True)
    seen = [e["id"] for e in first["events"]]
    cursor = meta["cursors"]["next"]
    while cursor:
        page = await cal.query(query={"cursorPaging": {"cursor": cursor}})
        seen += [e["id"] for e in page["events"]]
        cursor = page["pagingMetadata"]["cursors"].get("next")
    assert seen == [e["id"] for e in made]
    # the cursor carries the window: sending the cursor alone pages the same query
    page = await cal.query(query={"cursorPaging": {"cursor": meta["cursors"]["next"], "limit": 10}})
    assert [e["id"] for e in page["events"]] == [e["id"] for e in made[3:]]
    assert page["pagingMetadata"]["hasNext"] is False
    descending = await cal.query(
        fromLocalDate="2027-07-01T00:00:00",
        toLocalDate="2027-06-01T00:00:00",
        query={"sort": [{"fieldName": "end", "order": "DESC"}]},
    )
    assert [e["id"] for e in descending["events"]] == [e["id"] for e in reversed(made)]
    res = await cal.client.post(
        f"{BASE}/events/query",
        json={
            "query": {
                "cursorPaging": {"cursor": meta["cursors"]["next"]},
                "filter": {"type": "CLASS"},
            }
        },
        headers=cal.headers,
    )
    violation(res, "query.filter", "FIELD_NOT_ALLOWED")
