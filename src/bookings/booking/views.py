"""What other slices read of a booking: a typed view (never a table row)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bookings.booking.documents import booking_wire
from bookings.booking.state import Status


@dataclass(frozen=True)
class BookingView:
    """A booking as the Reader (and others) see it."""

    id: str
    #: APPOINTMENT, CLASS or COURSE.
    kind: str
    status: Status
    start_utc: datetime | None
    #: The wire Booking.
    wire: dict[str, Any]

    @classmethod
    def of_row(cls, row: sa.Row[Any] | Mapping[str, Any]) -> BookingView:
        r: Mapping[Any, Any] = row._mapping if isinstance(row, sa.Row) else row
        return cls(
            id=str(r["id"]),
            kind=str(r["kind"]),
            status=Status(r["status"]),
            start_utc=r["start_utc"],
            wire=booking_wire(row),
        )


@dataclass(frozen=True)
class BookingPage:
    """One page of a Reader query: the bookings and the ``pagingMetadata``."""

    bookings: list[BookingView]
    paging_metadata: dict[str, Any]
