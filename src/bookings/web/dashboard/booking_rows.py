"""A wire booking (as the Bookings Reader V2 answers it) made readable for the dashboard: its
times in the business zone (and in the booking's own zone), the customer, the service, the
staff member, its status and revision. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bookings.platform.wire import parse_timestamp

#: How a status is shown.
STATUS_LABELS = {
    "CREATED": "Created",
    "CONFIRMED": "Confirmed",
    "PENDING": "Pending approval",
    "WAITING_LIST": "Waitlist",
    "CANCELED": "Canceled",
    "DECLINED": "Declined",
}

PAYMENT_LABELS = {
    "UNDEFINED": "Not set",
    "NOT_PAID": "Not paid",
    "PAID": "Paid",
    "PARTIALLY_PAID": "Partially paid",
    "REFUNDED": "Refunded",
    "EXEMPT": "Exempt",
}


def _get(doc: Mapping[str, Any], *path: str) -> Any:
    node: Any = doc
    for key in path:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return parse_timestamp(value)
    except Exception:
        return None


def zone_of(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except Exception:
        return ZoneInfo("UTC")


def local_text(instant: datetime | None, zone: ZoneInfo) -> str:
    """``Mon 7 Dec 2026, 10:00`` in ``zone`` (empty when there is no instant)."""
    if instant is None:
        return ""
    at = instant.astimezone(zone)
    return f"{at:%a} {at.day} {at:%b %Y, %H:%M}"


def span_text(start: datetime | None, end: datetime | None, zone: ZoneInfo) -> str:
    """``Mon 7 Dec 2026, 10:00-11:00`` (the end's date too when it is another day)."""
    if start is None:
        return "No date"
    text = local_text(start, zone)
    if end is not None:
        s, e = start.astimezone(zone), end.astimezone(zone)
        text += f"-{e:%H:%M}" if s.date() == e.date() else f" to {local_text(end, zone)}"
    return text


@dataclass(frozen=True)
class BookingRow:
    """One booking as a row of the list, the pending page, the detail page and the CSV."""

    id: str
    revision: str
    status: str
    payment_status: str
    start: datetime | None
    end: datetime | None
    #: Start-end in the business zone (and the zone's name).
    when: str
    zone: str
    #: Start-end in the booking's own zone (the customer's), and that zone's name.
    when_customer: str
    customer_zone: str
    customer: str
    email: str
    phone: str
    service: str
    service_id: str
    staff: str
    staff_id: str
    participants: int
    created: str
    wire: Mapping[str, Any]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status.title())

    @property
    def payment_label(self) -> str:
        return PAYMENT_LABELS.get(self.payment_status, self.payment_status.title())


def booking_row(wire: Mapping[str, Any], business_zone: str) -> BookingRow:
    zone = zone_of(business_zone)
    entity = _get(wire, "bookedEntity") or {}
    booked = _get(entity, "slot") or _get(entity, "schedule") or {}
    customer_zone = str(_get(booked, "timezone") or business_zone)
    start, end = _instant(wire.get("startDate")), _instant(wire.get("endDate"))
    contact = _get(wire, "contactDetails") or {}
    name = " ".join(
        str(part) for part in (contact.get("firstName"), contact.get("lastName")) if part
    )
    total = wire.get("totalParticipants")
    return BookingRow(
        id=str(wire.get("id") or ""),
        revision=str(wire.get("revision") or ""),
        status=str(wire.get("status") or ""),
        payment_status=str(wire.get("paymentStatus") or "UNDEFINED"),
        start=start,
        end=end,
        when=span_text(start, end, zone),
        zone=zone.key,
        when_customer=span_text(start, end, zone_of(customer_zone)),
        customer_zone=zone_of(customer_zone).key,
        customer=name or str(contact.get("email") or "—"),
        email=str(contact.get("email") or ""),
        phone=str(contact.get("phone") or ""),
        service=str(_get(entity, "title") or ""),
        service_id=str(_get(booked, "serviceId") or ""),
        staff=str(_get(booked, "resource", "name") or ""),
        staff_id=str(_get(booked, "resource", "id") or ""),
        participants=total if isinstance(total, int) else 0,
        created=local_text(_instant(wire.get("createdDate")), zone),
        wire=wire,
    )
