"""Attendance API through HTTP: exact wire JSON, the upsert, course sessions, errors, bulk,
query with cursors, member count, roles, aliases, site isolation and the outbox (on SQLite
and PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from bookings.attendance import service as attendance_service
from bookings.platform import events
from bookings.platform.routing import Services
from tests.attendance.conftest import BULK, GUID, SINGLE, STAMP, Booked, book_everything
from tests.booking.conftest import UNKNOWN_ID, token
from tests.conftest import SiteKeys
from tests.helpers import app_error, ok, violation

MEMBER_ID = "5e0d7f0e-4c1a-4b8e-9a53-1f0d4c6d2a11"
OTHER_MEMBER_ID = "8a1b7c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"


def stamps(found: dict[str, Any]) -> None:
    assert STAMP.match(found["updatedDate"]), found
    assert STAMP.match(found["statusUpdatedDate"]), found


# ---------------------------------------------------------------- set and get


async def test_set_and_get_exact_wire_json_of_each_kind(booked: Booked) -> None:
    appointment = await booked.put({"bookingId": booked.appointment["id"], "status": "ATTENDED"})
    stamps(appointment)
    assert GUID.match(appointment["id"])
    # An appointment has no calendar event here: its attendance is keyed by the booking alone.
    assert appointment == {
        "id": appointment["id"],
        "bookingId": booked.appointment["id"],
        "status": "ATTENDED",
        "numberOfAttendees": 1,
        "updatedDate": appointment["updatedDate"],
        "statusUpdatedDate": appointment["updatedDate"],
    }
    # A class booking's session is derived from the booking (slot.eventId).
    klass = await booked.put(
        {"bookingId": booked.klass["id"], "status": "NOT_ATTENDED", "numberOfAttendees": 3}
    )
    session_id = booked.session["id"]
    assert booked.klass["bookedEntity"]["slot"]["eventId"] == session_id
    assert klass == {
        "id": klass["id"],
        "bookingId": booked.klass["id"],
        "sessionId": session_id,
        "eventId": session_id,
        "status": "NOT_ATTENDED",
        "numberOfAttendees": 3,
        "updatedDate": klass["updatedDate"],
        "statusUpdatedDate": klass["updatedDate"],
    }
    session = booked.course_sessions[1]["id"]
    course = await booked.put(
        {"bookingId": booked.course_booking["id"], "eventId": session, "status": "NOT_SET"}
    )
    assert course == {
        "id": course["id"],
        "bookingId": booked.course_booking["id"],
        "sessionId": session,
        "eventId": session,
        "status": "NOT_SET",
        "numberOfAttendees": 1,
        "updatedDate": course["updatedDate"],
        "statusUpdatedDate": course["updatedDate"],
    }
    for found in (appointment, klass, course):
        assert ok(await booked.get(found["id"])) == {"attendance": found}
    # The SDK repeats the path parameter in the query string; read-only input is ignored.
    res = await booked.client.get(
        f"{SINGLE}/{klass['id']}",
        params={"attendanceId": UNKNOWN_ID},
        headers=booked.site.admin,
    )
    assert ok(res) == {"attendance": klass}
    with_id = await booked.put(
        {"id": UNKNOWN_ID, "bookingId": booked.klass["id"], "status": "NOT_ATTENDED"}
    )
    assert with_id["id"] == klass["id"]


async def test_set_is_an_upsert_on_booking_and_session(booked: Booked) -> None:
    first = await booked.put({"bookingId": booked.klass["id"], "status": "NOT_SET"})
    again = await booked.put(
        {"bookingId": booked.klass["id"], "status": "NOT_SET", "numberOfAttendees": 4}
    )
    assert again["id"] == first["id"]
    assert again["numberOfAttendees"] == 4
    # Only the count changed: the status kept its date.
    assert again["statusUpdatedDate"] == first["statusUpdatedDate"]
    assert again["updatedDate"] >= first["updatedDate"]
    # numberOfAttendees is kept when not sent; the deprecated sessionId names the same record.
    third = await booked.put(
        {"bookingId": booked.klass["id"], "sessionId": booked.session["id"], "status": "ATTENDED"}
    )
    assert third["id"] == first["id"]
    assert third["status"] == "ATTENDED"
    assert third["numberOfAttendees"] == 4
    assert third["statusUpdatedDate"] >= again["statusUpdatedDate"]
    assert third["statusUpdatedDate"] == third["updatedDate"]
    # The same values again: nothing changes, not even the dates.
    same = await booked.put(
        {"bookingId": booked.klass["id"], "eventId": booked.session["id"], "status": "ATTENDED"}
    )
    assert same == third
    body = ok(await booked.query({"filter": {"bookingId": booked.klass["id"]}}))
    assert body["attendances"] == [third]


async def test_concurrent_sets_of_one_session_make_one_record(
    booked: Booked, services: Services
) -> None:
    """Many Sets of one (booking, session) at once: one record, one ``created`` event, the
    others updates of it (real concurrency on PostgreSQL; SQLite serializes writers)."""
    statuses = ["ATTENDED", "NOT_ATTENDED", "NOT_SET"] * 4
    answers = await asyncio.gather(
        *(
            booked.set({"bookingId": booked.klass["id"], "status": s, "numberOfAttendees": i})
            for i, s in enumerate(statuses)
        )
    )
    ids = {ok(res)["attendance"]["id"] for res in answers}
    assert len(ids) == 1
    [stored] = ok(await booked.query({}))["attendances"]
    assert stored["id"] in ids
    async with services.db.read(booked.site.site_id) as scope:
        found, _ = await events.list_events(scope, entity_id=stored["id"], signer=services.signer)
    assert [e["slug"] for e in found] == ["created"] + ["updated"] * (len(found) - 1)
    assert [e["entityEventSequence"] for e in found] == [str(i + 1) for i in range(len(found))]
    last = (
        found[-1].get("updatedEvent", {}).get("currentEntity")
        or found[-1]["createdEvent"]["entity"]
    )
    assert last == stored


async def test_inconsistent_status_and_count_are_accepted(booked: Booked) -> None:
    """No cross-validation: a no-show with 5 attendees, walk-ins beyond the participants."""
    no_show = await booked.put(
        {"bookingId": booked.klass["id"], "status": "NOT_ATTENDED", "numberOfAttendees": 5}
    )
    assert (no_show["status"], no_show["numberOfAttendees"]) == ("NOT_ATTENDED", 5)
    assert booked.appointment["totalParticipants"] == 1
    walk_ins = await booked.put(
        {"bookingId": booked.appointment["id"], "status": "ATTENDED", "numberOfAttendees": 50}
    )
    assert walk_ins["numberOfAttendees"] == 50
    zero = await booked.put(
        {"bookingId": booked.appointment["id"], "status": "ATTENDED", "numberOfAttendees": 0}
    )
    assert (zero["id"], zero["numberOfAttendees"]) == (walk_ins["id"], 0)


async def test_a_course_booking_has_one_record_per_session(booked: Booked) -> None:
    booking_id = booked.course_booking["id"]
    first, second = (s["id"] for s in booked.course_sessions)
    one = await booked.put({"bookingId": booking_id, "eventId": first, "status": "ATTENDED"})
    two = await booked.put({"bookingId": booking_id, "sessionId": second, "status": "NOT_ATTENDED"})
    assert one["id"] != two["id"]
    assert (one["eventId"], two["eventId"]) == (first, second)
    again = await booked.put({"bookingId": booking_id, "eventId": first, "status": "NOT_ATTENDED"})
    assert again["id"] == one["id"]
    body = ok(
        await booked.query(
            {"filter": {"bookingId": booking_id}, "sort": [{"fieldName": "eventId"}]}
        )
    )
    assert [a["eventId"] for a in body["attendances"]] == sorted([first, second])
    # The course booking must name its session ...
    error = app_error(
        await booked.set({"bookingId": booking_id, "status": "ATTENDED"}),
        400,
        "SESSION_ID_NOT_PROVIDED",
    )
    assert error["data"] == {"bookingId": booking_id}
    app_error(
        await booked.set({"bookingId": booking_id, "eventId": "", "status": "ATTENDED"}),
        400,
        "SESSION_ID_NOT_PROVIDED",
    )
    # ... and it must be one of the course's sessions: not a class session, not an unknown
    # event, not a recurring series itself (its occurrences are the sessions).
    start = date.fromisoformat(booked.course_sessions[0]["start"]["localDate"][:10])
    weekly = await booked.catalog.session(
        booked.course, start, "15:00", "16:00", weekly_until=start + timedelta(days=14)
    )
    assert weekly["recurrenceType"] == "MASTER"
    for event_id in (booked.session["id"], "f" * 64, weekly["id"]):
        error = app_error(
            await booked.set({"bookingId": booking_id, "eventId": event_id, "status": "ATTENDED"}),
            404,
            "SESSION_NOT_FOUND",
        )
        assert error["data"] == {"bookingId": booking_id, "eventId": event_id}


# ---------------------------------------------------------------- errors


async def test_set_errors(booked: Booked) -> None:
    error = app_error(
        await booked.set({"bookingId": UNKNOWN_ID, "status": "ATTENDED"}),
        404,
        "BOOKING_NOT_FOUND",
    )
    assert error["data"] == {"bookingId": UNKNOWN_ID}
    # A class booking's attendance is for its own session only.
    app_error(
        await booked.set(
            {
                "bookingId": booked.klass["id"],
                "eventId": booked.other_session["id"],
                "status": "ATTENDED",
            }
        ),
        404,
        "SESSION_NOT_FOUND",
    )
    # An appointment has no session to name.
    app_error(
        await booked.set(
            {
                "bookingId": booked.appointment["id"],
                "eventId": booked.session["id"],
                "status": "ATTENDED",
            }
        ),
        404,
        "SESSION_NOT_FOUND",
    )
    mismatch = await booked.set(
        {
            "bookingId": booked.klass["id"],
            "eventId": booked.session["id"],
            "sessionId": booked.other_session["id"],
            "status": "ATTENDED",
        }
    )
    assert violation(mismatch, "attendance.sessionId", "OTHER")["ruleName"] == "SESSION_ID_MISMATCH"
    violation(await booked.set({"status": "ATTENDED"}), "attendance.bookingId", "REQUIRED_FIELD")
    violation(
        await booked.set({"bookingId": booked.klass["id"]}), "attendance.status", "REQUIRED_FIELD"
    )
    violation(
        await booked.set({"bookingId": booked.klass["id"], "status": "LATE"}),
        "attendance.status",
        "INVALID_ENUM_VALUE",
    )
    violation(
        await booked.set({"bookingId": "nope", "status": "ATTENDED"}),
        "attendance.bookingId",
        "FORMAT",
    )
    for bad, rule in ((-1, "MIN"), (2**31, "MAX"), (True, "FORMAT"), (1.5, "FORMAT")):
        violation(
            await booked.set(
                {"bookingId": booked.klass["id"], "status": "ATTENDED", "numberOfAttendees": bad}
            ),
            "attendance.numberOfAttendees",
            rule,
        )
    violation(
        await booked.set(
            {"bookingId": booked.klass["id"], "eventId": "e" * 251, "status": "NOT_SET"}
        ),
        "attendance.eventId",
        "MAX_LENGTH",
    )
    violation(
        await booked.client.post(f"{SINGLE}/set", json={}, headers=booked.site.admin),
        "attendance",
        "REQUIRED_FIELD",
    )
    violation(
        await booked.set(
            {"bookingId": booked.klass["id"], "status": "ATTENDED"},
            participantNotification={"notifyParticipants": True, "message": ""},
        ),
        "participantNotification.message",
        "MIN_LENGTH",
    )
    # Nothing was stored by the failed calls.
    assert ok(await booked.query({}))["attendances"] == []
    # A valid notification is accepted (no notification is sent by this server).
    ok(
        await booked.set(
            {"bookingId": booked.klass["id"], "status": "ATTENDED"},
            participantNotification={"notifyParticipants": True, "message": "Thanks!"},
        )
    )


async def test_get_and_delete(booked: Booked) -> None:
    found = await booked.put({"bookingId": booked.klass["id"], "status": "ATTENDED"})
    res = await booked.client.delete(f"{SINGLE}/{found['id']}", headers=booked.site.admin)
    assert ok(res) == {}
    error = app_error(await booked.get(found["id"]), 404, "ATTENDANCE_NOT_FOUND")
    assert error["data"] == {"attendanceId": found["id"]}
    app_error(
        await booked.client.delete(f"{SINGLE}/{found['id']}", headers=booked.site.admin),
        404,
        "ATTENDANCE_NOT_FOUND",
    )
    violation(await booked.get("not-a-guid"), "attendanceId", "FORMAT")
    # Setting it again makes a new record.
    again = await booked.put({"bookingId": booked.klass["id"], "status": "ATTENDED"})
    assert again["id"] != found["id"]


# ---------------------------------------------------------------- bulk


async def test_bulk_set(booked: Booked) -> None:
    items = [
        {"attendance": {"bookingId": booked.appointment["id"], "status": "ATTENDED"}},
        {"attendance": {"bookingId": UNKNOWN_ID, "status": "ATTENDED"}},
        {"attendance": {"bookingId": booked.course_booking["id"], "status": "ATTENDED"}},
        {
            "attendance": {
                "bookingId": booked.klass["id"],
                "status": "NOT_ATTENDED",
                "numberOfAttendees": 2,
            },
            "participantNotification": {"notifyParticipants": False},
        },
    ]
    res = await booked.client.post(
        f"{BULK}/set", json={"attendanceDetails": items}, headers=booked.site.admin
    )
    body = ok(res)
    stored = {a["bookingId"]: a for a in ok(await booked.query({}))["attendances"]}
    appointment = stored[booked.appointment["id"]]
    klass = stored[booked.klass["id"]]
    assert klass["numberOfAttendees"] == 2
    assert body == {
        "results": [
            {"itemMetadata": {"id": appointment["id"], "originalIndex": 0, "success": True}},
            {
                "itemMetadata": {
                    "originalIndex": 1,
                    "success": False,
                    "error": {
                        "code": "BOOKING_NOT_FOUND",
                        "description": f"Booking {UNKNOWN_ID} not found",
                        "data": {"bookingId": UNKNOWN_ID},
                    },
                }
            },
            {
                "itemMetadata": {
                    "originalIndex": 2,
                    "success": False,
                    "error": {
                        "code": "SESSION_ID_NOT_PROVIDED",
                        "description": body["results"][2]["itemMetadata"]["error"]["description"],
                        "data": {"bookingId": booked.course_booking["id"]},
                    },
                }
            },
            {"itemMetadata": {"id": klass["id"], "originalIndex": 3, "success": True}},
        ],
        "bulkActionMetadata": {"totalSuccesses": 2, "totalFailures": 2, "undetailedFailures": 0},
    }
    # returnFullEntity: the items come back; a second Set of the same key updates it.
    again = [
        {"attendance": {"bookingId": booked.klass["id"], "status": "ATTENDED"}},
    ]
    res = await booked.client.post(
        f"{BULK}/set",
        json={"attendanceDetails": again, "returnFullEntity": True},
        headers=booked.site.admin,
    )
    [result] = ok(res)["results"]
    assert result["itemMetadata"] == {"id": klass["id"], "originalIndex": 0, "success": True}
    assert result["item"] == ok(await booked.get(klass["id"]))["attendance"]
    assert result["item"]["status"] == "ATTENDED"


async def test_bulk_set_refuses_the_whole_call(booked: Booked) -> None:
    async def bulk_set(body: dict[str, Any]) -> httpx.Response:
        return await booked.client.post(f"{BULK}/set", json=body, headers=booked.site.admin)

    for body in ({}, {"attendanceDetails": []}, {"returnFullEntity": True}):
        app_error(await bulk_set(body), 400, "ATTENDANCES_MISSING_IN_REQUEST")
    item = {"attendance": {"bookingId": booked.klass["id"], "status": "ATTENDED"}}
    violation(await bulk_set({"attendanceDetails": [item] * 9}), "attendanceDetails", "MAX_SIZE")
    ok(await bulk_set({"attendanceDetails": [item] * 8}))
    missing = [item, {"attendance": {"status": "ATTENDED"}}]
    violation(
        await bulk_set({"attendanceDetails": missing}),
        "attendanceDetails[1].attendance.bookingId",
        "REQUIRED_FIELD",
    )
    violation(
        await bulk_set({"attendanceDetails": [item, {}]}),
        "attendanceDetails[1].attendance",
        "REQUIRED_FIELD",
    )
    # The refused calls stored nothing; the one of 8 identical items stored one record.
    assert len(ok(await booked.query({}))["attendances"]) == 1


async def test_bulk_delete(booked: Booked) -> None:
    kept = await booked.put({"bookingId": booked.appointment["id"], "status": "ATTENDED"})
    gone = await booked.put({"bookingId": booked.klass["id"], "status": "ATTENDED"})
    res = await booked.client.post(
        f"{BULK}/delete",
        json={"attendanceIds": [gone["id"], UNKNOWN_ID]},
        headers=booked.site.admin,
    )
    assert ok(res) == {
        "results": [
            {"itemMetadata": {"id": gone["id"], "originalIndex": 0, "success": True}},
            {
                "itemMetadata": {
                    "id": UNKNOWN_ID,
                    "originalIndex": 1,
                    "success": False,
                    "error": {
                        "code": "ATTENDANCE_NOT_FOUND",
                        "description": f"Attendance {UNKNOWN_ID} not found",
                        "data": {"attendanceId": UNKNOWN_ID},
                    },
                }
            },
        ],
        "bulkActionMetadata": {"totalSuccesses": 1, "totalFailures": 1, "undetailedFailures": 0},
    }
    assert ok(await booked.query({}))["attendances"] == [kept]
    for body, rule in (({"attendanceIds": []}, "MIN_SIZE"), ({}, "REQUIRED_FIELD")):
        res = await booked.client.post(f"{BULK}/delete", json=body, headers=booked.site.admin)
        violation(res, "attendanceIds", rule)
    res = await booked.client.post(
        f"{BULK}/delete", json={"attendanceIds": [UNKNOWN_ID] * 9}, headers=booked.site.admin
    )
    violation(res, "attendanceIds", "MAX_SIZE")


# ---------------------------------------------------------------- query


async def test_query_filters_and_sorts(booked: Booked) -> None:
    a = await booked.put(
        {"bookingId": booked.appointment["id"], "status": "ATTENDED", "numberOfAttendees": 2}
    )
    k = await booked.put(
        {"bookingId": booked.klass["id"], "status": "NOT_ATTENDED", "numberOfAttendees": 7}
    )
    c = await booked.put(
        {
            "bookingId": booked.course_booking["id"],
            "eventId": booked.course_sessions[0]["id"],
            "status": "NOT_SET",
        }
    )

    async def ids(query: dict[str, Any]) -> list[str]:
        return [x["id"] for x in ok(await booked.query(query))["attendances"]]

    # Default sort: id ascending.
    assert await ids({}) == sorted([a["id"], k["id"], c["id"]])
    assert await ids({"filter": {"status": "ATTENDED"}}) == [a["id"]]
    assert await ids({"filter": {"status": {"$ne": "ATTENDED"}}}) == sorted([k["id"], c["id"]])
    assert await ids({"filter": {"bookingId": {"$in": [booked.klass["id"]]}}}) == [k["id"]]
    # $hasSome (older docs) is $in.
    has_some = {"status": {"$hasSome": ["NOT_SET", "ATTENDED"]}}
    assert await ids({"filter": has_some}) == sorted([a["id"], c["id"]])
    assert await ids({"filter": {"sessionId": booked.session["id"]}}) == [k["id"]]
    assert await ids({"filter": {"eventId": {"$nin": [booked.session["id"]]}}}) == sorted(
        [a["id"], c["id"]]
    )
    assert await ids({"filter": {"id": c["id"]}}) == [c["id"]]
    assert await ids({"filter": {"numberOfAttendees": {"$gte": 2}}}) == sorted([a["id"], k["id"]])
    assert await ids({"filter": {"numberOfAttendees": {"$lt": 2}}}) == [c["id"]]
    assert await ids({"sort": [{"fieldName": "numberOfAttendees", "order": "DESC"}]}) == [
        k["id"],
        a["id"],
        c["id"],
    ]
    assert await ids({"sort": [{"fieldName": "status"}]}) == [a["id"], k["id"], c["id"]]
    # A field sent twice in one filter: the first one counts.
    res = await booked.client.post(
        f"{SINGLE}/query",
        content=b'{"query": {"filter": {"status": "ATTENDED", "status": "NOT_SET"}}}',
        headers={**booked.site.admin, "content-type": "application/json"},
    )
    assert [x["id"] for x in ok(res)["attendances"]] == [a["id"]]

    # Outside the whitelist: 400 naming the request path.
    violation(
        await booked.query({"sort": [{"fieldName": "status", "order": "DESC"}]}),
        "query.sort[0].order",
        "FIELD_NOT_ALLOWED",
    )
    violation(
        await booked.query({"filter": {"serviceId": "x"}}),
        "query.filter.serviceId",
        "FIELD_NOT_ALLOWED",
    )
    violation(
        await booked.query({"filter": {"status": {"$startsWith": "A"}}}),
        "query.filter.status.$startsWith",
        "FIELD_NOT_ALLOWED",
    )
    violation(
        await booked.query({"filter": {"numberOfAttendees": {"$exists": True}}}),
        "query.filter.numberOfAttendees.$exists",
        "FIELD_NOT_ALLOWED",
    )
    violation(
        await booked.query({"filter": {"status": "LATE"}}),
        "query.filter.status",
        "INVALID_ENUM_VALUE",
    )
    violation(
        await booked.query({"sort": [{"fieldName": "updatedDate"}]}),
        "query.sort[0].fieldName",
        "FIELD_NOT_ALLOWED",
    )
    violation(await booked.query({"paging": {"limit": 2}}), "query.paging", "FIELD_NOT_ALLOWED")
    violation(
        await booked.query({"cursorPaging": {"limit": 1001}}), "query.cursorPaging.limit", "MAX"
    )


async def test_query_pages_with_a_cursor(booked: Booked) -> None:
    made = {(await booked.put({"bookingId": booked.klass["id"], "status": "ATTENDED"}))["id"]}
    for _ in range(4):
        booking = await booked.book_class()
        made.add((await booked.put({"bookingId": booking["id"], "status": "ATTENDED"}))["id"])
    query = {"filter": {"status": "ATTENDED"}, "cursorPaging": {"limit": 2}}
    first = ok(await booked.query(query))
    assert first["pagingMetadata"]["count"] == 2
    assert first["pagingMetadata"]["hasNext"] is True
    assert "prev" not in first["pagingMetadata"]["cursors"]
    seen = [x["id"] for x in first["attendances"]]
    cursor = first["pagingMetadata"]["cursors"]["next"]
    pages = 1
    while cursor:
        page = ok(await booked.query({"cursorPaging": {"cursor": cursor}}))
        pages += 1
        seen += [x["id"] for x in page["attendances"]]
        cursor = page["pagingMetadata"]["cursors"].get("next")
        assert page["pagingMetadata"]["hasNext"] is bool(cursor)
    assert pages == 3
    assert seen == sorted(made)
    # The cursor carries the filter: sending one with it is a 400; a garbled one too.
    violation(
        await booked.query(
            {
                "filter": {"status": "ATTENDED"},
                "cursorPaging": {"cursor": first["pagingMetadata"]["cursors"]["next"]},
            }
        ),
        "query.filter",
        "FIELD_NOT_ALLOWED",
    )
    violation(
        await booked.query({"cursorPaging": {"cursor": "garbage"}}),
        "query.cursorPaging.cursor",
        "FORMAT",
    )


# ---------------------------------------------------------------- count (members)


async def test_count_counts_the_calling_members_attendance(
    client: httpx.AsyncClient, booked: Booked
) -> None:
    site = booked.site
    member = {"Authorization": await token(client, site, MEMBER_ID)}
    other = {"Authorization": await token(client, site, OTHER_MEMBER_ID)}
    mine = [await booked.book_class(member), await booked.book_class(member)]
    theirs = await booked.book_class(other)
    await booked.put({"bookingId": mine[0]["id"], "status": "ATTENDED"})
    await booked.put({"bookingId": mine[1]["id"], "status": "NOT_ATTENDED"})
    await booked.put({"bookingId": theirs["id"], "status": "ATTENDED"})
    await booked.put({"bookingId": booked.klass["id"], "status": "ATTENDED"})  # the business's

    async def count(headers: dict[str, str], filter_: Any = None) -> httpx.Response:
        body = {} if filter_ is None else {"filter": filter_}
        return await client.post(f"{SINGLE}/count", json=body, headers=headers)

    assert ok(await count(member)) == {"count": 2}
    assert ok(await count(other)) == {"count": 1}
    assert ok(await count(member, {"status": "ATTENDED"})) == {"count": 1}
    assert ok(await count(member, {"status": {"$in": ["ATTENDED", "NOT_ATTENDED"]}})) == {
        "count": 2
    }
    yoga = booked.yoga["id"]
    assert ok(await count(member, {"serviceId": yoga})) == {"count": 2}
    assert ok(await count(member, {"serviceId": [yoga, UNKNOWN_ID]})) == {"count": 2}
    assert ok(await count(member, {"serviceId": [UNKNOWN_ID]})) == {"count": 0}
    assert ok(await count(member, {"serviceId": {"$hasSome": [yoga]}})) == {"count": 2}
    never = {"Authorization": await token(client, site, UNKNOWN_ID)}
    assert ok(await count(never)) == {"count": 0}
    violation(await count(member, {"bookingId": "x"}), "filter.bookingId", "FIELD_NOT_ALLOWED")
    # Any other identity: 403; no credential: 401.
    visitor = {"Authorization": await token(client, site)}
    for headers in (site.admin, site.app, visitor):
        app_error(await count(headers), 403, "PERMISSION_DENIED")
    app_error(await count({}), 401, "UNAUTHENTICATED")


# ---------------------------------------------------------------- roles, aliases, sites


async def test_roles(client: httpx.AsyncClient, booked: Booked) -> None:
    site = booked.site
    found = await booked.put({"bookingId": booked.klass["id"], "status": "ATTENDED"})
    set_body = {"attendance": {"bookingId": booked.klass["id"], "status": "NOT_ATTENDED"}}
    calls: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", f"{SINGLE}/{found['id']}", None),
        ("POST", f"{SINGLE}/set", set_body),
        ("POST", f"{BULK}/set", {"attendanceDetails": [set_body]}),
        ("POST", f"{SINGLE}/query", {"query": {}}),
        ("DELETE", f"{SINGLE}/{found['id']}", None),
        ("POST", f"{BULK}/delete", {"attendanceIds": [found["id"]]}),
    ]
    member = {"Authorization": await token(client, site, MEMBER_ID)}
    visitor = {"Authorization": await token(client, site)}
    for verb, path, body in calls:
        res = await client.request(verb, path, json=body)
        app_error(res, 401, "UNAUTHENTICATED")
        for headers in (member, visitor):
            res = await client.request(verb, path, json=body, headers=headers)
            app_error(res, 403, "PERMISSION_DENIED")
    # APP keys may do everything the business does.
    assert ok(await client.get(f"{SINGLE}/{found['id']}", headers=site.app)) == {
        "attendance": found
    }
    res = await client.post(f"{SINGLE}/set", json=set_body, headers=site.app)
    assert ok(res)["attendance"]["status"] == "NOT_ATTENDED"
    assert ok(await client.delete(f"{SINGLE}/{found['id']}", headers=site.app)) == {}


SINGLE_ALIASES = [
    "/bookings/bookings-attendance",
    "/_api/bookings-attendance",
    "/_api/bookings-attendance/v2/attendance",
    "/bookings/attendance",
    "/bookings/attendance/v2/attendance",
    "/bookings/v2/attendance",
]
BULK_ALIASES = [
    "/bookings/v2/bulk/attendance",
    "/bookings-attendance/v2/bulk/attendance",
    "/_api/bookings-attendance/v2/bulk/attendance",
    "/bookings/attendance/v2/bulk/attendance",
]


@pytest.mark.parametrize("prefix", SINGLE_ALIASES)
async def test_every_alias_serves_the_single_methods(booked: Booked, prefix: str) -> None:
    admin = booked.site.admin
    client = booked.client
    body = {"attendance": {"bookingId": booked.klass["id"], "status": "ATTENDED"}}
    found = ok(await client.post(f"{prefix}/set", json=body, headers=admin))["attendance"]
    assert ok(await client.get(f"{prefix}/{found['id']}", headers=admin)) == {"attendance": found}
    res = await client.post(f"{prefix}/query", json={"query": {}}, headers=admin)
    assert ok(res)["attendances"] == [found]
    app_error(
        await client.post(f"{prefix}/count", json={}, headers=admin), 403, "PERMISSION_DENIED"
    )
    assert ok(await client.delete(f"{prefix}/{found['id']}", headers=admin)) == {}


@pytest.mark.parametrize("prefix", BULK_ALIASES)
async def test_every_alias_serves_the_bulk_methods(booked: Booked, prefix: str) -> None:
    admin = booked.site.admin
    client = booked.client
    item = {"attendance": {"bookingId": booked.klass["id"], "status": "ATTENDED"}}
    body = {"attendanceDetails": [item], "returnFullEntity": True}
    [result] = ok(await client.post(f"{prefix}/set", json=body, headers=admin))["results"]
    found = result["item"]
    res = await client.post(
        f"{prefix}/delete", json={"attendanceIds": [found["id"]]}, headers=admin
    )
    assert ok(res)["bulkActionMetadata"]["totalSuccesses"] == 1
    app_error(await booked.get(found["id"]), 404, "ATTENDANCE_NOT_FOUND")


async def test_sites_cannot_see_each_others_attendance(
    client: httpx.AsyncClient, booked: Booked, other_site: SiteKeys
) -> None:
    found = await booked.put({"bookingId": booked.klass["id"], "status": "ATTENDED"})
    theirs = other_site.admin
    app_error(
        await client.get(f"{SINGLE}/{found['id']}", headers=theirs), 404, "ATTENDANCE_NOT_FOUND"
    )
    res = await client.post(f"{SINGLE}/query", json={"query": {}}, headers=theirs)
    assert ok(res)["attendances"] == []
    body = {"attendance": {"bookingId": booked.klass["id"], "status": "NOT_ATTENDED"}}
    app_error(
        await client.post(f"{SINGLE}/set", json=body, headers=theirs), 404, "BOOKING_NOT_FOUND"
    )
    app_error(
        await client.delete(f"{SINGLE}/{found['id']}", headers=theirs), 404, "ATTENDANCE_NOT_FOUND"
    )
    res = await client.post(f"{BULK}/delete", json={"attendanceIds": [found["id"]]}, headers=theirs)
    assert ok(res)["bulkActionMetadata"]["totalFailures"] == 1
    # Another site's key naming this site: 403.
    spoofed = {"Authorization": other_site.admin_key, "wix-site-id": booked.site.site_id}
    app_error(
        await client.get(f"{SINGLE}/{found['id']}", headers=spoofed), 403, "PERMISSION_DENIED"
    )
    # A member of the other site counts nothing of this one.
    stranger = {"Authorization": await token(client, other_site, MEMBER_ID)}
    res = await client.post(f"{SINGLE}/count", json={}, headers=stranger)
    assert ok(res) == {"count": 0}
    # Untouched.
    assert ok(await booked.get(found["id"])) == {"attendance": found}


# ---------------------------------------------------------------- outbox and the Reader


async def test_changes_are_recorded_in_the_outbox(booked: Booked, services: Services) -> None:
    created = await booked.put({"bookingId": booked.klass["id"], "status": "NOT_SET"})
    updated = await booked.put(
        {"bookingId": booked.klass["id"], "status": "ATTENDED", "numberOfAttendees": 2}
    )
    await booked.put({"bookingId": booked.klass["id"], "status": "ATTENDED"})  # no change
    ok(await booked.client.delete(f"{SINGLE}/{created['id']}", headers=booked.site.admin))
    async with services.db.read(booked.site.site_id) as scope:
        found, _ = await events.list_events(scope, entity_id=created["id"], signer=services.signer)
    assert [(e["entityFqdn"], e["slug"], e["entityEventSequence"]) for e in found] == [
        ("wix.bookings.v2.attendance", "created", "1"),
        ("wix.bookings.v2.attendance", "updated", "2"),
        ("wix.bookings.v2.attendance", "deleted", "3"),
    ]
    assert found[0]["createdEvent"] == {"entity": created}
    assert found[1]["updatedEvent"] == {
        "currentEntity": updated,
        "modifiedFields": {"status": True, "numberOfAttendees": True},
    }
    assert found[2]["deletedEvent"] == {"deletedEntity": updated}
    assert all(e["entityId"] == created["id"] for e in found)


async def test_extended_attendance_for_the_reader(booked: Booked, services: Services) -> None:
    appointment = await booked.put(
        {"bookingId": booked.appointment["id"], "status": "NOT_ATTENDED", "numberOfAttendees": 2}
    )
    course_id = booked.course_booking["id"]
    first, second = (s["id"] for s in booked.course_sessions)
    await booked.put(
        {"bookingId": course_id, "eventId": first, "status": "NOT_ATTENDED", "numberOfAttendees": 3}
    )
    await booked.put({"bookingId": course_id, "eventId": second, "status": "ATTENDED"})
    wanted = [booked.appointment["id"], course_id, booked.klass["id"], UNKNOWN_ID]
    async with services.db.read(booked.site.site_id) as scope:
        found = await attendance_service.extended_attendance(scope, wanted)
    assert found == {
        booked.appointment["id"]: {
            "id": appointment["id"],
            "status": "NOT_ATTENDED",
            "numberOfAttendees": 2,
        },
        course_id: {"status": "ATTENDED", "numberOfAttendees": 3},
    }
    async with services.db.read(booked.site.site_id) as scope:
        assert await attendance_service.extended_attendance(scope, []) == {}


async def test_another_site_is_a_separate_world(
    client: httpx.AsyncClient, booked: Booked, other_site: SiteKeys, services: Services
) -> None:
    """The same booking shapes on two sites: each site's records and summaries are its own."""
    theirs = await book_everything(client, other_site)
    await booked.put({"bookingId": booked.klass["id"], "status": "ATTENDED"})
    await theirs.put({"bookingId": theirs.klass["id"], "status": "NOT_ATTENDED"})
    async with services.db.read(other_site.site_id) as scope:
        found = await attendance_service.extended_attendance(
            scope, [booked.klass["id"], theirs.klass["id"]]
        )
    assert list(found) == [theirs.klass["id"]]
    assert found[theirs.klass["id"]]["status"] == "NOT_ATTENDED"
