"""What the availability slice needs from the bookings slice, and what its check answers.

Availability computes slots from the calendar (working hours, blocked time) and from the
bookings that hold capacity. It does not know the bookings table: every function that counts
bookings takes a :class:`BookingLoad` argument. The bookings slice implements it
(:mod:`bookings.booking.load`), so listed slots count exactly the bookings the writer counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bookings.platform.db import SiteScope

#: Per resource id, the spans ``(start, end)`` held by appointment bookings, buffers included.
HeldSpans = Mapping[str, Sequence[tuple[datetime, datetime]]]


class BookingLoad(Protocol):
    """The bookings that hold capacity, as the writer counts them."""

    async def appointment_busy(
        self,
        scope: SiteScope,
        resource_ids: Sequence[str],
        start_utc: datetime,
        end_utc: datetime,
        exclude: frozenset[str] = frozenset(),
    ) -> HeldSpans:
        """Per resource id, the spans of capacity-holding appointment bookings overlapping
        ``[start_utc, end_utc)``, already extended by their own buffer; bookings whose id is
        in ``exclude`` are left out (a reschedule moves them)."""
        ...

    async def event_participants(
        self, scope: SiteScope, event_ids: Sequence[str]
    ) -> Mapping[str, int]:
        """Per event id, the participants of its capacity-holding bookings (an event left out
        keeps the calendar's ``remainingCapacity``)."""
        ...

    async def event_waitlists(
        self, scope: SiteScope, event_ids: Sequence[str]
    ) -> Mapping[str, WaitlistState]:
        """Per event id with registrations on its waitlist: the spots held for running offers
        and the registrations on the list (an event left out has neither)."""
        ...


@dataclass(frozen=True)
class WaitlistState:
    """A session's waitlist as the slot lists show it."""

    #: Participants of the spots held for offers that are running.
    held: int = 0
    #: Registrations on the list (waiting or being offered a spot).
    registrants: int = 0


@dataclass(frozen=True)
class HeldRead:
    """What an availability computation read of the bookings: ``held`` per resource, for
    ``resource_ids`` over ``[start_utc, end_utc)``."""

    resource_ids: frozenset[str]
    start_utc: datetime
    end_utc: datetime
    held: HeldSpans

    def covering(self, needed: Sequence[str], span: tuple[datetime, datetime]) -> HeldSpans | None:
        """The held spans of ``needed`` over ``span`` when this read covers them, else
        ``None`` (read them again)."""
        inside = self.start_utc <= span[0] and span[1] <= self.end_utc
        return self.held if inside and self.resource_ids.issuperset(needed) else None


@dataclass(frozen=True)
class AppointmentCheck:
    """The answer of :func:`bookings.availability.check.check_appointment_slot`."""

    #: Staff resource ids free for the slot.
    free: list[str]
    #: What the check read of the bookings, under the caller's locks (``None``: nothing).
    held: HeldRead | None = field(default=None)
