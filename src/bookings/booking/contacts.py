"""The customer of a booking: the ``contactDetails`` wire model, its formats, the contact a
create derives from a booking form (``formSubmission``) and when a create has too little of
it (``EMPTY_FORM_INFO``). Pure: no I/O.

Formats (400 ``FORMAT`` naming the field):

* ``contactId``: a GUID;
* ``email``: ``local@domain.tld`` (no spaces, one ``@``, a dotted domain), at most 320
  characters;
* ``phone``: 4 to 32 characters of digits, spaces, ``-``, ``.``, ``/`` and parentheses, with
  an optional leading ``+``, and at least 4 digits (``+1 (555) 010-0000``);
* ``countryCode``, ``fullAddress.country``: ISO 3166-1 alpha-2, two ASCII letters.

An empty string is "not given" (proto3: the default value), never a format error.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from bookings.platform import errors
from bookings.platform.auth import Role
from bookings.platform.wire import Guid, WireModel, parse, to_wire

EMAIL_MAX_LENGTH = 320
PHONE_MIN_LENGTH = 4
PHONE_MAX_LENGTH = 32
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
_PHONE = re.compile(r"^\+?[0-9 ()./\-]+$")
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")

EMPTY_FORM_INFO = "EMPTY_FORM_INFO"
#: The contact fields that identify a customer: a create needs one of them (see
#: :func:`require_contact`). An address or a country alone does not.
IDENTIFYING = ("contactId", "firstName", "lastName", "email", "phone")


def is_email(value: str) -> bool:
    return len(value) <= EMAIL_MAX_LENGTH and bool(_EMAIL.match(value))


def is_phone(value: str) -> bool:
    if not PHONE_MIN_LENGTH <= len(value) <= PHONE_MAX_LENGTH or not _PHONE.match(value):
        return False
    return sum(ch.isdigit() for ch in value) >= PHONE_MIN_LENGTH


def _email(value: str) -> str:
    if value and not is_email(value):
        raise PydanticCustomError(errors.FORMAT, "must be an e-mail address (name@domain.tld)")
    return value


def _phone(value: str) -> str:
    if value and not is_phone(value):
        raise PydanticCustomError(
            errors.FORMAT,
            "must be a phone number: 4 to 32 digits, spaces, '-', '.', '/' or parentheses, "
            "an optional leading '+', at least 4 digits",
        )
    return value


def _country(value: str) -> str:
    if value and not _COUNTRY.match(value):
        raise PydanticCustomError(errors.FORMAT, "must be an ISO 3166-1 alpha-2 country code")
    return value


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise PydanticCustomError(errors.FORMAT, "must be a finite number")
    return value


Email = Annotated[str, AfterValidator(_email)]
Phone = Annotated[str, AfterValidator(_phone)]
Country = Annotated[str, AfterValidator(_country)]
Latitude = Annotated[float, Field(ge=-90, le=90), AfterValidator(_finite)]
Longitude = Annotated[float, Field(ge=-180, le=180), AfterValidator(_finite)]


class StreetAddress(WireModel):
    number: str | None = None
    name: str | None = None
    apt: str | None = None


class AddressLocation(WireModel):
    latitude: Latitude | None = None
    longitude: Longitude | None = None


class Subdivision(WireModel):
    code: str | None = None
    name: str | None = None


class Address(WireModel):
    """A physical address (oneof ``streetAddress`` | ``addressLine``)."""

    street_address: StreetAddress | None = None
    address_line: str | None = None
    country: Country | None = None
    subdivision: str | None = None
    city: str | None = None
    postal_code: str | None = None
    address_line2: str | None = None
    formatted_address: str | None = None
    hint: str | None = None
    geocode: AddressLocation | None = None
    country_fullname: str | None = None
    subdivisions: list[Subdivision] | None = None


class ContactDetails(WireModel):
    """``booking.contactDetails``; stored and answered as sent (``to_wire``: no nulls)."""

    contact_id: Guid | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: Email | None = None
    phone: Phone | None = None
    full_address: Address | None = None
    #: Deprecated by Wix (the contact's time zone); kept as sent.
    time_zone: str | None = None
    country_code: Country | None = None


# ---------------------------------------------------------------- the booking form

#: The booking form's contact fields (Wix Forms field names, then the names of the Bookings
#: form object) -> the ``contactDetails`` field they fill; the first given name of a field
#: wins (``first_name`` over ``firstName`` over the deprecated ``name``).
FORM_FIELDS: tuple[tuple[str, str], ...] = (
    ("first_name", "firstName"),
    ("firstName", "firstName"),
    ("name", "firstName"),
    ("last_name", "lastName"),
    ("lastName", "lastName"),
    ("email", "email"),
    ("phone", "phone"),
    ("address", "fullAddress"),
)


def _form_value(key: str, target: str, value: Any, at: str) -> Any:
    """One form field as the ``contactDetails`` value it gives; a 400 naming the form field
    when it has the wrong type or format."""
    path = f"{at}.{key}"
    if target == "fullAddress":
        if isinstance(value, str):
            return {"formattedAddress": value}
        if isinstance(value, Mapping):
            return to_wire(parse(Address, dict(value), path))
        raise errors.invalid_field(path, "must be a text or an address object", errors.FORMAT)
    if not isinstance(value, str):
        raise errors.invalid_field(path, "must be a text", errors.FORMAT)
    if target == "email":
        _check(_email, value, path)
    elif target == "phone":
        _check(_phone, value, path)
    return value


def _check(rule: Any, value: str, path: str) -> None:
    try:
        rule(value)
    except PydanticCustomError as exc:
        raise errors.invalid_field(path, exc.message(), errors.FORMAT) from None


def from_form(form: Mapping[str, Any], at: str = "formSubmission") -> dict[str, Any]:
    """The contact fields a booking form gives (:data:`FORM_FIELDS`; empty values are not
    given). Every other field of the form stays in the form submission only."""
    derived: dict[str, Any] = {}
    for key, target in FORM_FIELDS:
        value = form.get(key)
        if value is None or value == "" or target in derived:
            continue
        derived[target] = _form_value(key, target, value, at)
    return derived


def contact_of(
    details: ContactDetails | None,
    form: Mapping[str, Any] | None,
    at: str = "formSubmission",
) -> dict[str, Any] | None:
    """The booking's ``contactDetails`` document: what the client sent, with the fields the
    form gives laid on top (Wix: with ``formSubmission`` the contact comes from the form, and
    ``contactDetails.contactId`` is kept). Fields the form does not carry keep the sent value.
    ``None`` when there is nothing."""
    contact = to_wire(details) if details is not None else {}
    if form:
        contact.update(from_form(form, at))
    return contact or None


def has_contact(contact: Mapping[str, Any] | None) -> bool:
    """Whether a ``contactDetails`` document names a customer (one of :data:`IDENTIFYING`)."""
    if not contact:
        return False
    return any(isinstance(v := contact.get(k), str) and v.strip() for k in IDENTIFYING)


def require_contact(
    contact: Mapping[str, Any] | None, form: Mapping[str, Any] | None, role: Role
) -> None:
    """428 ``EMPTY_FORM_INFO`` when a create has no customer (:func:`has_contact`) and either
    sent a booking form (it carried no contact field) or comes from a site visitor or member
    (who book through the booking form). Apps and admins may book without a customer."""
    if has_contact(contact):
        return
    if form is not None:
        raise errors.failed_precondition(
            EMPTY_FORM_INFO,
            "formSubmission has no contact field (first_name, last_name, email, phone) and "
            "booking.contactDetails has no contactId",
        )
    if role in (Role.VISITOR, Role.MEMBER):
        raise errors.failed_precondition(
            EMPTY_FORM_INFO,
            "A booking needs its customer: booking.contactDetails with a contactId, name, "
            "email or phone, or a formSubmission",
        )
