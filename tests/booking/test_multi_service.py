"""Multi-service bookings: every method on every alias, the package's rules, all-or-nothing
changes, the chain rule of staff, add and remove, and the anonymous token."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from bookings.booking.service import anonymous
from bookings.platform.db import utcnow
from bookings.platform.routing import Services
from tests.booking.conftest import (
    API,
    EVENTS,
    UNKNOWN_ID,
    Catalog,
    appointment_booking,
    class_booking,
    created,
    next_monday,
)
from tests.booking.test_anonymous import policy
from tests.conftest import SiteKeys
from tests.helpers import app_error, ok, violation

MSB = "/_api/bookings-service/v2/multi_service_bookings"
MSB_ALT = "/bookings/multiServiceBookings/v2/multi_service_bookings"
ACTIONS = "/bookings/multiServiceBookings/v2/bulk/multi_service_bookings/get_allowed_actions"
ANON = "/v1/anonymous-multi-service-bookings"


async def salon(client: httpx.AsyncClient, site: SiteKeys, staff: int = 2) -> dict[str, Any]:
    """Staff, a 60-minute haircut with 15 minutes after it and a 30-minute colour."""
    cat = Catalog(client, site.admin)
    ids = [await cat.staff(name) for name in ("Ana", "Ben", "Cy")[:staff]]
    free = {"id": await policy(client, site, cancellable=True)}
    cut = await cat.appointment(ids, name="Haircut", bookingPolicy=free)
    colour = await cat.appointment(
        ids,
        name="Colour",
        schedule={"availabilityConstraints": {"sessionDurations": [30], "timeBetweenSessions": 0}},
        bookingPolicy=free,
    )
    return {"cat": cat, "staff": ids, "cut": cut, "colour": colour, "day": next_monday()}


def pair(s: dict[str, Any], start: str = "10:00", **cut_changes: Any) -> list[dict[str, Any]]:
    """A haircut at ``start`` (one hour) and a colour right after it."""
    hh = int(start[:2])
    mid, end = f"{hh + 1:02d}{start[2:]}", f"{hh + 1:02d}:30"
    return [
        appointment_booking(s["cut"], s["day"], start, mid, **cut_changes),
        appointment_booking(s["colour"], s["day"], mid, end),
    ]


async def make(
    client: httpx.AsyncClient, site: SiteKeys, bookings: list[dict[str, Any]], **extra: Any
) -> dict[str, Any]:
    body = {"bookings": bookings, "returnFullEntity": True, **extra}
    found: dict[str, Any] = ok(await client.post(MSB, json=body, headers=site.admin))
    return dict(found["multiServiceBooking"])


def infos(package: dict[str, Any], revision: str = "1") -> list[dict[str, str]]:
    return [{"bookingId": b["bookingId"], "revision": revision} for b in package["bookings"]]


# ---------------------------------------------------------------- create and get


async def test_create_answers_the_children_in_order(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    s = await salon(client, site)
    package = await make(client, site, pair(s))
    pid = package["id"]
    first, second = (b["booking"] for b in package["bookings"])
    assert [b["bookingId"] for b in package["bookings"]] == [first["id"], second["id"]]
    for child, service, start, end in (
        (first, s["cut"], "10:00", "11:00"),
        (second, s["colour"], "11:00", "11:30"),
    ):
        assert child["status"] == "CREATED"
        assert child["revision"] == "1"
        assert child["multiServiceBookingInfo"] == {"id": pid, "type": "SEQUENTIAL_BOOKINGS"}
        slot = child["bookedEntity"]["slot"]
        assert slot["serviceId"] == service["id"]
        assert slot["startDate"] == f"{s['day'].isoformat()}T{start}:00"
        assert slot["endDate"] == f"{s['day'].isoformat()}T{end}:00"
    # The haircut's 15 minutes after it keep its staff member off the colour.
    assert first["bookedEntity"]["slot"]["resource"]["id"] == s["staff"][0]
    assert second["bookedEntity"]["slot"]["resource"]["id"] == s["staff"][1]
    # Without returnFullEntity only the ids; the alias serves the same method.
    res = await client.post(MSB_ALT, json={"bookings": pair(s, "13:00")}, headers=site.admin)
    bare = ok(res)["multiServiceBooking"]
    assert set(bare) == {"id", "bookings"}
    assert all(set(b) == {"bookingId"} for b in bare["bookings"])
    for base in (MSB, MSB_ALT):
        got = ok(await client.get(f"{base}/{pid}", headers=site.admin))
        assert got["multiServiceBooking"] == package
        assert got["metadata"] == {"totalNumberOfScheduledBookings": 0}
    # Each child is a booking of its own: its events carry the package.
    res = await client.get(EVENTS, params={"entityId": first["id"]}, headers=site.admin)
    event = ok(res)["events"][0]
    assert event["slug"] == "created"
    assert event["createdEvent"]["entity"]["multiServiceBookingInfo"]["id"] == pid


async def test_create_refusals_leave_nothing(client: httpx.AsyncClient, site: SiteKeys) -> None:
    s = await salon(client, site)
    one = pair(s)[:1]
    res = await client.post(MSB, json={"bookings": one}, headers=site.admin)
    violation(res, "bookings", "MIN_SIZE")
    nine = [appointment_booking(s["colour"], s["day"]) for _ in range(9)]
    res = await client.post(MSB, json={"bookings": nine}, headers=site.admin)
    violation(res, "bookings", "MAX_SIZE")
    res = await client.post(MSB, json={}, headers=site.admin)
    violation(res, "bookings", "REQUIRED_FIELD")
    gap = pair(s)
    gap[1] = appointment_booking(s["colour"], s["day"], "11:15", "11:45")
    res = await client.post(MSB, json={"bookings": gap}, headers=site.admin)
    app_error(res, 428, "VALIDATION_FAILURE")
    elsewhere = pair(s)
    elsewhere[1]["bookedEntity"]["slot"]["location"] = {
        "locationType": "OWNER_BUSINESS",
        "id": UNKNOWN_ID,
    }
    res = await client.post(MSB, json={"bookings": elsewhere}, headers=site.admin)
    app_error(res, 428, "VALIDATION_FAILURE")
    yoga = await s["cat"].group()
    session = await s["cat"].session(yoga, s["day"])
    mixed = [pair(s)[0], class_booking(yoga, session)]
    res = await client.post(MSB, json={"bookings": mixed}, headers=site.admin)
    app_error(res, 428, "VALIDATION_FAILURE")
    missing = pair(s)
    del missing[1]["bookedEntity"]["slot"]["startDate"]
    res = await client.post(MSB, json={"bookings": missing}, headers=site.admin)
    violation(res, "bookings[1].bookedEntity.slot.startDate", "REQUIRED_FIELD")
    # The colour's hour is taken by both staff: the haircut is not created either.
    for rid in s["staff"]:
        await created(
            client,
            site.admin,
            appointment_booking(s["colour"], s["day"], "11:00", "11:30", resource=rid),
        )
    res = await client.post(MSB, json={"bookings": pair(s)}, headers=site.admin)
    app_error(res, 428, "SLOT_NOT_AVAILABLE")
    # Nothing of the package holds 10:00: both staff can still take it.
    for rid in s["staff"]:
        alone = await created(
            client,
            site.admin,
            appointment_booking(s["colour"], s["day"], "10:00", "10:30", resource=rid),
        )
    assert "multiServiceBookingInfo" not in alone
    app_error(
        await client.get(f"{MSB}/{UNKNOWN_ID}", headers=site.admin),
        404,
        "MULTI_SERVICE_BOOKING_NOT_FOUND",
    )


async def test_one_staff_member_cannot_take_a_link_inside_the_buffer(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    s = await salon(client, site, staff=1)
    res = await client.post(MSB, json={"bookings": pair(s)}, headers=site.admin)
    app_error(res, 428, "SLOT_NOT_AVAILABLE")
    # Colour first, then the haircut: the colour has no buffer, so one staff member does both.
    day = s["day"]
    order = [
        appointment_booking(s["colour"], day, "10:00", "10:30"),
        appointment_booking(s["cut"], day, "10:30", "11:30"),
    ]
    package = await make(client, site, order)
    staff = {b["booking"]["bookedEntity"]["slot"]["resource"]["id"] for b in package["bookings"]}
    assert staff == {s["staff"][0]}


# ---------------------------------------------------------------- status calls


async def test_confirm_needs_every_child_with_its_revision(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    s = await salon(client, site)
    package = await make(client, site, pair(s))
    pid = package["id"]
    url = f"{MSB}/{pid}/confirm"
    both = infos(package)
    cases: list[tuple[Any, int, str]] = [
        (None, 400, "NOT_ALL_BOOKINGS_WERE_SENT"),
        (both[:1], 400, "NOT_ALL_BOOKINGS_WERE_SENT"),
        ([both[0], both[0], both[1]], 400, "DUPLICATE_BOOKING_INFO"),
        ([both[0], {"bookingId": both[1]["bookingId"]}], 400, "REVISION_MISSING"),
        ([both[0], {"bookingId": UNKNOWN_ID, "revision": "1"}], 404, "BOOKING_NOT_FOUND"),
        ([both[0], {**both[1], "revision": "7"}], 428, "BOOKING_REVISION_MISMATCH"),
    ]
    for items, status, code in cases:
        body = {} if items is None else {"confirmBookingsInfo": items}
        app_error(await client.post(url, json=body, headers=site.admin), status, code)
    got = ok(await client.get(f"{MSB}/{pid}", headers=site.admin))
    assert [b["booking"]["status"] for b in got["multiServiceBooking"]["bookings"]] == [
        "CREATED",
        "CREATED",
    ]
    body = {
        "confirmBookingsInfo": [both[0], {**both[1], "paymentStatus": "PAID"}],
        "returnFullEntity": True,
    }
    done = ok(await client.post(f"{MSB_ALT}/{pid}/confirm", json=body, headers=site.admin))
    children = [b["booking"] for b in done["multiServiceBooking"]["bookings"]]
    assert [(c["status"], c["revision"]) for c in children] == [("CONFIRMED", "2")] * 2
    assert [c["paymentStatus"] for c in children] == ["UNDEFINED", "PAID"]
    got = ok(await client.get(f"{MSB}/{pid}", headers=site.admin))
    assert got["metadata"] == {"totalNumberOfScheduledBookings": 2}
    again = {"confirmBookingsInfo": infos(package, "2")}
    res = await client.post(url, json=again, headers=site.admin)
    app_error(res, 428, "ALL_BOOKINGS_ARE_ALREADY_CONFIRMED")
    res = await client.get(EVENTS, params={"entityId": children[1]["id"]}, headers=site.admin)
    confirmed = ok(res)["events"][-1]
    assert confirmed["slug"] == "confirmed"
    body_ = confirmed["actionEvent"]["body"]
    assert body_["booking"]["multiServiceBookingInfo"]["id"] == pid
    assert body_["previousStatus"] == "CREATED"


async def test_decline_and_mark_as_pending(client: httpx.AsyncClient, site: SiteKeys) -> None:
    s = await salon(client, site)
    package = await make(client, site, pair(s))
    pid = package["id"]
    res = await client.post(
        f"{MSB}/{pid}/mark_as_pending",
        json={"markAsPendingBookingsInfo": infos(package)},
        headers=site.admin,
    )
    app_error(res, 428, "NOT_PENDING_APPROVAL_SERVICE")
    body = {
        "markAsPendingBookingsInfo": infos(package),
        "flowControlSettings": {"skipPendingApprovalServiceValidation": True},
        "returnFullEntity": True,
    }
    done = ok(await client.post(f"{MSB}/{pid}/mark_as_pending", json=body, headers=site.admin))
    assert {b["booking"]["status"] for b in done["multiServiceBooking"]["bookings"]} == {"PENDING"}
    body = {"declineBookingsInfo": infos(package, "2"), "returnFullEntity": True}
    done = ok(await client.post(f"{MSB}/{pid}/decline", json=body, headers=site.admin))
    assert {b["booking"]["status"] for b in done["multiServiceBooking"]["bookings"]} == {"DECLINED"}
    body = {"declineBookingsInfo": infos(package, "3")}
    res = await client.post(f"{MSB}/{pid}/decline", json=body, headers=site.admin)
    app_error(res, 428, "ALL_BOOKINGS_ARE_ALREADY_DECLINED")
    res = await client.post(f"{MSB}/{pid}/cancel", json={}, headers=site.admin)
    app_error(res, 428, "ALL_BOOKINGS_ARE_ALREADY_DECLINED")


async def test_cancel_is_whole_and_children_refuse_their_own(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    s = await salon(client, site)
    package = await make(client, site, pair(s))
    pid = package["id"]
    child = package["bookings"][0]["bookingId"]
    res = await client.post(f"{API}/{child}/cancel", json={"revision": "1"}, headers=site.admin)
    app_error(res, 403, "NOT_ALLOWED_TO_UPDATE_BOOKING_IN_MULTI_SERVICE_BOOKING")
    res = await client.post(
        f"{API}/{child}/reschedule",
        json={"revision": "1", "slot": pair(s, "14:00")[0]["bookedEntity"]["slot"]},
        headers=site.admin,
    )
    app_error(res, 403, "NOT_ALLOWED_TO_UPDATE_BOOKING_IN_MULTI_SERVICE_BOOKING")
    done = ok(
        await client.post(
            f"{MSB_ALT}/{pid}/cancel", json={"returnFullEntity": True}, headers=site.admin
        )
    )
    children = [b["booking"] for b in done["multiServiceBooking"]["bookings"]]
    assert {(c["status"], c["revision"]) for c in children} == {("CANCELED", "2")}
    res = await client.post(f"{MSB}/{pid}/cancel", json={}, headers=site.admin)
    app_error(res, 428, "ALL_BOOKINGS_ARE_ALREADY_CANCELED")
    # The freed time can be booked again.
    await make(client, site, pair(s))
    app_error(
        await client.post(f"{MSB}/{UNKNOWN_ID}/cancel", json={}, headers=site.admin),
        404,
        "MULTI_SERVICE_BOOKING_NOT_FOUND",
    )


async def test_reschedule_moves_every_child(client: httpx.AsyncClient, site: SiteKeys) -> None:
    s = await salon(client, site)
    package = await make(client, site, pair(s))
    pid = package["id"]
    later = pair(s, "14:00")
    items = [
        {**info, "slot": b["bookedEntity"]["slot"]}
        for info, b in zip(infos(package), later, strict=True)
    ]
    url = f"{MSB}/{pid}/reschedule"
    res = await client.post(url, json={"rescheduleBookingsInfo": items[:1]}, headers=site.admin)
    app_error(res, 400, "NOT_ALL_BOOKINGS_WERE_SENT")
    apart = [items[0], {**items[1], "slot": pair(s, "16:00")[1]["bookedEntity"]["slot"]}]
    res = await client.post(url, json={"rescheduleBookingsInfo": apart}, headers=site.admin)
    app_error(res, 428, "VALIDATION_FAILURE")
    body = {"rescheduleBookingsInfo": items, "returnFullEntity": True}
    done = ok(await client.post(url, json=body, headers=site.admin))
    children = [b["booking"] for b in done["multiServiceBooking"]["bookings"]]
    assert [c["bookedEntity"]["slot"]["startDate"][11:16] for c in children] == ["14:00", "15:00"]
    assert {c["revision"] for c in children} == {"2"}
    assert {c["status"] for c in children} == {"CREATED"}
    # The old times are free: a new package takes them.
    await make(client, site, pair(s))
    res = await client.get(EVENTS, params={"entityId": children[0]["id"]}, headers=site.admin)
    moved = ok(res)["events"][-1]
    assert moved["slug"] == "rescheduled"
    assert moved["actionEvent"]["body"]["previousStartDate"].endswith("T10:00:00.000Z")


# ---------------------------------------------------------------- add, remove, read


async def test_add_and_remove_keep_the_rules(client: httpx.AsyncClient, site: SiteKeys) -> None:
    s = await salon(client, site)
    package = await make(client, site, pair(s))
    other = await make(client, site, pair(s, "13:00"))
    pid = package["id"]
    add = f"{MSB}/add_bookings_to_multi_service_booking"
    remove = f"{MSB}/remove_bookings_from_multi_service_booking"
    loose = await created(
        client, site.admin, appointment_booking(s["colour"], s["day"], "11:30", "12:00")
    )
    body: dict[str, Any] = {"multiServiceBookingId": pid, "bookings": [{"bookingId": loose["id"]}]}
    res = await client.post(add, json=body, headers=site.admin)
    app_error(res, 400, "REVISION_MISSING")
    body["bookings"] = [{"bookingId": loose["id"], "revision": "3"}]
    app_error(
        await client.post(add, json=body, headers=site.admin), 428, "BOOKING_REVISION_MISMATCH"
    )
    body["bookings"] = [infos(other)[0]]
    res = await client.post(add, json=body, headers=site.admin)
    app_error(res, 428, "BOOKING_ALREADY_PART_OF_ANOTHER_MULTI_SERVICE_BOOKING")
    body["bookings"] = [infos(package)[0]]
    res = await client.post(add, json=body, headers=site.admin)
    app_error(res, 428, "MULTI_SERVICE_BOOKING_ALREADY_INCLUDES_BOOKING")
    body["bookings"] = [{"bookingId": UNKNOWN_ID, "revision": "1"}]
    app_error(await client.post(add, json=body, headers=site.admin), 404, "BOOKING_NOT_FOUND")
    gone = await created(
        client, site.admin, appointment_booking(s["colour"], s["day"], "16:00", "16:30")
    )
    ok(await client.post(f"{API}/{gone['id']}/cancel", json={"revision": "1"}, headers=site.admin))
    body["bookings"] = [{"bookingId": gone["id"], "revision": "2"}]
    res = await client.post(add, json=body, headers=site.admin)
    app_error(res, 428, "BOOKING_TO_ADD_STATUS_NOT_VALID")
    body["bookings"] = [{"bookingId": loose["id"], "revision": "1"}]
    body["returnFullEntity"] = True
    added = ok(await client.post(add, json=body, headers=site.admin))["bookings"]
    assert added[0]["booking"]["multiServiceBookingInfo"]["id"] == pid
    assert added[0]["booking"]["revision"] == "2"
    got = ok(await client.get(f"{MSB}/{pid}", headers=site.admin))["multiServiceBooking"]
    assert [b["bookingId"] for b in got["bookings"]][-1] == loose["id"]
    # Remove one of three: two stay; remove one more: the package dissolves.
    body = {
        "multiServiceBookingId": pid,
        "bookings": [{"bookingId": loose["id"], "revision": "2"}],
    }
    removed = ok(await client.post(remove, json=body, headers=site.admin))["bookings"]
    assert removed == [{"bookingId": loose["id"]}]
    got = ok(await client.get(f"{MSB}/{pid}", headers=site.admin))["multiServiceBooking"]
    assert len(got["bookings"]) == 2
    first = got["bookings"][0]["booking"]
    body = {
        "multiServiceBookingId": pid,
        "bookings": [{"bookingId": first["id"], "revision": first["revision"]}],
        "returnFullEntity": True,
    }
    removed = ok(await client.post(remove, json=body, headers=site.admin))["bookings"]
    assert "multiServiceBookingInfo" not in removed[0]["booking"]
    app_error(
        await client.get(f"{MSB}/{pid}", headers=site.admin), 404, "MULTI_SERVICE_BOOKING_NOT_FOUND"
    )
    # A dissolved package's last child is standalone: its own cancel works.
    last = got["bookings"][1]["booking"]
    res = await client.post(
        f"{API}/{last['id']}/cancel", json={"revision": "2"}, headers=site.admin
    )
    assert ok(res)["booking"]["status"] == "CANCELED"
    # At most 8 (counted before anything is looked up).
    body = {
        "multiServiceBookingId": other["id"],
        "bookings": [{"bookingId": str(uuid.uuid4()), "revision": "1"} for _ in range(7)],
    }
    violation(await client.post(add, json=body, headers=site.admin), "bookings", "MAX_SIZE")


async def test_availability_and_allowed_actions(client: httpx.AsyncClient, site: SiteKeys) -> None:
    s = await salon(client, site)
    package = await make(client, site, pair(s))
    pid = package["id"]
    res = await client.post(f"{MSB}/{pid}/get_availability", json={}, headers=site.admin)
    assert ok(res) == {
        "bookable": True,
        "totalCapacity": 1,
        "remainingCapacity": 1,
        "policyViolations": {
            "tooEarlyToBook": False,
            "tooLateToBook": False,
            "bookOnlineDisabled": False,
        },
        "policySettings": {"maxParticipantsPerBooking": 5},
        "multiServiceBookingInfo": [{"bookingId": b["bookingId"]} for b in package["bookings"]],
    }
    body = {"multiServiceBookingIds": [pid, UNKNOWN_ID]}
    got = ok(await client.post(ACTIONS, json=body, headers=site.admin))
    assert got["results"][0] == {
        "itemMetadata": {"originalIndex": 0, "success": True, "id": pid},
        "item": {"cancel": True, "reschedule": True},
    }
    failed = got["results"][1]["itemMetadata"]
    assert failed["error"]["code"] == "MULTI_SERVICE_BOOKING_NOT_FOUND"
    assert got["bulkActionMetadata"]["totalFailures"] == 1


# ---------------------------------------------------------------- anonymous


async def test_anonymous_get_and_cancel(
    client: httpx.AsyncClient, site: SiteKeys, other_site: SiteKeys, services: Services
) -> None:
    s = await salon(client, site)
    package = await make(client, site, pair(s))
    pid = package["id"]
    token = ok(await client.get(f"{ANON}/{pid}/token", headers=site.admin))["token"]
    app_error(
        await client.get(f"{ANON}/{UNKNOWN_ID}/token", headers=site.admin),
        404,
        "MULTI_SERVICE_BOOKING_NOT_FOUND",
    )
    got = ok(await client.get(f"{ANON}/{token}"))
    assert got["multiServiceBooking"] == package
    assert got["allowedAnonymousActions"] == {"cancel": True, "reschedule": True}
    # A package's token opens no booking, a booking's token no package.
    child = package["bookings"][0]["bookingId"]
    booking_token = ok(
        await client.get(f"/v1/anonymous-bookings/{child}/token", headers=site.admin)
    )["token"]
    app_error(await client.get(f"{ANON}/{booking_token}"), 401, "INVALID_TOKEN")
    app_error(await client.get(f"/v1/anonymous-bookings/{token}"), 401, "INVALID_TOKEN")
    now = utcnow()
    kind = anonymous.PACKAGE_TOKEN
    bad = [
        token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"),
        token[:40],
        anonymous.issue_token(
            services.signer, site.site_id, pid, now - anonymous.TOKEN_LIFETIME, kind
        ),
        anonymous.issue_token(services.signer, other_site.site_id, pid, now, kind),
        anonymous.issue_token(services.signer, site.site_id, UNKNOWN_ID, now, kind),
    ]
    for wrong in bad:
        app_error(await client.get(f"{ANON}/{wrong}"), 401, "INVALID_TOKEN")
        app_error(await client.post(f"{ANON}/{wrong}/cancel", json={}), 401, "INVALID_TOKEN")
    done = ok(await client.post(f"{ANON}/{token}/cancel", json={}))
    children = [b["booking"] for b in done["multiServiceBooking"]["bookings"]]
    assert {c["status"] for c in children} == {"CANCELED"}
    res = await client.get(EVENTS, params={"entityId": children[0]["id"]}, headers=site.admin)
    canceled = ok(res)["events"][-1]["actionEvent"]["body"]
    assert canceled["initiatedBy"] == {"anonymousVisitorId": anonymous.ANONYMOUS_VISITOR}


async def test_anonymous_cancel_obeys_every_childs_policy(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    s = await salon(client, site)
    strict = await policy(client, site, cancellable=False)
    colour = await s["cat"].appointment(
        s["staff"],
        name="Strict colour",
        schedule={"availabilityConstraints": {"sessionDurations": [30], "timeBetweenSessions": 0}},
        bookingPolicy={"id": strict},
    )
    bookings = pair(s)
    bookings[1] = appointment_booking(colour, s["day"], "11:00", "11:30")
    package = await make(client, site, bookings)
    token = ok(await client.get(f"{ANON}/{package['id']}/token", headers=site.admin))["token"]
    got = ok(await client.get(f"{ANON}/{token}"))
    assert got["allowedAnonymousActions"]["cancel"] is False
    app_error(
        await client.post(f"{ANON}/{token}/cancel", json={}), 428, "BOOKING_CANNOT_BE_CANCELLED"
    )
    got = ok(await client.get(f"{MSB}/{package['id']}", headers=site.admin))
    assert {b["booking"]["status"] for b in got["multiServiceBooking"]["bookings"]} == {"CREATED"}


# ---------------------------------------------------------------- slots and creates agree

SLOTS = "/_api/service-availability/v2/multi-service-time-slots"


async def test_every_listed_chain_can_be_created_and_no_other_grid_start(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    s = await salon(client, site)
    day = s["day"]
    ana, ben = s["staff"]
    # Ana has a colour at 12:00, Ben a haircut at 14:00 (and its 15 minutes after).
    await created(
        client, site.admin, appointment_booking(s["colour"], day, "12:00", "12:30", resource=ana)
    )
    await created(
        client, site.admin, appointment_booking(s["cut"], day, "14:00", "15:00", resource=ben)
    )
    body = {
        "services": [{"serviceId": s["cut"]["id"]}, {"serviceId": s["colour"]["id"]}],
        "fromLocalDate": f"{day}T00:00:00",
        "toLocalDate": f"{day}T23:59:59",
        "location": {"locationType": "CUSTOM"},
        "timeZone": "UTC",
    }
    listed = ok(await client.post(SLOTS, json=body, headers=site.admin))["timeSlots"]
    assert listed
    starts = set()
    for slot in listed:
        starts.add(slot["localStartDate"])
        bookings = []
        for nested, service in zip(slot["nestedTimeSlots"], (s["cut"], s["colour"]), strict=True):
            start, end = nested["localStartDate"][11:16], nested["localEndDate"][11:16]
            bookings.append(appointment_booking(service, day, start, end))
        package = await make(client, site, bookings)
        res = await client.post(f"{MSB}/{package['id']}/cancel", json={}, headers=site.admin)
        ok(res)
    # The first service's grid (60 minutes + 15 after: every 75 minutes from 09:00) outside
    # the listed starts cannot be booked.
    minute, refused = 9 * 60, 0
    while minute + 90 <= 17 * 60:
        start = f"{day}T{minute // 60:02d}:{minute % 60:02d}:00"
        if start not in starts:
            hh, mm = divmod(minute, 60)
            at = f"{hh:02d}:{mm:02d}"
            mid = f"{hh + 1:02d}:{mm:02d}"
            end = f"{hh + 1 + (mm + 30) // 60:02d}:{(mm + 30) % 60:02d}"
            bookings = [
                appointment_booking(s["cut"], day, at, mid),
                appointment_booking(s["colour"], day, mid, end),
            ]
            res = await client.post(MSB, json={"bookings": bookings}, headers=site.admin)
            app_error(res, 428, "SLOT_NOT_AVAILABLE")
            refused += 1
        minute += 75
    assert refused >= 1  # 14:00: Ben is busy, and the haircut's buffer keeps Ana off 15:00


async def test_every_method_answers_on_every_alias(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    """Each path of each multi-service method reaches its method (an unknown package: the
    method's own 404, not an unknown route)."""
    body = {"multiServiceBookingId": UNKNOWN_ID}
    for base in (MSB, MSB_ALT):
        for verb, suffix, payload in (
            ("POST", f"/{UNKNOWN_ID}/reschedule", {"rescheduleBookingsInfo": []}),
            ("POST", f"/{UNKNOWN_ID}/get_availability", {}),
            ("POST", f"/{UNKNOWN_ID}/cancel", {}),
            ("POST", f"/{UNKNOWN_ID}/mark_as_pending", {}),
            ("POST", f"/{UNKNOWN_ID}/confirm", {}),
            ("POST", f"/{UNKNOWN_ID}/decline", {}),
            ("GET", f"/{UNKNOWN_ID}", None),
            (
                "POST",
                "/add_bookings_to_multi_service_booking",
                {**body, "bookings": [{"bookingId": UNKNOWN_ID, "revision": "1"}]},
            ),
            ("POST", "/remove_bookings_from_multi_service_booking", body),
        ):
            res = await client.request(verb, base + suffix, json=payload, headers=site.admin)
            app_error(res, 404, "MULTI_SERVICE_BOOKING_NOT_FOUND")
        res = await client.post(base, json={"bookings": []}, headers=site.admin)
        violation(res, "bookings", "MIN_SIZE")
    for path in (
        ACTIONS,
        "/_api/bookings-service/v2/bulk/multi_service_bookings/get_allowed_actions",
    ):
        got = ok(
            await client.post(
                path, json={"multiServiceBookingIds": [UNKNOWN_ID]}, headers=site.admin
            )
        )
        assert got["bulkActionMetadata"] == {
            "totalSuccesses": 0,
            "totalFailures": 1,
            "undetailedFailures": 0,
        }
    res = await client.get(f"{ANON}/{UNKNOWN_ID}/token", headers=site.admin)
    app_error(res, 404, "MULTI_SERVICE_BOOKING_NOT_FOUND")
    # Only the business reads or confirms packages.
    res = await client.get(f"{MSB}/{UNKNOWN_ID}")
    app_error(res, 401, "UNAUTHENTICATED")
