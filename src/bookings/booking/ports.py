"""What the booking slice offers the other slices.

``holding_bookings(now=None) -> BookingLoad``
    The bookings that hold capacity, as the writer counts them: the
    :class:`bookings.availability.ports.BookingLoad` the slot lists are computed with.
"""

from __future__ import annotations

from datetime import datetime

from bookings.availability.ports import BookingLoad
from bookings.booking.load import HoldingBookings

__all__ = ["holding_bookings"]


def holding_bookings(now: datetime | None = None) -> BookingLoad:
    """The bookings that hold capacity (``now``: the instant whose CREATED holds count;
    ``None``: the moment of each read)."""
    return HoldingBookings(now)
