"""The customer of a booking, pure: contactDetails formats, the contact a booking form gives,
and when a create has too little of it (EMPTY_FORM_INFO)."""

from __future__ import annotations

from typing import Any

import pytest

from bookings.booking import contacts
from bookings.booking.contacts import ContactDetails
from bookings.platform import errors
from bookings.platform.auth import Role
from bookings.platform.wire import parse, to_wire

FULL: dict[str, Any] = {
    "contactId": "c1c1c1c1-0000-4000-8000-000000000001",
    "firstName": "Ann",
    "lastName": "Lee",
    "email": "ann.lee+spa@example.co.uk",
    "phone": "+1 (555) 010-0000",
    "fullAddress": {
        "streetAddress": {"number": "12", "name": "Main St", "apt": "3"},
        "country": "US",
        "subdivision": "US-NY",
        "city": "New York",
        "postalCode": "10001",
        "addressLine2": "Floor 2",
        "formattedAddress": "12 Main St, New York",
        "hint": "Blue door",
        "geocode": {"latitude": 40.75, "longitude": -73.99},
        "countryFullname": "United States",
        "subdivisions": [{"code": "NY", "name": "New York"}],
    },
    "timeZone": "America/New_York",
    "countryCode": "US",
}


def violation_of(exc: pytest.ExceptionInfo[errors.InvalidRequest]) -> tuple[str, str]:
    v = exc.value.violations[0]
    return v.field, v.violated_rule


@pytest.mark.parametrize(
    "value",
    ["a@b.co", "ann.lee+spa@example.co.uk", "x_y@sub.domain.org", ""],
)
def test_emails_accepted(value: str) -> None:
    assert parse(ContactDetails, {"email": value}).email == value


@pytest.mark.parametrize(
    "value",
    ["ann", "ann@", "@example.com", "ann@example", "a b@example.com", "a@@b.com", "a@b..com"],
)
def test_malformed_emails_name_the_field(value: str) -> None:
    with pytest.raises(errors.InvalidRequest) as exc:
        parse(ContactDetails, {"email": value}, "booking.contactDetails")
    assert violation_of(exc) == ("booking.contactDetails.email", errors.FORMAT)


def test_an_email_has_at_most_320_characters() -> None:
    assert contacts.is_email("a" * 64 + "@" + "b" * 251 + ".com")
    assert not contacts.is_email("a" * 64 + "@" + "b" * 252 + ".com")


@pytest.mark.parametrize(
    "value", ["+972 54-123-4567", "(555) 010 0000", "5550", "+1.555.010.0000", "030/1234567", ""]
)
def test_phones_accepted(value: str) -> None:
    assert parse(ContactDetails, {"phone": value}).phone == value


@pytest.mark.parametrize(
    "value",
    ["555", "+12", "call me", "555-CALL-NOW", "1+555", "+" + "1" * 32, "++15550100", "(-) ()"],
)
def test_malformed_phones_name_the_field(value: str) -> None:
    with pytest.raises(errors.InvalidRequest) as exc:
        parse(ContactDetails, {"phone": value}, "booking.contactDetails")
    assert violation_of(exc) == ("booking.contactDetails.phone", errors.FORMAT)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"contactId": "c-1"}, "booking.contactDetails.contactId"),
        ({"countryCode": "USA"}, "booking.contactDetails.countryCode"),
        ({"fullAddress": {"country": "1"}}, "booking.contactDetails.fullAddress.country"),
        (
            {"fullAddress": {"geocode": {"latitude": 91}}},
            "booking.contactDetails.fullAddress.geocode.latitude",
        ),
        (
            {"fullAddress": {"geocode": {"longitude": "NaN"}}},
            "booking.contactDetails.fullAddress.geocode.longitude",
        ),
        (
            {"fullAddress": {"subdivisions": [{"code": 5}]}},
            "booking.contactDetails.fullAddress.subdivisions[0].code",
        ),
        ({"firstName": {"a": 1}}, "booking.contactDetails.firstName"),
    ],
)
def test_other_malformed_fields_name_the_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(errors.InvalidRequest) as exc:
        parse(ContactDetails, data, "booking.contactDetails")
    assert exc.value.violations[0].field == field


def test_the_document_is_what_was_sent() -> None:
    assert to_wire(parse(ContactDetails, FULL)) == FULL
    # Nulls are not added (nor kept); unknown fields are ignored.
    sent = {"firstName": "Ann", "lastName": None, "fullAddress": {"city": "Rome"}, "x": 1}
    assert to_wire(parse(ContactDetails, sent)) == {
        "firstName": "Ann",
        "fullAddress": {"city": "Rome"},
    }


