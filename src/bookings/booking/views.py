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
    end_utc: datetime | None = None
    revision: int = 0
    updated_utc: datetime | None = None
    #: The staff resource of an appointment; the class session of a class booking; the
    #: course schedule of a course booking.
    resource_id: str | None = None
    event_id: str | None = None
    schedule_id: str | None = None

    @classmethod
    def of_row(cls, row: sa.Row[Any] | Mapping[str, Any]) -> BookingView:
        r: Mapping[Any, Any] = row._mapping if isinstance(row, sa.Row) else row
        return cls(
            id=str(r["id"]),
            kind=str(r["kind"]),
            status=Status(r["status"]),
            start_utc=r["start_utc"],
            wire=booking_wire(row),
            end_utc=r["end_utc"],
            revision=int(r["revision"]),
            updated_utc=r["updated_date"],
            resource_id=r["resource_id"],
            event_id=r["event_id"],
            schedule_id=r["schedule_id"],
        )


@dataclass(frozen=True)
class BookingPage:
    """One page of a Reader query: the bookings and the ``pagingMetadata``."""

    bookings: list[BookingView]
    paging_metadata: dict[str, Any]
