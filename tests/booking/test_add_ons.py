"""Booked add-ons and participant choices through HTTP (both engines): Create Booking, Bulk
Create, Create Multi Service Booking children; Reschedule Booking and the multi-service
reschedule refuse add-on changes without ``allowAddOnChanges`` and report
``previousBookedAddOns``."""

from __future__ import annotations

from typing import Any

import httpx

from tests.booking.conftest import (
    API,
    BULK,
    EVENTS,
    VARIED,
    Catalog,
    appointment_booking,
    class_booking,
    create,
    created,
    local,
    next_monday,
    token,
)
from tests.booking.test_multi_service import MSB, make, pair, salon
from tests.conftest import SiteKeys
from tests.helpers import app_error, ok, violation

GROUPS = "/_api/bookings/v2/services/add-on-groups"
OIL, STONES, MASK, TEA = (f"c0000000-0000-4000-8000-00000000000{i}" for i in range(1, 5))
ALLOW = {"allowAddOnChanges": True}


async def group(
    client: httpx.AsyncClient, site: SiteKeys, service: dict[str, Any], **fields: Any
) -> dict[str, Any]:
    body = {"serviceId": service["id"], "addOnGroup": {"name": "Extras", **fields}}
    found: dict[str, Any] = ok(await client.post(f"{GROUPS}/create", json=body, headers=site.admin))
    return dict(found["addOnGroup"])


async def events(client: httpx.AsyncClient, site: SiteKeys, booking_id: str) -> list[Any]:
    res = await client.get(EVENTS, params={"entityId": booking_id}, headers=site.admin)
    return list(ok(res)["events"])


async def test_create_checks_booked_add_ons(client: httpx.AsyncClient, site: SiteKeys) -> None:
    cat = Catalog(client, site.admin)
    ana = await cat.staff()
    massage = await cat.appointment([ana])
    extras = await group(client, site, massage, addOnIds=[OIL, STONES], maxNumberOfAddOns=1)
    drinks = await group(client, site, massage, name="Drinks", addOnIds=[TEA])
    day = next_monday()

    def booking(start: str, *add_ons: dict[str, Any]) -> dict[str, Any]:
        end = f"{int(start[:2]) + 1:02d}:00"
        return appointment_booking(massage, day, start, end, bookedAddOns=list(add_ons))

    # The group is filled in when not named; quantities are kept.
    got = await created(
        client, site.admin, booking("09:00", {"id": STONES}, {"id": TEA, "quantity": 2})
    )
    assert got["bookedAddOns"] == [
        {"id": STONES, "groupId": extras["id"]},
        {"id": TEA, "groupId": drinks["id"], "quantity": 2},
    ]
    for add_ons, code in (
        (
            [{"id": OIL, "groupId": "0f0e0d0c-0b0a-4908-8706-050403020100"}],
            "ADD_ON_GROUP_NOT_FOUND",
        ),
        ([{"id": TEA, "groupId": extras["id"]}], "ADD_ON_NOT_FOUND"),
        ([{"id": MASK}], "ADD_ON_NOT_FOUND"),
        ([{"id": OIL}, {"id": STONES}], "VALIDATION_FAILURE"),
    ):
        error = app_error(await create(client, site.admin, booking("10:00", *add_ons)), 428, code)
        assert error["data"]["field"].startswith("booking.bookedAddOns")
    over = app_error(
        await create(client, site.admin, booking("10:00", {"id": OIL}, {"id": STONES})),
        428,
        "VALIDATION_FAILURE",
    )
    assert over["data"]["maxNumberOfAddOns"] == 1
    res = await create(client, site.admin, booking("10:00", {"id": OIL}, {"id": OIL}))
    violation(res, "booking.bookedAddOns[1].id")
    # skipAddOnValidation: the business or an app, not a visitor; then stored as given.
    skip = {"flowControlSettings": {"skipAddOnValidation": True}}
    visitor = {"Authorization": await token(client, site)}
    res = await create(client, visitor, booking("10:00", {"id": MASK}), **skip)
    app_error(res, 403, "UNAUTHORIZED_OPERATION")
    got = await created(client, site.app, booking("11:00", {"id": MASK}), **skip)
    assert got["bookedAddOns"] == [{"id": MASK}]
    # Bulk create: per item.
    body = {
        "createBookingsInfo": [
            {"booking": booking("13:00", {"id": OIL})},
            {"booking": booking("15:00", {"id": MASK})},
        ],
        "returnFullEntity": True,
    }
    results = ok(await client.post(f"{BULK}/create", json=body, headers=site.admin))["results"]
    assert results[0]["item"]["bookedAddOns"] == [{"id": OIL, "groupId": extras["id"]}]
    assert results[1]["itemMetadata"]["error"]["code"] == "ADD_ON_NOT_FOUND"