# ---------------------------------------------------------------- the booking form


def test_the_form_fills_the_contact() -> None:
    form = {
        "first_name": "Ann",
        "last_name": "Lee",
        "email": "ann@example.com",
        "phone": "+1 555 010 0000",
        "address": "12 Main St, New York",
        "allergies": "nuts",
        "consent": True,
    }
    assert contacts.from_form(form) == {
        "firstName": "Ann",
        "lastName": "Lee",
        "email": "ann@example.com",
        "phone": "+1 555 010 0000",
        "fullAddress": {"formattedAddress": "12 Main St, New York"},
    }


def test_form_names_and_their_precedence() -> None:
    assert contacts.from_form({"firstName": "A", "lastName": "B"}) == {
        "firstName": "A",
        "lastName": "B",
    }
    assert contacts.from_form({"name": "Old"}) == {"firstName": "Old"}
    assert contacts.from_form({"name": "Old", "firstName": "Mid", "first_name": "New"}) == {
        "firstName": "New"
    }
    # Empty values are not given: the next name of the field is used.
    assert contacts.from_form({"first_name": "", "firstName": None, "name": "Old"}) == {
        "firstName": "Old"
    }
    address = {"addressLine": "1 Via Roma", "city": "Rome", "country": "IT"}
    assert contacts.from_form({"address": address}) == {"fullAddress": address}
    assert contacts.from_form({"comments": "hi"}) == {}


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"email": "nope"}, "formSubmission.email"),
        ({"phone": "call me"}, "formSubmission.phone"),
        ({"first_name": 5}, "formSubmission.first_name"),
        ({"lastName": ["x"]}, "formSubmission.lastName"),
        ({"address": 12}, "formSubmission.address"),
        ({"address": {"country": "Italy"}}, "formSubmission.address.country"),
    ],
)
def test_malformed_form_fields_name_the_form_field(form: dict[str, Any], field: str) -> None:
    with pytest.raises(errors.InvalidRequest) as exc:
        contacts.from_form(form)
    assert violation_of(exc) == (field, errors.FORMAT)


def test_the_form_wins_and_keeps_the_rest() -> None:
    details = parse(
        ContactDetails,
        {"contactId": FULL["contactId"], "firstName": "Sent", "countryCode": "IT"},
    )
    form = {"first_name": "Form", "email": "form@example.com", "notes": "x"}
    assert contacts.contact_of(details, form) == {
        "contactId": FULL["contactId"],
        "firstName": "Form",
        "countryCode": "IT",
        "email": "form@example.com",
    }
    assert contacts.contact_of(details, None) == to_wire(details)
    assert contacts.contact_of(None, None) is None
    assert contacts.contact_of(None, {"notes": "x"}) is None
    assert contacts.contact_of(parse(ContactDetails, {}), {}) is None


# ---------------------------------------------------------------- EMPTY_FORM_INFO


@pytest.mark.parametrize(
    "contact",
    [
        {"contactId": FULL["contactId"]},
        {"firstName": "Ann"},
        {"lastName": "Lee"},
        {"email": "a@b.co"},
        {"phone": "5550100"},
    ],
)
@pytest.mark.parametrize("role", list(Role))
def test_a_contact_names_the_customer(contact: dict[str, Any], role: Role) -> None:
    assert contacts.has_contact(contact)
    contacts.require_contact(contact, None, role)
    contacts.require_contact(contact, {"notes": "x"}, role)


@pytest.mark.parametrize(
    "contact",
    [None, {}, {"firstName": "  "}, {"countryCode": "US"}, {"fullAddress": {"city": "Rome"}}],
)
def test_no_customer(contact: dict[str, Any] | None) -> None:
    assert not contacts.has_contact(contact)
    # Site visitors and members book through the booking form: they need a customer.
    for role in (Role.VISITOR, Role.MEMBER):
        with pytest.raises(errors.ApplicationError) as exc:
            contacts.require_contact(contact, None, role)
        assert (exc.value.code, exc.value.http_status) == ("EMPTY_FORM_INFO", 428)
    # Apps and admins may book without one, unless they send a form that names nobody.
    for role in (Role.ADMIN, Role.APP):
        contacts.require_contact(contact, None, role)
        for form in ({}, {"notes": "x"}):
            with pytest.raises(errors.ApplicationError) as exc:
                contacts.require_contact(contact, form, role)
            assert exc.value.code == "EMPTY_FORM_INFO"
