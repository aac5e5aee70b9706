"""Occupancy arithmetic (pure, no I/O): which bookings hold capacity, and whether a request
fits.

Capacity-holding bookings (DESIGN §5): CONFIRMED and PENDING always; WAITING_LIST never;
CREATED while its hold lasts — ``hold_until = created + hold`` where the hold is the site
setting ``createdBookingHoldMinutes`` (default :data:`DEFAULT_HOLD_MINUTES`; 0 restores the
hosted behaviour: CREATED bookings hold nothing and Confirm Or Decline sorts them out).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from bookings.booking.state import Status

DEFAULT_HOLD_MINUTES = 15
MAX_HOLD_MINUTES = 7 * 24 * 60
HOLD_SETTING = "createdBookingHoldMinutes"
ALWAYS_HOLDING = frozenset({Status.CONFIRMED, Status.PENDING})


def hold_minutes(settings: Mapping[str, Any] | None) -> int:
    """The site's hold of CREATED bookings, in minutes (a bad value falls back to default)."""
    value = (settings or {}).get(HOLD_SETTING)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_HOLD_MINUTES:
        return value
    return DEFAULT_HOLD_MINUTES


def hold_until(created: datetime, minutes: int) -> datetime:
    return created + timedelta(minutes=minutes)


def holds(status: Status | str, hold_end: datetime | None, now: datetime) -> bool:
    """Whether a booking in ``status`` (held until ``hold_end``) occupies capacity at ``now``."""
    if status in ALWAYS_HOLDING:
        return True
    if status == Status.CREATED:
        return hold_end is not None and hold_end > now
    return False


def fits(capacity: int | None, occupied: int, wanted: int) -> bool:
    """Whether ``wanted`` more participants fit next to ``occupied`` (``None``: unlimited)."""
    if capacity is None:
        return True
    return occupied + wanted <= capacity


def busy_span(start: datetime, end: datetime, buffer_minutes: int) -> tuple[datetime, datetime]:
    """What an appointment blocks of its resource: its time plus the buffer after it."""
    return start, end + timedelta(minutes=max(0, buffer_minutes))


def overlaps(a: tuple[datetime, datetime], b: tuple[datetime, datetime]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def conflicting(
    wanted: tuple[datetime, datetime], held: Iterable[tuple[datetime, datetime]]
) -> bool:
    """Whether the span ``wanted`` (buffer included) meets any held span (buffers included)."""
    return any(overlaps(wanted, span) for span in held)


def pick_resource(
    candidates: Sequence[str],
    free: Iterable[str],
    busy: Mapping[str, Sequence[tuple[datetime, datetime]]],
    wanted: tuple[datetime, datetime],
) -> str | None:
    """The first of ``candidates`` that the calendar says is ``free`` and no held booking
    occupies during ``wanted``; ``None`` when there is none."""
    found = free_resources(candidates, free, busy, wanted)
    return found[0] if found else None


def free_resources(
    candidates: Sequence[str],
    free: Iterable[str],
    busy: Mapping[str, Sequence[tuple[datetime, datetime]]],
    wanted: tuple[datetime, datetime],
) -> list[str]:
    """Every one of ``candidates``, in order, that the calendar says is ``free`` and no held
    booking occupies during ``wanted``."""
    free_set = set(free)
    return [
        rid for rid in candidates if rid in free_set and not conflicting(wanted, busy.get(rid, ()))
    ]