async def test_create_checks_participant_choices(client: httpx.AsyncClient, site: SiteKeys) -> None:
    cat = Catalog(client, site.admin)
    fixed = await cat.group(capacity=10)
    varied = await cat.group(capacity=10, payment=VARIED)
    day = next_monday()
    fixed_event = await cat.session(fixed, day, capacity=10)
    varied_event = await cat.session(varied, day, capacity=10)
    choices = {
        "serviceChoices": [
            {"numberOfParticipants": 2, "choices": [{"optionId": "age", "custom": "Adult"}]},
            {"numberOfParticipants": 1, "choices": [{"optionId": "age", "custom": "Child"}]},
        ]
    }

    def booking(service: dict[str, Any], event: dict[str, Any], c: Any) -> dict[str, Any]:
        b = class_booking(service, event, participantsChoices=c)
        del b["totalParticipants"]
        return b

    got = await created(client, site.admin, booking(varied, varied_event, choices))
    assert got["participantsChoices"] == choices
    res = await create(client, site.admin, booking(fixed, fixed_event, choices))
    app_error(res, 400, "INVALID_SERVICE_CHOICES")
    for bad in (
        [{"custom": "Adult"}],
        [{"optionId": "age"}],
        [{"optionId": "age", "custom": "Adult", "duration": {"minutes": 30}}],
        [{"optionId": "age", "custom": "Adult"}, {"optionId": "age", "custom": "Child"}],
    ):
        c = {"serviceChoices": [{"numberOfParticipants": 1, "choices": bad}]}
        app_error(
            await create(client, site.admin, booking(varied, varied_event, c)),
            400,
            "INVALID_CHOICES",
        )


