"""The wire documents of a booking, built without I/O: the Booking of a stored row, its
slot's location and local times, the parts of its document a create writes, the bodies of
its domain events."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bookings.booking.schemas import (
    ParticipantNotification,
)
from bookings.catalog.services.service import ServiceView
from bookings.platform import errors, zoned
from bookings.platform.auth import Identity
from bookings.platform.timezones import zone
from bookings.platform.wire import (
    WireModel,
    format_local_datetime,
    format_timestamp,
    to_wire,
)

ENTITY_FQDN = "wix.bookings.v2.booking"
#: Stored in the document, never shown on the wire (``formSubmission``: the booking form as
#: sent on create, kept for the form submission; Wix keeps it off the booking too).
HIDDEN = ("flowControlSettings", "autoAssigned", "formSubmission")


def copy_json(value: Any) -> Any:
    """A copy of a JSON tree (what ``copy.deepcopy`` does to it, a few times faster: a page
    of the Reader copies a hundred documents)."""
    if isinstance(value, dict):
        return {k: copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_json(v) for v in value]
    return value


def booking_wire(row: sa.Row[Any] | Mapping[str, Any]) -> dict[str, Any]:
    """The wire Booking of a row, or of the values of a row as they were inserted."""
    r: Mapping[Any, Any] = row._mapping if isinstance(row, sa.Row) else row
    doc = {k: copy_json(v) for k, v in (r["doc"] or {}).items() if k not in HIDDEN}
    out: dict[str, Any] = {"id": r["id"], **doc}
    out["status"] = r["status"]
    out["paymentStatus"] = r["payment_status"]
    out["revision"] = str(r["revision"])
    out["createdDate"] = format_timestamp(r["created_date"])
    out["updatedDate"] = format_timestamp(r["updated_date"])
    if r["start_utc"] is not None:
        out["startDate"] = format_timestamp(r["start_utc"])
    if r["end_utc"] is not None:
        out["endDate"] = format_timestamp(r["end_utc"])
    if r["double_booked"]:
        out["doubleBooked"] = True
    return out


def package_of(doc: Mapping[str, Any]) -> str | None:
    """The multi-service booking a booking document belongs to (``multiServiceBookingInfo``)."""
    value = (doc.get("multiServiceBookingInfo") or {}).get("id")
    return str(value) if value else None


def service_location(service: ServiceView) -> dict[str, Any] | None:
    locations = service.locations
    if not locations:
        return None
    loc = locations[0]
    kind = loc.get("type")
    if kind == "BUSINESS":
        business = loc.get("business") or {}
        out: dict[str, Any] = {"locationType": "OWNER_BUSINESS"}
        if business.get("id"):
            out["id"] = business["id"]
        if business.get("name"):
            out["name"] = business["name"]
        return out
    if kind == "CUSTOM":
        address = (loc.get("custom") or {}).get("address") or {}
        out = {"locationType": "OWNER_CUSTOM"}
        text = address.get("formattedAddress") or address.get("addressLine")
        if text:
            out["formattedAddress"] = text
        return out
    if kind == "CUSTOMER":
        return {"locationType": "CUSTOM"}
    return None


def checked_zone(name: str | None, fallback: str, field_path: str) -> str:
    chosen = name or fallback
    try:
        zone(chosen)
    except KeyError:
        raise errors.ApplicationError(
            "INVALID_TIME_ZONE",
            f"{chosen!r} is not a known time zone",
            http_status=400,
            data={"field": field_path},
        ) from None
    return chosen


def local_text(instant: datetime, tz: str) -> str:
    return format_local_datetime(zoned.to_local(instant, zone(tz)))


def flags_doc(model: WireModel | None) -> dict[str, Any]:
    return to_wire(model) if model is not None else {}


def notification_doc(model: ParticipantNotification | None) -> dict[str, Any] | None:
    return to_wire(model) if model is not None else None


def prefixed(exc: errors.InvalidRequest, prefix: str) -> errors.InvalidRequest:
    return errors.InvalidRequest(
        [
            errors.FieldViolation(
                f"{prefix}.{v.field}", v.description, v.violated_rule, v.rule_name, v.data
            )
            for v in exc.violations
        ]
    )


def identity_doc(caller: Identity, contact_id: str | None) -> dict[str, Any]:
    out = caller.initiated_by()
    if contact_id:
        out["contactId"] = contact_id
    return out


def action_body(
    wire: dict[str, Any],
    caller: Identity,
    doc: Mapping[str, Any],
    *,
    previous_status: str | None,
    previous_payment: str | None,
    send_sms: bool | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"booking": wire}
    if doc.get("participantNotification") is not None:
        body["participantNotification"] = doc["participantNotification"]
    if send_sms is not None:
        body["sendSmsReminder"] = send_sms
    if wire.get("doubleBooked"):
        body["doubleBooked"] = True
    body["initiatedBy"] = caller.initiated_by()
    if previous_status is not None:
        body["previousStatus"] = previous_status
    if previous_payment is not None:
        body["previousPaymentStatus"] = previous_payment
    body.update(extra or {})
    return body


def apply_notification(
    doc: dict[str, Any], notification: ParticipantNotification | None
) -> dict[str, Any] | None:
    value = notification_doc(notification)
    if value is not None:
        doc["participantNotification"] = value
    return value
