"""Bookings Reader V2 through HTTP: query and count extended bookings — exact wire JSON, every
filter field and operator of the spec (and the rejection of the rest), sort, offset and cursor
paging, the ``with*`` parts, aliases and who sees what (on SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest

from bookings.platform.routing import Services
from tests.booking.conftest import (
    API,
    VARIED,
    Catalog,
    appointment_booking,
    class_booking,
    course_booking,
    created,
    next_monday,
    token,
)
from tests.conftest import SiteKeys, make_site
from tests.helpers import app_error, ok, violation

#: Contact ids (``contactDetails.contactId`` is a GUID).
C1 = "c1c1c1c1-0000-4000-8000-000000000001"
C2 = "c2c2c2c2-0000-4000-8000-000000000002"

READER = "/_api/bookings-reader/v2"
READER_ALT = "/bookings/bookings-reader/v2"
QUERY = f"{READER}/extended-bookings/query"
COUNT = f"{READER}/extended-bookings/count"


async def query(
    client: httpx.AsyncClient, headers: dict[str, str], q: dict[str, Any], **flags: Any
) -> dict[str, Any]:
    return ok(await client.post(QUERY, json={"query": q, **flags}, headers=headers))


async def ids(client: httpx.AsyncClient, headers: dict[str, str], filter_: Any) -> set[str]:
    body = await query(client, headers, {"filter": filter_, "paging": {"limit": 100}})
    return {e["booking"]["id"] for e in body["extendedBookings"]}


async def count(client: httpx.AsyncClient, headers: dict[str, str], filter_: Any) -> int:
    res = ok(await client.post(COUNT, json={"filter": filter_}, headers=headers))
    assert set(res) == {"count"}
    return int(res["count"])


@dataclass
class Booked:
    """Three bookings of one site: an appointment, a class booking, a course booking."""

    appointment: dict[str, Any]
    klass: dict[str, Any]
    course: dict[str, Any]
    event: dict[str, Any]
    services: dict[str, dict[str, Any]]
    staff: str

    @property
    def all(self) -> set[str]:
        return {self.appointment["id"], self.klass["id"], self.course["id"]}


async def book_three(client: httpx.AsyncClient, site: SiteKeys) -> Booked:
    cat = Catalog(client, site.admin)
    ana = await cat.staff("Ana")
    massage = await cat.appointment([ana])
    # Priced by variants: its bookings may name participantsChoices.
    yoga = await cat.group(capacity=10, payment=VARIED)
    pottery = await cat.group("COURSE", capacity=10)
    day = next_monday()
    event = await cat.session(yoga, day, capacity=10, resources=[ana])
    await cat.session(pottery, day, "12:00", "13:00", weekly_until=day + timedelta(days=14))
    appointment = await created(
        client,
        site.admin,
        appointment_booking(
            massage,
            day,
            resource=ana,
            contactDetails={"contactId": C1, "email": "ann@example.com", "firstName": "Ann"},
            selectedPaymentOption="ONLINE",
            externalUserId="ext-1",
        ),
    )
    choices = {
        "serviceChoices": [
            {"numberOfParticipants": 2, "choices": [{"custom": "Adult", "optionId": "opt-a"}]},
            {"numberOfParticipants": 1, "choices": [{"custom": "Child", "optionId": "opt-c"}]},
        ]
    }
    klass = await created(
        client,
        site.admin,
        {
            "bookedEntity": {"slot": {"serviceId": yoga["id"], "eventId": event["id"]}},
            "contactDetails": {"contactId": C2, "email": "bo@example.com"},
            "participantsChoices": choices,
        },
    )
    course = await created(
        client, site.admin, course_booking(pottery, totalParticipants=3, status="CONFIRMED")
    )
    return Booked(
        appointment,
        klass,
        course,
        event,
        {"massage": massage, "yoga": yoga, "pottery": pottery},
        ana,
    )


async def test_query_wire_json_default_sort_and_parts(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    b = await book_three(client, site)
    body = await query(client, site.admin, {})
    # Newest first (createdDate DESC), offset paging with a total.
    assert body == {
        "extendedBookings": [
            {"booking": b.course},
            {"booking": b.klass},
            {"booking": b.appointment},
        ],
        "pagingMetadata": {"count": 3, "offset": 0, "total": 3, "tooManyToCount": False},
    }
    full = await query(
        client,
        site.admin,
        {"filter": {"id": b.appointment["id"]}},
        withBookingAllowedActions=True,
        withBookingAttendanceInfo=True,
        withBookingPolicySettings=True,
        withBookingConferencingDetails=True,
        withEcomOrder=True,
        withBookingFeeDetails=True,
    )
    # The default policy allows neither cancelling nor rescheduling online.
    assert full["extendedBookings"] == [
        {
            "booking": b.appointment,
            "allowedActions": {"cancel": False, "reschedule": False},
            "attendance": {"status": "NOT_SET", "numberOfAttendees": 0},
            "bookingPolicySettings": {"cancellationFeeEnabled": False},
        }
    ]


async def test_allowed_actions_follow_the_snapshot(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    cat = Catalog(client, site.admin)
    policy = await cat.post(
        "/bookings/v1/booking-policies",
        {
            "bookingPolicy": {
                "name": "Flexible",
                "cancellationPolicy": {"enabled": True},
                "reschedulePolicy": {"enabled": True},
                "participantsPolicy": {"maxParticipantsPerBooking": 5},
            }
        },
    )
    policy_id = policy["bookingPolicy"]["id"]
    yoga = await cat.group(capacity=10, bookingPolicy={"id": policy_id})
    course = await cat.group("COURSE", capacity=10, bookingPolicy={"id": policy_id})
    day = next_monday()
    event = await cat.session(yoga, day, capacity=10)
    await cat.session(course, day, "12:00", "13:00")
    klass = await created(client, site.admin, class_booking(yoga, event))
    pottery = await created(client, site.admin, course_booking(course))
    # Later edits of the policy do not change the bookings already made.
    current = policy["bookingPolicy"]
    ok(
        await client.patch(
            f"/bookings/v1/booking-policies/{policy_id}",
            json={
                "bookingPolicy": {
                    "id": policy_id,
                    "revision": current["revision"],
                    "cancellationPolicy": {"enabled": False},
                    "reschedulePolicy": {"enabled": False},
                }
            },
            headers=site.admin,
        )
    )
    body = await query(
        client, site.admin, {"sort": [{"fieldName": "createdDate"}]}, withBookingAllowedActions=True
    )
    assert [e["allowedActions"] for e in body["extendedBookings"]] == [
        {"cancel": True, "reschedule": True},
        {"cancel": True, "reschedule": False},  # a course is never rescheduled
    ]
    assert [e["booking"]["id"] for e in body["extendedBookings"]] == [klass["id"], pottery["id"]]
    # A canceled booking allows nothing.
    ok(
        await client.post(
            f"{API}/{klass['id']}/cancel", json={"revision": klass["revision"]}, headers=site.admin
        )
    )
    body = await query(
        client, site.admin, {"filter": {"id": klass["id"]}}, withBookingAllowedActions=True
    )
    assert body["extendedBookings"][0]["allowedActions"] == {"cancel": False, "reschedule": False}


# ---------------------------------------------------------------- filters


def _cases(b: Booked) -> list[tuple[Any, set[str]]]:
    a, k, c = b.appointment["id"], b.klass["id"], b.course["id"]
    massage, yoga, pottery = (b.services[n] for n in ("massage", "yoga", "pottery"))
    start = b.appointment["startDate"]
    return [
        ({"id": a}, {a}),
        ({"id": {"$ne": a}}, {k, c}),
        ({"id": {"$in": [a, c]}}, {a, c}),
        ({"bookedEntity.item.slot.serviceId": massage["id"]}, {a}),
        ({"bookedEntity.slot.serviceId": {"$in": [massage["id"], yoga["id"]]}}, {a, k}),
        ({"bookedEntity.item.schedule.serviceId": pottery["id"]}, {c}),
        ({"bookedEntity.item.slot.scheduleId": yoga["schedule"]["id"]}, {k}),
        ({"bookedEntity.item.schedule.scheduleId": {"$ne": pottery["schedule"]["id"]}}, {a, k}),
        ({"bookedEntity.item.slot.eventId": b.event["id"]}, {k}),
        ({"bookedEntity.item.slot.sessionId": {"$ne": b.event["id"]}}, {a, c}),
        ({"bookedEntity.item.slot.resource.id": b.staff}, {a, k}),
        ({"bookedEntity.item.slot.location.locationType": "OWNER_CUSTOM"}, {a}),
        ({"bookedEntity.item.schedule.location.locationType": {"$ne": "OWNER_CUSTOM"}}, {k, c}),
        ({"bookedEntity.item.slot.location.id": {"$in": ["nowhere"]}}, set()),
        ({"bookedEntity.tags": {"$hasSome": ["GROUP", "COURSE"]}}, {k, c}),
        ({"bookedEntity.tags": {"$hasAll": ["INDIVIDUAL"]}}, {a}),
        ({"contactDetails.contactId": C1}, {a}),
        ({"contactDetails.email": {"$in": ["bo@example.com", "nobody@example.com"]}}, {k}),
        ({"status": "CONFIRMED"}, {c}),
        ({"status": {"$in": ["CREATED", "PENDING"]}}, {a, k}),
        ({"paymentStatus": {"$ne": "UNDEFINED"}}, set()),
        ({"selectedPaymentOption": "ONLINE"}, {a}),
        ({"startDate": {"$eq": start}}, {a}),
        ({"startDate": {"$gt": start}}, {k, c}),
        ({"endDate": {"$lte": b.appointment["endDate"]}}, {a}),
        ({"endDate": {"$gt": b.klass["endDate"]}}, {c}),  # the course ends with its last session
        ({"createdDate": {"$gte": b.klass["createdDate"]}}, {k, c}),
        ({"updatedDate": {"$lt": b.klass["updatedDate"]}}, {a}),
        ({"createdDate": {"$nin": [b.course["createdDate"]]}}, {a, k}),
        ({"externalUserId": "ext-1"}, {a}),
        ({"createdBy.contactId": C1}, {a}),
        ({"createdBy.id.wixUserId": b.appointment["createdBy"]["wixUserId"]}, {a, k, c}),
        ({"createdBy.id.appId": {"$ne": "app"}}, {a, k, c}),
        ({"createdBy.id.memberId": {"$in": ["m-1"]}}, set()),
        ({"createdBy.id.anonymousVisitorId": "v-1"}, set()),
        ({"doubleBooked": False}, {a, k, c}),
        ({"doubleBooked": {"$ne": False}}, set()),
        ({"participantsInfo.type.totalParticipants.value": {"$gte": 2}}, {c}),
        ({"totalParticipants": {"$in": [1]}}, {a}),
        (
            {
                "participantsInfo.type.participantsChoices.serviceChoices.choices.optionId": {
                    "$hasSome": ["opt-c"]
                }
            },
            {k},
        ),
        (
            {
                "participantsInfo.type.participantsChoices.serviceChoices.choices.choice.custom"
                ".value": {"$hasAll": ["Adult", "Child"]}
            },
            {k},
        ),
        ({"$or": [{"status": "CONFIRMED"}, {"contactDetails.contactId": C1}]}, {a, c}),
        ({"$and": [{"status": "CREATED"}, {"$not": {"id": a}}]}, {k}),
    ]


async def test_every_filter_field_and_operator(client: httpx.AsyncClient, site: SiteKeys) -> None:
    b = await book_three(client, site)
    for filter_, expected in _cases(b):
        assert await ids(client, site.admin, filter_) == expected, filter_
        assert await count(client, site.admin, filter_) == len(expected), filter_


@pytest.mark.parametrize(
    ("filter_", "path"),
    [
        ({"title": "x"}, "query.filter.title"),
        ({"bookedEntity.title": "x"}, "query.filter.bookedEntity.title"),
        ({"status": {"$gt": "CREATED"}}, "query.filter.status.$gt"),
        ({"id": {"$startsWith": "a"}}, "query.filter.id.$startsWith"),
        ({"doubleBooked": {"$in": [True]}}, "query.filter.doubleBooked.$in"),
        ({"bookedEntity.tags": "GROUP"}, "query.filter.bookedEntity.tags"),
        ({"contactDetails.firstName": "Ann"}, "query.filter.contactDetails.firstName"),
    ],
)
async def test_fields_and_operators_outside_the_whitelist_are_refused(
    client: httpx.AsyncClient, site: SiteKeys, filter_: Any, path: str
) -> None:
    res = await client.post(QUERY, json={"query": {"filter": filter_}}, headers=site.admin)
    violation(res, path, "FIELD_NOT_ALLOWED")
    res = await client.post(COUNT, json={"filter": filter_}, headers=site.admin)
    violation(res, path.replace("query.filter", "filter"), "FIELD_NOT_ALLOWED")


async def test_bad_values_and_paging_limits(client: httpx.AsyncClient, site: SiteKeys) -> None:
    bad = [
        ({"filter": {"status": "BOOKED"}}, "query.filter.status", "INVALID_ENUM_VALUE"),
        ({"filter": {"startDate": {"$gt": "tomorrow"}}}, "query.filter.startDate.$gt", "FORMAT"),
        ({"paging": {"limit": 101}}, "query.paging.limit", "MAX"),
        ({"cursorPaging": {"limit": 0}}, "query.cursorPaging.limit", "MIN"),
        ({"sort": [{"fieldName": "bookedEntity.tags"}]}, "query.sort[0].fieldName", None),
        ({"cursorPaging": {"cursor": "garbage"}}, "query.cursorPaging.cursor", "FORMAT"),
    ]
    for q, path, rule in bad:
        res = await client.post(QUERY, json={"query": q}, headers=site.admin)
        assert res.status_code == 400, (q, res.text)
        fields = res.json()["details"]["validationError"]["fieldViolations"]
        assert [f["field"] for f in fields] == [path], q
        if rule:
            assert fields[0]["violatedRule"] == rule, q


async def test_a_repeated_filter_key_counts_once_the_first(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    b = await book_three(client, site)
    raw = (
        '{"query": {"filter": {"status": "CONFIRMED", "status": "CREATED"}, '
        '"paging": {"limit": 100}}}'
    )
    res = await client.post(
        QUERY, content=raw, headers={**site.admin, "Content-Type": "application/json"}
    )
    assert [e["booking"]["id"] for e in ok(res)["extendedBookings"]] == [b.course["id"]]


# ---------------------------------------------------------------- paging


async def test_cursor_paging_neither_loses_nor_repeats(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    cat = Catalog(client, site.admin)
    yoga = await cat.group(capacity=50)
    event = await cat.session(yoga, next_monday(), capacity=50)
    made = [await created(client, site.admin, class_booking(yoga, event)) for _ in range(7)]
    by_start = {
        "sort": [{"fieldName": "createdDate", "order": "ASC"}],
        "cursorPaging": {"limit": 3},
    }
    first = await query(client, site.admin, by_start)
    meta = first["pagingMetadata"]
    assert meta["count"] == 3 and meta["hasNext"] is True and "prev" not in meta["cursors"]
    seen = [e["booking"]["id"] for e in first["extendedBookings"]]
    # Between pages: one seen booking changes, one unseen is canceled, new ones arrive.
    for victim in (made[0], made[4]):
        ok(
            await client.post(
                f"{API}/{victim['id']}/cancel",
                json={"revision": victim["revision"]},
                headers=site.admin,
            )
        )
    late = await created(client, site.admin, class_booking(yoga, event))
    cursor = meta["cursors"]["next"]
    while cursor:
        page = await query(client, site.admin, {"cursorPaging": {"cursor": cursor}})
        seen += [e["booking"]["id"] for e in page["extendedBookings"]]
        cursor = page["pagingMetadata"]["cursors"].get("next")
        assert page["pagingMetadata"]["hasNext"] is bool(cursor)
    assert seen == [m["id"] for m in made] + [late["id"]]
    # A cursor carries its query: no filter or sort beside it.
    again = {"cursorPaging": {"cursor": meta["cursors"]["next"]}, "filter": {"status": "CREATED"}}
    res = await client.post(QUERY, json={"query": again}, headers=site.admin)
    violation(res, "query.filter", "FIELD_NOT_ALLOWED")


async def test_offset_paging_and_sort(client: httpx.AsyncClient, site: SiteKeys) -> None:
    b = await book_three(client, site)
    q = {"sort": [{"fieldName": "startDate", "order": "DESC"}], "paging": {"limit": 2, "offset": 1}}
    body = await query(client, site.admin, q)
    # Starts, one day: class 18:00, course (its first session) 12:00, appointment 10:00.
    assert [e["booking"]["id"] for e in body["extendedBookings"]] == [
        b.course["id"],
        b.appointment["id"],
    ]
    assert body["pagingMetadata"] == {"count": 2, "offset": 1, "total": 3, "tooManyToCount": False}


# ---------------------------------------------------------------- identities and aliases


async def test_who_sees_what(client: httpx.AsyncClient, site: SiteKeys, services: Services) -> None:
    cat = Catalog(client, site.admin)
    yoga = await cat.group(capacity=10)
    event = await cat.session(yoga, next_monday(), capacity=10)
    member = {"Authorization": await token(client, site, "3c0d7c5e-0000-4000-8000-000000000001")}
    other = {"Authorization": await token(client, site, "3c0d7c5e-0000-4000-8000-000000000002")}
    visitor = {"Authorization": await token(client, site)}
    mine = await created(client, member, class_booking(yoga, event))
    visited = await created(client, visitor, class_booking(yoga, event))
    business = await created(client, site.admin, class_booking(yoga, event))
    everyone = {mine["id"], visited["id"], business["id"]}
    assert await ids(client, site.admin, {}) == everyone
    assert await ids(client, site.app, {}) == everyone
    assert await ids(client, member, {}) == {mine["id"]}
    assert await ids(client, other, {}) == set()
    assert await ids(client, visitor, {}) == {visited["id"]}
    assert await ids(client, member, {"id": business["id"]}) == set()
    assert await count(client, member, {}) == 1
    assert await count(client, site.admin, {}) == 3
    # Parts that need the business's permissions.
    for flag in ("withEcomOrder", "withBookingFeeDetails"):
        res = await client.post(QUERY, json={"query": {}, flag: True}, headers=member)
        app_error(res, 403, "PERMISSION_DENIED")
    # Another site sees none of it; no credential is a 401.
    stranger = await make_site(services)
    assert await ids(client, stranger.admin, {}) == set()
    assert await count(client, stranger.admin, {"id": mine["id"]}) == 0
    res = await client.post(QUERY, json={"query": {}}, headers={"wix-site-id": site.site_id})
    app_error(res, 401, "UNAUTHENTICATED")


async def test_aliases_and_the_deprecated_query(client: httpx.AsyncClient, site: SiteKeys) -> None:
    b = await book_three(client, site)
    for prefix in (READER, READER_ALT):
        res = await client.post(
            f"{prefix}/extended-bookings/query", json={"query": {}}, headers=site.admin
        )
        assert len(ok(res)["extendedBookings"]) == 3
        res = await client.post(f"{prefix}/extended-bookings/count", json={}, headers=site.admin)
        assert ok(res) == {"count": 3}
    # The deprecated Query (singular path): sessionId matches the bookings of one session —
    # the class bookings of that event, the course bookings of the course it belongs to.
    course_sessions = ok(
        await client.post(
            "/calendar/v3/events/query",
            json={
                "query": {"filter": {"scheduleId": b.services["pottery"]["schedule"]["id"]}},
                "fromLocalDate": "2000-01-01T00:00:00",
                "toLocalDate": "2100-01-01T00:00:00",
            },
            headers=site.admin,
        )
    )["events"]
    cases = [(b.event["id"], {b.klass["id"]}), (course_sessions[1]["id"], {b.course["id"]})]
    for prefix in (READER, READER_ALT):
        for session_id, expected in cases:
            body = {"query": {"filter": {"id": b.appointment["id"]}}, "sessionId": session_id}
            res = await client.post(
                f"{prefix}/extended-booking/query", json=body, headers=site.admin
            )
            found = {e["booking"]["id"] for e in ok(res)["extendedBookings"]}
            assert found == expected, json.dumps(body)


async def test_attendance_part_shows_what_was_recorded(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    b = await book_three(client, site)
    recorded = ok(
        await client.post(
            "/bookings/bookings-attendance/set",
            json={
                "attendance": {
                    "bookingId": b.klass["id"],
                    "status": "ATTENDED",
                    "numberOfAttendees": 2,
                }
            },
            headers=site.admin,
        )
    )["attendance"]
    body = await query(
        client, site.admin, {"sort": [{"fieldName": "createdDate"}]}, withBookingAttendanceInfo=True
    )
    assert [e["attendance"] for e in body["extendedBookings"]] == [
        {"status": "NOT_SET", "numberOfAttendees": 0},
        {"id": recorded["id"], "status": "ATTENDED", "numberOfAttendees": 2},
        {"status": "NOT_SET", "numberOfAttendees": 0},
    ]
    assert all(set(e) == {"booking", "attendance"} for e in body["extendedBookings"])