async def test_multi_service_children_are_checked(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    s = await salon(client, site)
    extras = await group(client, site, s["cut"], addOnIds=[OIL])
    bookings = pair(s, bookedAddOns=[{"id": MASK}])
    res = await client.post(MSB, json={"bookings": bookings}, headers=site.admin)
    app_error(res, 428, "ADD_ON_NOT_FOUND")
    package = await make(client, site, pair(s, bookedAddOns=[{"id": OIL}]))
    first = package["bookings"][0]["booking"]
    assert first["bookedAddOns"] == [{"id": OIL, "groupId": extras["id"]}]


async def test_reschedule_changes_add_ons_only_when_allowed(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    cat = Catalog(client, site.admin)
    ana = await cat.staff()
    massage = await cat.appointment([ana])
    extras = await group(client, site, massage, addOnIds=[OIL, STONES])
    day = next_monday()
    slot = {
        "serviceId": massage["id"],
        "startDate": local(day, "12:00"),
        "endDate": local(day, "13:00"),
        "timezone": "UTC",
    }
    oil = [{"id": OIL, "groupId": extras["id"]}]
    plain = await created(client, site.admin, appointment_booking(massage, day, bookedAddOns=oil))
    url = f"{API}/{plain['id']}/reschedule"
    # Created without allowAddOnChanges: no change, whatever this call says.
    for flags in ({}, ALLOW):
        body = {
            "slot": slot,
            "revision": "1",
            "bookedAddOns": [{"id": STONES}],
            "flowControlSettings": flags,
        }
        app_error(
            await client.post(url, json=body, headers=site.admin), 428, "ADD_ON_CHANGES_NOT_ALLOWED"
        )
    # The same add-ons (group left out) are no change: the move goes through.
    body = {"slot": slot, "revision": "1", "bookedAddOns": [{"id": OIL}]}
    moved = ok(await client.post(url, json=body, headers=site.admin))["booking"]
    assert moved["bookedAddOns"] == oil and moved["revision"] == "2"
    rescheduled = (await events(client, site, plain["id"]))[-1]["actionEvent"]["body"]
    assert "previousBookedAddOns" not in rescheduled
    # Created with allowAddOnChanges: the call must say it too (and may: ADMIN, APP).
    flexible = await created(
        client,
        site.admin,
        appointment_booking(massage, day, "15:00", "16:00", bookedAddOns=oil),
        flowControlSettings=ALLOW,
    )
    url = f"{API}/{flexible['id']}/reschedule"
    body = {"slot": slot | {"startDate": local(day, "16:00"), "endDate": local(day, "17:00")}}
    body |= {"revision": "1", "bookedAddOns": [{"id": STONES}]}
    app_error(
        await client.post(url, json=body, headers=site.admin), 428, "ADD_ON_CHANGES_NOT_ALLOWED"
    )
    bad = body | {"bookedAddOns": [{"id": MASK}], "flowControlSettings": ALLOW}
    app_error(await client.post(url, json=bad, headers=site.admin), 428, "ADD_ON_NOT_FOUND")
    body["flowControlSettings"] = ALLOW
    moved = ok(await client.post(url, json=body, headers=site.app))["booking"]
    assert moved["bookedAddOns"] == [{"id": STONES, "groupId": extras["id"]}]
    rescheduled = (await events(client, site, flexible["id"]))[-1]["actionEvent"]["body"]
    assert rescheduled["previousBookedAddOns"] == oil
    assert rescheduled["booking"]["bookedAddOns"] == moved["bookedAddOns"]
    # Dropping every add-on is a change too.
    body = body | {"revision": "2", "bookedAddOns": []}
    moved = ok(await client.post(url, json=body, headers=site.admin))["booking"]
    assert "bookedAddOns" not in moved
    rescheduled = (await events(client, site, flexible["id"]))[-1]["actionEvent"]["body"]
    assert rescheduled["previousBookedAddOns"] == [{"id": STONES, "groupId": extras["id"]}]


async def test_multi_service_reschedule_and_add_ons(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    s = await salon(client, site)
    extras = await group(client, site, s["cut"], addOnIds=[OIL, STONES])
    package = await make(
        client, site, pair(s, bookedAddOns=[{"id": OIL}]), flowControlSettings=ALLOW
    )
    pid = package["id"]
    later = pair(s, "14:00")
    items = [
        {"bookingId": b["bookingId"], "revision": "1", "slot": new["bookedEntity"]["slot"]}
        for b, new in zip(package["bookings"], later, strict=True)
    ]
    items[0]["bookedAddOns"] = [{"id": STONES}]
    url = f"{MSB}/{pid}/reschedule"
    body: dict[str, Any] = {"rescheduleBookingsInfo": items, "returnFullEntity": True}
    app_error(
        await client.post(url, json=body, headers=site.admin), 428, "ADD_ON_CHANGES_NOT_ALLOWED"
    )
    body["flowControlSettings"] = ALLOW
    done = ok(await client.post(url, json=body, headers=site.admin))
    first = done["multiServiceBooking"]["bookings"][0]["booking"]
    assert first["bookedAddOns"] == [{"id": STONES, "groupId": extras["id"]}]
    rescheduled = (await events(client, site, first["id"]))[-1]["actionEvent"]["body"]
    assert rescheduled["previousBookedAddOns"] == [{"id": OIL, "groupId": extras["id"]}]
    second = done["multiServiceBooking"]["bookings"][1]["booking"]
    assert (
        "previousBookedAddOns"
        not in (await events(client, site, second["id"]))[-1]["actionEvent"]["body"]
    )
