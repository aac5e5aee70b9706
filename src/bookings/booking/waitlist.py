"""The waitlist of a class session (pure, no I/O): its policy, its entries, and which freed
spots go to whom.

An entry is one registration (its booking is in status ``WAITING_LIST`` and holds nothing):
``WAITING`` in line, ``SUGGESTING`` while a freed spot is offered to it until ``expiresAt``
(the spot is held: nobody else may book it), then ``ENROLLED`` when it books, ``LEFT`` when
it leaves, ``EXPIRED`` when the offer ran out (its booking is canceled). Spots are offered in
registration order, first in line first; the head of the line is never skipped for a smaller
party behind it. When nobody waits, a freed spot is open to everyone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bookings.platform import errors
from bookings.platform.wire import format_timestamp

WAITING = "WAITING"
SUGGESTING = "SUGGESTING"
ENROLLED = "ENROLLED"
LEFT = "LEFT"
EXPIRED = "EXPIRED"
#: Entries that are on the list (count against its capacity).
ACTIVE = frozenset({WAITING, SUGGESTING})
ENTITY_FQDN = "wix.bookings.v1.waitlist_entry"


@dataclass(frozen=True, slots=True)
class Policy:
    enabled: bool = False
    capacity: int = 10
    reservation_minutes: int = 10

    @classmethod
    def of(cls, booking_policy: Mapping[str, Any]) -> Policy:
        """The ``waitlistPolicy`` of a service's booking policy."""
        raw = booking_policy.get("waitlistPolicy") or {}
        capacity = raw.get("capacity")
        minutes = raw.get("reservationTimeInMinutes")
        return cls(
            enabled=bool(raw.get("enabled")),
            capacity=capacity if isinstance(capacity, int) and capacity >= 1 else 10,
            reservation_minutes=minutes if isinstance(minutes, int) and minutes >= 1 else 10,
        )

    def configuration(self) -> dict[str, int]:
        return {"capacity": self.capacity, "reservationTimeInMinutes": self.reservation_minutes}


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    booking_id: str
    status: str
    participants: int
    expires_at: datetime | None
    created_date: datetime


def is_held(entry: Entry, now: datetime) -> bool:
    """Whether an entry holds a spot now (an offer that has not run out)."""
    return entry.status == SUGGESTING and entry.expires_at is not None and entry.expires_at > now


def held(entries: Sequence[Entry], now: datetime, exclude: str | None = None) -> int:
    """Participants of the spots held for offers (but ``exclude``'s booking's)."""
    return sum(e.participants for e in entries if is_held(e, now) and e.booking_id != exclude)


def expired(entries: Sequence[Entry], now: datetime) -> list[Entry]:
    """Offers that have run out."""
    return [e for e in entries if e.status == SUGGESTING and not is_held(e, now)]


def to_offer(
    capacity: int | None, used: int, entries: Sequence[Entry], now: datetime
) -> list[Entry]:
    """The waiting entries that get the spots free now (``used``: participants of the
    bookings that hold), first in line first, never skipping the head of the line. Offers
    that ran out hold nothing (settle them first)."""
    if capacity is None:
        return []
    free = capacity - used - held(entries, now)
    out: list[Entry] = []
    for entry in sorted(entries, key=lambda e: (e.created_date, e.id)):
        if entry.status != WAITING:
            continue
        if entry.participants > free:
            break
        out.append(entry)
        free -= entry.participants
    return out


def expiry(now: datetime, policy: Policy) -> datetime:
    return now + timedelta(minutes=policy.reservation_minutes)


def active_count(entries: Sequence[Entry]) -> int:
    return sum(1 for e in entries if e.status in ACTIVE)


def entry_wire(entry: Entry, event_id: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": entry.id,
        "bookingId": entry.booking_id,
        "eventId": event_id,
        "status": entry.status,
    }
    if entry.status == SUGGESTING and entry.expires_at is not None:
        out["expiresAt"] = format_timestamp(entry.expires_at)
    out["createdDate"] = format_timestamp(entry.created_date)
    return out


# ---------------------------------------------------------------- refusals


def not_enabled(event_id: str) -> errors.ApplicationError:
    return errors.failed_precondition(
        "WAITLIST_NOT_ENABLED",
        f"Session {event_id} has no waitlist: its service's policy does not enable one",
        eventId=event_id,
    )


def full(event_id: str, capacity: int) -> errors.ApplicationError:
    return errors.failed_precondition(
        "WAITLIST_FULL",
        f"The waitlist of session {event_id} is full ({capacity} registrations)",
        eventId=event_id,
    )


def has_room(event_id: str) -> errors.ApplicationError:
    return errors.failed_precondition(
        "SESSION_HAS_OPEN_SPOTS",
        f"Session {event_id} has room: book it instead of joining its waitlist",
        eventId=event_id,
    )


def not_registered(booking_id: str) -> errors.ApplicationError:
    return errors.failed_precondition(
        "NOT_ON_WAITLIST",
        f"Booking {booking_id} is not on a waitlist",
        bookingId=booking_id,
    )
