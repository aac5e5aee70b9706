"""Which messages an outbox event asks for, and what a template is rendered with (pure).

Booking events (``wix.bookings.v2.booking``):

=================== ========================= ==============================================
event (slug)        kind                      when
=================== ========================= ==============================================
created             ``created`` / ``pending`` the new booking is CREATED / PENDING (a booking
                                              created CONFIRMED gets its ``confirmed`` mail;
                                              one created WAITING_LIST none)
markedAsPending     ``pending``
confirmed           ``confirmed``
declined            ``declined``
canceled            ``canceled``
rescheduled         ``rescheduled``
=================== ========================= ==============================================

The participant is mailed when the event's ``participantNotification.notifyParticipants`` is
true (the booking's own, for ``created``) and the booking has a contact e-mail; the business
gets a copy of each when the site setting ``businessEmail`` is set. A waitlist entry
(``wix.bookings.v1.waitlist_entry``) updated to SUGGESTING is an offer: kind
``waitlist_offer``, always to the participant (the offer is the point).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bookings.platform.wire import parse_timestamp

BOOKING_FQDN = "wix.bookings.v2.booking"
WAITLIST_FQDN = "wix.bookings.v1.waitlist_entry"
FQDNS = (BOOKING_FQDN, WAITLIST_FQDN)
PARTICIPANT = "PARTICIPANT"
BUSINESS = "BUSINESS"

_ACTION_KINDS = {
    "markedAsPending": "pending",
    "confirmed": "confirmed",
    "declined": "declined",
    "canceled": "canceled",
    "rescheduled": "rescheduled",
}


@dataclass(frozen=True)
class Ask:
    """What an event asks for: one kind, the booking, who gets it, the custom message."""

    kind: str
    booking_id: str
    booking: dict[str, Any] | None
    participant: bool
    business: bool
    message: str | None
    previous_start: str | None = None
    offer_expires: str | None = None


def ask_of(event: dict[str, Any]) -> Ask | None:
    """The messages an outbox event asks for (``None``: none)."""
    fqdn, slug = event.get("entityFqdn"), event.get("slug")
    if fqdn == WAITLIST_FQDN:
        entity = (event.get("updatedEvent") or {}).get("currentEntity") or {}
        if entity.get("status") != "SUGGESTING" or not entity.get("bookingId"):
            return None
        return Ask(
            "waitlist_offer",
            str(entity["bookingId"]),
            None,
            participant=True,
            business=False,
            message=None,
            offer_expires=entity.get("expiresAt"),
        )
    if fqdn != BOOKING_FQDN:
        return None
    if slug == "created":
        booking = (event.get("createdEvent") or {}).get("entity") or {}
        status = booking.get("status")
        if status not in ("CREATED", "PENDING"):
            return None
        kind, note = ("pending" if status == "PENDING" else "created"), booking
        body: dict[str, Any] = {}
    elif slug in _ACTION_KINDS:
        body = (event.get("actionEvent") or {}).get("body") or {}
        booking = body.get("booking") or {}
        kind, note = _ACTION_KINDS[str(slug)], body
    else:
        return None
    if not booking.get("id"):
        return None
    notification = note.get("participantNotification") or {}
    notify = bool(notification.get("notifyParticipants"))
    message = notification.get("message") if notify else None
    return Ask(
        kind,
        str(booking["id"]),
        booking,
        participant=notify,
        business=True,
        message=str(message) if message else None,
        previous_start=body.get("previousStartDate"),
    )


def contact_of(booking: dict[str, Any]) -> dict[str, Any]:
    c = booking.get("contactDetails") or {}
    name = " ".join(str(c[k]) for k in ("firstName", "lastName") if c.get(k))
    return {
        "firstName": c.get("firstName"),
        "lastName": c.get("lastName"),
        "name": name or None,
        "email": c.get("email"),
        "phone": c.get("phone"),
    }


def title_of(booking: dict[str, Any]) -> str:
    entity = booking.get("bookedEntity") or {}
    return str(entity.get("title") or "your booking")


def location_of(booking: dict[str, Any]) -> str | None:
    slot = (booking.get("bookedEntity") or {}).get("slot") or {}
    loc = slot.get("location") or {}
    parts = [loc.get("name"), loc.get("formattedAddress")]
    text = ", ".join(str(p) for p in parts if p)
    return text or None


def zone_of(booking: dict[str, Any], site_zone: str) -> str:
    slot = (booking.get("bookedEntity") or {}).get("slot") or {}
    zone = slot.get("timezone") or site_zone or "UTC"
    try:
        ZoneInfo(str(zone))
    except Exception:
        return "UTC"
    return str(zone)


def local_text(instant: str | None, zone: str, time_only: bool = False) -> str | None:
    if not instant:
        return None
    at = parse_timestamp(instant).astimezone(ZoneInfo(zone))
    return at.strftime("%H:%M") if time_only else at.strftime("%A, %d %B %Y, %H:%M")


def context_of(
    ask: Ask,
    booking: dict[str, Any],
    *,
    audience: str,
    kind: str,
    site_name: str,
    site_zone: str,
    manage_url: str | None,
    manage_token: str | None,
) -> dict[str, Any]:
    """The variables of a template (docs/api/notifications.md lists them)."""
    zone = zone_of(booking, site_zone)
    start, end = booking.get("startDate"), booking.get("endDate")
    same_day = bool(start and end) and str(start)[:10] == str(end)[:10]
    return {
        "kind": kind,
        "audience": audience,
        "site": {"name": site_name, "timeZone": site_zone},
        "booking": booking,
        "title": title_of(booking),
        "status": booking.get("status"),
        "start": local_text(start, zone),
        "end": local_text(end, zone, time_only=same_day),
        "previous_start": local_text(ask.previous_start, zone),
        "time_zone": zone,
        "location": location_of(booking),
        "contact": contact_of(booking),
        "message": ask.message,
        "manage_url": manage_url,
        "manage_token": manage_token,
        "offer_expires": local_text(ask.offer_expires, zone),
    }


def reminder_due(start: datetime, offset_minutes: int, now: datetime) -> bool:
    """A reminder ``offset_minutes`` before ``start`` is due at ``now`` (and not past)."""
    return start.timestamp() - offset_minutes * 60 <= now.timestamp() < start.timestamp()
