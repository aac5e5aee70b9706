"""The customer of a booking on the wire (both engines): contactDetails kept as sent, its
formats refused naming the field, the contact a formSubmission gives, EMPTY_FORM_INFO, and the
Reader's contact filters over all of it."""

from __future__ import annotations

from typing import Any

import httpx

from tests.booking.conftest import (
    BULK,
    Catalog,
    appointment_booking,
    class_booking,
    create,
    created,
    next_monday,
    token,
)
from tests.booking.test_contacts import FULL
from tests.booking.test_multi_service import MSB, pair, salon
from tests.conftest import SiteKeys
from tests.helpers import app_error, ok, violation

QUERY = "/_api/bookings-reader/v2/extended-bookings/query"
CONTACT_ID = "c1c1c1c1-0000-4000-8000-000000000001"
FORM = {
    "first_name": "Ann",
    "last_name": "Lee",
    "email": "ann@example.com",
    "phone": "+1 555 010 0000",
    "address": "12 Main St, New York",
    "allergies": "nuts",
    "newsletter": True,
}
FROM_FORM = {
    "firstName": "Ann",
    "lastName": "Lee",
    "email": "ann@example.com",
    "phone": "+1 555 010 0000",
    "fullAddress": {"formattedAddress": "12 Main St, New York"},
}


async def yoga_class(client: httpx.AsyncClient, site: SiteKeys) -> tuple[Any, Any]:
    cat = Catalog(client, site.admin)
    yoga = await cat.group(capacity=20)
    event = await cat.session(yoga, next_monday(), capacity=20)
    return yoga, event


async def reader_ids(client: httpx.AsyncClient, site: SiteKeys, filter_: Any) -> set[str]:
    body = ok(await client.post(QUERY, json={"query": {"filter": filter_}}, headers=site.admin))
    return {e["booking"]["id"] for e in body["extendedBookings"]}


async def test_contact_details_are_kept_as_sent(client: httpx.AsyncClient, site: SiteKeys) -> None:
    yoga, event = await yoga_class(client, site)
    booking = await created(client, site.admin, class_booking(yoga, event, contactDetails=FULL))
    assert booking["contactDetails"] == FULL
    assert booking["createdBy"]["contactId"] == CONTACT_ID
    # No nulls added nor kept.
    sent = {"firstName": "Bo", "lastName": None, "email": None}
    other = await created(client, site.admin, class_booking(yoga, event, contactDetails=sent))
    assert other["contactDetails"] == {"firstName": "Bo"}
    # The Reader answers the same document and filters on its contact id and e-mail.
    found = ok(await client.post(QUERY, json={"query": {}}, headers=site.admin))
    by_id = {e["booking"]["id"]: e["booking"] for e in found["extendedBookings"]}
    assert by_id[booking["id"]]["contactDetails"] == FULL
    assert await reader_ids(client, site, {"contactDetails.email": FULL["email"]}) == {
        booking["id"]
    }
    assert await reader_ids(client, site, {"contactDetails.contactId": CONTACT_ID}) == {
        booking["id"]
    }


