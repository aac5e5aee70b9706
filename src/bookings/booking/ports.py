"""What the booking slice offers the other slices.

``holding_bookings(now=None) -> BookingLoad``
    The bookings that hold capacity, as the writer counts them: the
    :class:`bookings.availability.ports.BookingLoad` the slot lists are computed with.

``sweep_waitlists(db, every_seconds)``
    The waitlist sweeper the app runs in the background: ends the offers that ran out and
    offers their spots to the next in line, at once and then every ``every_seconds``.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from bookings.availability.ports import BookingLoad
from bookings.booking.load import HoldingBookings
from bookings.booking.service.waitlist_calls import settle_due_waitlists
from bookings.platform.db import Database

__all__ = ["holding_bookings", "sweep_waitlists"]

log = logging.getLogger("bookings.waitlist")


def holding_bookings(now: datetime | None = None) -> BookingLoad:
    """The bookings that hold capacity (``now``: the instant whose CREATED holds count;
    ``None``: the moment of each read)."""
    return HoldingBookings(now)


async def sweep_waitlists(db: Database, every_seconds: int) -> None:
    """Settle the waitlists whose offers ran out, now and then every ``every_seconds``
    (until cancelled); a failed pass is logged and the next one tries again."""
    while True:
        try:
            await settle_due_waitlists(db)
        except Exception:  # pragma: no cover - logged, retried on the next pass
            log.exception("waitlist sweep failed")
        await asyncio.sleep(every_seconds)
