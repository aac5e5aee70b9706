"""Bookings Writer V2 through HTTP: exact wire JSON, aliases, roles, the life cycle, policies,
capacity and the outbox (on SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx
import pytest

from bookings.platform.routing import Services
from tests.booking.conftest import (
    ALT,
    API,
    BULK,
    CONFIRMATION,
    EVENTS,
    UNKNOWN_ID,
    Catalog,
    appointment_booking,
    class_booking,
    course_booking,
    create,
    created,
    local,
    next_monday,
    set_hold,
    token,
)
from tests.conftest import SiteKeys
from tests.helpers import app_error, ok, violation

STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
BOOKINGS_APP = "13d21c63-b5ec-5912-8397-c3a5ddb27a97"


async def post(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], body: dict[str, Any]
) -> httpx.Response:
    return await client.post(path, json=body, headers=headers)


async def domain_events(
    client: httpx.AsyncClient, site: SiteKeys, booking_id: str
) -> list[dict[str, Any]]:
    res = await client.get(EVENTS, params={"entityId": booking_id}, headers=site.admin)
    found: list[dict[str, Any]] = ok(res)["events"]
    return found


# ---------------------------------------------------------------- create


async def test_create_appointment_wire_json(client: httpx.AsyncClient, site: SiteKeys) -> None:
    cat = Catalog(client, site.admin)
    ana = await cat.staff("Ana")
    svc = await cat.appointment([ana])
    day = next_monday()
    booking = appointment_booking(
        svc,
        day,
        resource=ana,
        paymentStatus="PAID",  # ignored: always UNDEFINED on create
        selectedPaymentOption="ONLINE",
        externalUserId="ext-1",
    )
    got = await created(
        client,
        site.admin,
        booking,
        participantNotification={"notifyParticipants": True, "message": "See you"},
    )
    assert got == {
        "id": got["id"],
        "totalParticipants": 1,
        "bookedEntity": {
            "slot": {
                "serviceId": svc["id"],
                "scheduleId": svc["schedule"]["id"],
                "startDate": local(day, "10:00"),
                "endDate": local(day, "11:00"),
                "timezone": "UTC",
                "resource": {"id": ana, "name": "Ana"},
                "location": {"locationType": "OWNER_CUSTOM"},
            },
            "title": "Massage",
            "tags": ["INDIVIDUAL"],
        },
        "contactDetails": {"firstName": "John", "lastName": "Doe", "email": "john@example.com"},
        "status": "CREATED",
        "paymentStatus": "UNDEFINED",
        "selectedPaymentOption": "ONLINE",
        "externalUserId": "ext-1",
        "createdBy": {"wixUserId": got["createdBy"]["wixUserId"]},
        "formId": "00000000-0000-0000-0000-000000000000",
        "appId": BOOKINGS_APP,
        "createdByAppId": BOOKINGS_APP,
        "participantNotification": {"notifyParticipants": True, "message": "See you"},
        "sendSmsReminder": True,
        "revision": "1",
        "startDate": f"{day.isoformat()}T10:00:00.000Z",
        "endDate": f"{day.isoformat()}T11:00:00.000Z",
        "createdDate": got["createdDate"],
        "updatedDate": got["createdDate"],
    }
    assert STAMP.match(got["createdDate"])
    [event] = await domain_events(client, site, got["id"])
    assert event == {
        "id": event["id"],
        "entityFqdn": "wix.bookings.v2.booking",
        "slug": "created",
        "entityId": got["id"],
        "eventTime": event["eventTime"],
        "triggeredByAnonymizeRequest": False,
        "entityEventSequence": "1",
        "createdEvent": {"entity": got},
    }
    # The staff member is taken (hold of CREATED bookings) — also with the 15-minute buffer.
    again = await create(client, site.admin, appointment_booking(svc, day, "11:10", "12:10"))
    app_error(again, 428, "SLOT_NOT_AVAILABLE")
    later = await created(client, site.admin, appointment_booking(svc, day, "11:15", "12:15"))
    assert later["bookedEntity"]["slot"]["resource"] == {"id": ana, "name": "Ana"}


async def test_appointment_auto_assign_and_skip(client: httpx.AsyncClient, site: SiteKeys) -> None:
    cat = Catalog(client, site.admin)
    ana, bob = await cat.staff("Ana"), await cat.staff("Bob")
    svc = await cat.appointment([ana, bob])
    day = next_monday()
    first = await created(client, site.admin, appointment_booking(svc, day))
    second = await created(client, site.admin, appointment_booking(svc, day))
    assigned = {
        first["bookedEntity"]["slot"]["resource"]["id"],
        second["bookedEntity"]["slot"]["resource"]["id"],
    }
    assert assigned == {ana, bob}
    app_error(
        await create(client, site.admin, appointment_booking(svc, day)), 428, "SLOT_NOT_AVAILABLE"
    )
    # Outside working hours (09:00-17:00) nobody is free.
    app_error(
        await create(client, site.admin, appointment_booking(svc, day, "20:00", "21:00")),
        428,
        "SLOT_NOT_AVAILABLE",
    )
    skip = {"skipAvailabilityValidation": True}
    res = await create(client, site.admin, appointment_booking(svc, day), flowControlSettings=skip)
    app_error(res, 428, "CAN_NOT_SKIP_AVAILABILITY_VALIDATION_IF_RESOURCE_NOT_PROVIDED")
    double = await created(
        client, site.admin, appointment_booking(svc, day, resource=ana), flowControlSettings=skip
    )
    assert double["doubleBooked"] is True
    app_error(
        await create(
            client, site.app, appointment_booking(svc, day, resource=ana), flowControlSettings=skip
        ),
        403,
        "UNAUTHORIZED_OPERATION",
    )
    stranger = await cat.staff("Carl")
    app_error(
        await create(
            client, site.admin, appointment_booking(svc, day, "13:00", "14:00", resource=stranger)
        ),
        428,
        "SLOT_NOT_AVAILABLE",
    )


async def test_create_class_derives_from_the_event(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    cat = Catalog(client, site.admin)
    teacher = await cat.staff("Teacher")
    yoga = await cat.group(capacity=3)
    day = next_monday()
    event = await cat.session(yoga, day, capacity=3, resources=[teacher])
    booking = class_booking(yoga, event, totalParticipants=2)
    booking["bookedEntity"]["slot"].update(startDate="2001-01-01T00:00:00", timezone="Asia/Tokyo")
    got = await created(client, site.admin, booking)
    assert got["bookedEntity"] == {
        "slot": {
            "serviceId": yoga["id"],
            "scheduleId": yoga["schedule"]["id"],
            "eventId": event["id"],
            "startDate": local(day, "18:00"),
            "endDate": local(day, "19:00"),
            "timezone": "UTC",
            "resource": {"id": teacher, "name": "Teacher"},
            "location": {"name": "Studio", "locationType": "OWNER_BUSINESS"},
        },
        "title": "Yoga",
        "tags": ["GROUP"],
    }
    assert (got["startDate"], got["totalParticipants"]) == (f"{day}T18:00:00.000Z", 2)
    res = await create(client, site.admin, class_booking(yoga, event, totalParticipants=2))
    app_error(res, 428, "SESSION_CAPACITY_EXCEEDED")
    # numberOfParticipants is the legacy alias of totalParticipants.
    booking = class_booking(yoga, event)
    booking["numberOfParticipants"] = booking.pop("totalParticipants")
    assert (await created(client, site.admin, booking))["totalParticipants"] == 1
    ev = ok(await client.get(f"/calendar/v3/events/{event['id']}", headers=site.admin))["event"]
    assert ev["remainingCapacity"] == 0
    missing = class_booking(yoga, {"id": UNKNOWN_ID})
    app_error(await create(client, site.admin, missing), 404, "SESSION_NOT_FOUND")


async def test_create_course(client: httpx.AsyncClient, site: SiteKeys) -> None:
    cat = Catalog(client, site.admin)
    course = await cat.group("COURSE", capacity=2)
    day = next_monday()
    await cat.session(course, day, weekly_until=day + timedelta(days=21))
    got = await created(client, site.admin, course_booking(course, totalParticipants=2))
    assert got["bookedEntity"] == {
        "schedule": {
            "scheduleId": course["schedule"]["id"],
            "serviceId": course["id"],
            "timezone": "UTC",
            "firstSessionStart": local(day, "18:00"),
            "lastSessionEnd": local(day + timedelta(days=21), "19:00"),
        },
        "title": "Pottery",
        "tags": ["COURSE"],
    }
    assert got["endDate"] == f"{day + timedelta(days=21)}T19:00:00.000Z"
    app_error(
        await create(client, site.admin, course_booking(course)), 428, "SCHEDULE_CAPACITY_EXCEEDED"
    )
    unknown = {"bookedEntity": {"schedule": {"scheduleId": UNKNOWN_ID}}, "totalParticipants": 1}
    app_error(await create(client, site.admin, unknown), 404, "SCHEDULE_NOT_FOUND")


async def test_create_validation_and_roles(client: httpx.AsyncClient, site: SiteKeys) -> None:
    cat = Catalog(client, site.admin)
    yoga = await cat.group(capacity=10)
    event = await cat.session(yoga, next_monday(), capacity=10)
    violation(
        await create(client, site.admin, {"totalParticipants": 1}),
        "booking.bookedEntity",
        "REQUIRED_FIELD",
    )
    violation(await client.post(API, json={}, headers=site.admin), "booking", "REQUIRED_FIELD")
    both = class_booking(
        yoga, event, participantsChoices={"serviceChoices": [{"numberOfParticipants": 1}]}
    )
    violation(
        await create(client, site.admin, both), "booking.participantsChoices", "ONE_OF_ALIGNMENT"
    )
    neither = class_booking(yoga, event)
    del neither["totalParticipants"]
    violation(
        await create(client, site.admin, neither),
        "booking.totalParticipants",
        "REQUIRED_ONE_OF_FIELD",
    )
    violation(
        await create(client, site.admin, class_booking(yoga, event, totalParticipants=0)),
        "booking.totalParticipants",
        "MIN",
    )
    msb = class_booking(yoga, event, multiServiceBookingInfo={"type": "SEQUENTIAL_BOOKINGS"})
    app_error(
        await create(client, site.admin, msb),
        400,
        "CAN_NOT_CREATE_BOOKING_WITH_MULTI_SERVICE_BOOKING_INFO",
    )
    unpaid = class_booking(yoga, event, selectedPaymentOption="ONLINE")
    app_error(await create(client, site.admin, unpaid), 428, "VALIDATION_FAILURE")
    skipping = {"skipSelectedPaymentOptionValidation": True}
    assert (await created(client, site.app, unpaid, flowControlSettings=skipping))["id"]
    # Visitors book (the hosted booking flow); they may not confirm nor use flags.
    visitor = {"Authorization": await token(client, site)}
    mine = await created(client, visitor, class_booking(yoga, event))
    assert set(mine["createdBy"]) == {"anonymousVisitorId"}
    app_error(
        await create(client, visitor, class_booking(yoga, event, status="CONFIRMED")),
        403,
        "UNAUTHORIZED_OPERATION",
    )
    app_error(
        await create(client, visitor, class_booking(yoga, event), flowControlSettings=skipping),
        403,
        "UNAUTHORIZED_OPERATION",
    )
    confirmed = await created(client, site.admin, class_booking(yoga, event, status="CONFIRMED"))
    assert confirmed["status"] == "CONFIRMED"
    slugs = [e["slug"] for e in await domain_events(client, site, confirmed["id"])]
    assert slugs == ["created", "confirmed"]
    # Policies: online booking off.
    closed = await cat.group(capacity=5, onlineBooking={"enabled": False})
    closed_event = await cat.session(closed, next_monday(), capacity=5)
    err = app_error(
        await create(client, site.admin, class_booking(closed, closed_event)),
        403,
        "BOOKING_POLICY_VIOLATION",
    )
    assert err["data"]["policyViolations"]["bookOnlineDisabled"] is True


async def test_aliases(client: httpx.AsyncClient, site: SiteKeys) -> None:
    cat = Catalog(client, site.admin)
    yoga = await cat.group(capacity=10)
    event = await cat.session(yoga, next_monday(), capacity=10)
    got = ok(
        await client.post(ALT, json={"booking": class_booking(yoga, event)}, headers=site.admin)
    )
    bid = got["booking"]["id"]
    res = await client.post(f"{ALT}/{bid}/confirm", json={"revision": "1"}, headers=site.admin)
    assert ok(res)["booking"]["status"] == "CONFIRMED"
    for path in (
        "/bookings/v2/bulk/bookings/calculate_allowed_actions",
        "/bookings/bookings/v2/bulk/bookings/calculate_allowed_actions",
    ):
        assert ok(await post(client, path, site.admin, {"bookingIds": [bid]}))["results"]
    for path in (
        "/bookings/v2/bulk/bookings/confirmOrDecline",
        "/_api/bookings-confirmator/v2/bulk/bookings/confirmOrDecline",
    ):
        res = await post(client, path, site.admin, {"details": [{"bookingId": bid}]})
        assert ok(res)["bulkActionMetadata"]["totalFailures"] == 1  # CONFIRMED already
    # Roles: confirm is for the business only; domain events for ADMIN only.
    visitor = {"Authorization": await token(client, site)}
    res = await client.post(f"{API}/{bid}/confirm", json={"revision": "2"}, headers=visitor)
    app_error(res, 403, "PERMISSION_DENIED")
    app_error(await client.get(EVENTS, headers=site.app), 403, "PERMISSION_DENIED")
    app_error(await client.post(API, json={}), 401, "UNAUTHENTICATED")


# ---------------------------------------------------------------- life cycle


async def test_confirm_decline_and_revisions(client: httpx.AsyncClient, site: SiteKeys) -> None:
    cat = Catalog(client, site.admin)
    yoga = await cat.group(capacity=10)
    event = await cat.session(yoga, next_monday(), capacity=10)
    b = await created(client, site.admin, class_booking(yoga, event))
    url = f"{API}/{b['id']}"
    violation(await post(client, f"{url}/confirm", site.admin, {}), "revision", "REQUIRED_FIELD")
    stale = await post(client, f"{url}/confirm", site.admin, {"revision": "7"})
    assert app_error(stale, 409, "REVISION_MISMATCH")["data"] == {"currentRevision": "1"}
    app_error(
        await post(client, f"{API}/{UNKNOWN_ID}/confirm", site.admin, {"revision": "1"}),
        404,
        "BOOKING_NOT_FOUND",
    )
    body = {
        "revision": 1,
        "paymentStatus": "PAID",
        "doubleBooked": True,  # ignored without checkAvailabilityValidation
        "participantNotification": {"notifyParticipants": False, "message": "ok"},
    }
    got = ok(await post(client, f"{url}/confirm", site.admin, body))["booking"]
    assert (got["status"], got["paymentStatus"], got["revision"]) == ("CONFIRMED", "PAID", "2")
    assert "doubleBooked" not in got
    assert got["participantNotification"] == {"notifyParticipants": False, "message": "ok"}
    app_error(
        await post(client, f"{url}/confirm", site.admin, {"revision": "2"}),
        428,
        "INVALID_BOOKING_STATUS",
    )
    app_error(
        await post(client, f"{url}/decline", site.admin, {"revision": "2"}),
        428,
        "FAILED_DECLINE_NON_PENDING_BOOKING",
    )
    confirmed = (await domain_events(client, site, b["id"]))[1]
    assert confirmed["slug"] == "confirmed" and confirmed["entityEventSequence"] == "2"
    assert confirmed["actionEvent"]["body"] == {
        "booking": got,
        "participantNotification": {"notifyParticipants": False, "message": "ok"},
        "initiatedBy": got["createdBy"],
        "previousStatus": "CREATED",
        "previousPaymentStatus": "UNDEFINED",
    }
    other = await created(client, site.admin, class_booking(yoga, event))
    body = {"revision": "1", "flowControlSettings": {"withRefund": True}}
    declined = ok(await post(client, f"{API}/{other['id']}/decline", site.admin, body))["booking"]
    assert declined["status"] == "DECLINED"
    ev = (await domain_events(client, site, other["id"]))[-1]
    assert ev["slug"] == "declined"
    assert ev["actionEvent"]["body"]["flowControlSettings"] == {"withRefund": True}
    app_error(
        await post(client, f"{API}/{other['id']}/decline", site.admin, {"revision": "2"}),
        428,
        "INVALID_BOOKING_STATUS",
    )


async def test_mark_as_pending_and_confirm_or_decline(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    cat = Catalog(client, site.admin)
    manual = await cat.group(
        capacity=10, onlineBooking={"enabled": True, "requireManualApproval": True}
    )
    auto = await cat.group(capacity=10)
    day = next_monday()
    e_manual = await cat.session(manual, day, capacity=10)
    e_auto = await cat.session(auto, day, capacity=10)
    b = await created(client, site.admin, class_booking(auto, e_auto))
    app_error(
        await post(
            client, f"{API}/{b['id']}/mark_booking_as_pending", site.admin, {"revision": "1"}
        ),
        428,
        "NOT_PENDING_APPROVAL_SERVICE",
    )
    forced = {
        "revision": "1",
        "flowControlSettings": {"skipPendingApprovalServiceValidation": True},
    }
    res = await post(client, f"{API}/{b['id']}/mark_booking_as_pending", site.admin, forced)
    assert ok(res)["booking"]["status"] == "PENDING"
    forced["revision"] = "2"
    app_error(
        await post(client, f"{API}/{b['id']}/mark_booking_as_pending", site.admin, forced),
        428,
        "BOOKING_MARK_BOOKING_AS_PENDING",
    )
    # Confirm Or Decline: manual approval -> PENDING; else CONFIRMED; never with a revision.
    m = await created(client, site.admin, class_booking(manual, e_manual))
    res = await post(
        client,
        f"{CONFIRMATION}/{m['id']}:confirmOrDecline",
        site.admin,
        {"paymentStatus": "NOT_PAID"},
    )
    got = ok(res)["booking"]
    assert (got["status"], got["paymentStatus"], got["revision"]) == ("PENDING", "NOT_PAID", "2")
    a = await created(client, site.admin, class_booking(auto, e_auto))
    res = await post(client, f"{CONFIRMATION}/{a['id']}:confirmOrDecline", site.admin, {})
    assert ok(res)["booking"]["status"] == "CONFIRMED"
    app_error(
        await post(client, f"{CONFIRMATION}/{a['id']}:confirmOrDecline", site.admin, {}),
        428,
        "INVALID_BOOKING_STATUS",
    )
    app_error(
        await post(client, f"{CONFIRMATION}/{UNKNOWN_ID}:confirmOrDecline", site.admin, {}),
        404,
        "BOOKING_NOT_FOUND",
    )
    dup = {"details": [{"bookingId": a["id"]}, {"bookingId": a["id"]}]}
    app_error(
        await post(client, f"{BULK}/confirmOrDecline", site.admin, dup), 428, "DUPLICATED_BOOKINGS"
    )
    c = await created(client, site.admin, class_booking(auto, e_auto))
    body = {
        "details": [{"bookingId": c["id"], "paymentStatus": "PAID"}, {"bookingId": UNKNOWN_ID}],
        "returnEntity": True,
    }
    answer = ok(await post(client, f"{BULK}/confirmOrDecline", site.admin, body))
    assert answer["bulkActionMetadata"] == {
        "totalSuccesses": 1,
        "totalFailures": 1,
        "undetailedFailures": 0,
    }
    first, second = answer["results"]
    assert first["itemMetadata"] == {"id": c["id"], "originalIndex": 0, "success": True}
    assert first["item"]["status"] == "CONFIRMED" and first["item"]["paymentStatus"] == "PAID"
    assert second["itemMetadata"]["error"]["code"] == "BOOKING_NOT_FOUND"


async def test_hold_zero_conflicts_at_confirm_or_decline(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    await set_hold(services.db, site.site_id, 0)
    cat = Catalog(client, site.admin)
    yoga = await cat.group(capacity=1)
    event = await cat.session(yoga, next_monday(), capacity=1)
    one, two, three = [await created(client, site.admin, class_booking(yoga, event)) for _ in "123"]
    decide = f"{CONFIRMATION}/{{}}:confirmOrDecline"
    assert (
        ok(await post(client, decide.format(one["id"]), site.admin, {}))["booking"]["status"]
        == "CONFIRMED"
    )
    got = ok(await post(client, decide.format(two["id"]), site.admin, {}))["booking"]
    assert got["status"] == "DECLINED" and "doubleBooked" not in got
    paid = ok(await post(client, decide.format(three["id"]), site.admin, {"paymentStatus": "PAID"}))
    assert paid["booking"]["status"] == "CONFIRMED" and paid["booking"]["doubleBooked"] is True
    # A full session refuses new bookings even when CREATED bookings hold nothing.
    app_error(
        await create(client, site.admin, class_booking(yoga, event)),
        428,
        "SESSION_CAPACITY_EXCEEDED",
    )


async def test_cancel_member_and_policy_snapshot(client: httpx.AsyncClient, site: SiteKeys) -> None:
    cat = Catalog(client, site.admin)
    policy = ok(
        await post(
            client,
            "/bookings/v1/booking-policies",
            site.admin,
            {
                "bookingPolicy": {
                    "name": "Strict",
                    "cancellationPolicy": {"enabled": True, "limitLatestCancellation": False},
                }
            },
        )
    )["bookingPolicy"]
    yoga = await cat.group(capacity=10, bookingPolicy={"id": policy["id"]})
    event = await cat.session(yoga, next_monday(), capacity=10)
    member_id = "5e0d7f0e-4c1a-4b8e-9a53-1f0d4c6d2a11"
    member = {"Authorization": await token(client, site, member_id)}
    mine = await created(client, member, class_booking(yoga, event))
    assert mine["createdBy"] == {"memberId": member_id}
    theirs = await created(client, site.admin, class_booking(yoga, event))
    app_error(
        await post(client, f"{API}/{theirs['id']}/cancel", member, {"revision": "1"}),
        404,
        "BOOKING_NOT_FOUND",
    )
    # Later policy edits do not change old bookings: they keep their snapshot.
    changed = {
        "bookingPolicy": {"revision": policy["revision"], "cancellationPolicy": {"enabled": False}}
    }
    res = await client.patch(
        f"/bookings/v1/booking-policies/{policy['id']}", json=changed, headers=site.admin
    )
    ok(res)
    late = await created(client, member, class_booking(yoga, event))
    app_error(
        await post(client, f"{API}/{late['id']}/cancel", member, {"revision": "1"}),
        403,
        "BOOKING_POLICY_VIOLATION",
    )
    app_error(
        await post(
            client,
            f"{API}/{late['id']}/cancel",
            member,
            {"revision": "1", "flowControlSettings": {"ignoreCancellationPolicy": True}},
        ),
        403,
        "UNAUTHORIZED_OPERATION",
    )
    allowed = ok(
        await post(
            client,
            f"{BULK}/calculate_allowed_actions",
            site.admin,
            {"bookingIds": [mine["id"], late["id"], UNKNOWN_ID]},
        )
    )
    assert [r.get("item") for r in allowed["results"]] == [
        {"cancel": True, "reschedule": False},
        {"cancel": False, "reschedule": False},
        None,
    ]
    assert allowed["results"][2]["itemMetadata"]["error"]["code"] == "BOOKING_NOT_FOUND"
    res = await post(
        client,
        f"{API}/{mine['id']}/cancel",
        member,
        {"revision": "1", "participantNotification": {"notifyParticipants": True}},
    )
    got = ok(res)["booking"]
    assert got["status"] == "CANCELED" and STAMP.match(got["canceledDate"])
    ev = (await domain_events(client, site, mine["id"]))[-1]
    assert ev["actionEvent"]["body"] == {
        "booking": got,
        "participantNotification": {"notifyParticipants": True},
        "previousStatus": "CREATED",
        "initiatedBy": {"memberId": member_id},
    }
    # The business is not bound by the customer's policy.
    res = await post(client, f"{API}/{late['id']}/cancel", site.admin, {"revision": "1"})
    assert ok(res)["booking"]["status"] == "CANCELED"
    app_error(
        await post(client, f"{API}/{late['id']}/cancel", site.admin, {"revision": "2"}),
        428,
        "INVALID_BOOKING_STATUS",
    )


async def test_bulk_create_and_bulk_cancel(client: httpx.AsyncClient, site: SiteKeys) -> None:
    cat = Catalog(client, site.admin)
    yoga = await cat.group(capacity=1)
    event = await cat.session(yoga, next_monday(), capacity=1)
    bad = {
        "createBookingsInfo": [
            {"booking": class_booking(yoga, event)},
            {"booking": {"totalParticipants": 1}},
        ]
    }
    violation(
        await post(client, f"{BULK}/create", site.admin, bad),
        "createBookingsInfo[1].booking.bookedEntity",
        "REQUIRED_FIELD",
    )
    body = {
        "createBookingsInfo": [
            {"booking": class_booking(yoga, event)},
            {"booking": class_booking(yoga, event)},
        ],
        "returnFullEntity": True,
    }
    res = ok(await post(client, f"{BULK}/create", site.admin, body))
    assert res["bulkActionMetadata"]["totalSuccesses"] == 1
    first, second = res["results"]
    assert first["item"]["status"] == "CREATED"
    assert second["itemMetadata"]["error"]["code"] == "SESSION_CAPACITY_EXCEEDED"
    bid = first["item"]["id"]
    app_error(
        await post(client, f"{BULK}/cancel", site.admin, {}), 400, "MISSING_CANCELLATION_INFO"
    )
    dup = {"bookings": {"bookingsInfo": [{"bookingId": bid, "revision": "1"}] * 2}}
    app_error(await post(client, f"{BULK}/cancel", site.admin, dup), 400, "DUPLICATE_BOOKING_IDS")
    body = {
        "bookings": {
            "bookingsInfo": [{"bookingId": bid}, {"bookingId": UNKNOWN_ID, "revision": "1"}]
        }
    }
    res = ok(await post(client, f"{BULK}/cancel", site.admin, body))
    assert [r["itemMetadata"]["success"] for r in res["results"]] == [False, False]
    assert res["results"][1]["itemMetadata"]["error"]["code"] == "BOOKING_NOT_FOUND"
    body = {
        "bookings": {"bookingsInfo": [{"bookingId": bid, "revision": "1"}]},
        "returnFullEntity": True,
    }
    res = ok(await post(client, "/bookings/bookings/v2/bulk/bookings/cancel", site.admin, body))
    assert res["results"][0]["item"]["status"] == "CANCELED"
    # The seat is free again.
    assert (await created(client, site.admin, class_booking(yoga, event)))["status"] == "CREATED"


async def test_participants_extended_fields_submission(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    cat = Catalog(client, site.admin)
    yoga = await cat.group(capacity=3)
    event = await cat.session(yoga, next_monday(), capacity=3)
    b = await created(client, site.admin, class_booking(yoga, event))
    await created(client, site.admin, class_booking(yoga, event))
    url = f"{API}/{b['id']}"
    violation(
        await post(
            client, f"{url}/update_number_of_participants", site.admin, {"totalParticipants": 2}
        ),
        "revision",
        "REQUIRED_FIELD",
    )
    app_error(
        await post(
            client,
            f"{url}/update_number_of_participants",
            site.admin,
            {"revision": "1", "totalParticipants": 3},
        ),
        428,
        "SESSION_CAPACITY_EXCEEDED",
    )
    res = await post(
        client,
        f"{url}/update_number_of_participants",
        site.admin,
        {"revision": "1", "totalParticipants": 2},
    )
    got = ok(res)["booking"]
    assert (got["totalParticipants"], got["revision"]) == (2, "2")
    ev = (await domain_events(client, site, b["id"]))[-1]
    assert ev["slug"] == "number_of_participants_updated"
    assert ev["actionEvent"]["body"]["previousTotalParticipants"] == 1
    res = await post(
        client,
        f"{url}/update_extended_fields",
        site.admin,
        {"namespace": "@acme/app", "namespaceData": {"color": "red"}},
    )
    assert ok(res) == {"namespace": "@acme/app", "namespaceData": {"color": "red"}}
    violation(
        await post(client, f"{url}/update_extended_fields", site.admin, {"namespace": "x"}),
        "namespaceData",
        "REQUIRED_FIELD",
    )
    submission = "7b1c2e3f-0000-4000-8000-000000000001"
    res = await post(
        client, f"{url}/set-booking-submission-id", site.admin, {"submissionId": submission}
    )
    got = ok(res)["booking"]
    assert got["formSubmissionId"] == submission and got["revision"] == "4"
    assert got["extendedFields"] == {"namespaces": {"@acme/app": {"color": "red"}}}
    app_error(
        await post(
            client,
            f"{API}/{UNKNOWN_ID}/set-booking-submission-id",
            site.admin,
            {"submissionId": submission},
        ),
        404,
        "BOOKING_NOT_FOUND",
    )
    slugs = [e["slug"] for e in await domain_events(client, site, b["id"])]
    assert slugs == ["created", "number_of_participants_updated", "updated", "updated"]
    ana = await cat.staff()
    massage = await cat.appointment([ana])
    appt = await created(client, site.admin, appointment_booking(massage, next_monday()))
    app_error(
        await post(
            client,
            f"{API}/{appt['id']}/update_number_of_participants",
            site.admin,
            {"revision": "1", "totalParticipants": 2},
        ),
        428,
        "VALIDATION_FAILURE",
    )


async def test_reschedule(client: httpx.AsyncClient, site: SiteKeys) -> None:
    cat = Catalog(client, site.admin)
    ana = await cat.staff("Ana")
    massage = await cat.appointment([ana])
    day = next_monday()
    a = await created(client, site.admin, appointment_booking(massage, day, resource=ana))
    blocker = await created(client, site.admin, appointment_booking(massage, day, "14:00", "15:00"))
    url = f"{API}/{a['id']}/reschedule"
    slot = {
        "serviceId": massage["id"],
        "startDate": local(day, "10:30"),
        "endDate": local(day, "11:30"),
        "timezone": "UTC",
    }
    violation(await post(client, url, site.admin, {"slot": slot}), "revision", "REQUIRED_FIELD")
    # Overlapping its own old time is fine (the booking does not block itself).
    got = ok(await post(client, url, site.admin, {"slot": slot, "revision": "1"}))["booking"]
    assert got["startDate"] == f"{day}T10:30:00.000Z" and got["revision"] == "2"
    assert got["bookedEntity"]["slot"]["resource"]["id"] == ana
    taken = {**slot, "startDate": local(day, "14:30"), "endDate": local(day, "15:30")}
    app_error(
        await post(client, url, site.admin, {"slot": taken, "revision": "2"}),
        428,
        "SLOT_NOT_AVAILABLE",
    )
    ev = (await domain_events(client, site, a["id"]))[-1]
    assert ev["slug"] == "rescheduled"
    body = ev["actionEvent"]["body"]
    assert body["previousStartDate"] == f"{day}T10:00:00.000Z"
    assert body["previousBookedEntity"]["slot"]["startDate"] == local(day, "10:00")
    assert body["previousTotalParticipants"] == 1 and blocker["id"]
    # Class: to another session of the same class, with capacity.
    yoga = await cat.group(capacity=1)
    e1 = await cat.session(yoga, day, capacity=1)
    e2 = await cat.session(yoga, day + timedelta(days=1), capacity=1)
    c = await created(client, site.admin, class_booking(yoga, e1))
    res = await post(
        client,
        f"{API}/{c['id']}/reschedule",
        site.admin,
        {"slot": {"eventId": e2["id"]}, "revision": "1"},
    )
    assert ok(res)["booking"]["bookedEntity"]["slot"]["eventId"] == e2["id"]
    left = ok(await client.get(f"/calendar/v3/events/{e1['id']}", headers=site.admin))["event"]
    assert left["remainingCapacity"] == 1
    d = await created(client, site.admin, class_booking(yoga, e1))
    app_error(
        await post(
            client,
            f"{API}/{d['id']}/reschedule",
            site.admin,
            {"slot": {"eventId": e2["id"]}, "revision": "1"},
        ),
        428,
        "SESSION_CAPACITY_EXCEEDED",
    )
    course = await cat.group("COURSE", capacity=3)
    await cat.session(course, day)
    k = await created(client, site.admin, course_booking(course))
    app_error(
        await post(
            client,
            f"{API}/{k['id']}/reschedule",
            site.admin,
            {"slot": {"eventId": e2["id"]}, "revision": "1"},
        ),
        428,
        "VALIDATION_FAILURE",
    )


@pytest.mark.parametrize(
    "method",
    [
        "confirm",
        "decline",
        "cancel",
        "mark_booking_as_pending",
        "update_number_of_participants",
        "reschedule",
    ],
)
async def test_revision_required_everywhere(
    client: httpx.AsyncClient, site: SiteKeys, method: str
) -> None:
    res = await post(
        client,
        f"{API}/{UNKNOWN_ID}/{method}",
        site.admin,
        {"totalParticipants": 1, "slot": {"eventId": UNKNOWN_ID}},
    )
    violation(res, "revision", "REQUIRED_FIELD")


async def test_confirming_a_booking_that_no_longer_fits(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    """With a hold of 0, two CREATED bookings of a one-place session both exist; once one is
    confirmed, the other no longer fits: an APP (or an ADMIN asking for the availability
    check) gets NO_OPEN_SPOTS and nothing changes; a plain ADMIN confirm is the business's
    override and marks the booking doubleBooked."""
    await set_hold(services.db, site.site_id, 0)
    cat = Catalog(client, site.admin)
    yoga = await cat.group(capacity=1)
    event = await cat.session(yoga, next_monday(), capacity=1)
    first, second = [await created(client, site.admin, class_booking(yoga, event)) for _ in "12"]
    ok(await post(client, f"{API}/{first['id']}/confirm", site.admin, {"revision": "1"}))
    confirm = f"{API}/{second['id']}/confirm"
    error = app_error(
        await post(client, confirm, site.app, {"revision": "1"}), 428, "NO_OPEN_SPOTS"
    )
    assert error["data"] == {"bookingId": second["id"]}
    checked = {"revision": "1", "flowControlSettings": {"checkAvailabilityValidation": True}}
    app_error(await post(client, confirm, site.admin, checked), 428, "NO_OPEN_SPOTS")
    # Refused calls changed nothing: still revision 1, still CREATED.
    forced = ok(await post(client, confirm, site.admin, {"revision": "1"}))["booking"]
    assert (forced["status"], forced["revision"], forced["doubleBooked"]) == (
        "CONFIRMED",
        "2",
        True,
    )


async def test_domain_event_feed_pages_with_signed_cursors(
    client: httpx.AsyncClient, site: SiteKeys, other_site: SiteKeys
) -> None:
    cat = Catalog(client, site.admin)
    ana = await cat.staff("Ana")
    svc = await cat.appointment([ana])
    day = next_monday()
    for start, end in (("09:00", "10:00"), ("11:00", "12:00"), ("13:00", "14:00")):
        booking = appointment_booking(svc, day, start=start, end=end, resource=ana)
        await created(client, site.admin, booking)
    everything = ok(await client.get(EVENTS, headers=site.admin))["events"]
    assert len(everything) >= 3
    seen: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 1}
    while True:
        page = ok(await client.get(EVENTS, params=params, headers=site.admin))
        seen += page["events"]
        if "nextCursor" not in page:
            break
        params = {"limit": 1, "cursor": page["nextCursor"]}
    assert [e["id"] for e in seen] == [e["id"] for e in everything]  # each once, in order
    first = ok(await client.get(EVENTS, params={"limit": 1}, headers=site.admin))
    cursor = first["nextCursor"]
    # a cursor is tamper-proof and good only on the site it was issued for
    for bad in (cursor[:-3] + "abc", "2026-01-01T00:00:00.000Z|x", ""):
        res = await client.get(EVENTS, params={"cursor": bad}, headers=site.admin)
        if bad:
            violation(res, "cursor", "FORMAT")
    res = await client.get(EVENTS, params={"cursor": cursor}, headers=other_site.admin)
    violation(res, "cursor", "FORMAT")