async def test_malformed_contact_details_are_400_naming_the_field(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    yoga, event = await yoga_class(client, site)
    for contact, field in (
        ({"firstName": "A", "email": "ann@"}, "booking.contactDetails.email"),
        ({"firstName": "A", "phone": "call me"}, "booking.contactDetails.phone"),
        ({"contactId": "c-1"}, "booking.contactDetails.contactId"),
        ({"firstName": "A", "countryCode": "USA"}, "booking.contactDetails.countryCode"),
        (
            {"firstName": "A", "fullAddress": {"country": "Italy"}},
            "booking.contactDetails.fullAddress.country",
        ),
    ):
        res = await create(client, site.admin, class_booking(yoga, event, contactDetails=contact))
        violation(res, field, "FORMAT")
    # Bulk Create: the whole call, naming the item.
    bad = {"firstName": "A", "email": "nope"}
    body = {
        "createBookingsInfo": [
            {"booking": class_booking(yoga, event)},
            {"booking": class_booking(yoga, event, contactDetails=bad)},
        ]
    }
    res = await client.post(f"{BULK}/create", json=body, headers=site.admin)
    violation(res, "createBookingsInfo[1].booking.contactDetails.email", "FORMAT")


async def test_the_form_gives_the_contact(client: httpx.AsyncClient, site: SiteKeys) -> None:
    yoga, event = await yoga_class(client, site)
    # Wix: with a form, send only the contact id.
    booking = class_booking(yoga, event, contactDetails={"contactId": CONTACT_ID})
    made = await created(client, site.admin, booking, formSubmission=FORM)
    assert made["contactDetails"] == {"contactId": CONTACT_ID, **FROM_FORM}
    assert made["createdBy"]["contactId"] == CONTACT_ID
    # The other form fields are not on the booking (they belong to the form submission).
    assert "formSubmission" not in made and "allergies" not in str(made)
    found = ok(await client.post(QUERY, json={"query": {}}, headers=site.admin))
    assert "formSubmission" not in found["extendedBookings"][0]["booking"]
    assert await reader_ids(client, site, {"contactDetails.email": "ann@example.com"}) == {
        made["id"]
    }
    # The form wins over contactDetails; what the form does not carry is kept.
    sent = {"firstName": "Sent", "countryCode": "IT"}
    made = await created(
        client,
        site.admin,
        class_booking(yoga, event, contactDetails=sent),
        formSubmission={"first_name": "Form", "email": "f@example.com"},
    )
    assert made["contactDetails"] == {
        "firstName": "Form",
        "countryCode": "IT",
        "email": "f@example.com",
    }
    # Without contactDetails, and through Bulk Create.
    bare = class_booking(yoga, event)
    del bare["contactDetails"]
    made = await created(client, site.app, bare, formSubmission=FORM)
    assert made["contactDetails"] == FROM_FORM
    body = {
        "createBookingsInfo": [{"booking": bare, "formSubmission": FORM}],
        "returnFullEntity": True,
    }
    res = ok(await client.post(f"{BULK}/create", json=body, headers=site.admin))
    assert res["results"][0]["item"]["contactDetails"] == FROM_FORM


async def test_malformed_form_fields_are_400_naming_them(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    yoga, event = await yoga_class(client, site)
    booking = class_booking(yoga, event)
    for form, field in (
        ({"email": "ann@"}, "formSubmission.email"),
        ({"phone": "call me"}, "formSubmission.phone"),
        ({"first_name": 7}, "formSubmission.first_name"),
        ({"address": {"country": "Italy"}}, "formSubmission.address.country"),
    ):
        violation(await create(client, site.admin, booking, formSubmission=form), field, "FORMAT")
    body = {"createBookingsInfo": [{"booking": booking, "formSubmission": {"email": "x"}}]}
    res = await client.post(f"{BULK}/create", json=body, headers=site.admin)
    violation(res, "createBookingsInfo[0].formSubmission.email", "FORMAT")


async def test_empty_form_info(client: httpx.AsyncClient, site: SiteKeys) -> None:
    yoga, event = await yoga_class(client, site)
    bare = class_booking(yoga, event)
    del bare["contactDetails"]
    visitor = {"Authorization": await token(client, site)}
    member = {"Authorization": await token(client, site, "5e0d7f0e-4c1a-4b8e-9a53-1f0d4c6d2a11")}
    # Site visitors and members: a booking names its customer.
    for who in (visitor, member):
        app_error(await create(client, who, bare), 428, "EMPTY_FORM_INFO")
        for contact in ({}, {"countryCode": "US"}, {"firstName": ""}):
            nameless = class_booking(yoga, event, contactDetails=contact)
            app_error(await create(client, who, nameless), 428, "EMPTY_FORM_INFO")
        res = await create(client, who, bare, formSubmission={"allergies": "nuts"})
        app_error(res, 428, "EMPTY_FORM_INFO")
        assert (await created(client, who, bare, formSubmission=FORM))["contactDetails"]
        by_email = class_booking(yoga, event, contactDetails={"email": "v@example.com"})
        assert (await created(client, who, by_email))["contactDetails"]
    # Apps and admins may book without a customer, not with a form that names nobody.
    for who in (site.admin, site.app):
        assert "contactDetails" not in await created(client, who, bare)
        res = await create(client, who, bare, formSubmission={"allergies": "nuts"})
        app_error(res, 428, "EMPTY_FORM_INFO")
    # Bulk Create: one item fails.
    body = {
        "createBookingsInfo": [
            {"booking": bare, "formSubmission": {}},
            {"booking": bare, "formSubmission": FORM},
        ]
    }
    res = ok(await client.post(f"{BULK}/create", json=body, headers=site.admin))
    first, second = res["results"]
    assert first["itemMetadata"]["error"]["code"] == "EMPTY_FORM_INFO"
    assert second["itemMetadata"]["success"] is True


async def test_multi_service_contacts(client: httpx.AsyncClient, site: SiteKeys) -> None:
    s = await salon(client, site)
    bookings = pair(s)
    bookings[1]["contactDetails"] = {"firstName": "A", "email": "nope"}
    res = await client.post(MSB, json={"bookings": bookings}, headers=site.admin)
    violation(res, "bookings[1].contactDetails.email", "FORMAT")
    # The request's form fills every child's contact.
    bookings = pair(s)
    for b in bookings:
        b["contactDetails"] = {"contactId": CONTACT_ID}
    res = await client.post(
        MSB, json={"bookings": bookings, "formSubmission": {"email": "x@"}}, headers=site.admin
    )
    violation(res, "formSubmission.email", "FORMAT")
    body = {"bookings": bookings, "formSubmission": FORM, "returnFullEntity": True}
    package = ok(await client.post(MSB, json=body, headers=site.admin))["multiServiceBooking"]
    for child in package["bookings"]:
        assert child["booking"]["contactDetails"] == {"contactId": CONTACT_ID, **FROM_FORM}
        assert "formSubmission" not in child["booking"]
    # A visitor's child without a customer: EMPTY_FORM_INFO naming the child.
    visitor = {"Authorization": await token(client, site)}
    bookings = pair(s, "14:00")
    del bookings[1]["contactDetails"]
    err = app_error(
        await client.post(MSB, json={"bookings": bookings}, headers=visitor),
        428,
        "EMPTY_FORM_INFO",
    )
    assert err["data"]["index"] == 1


async def test_appointments_keep_their_contact(client: httpx.AsyncClient, site: SiteKeys) -> None:
    cat = Catalog(client, site.admin)
    ana = await cat.staff("Ana")
    massage = await cat.appointment([ana])
    booking = appointment_booking(massage, next_monday(), resource=ana, contactDetails=FULL)
    made = await created(client, site.admin, booking)
    assert made["contactDetails"] == FULL
    got = ok(await client.post(QUERY, json={"query": {}}, headers=site.admin))
    assert got["extendedBookings"][0]["booking"]["contactDetails"] == FULL
