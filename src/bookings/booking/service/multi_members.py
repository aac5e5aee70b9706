"""Add Bookings To and Remove Bookings From a multi-service booking.

Add takes standalone appointment bookings that are still live (not CANCELED or DECLINED) up
to 8 children; Remove makes children standalone again, and a package left with one child
dissolves (that child becomes standalone too, and the package is gone). Each booking that
joins or leaves gets a new revision and a ``booking_updated`` event.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bookings.booking import packages, rules
from bookings.booking.models import multi_service_bookings as _p
from bookings.booking.schemas import (
    AddBookingsToMultiServiceBookingRequest,
    BookingIdAndRevision,
    RemoveBookingsFromMultiServiceBookingRequest,
)
from bookings.booking.service.common import _require
from bookings.booking.service.multi_common import lock_package, touch
from bookings.booking.service.mutation import Change, _write_change
from bookings.booking.state import TERMINAL, Status
from bookings.platform import errors
from bookings.platform.auth import Identity
from bookings.platform.db import Database, UnitOfWork, utcnow


def _checked_items(
    items: list[BookingIdAndRevision] | None, required: bool
) -> list[tuple[str, int]]:
    if not items:
        if required:
            raise errors.invalid_field("bookings", "is required", errors.REQUIRED_FIELD)
        return []
    out: list[tuple[str, int]] = []
    for i, item in enumerate(items):
        if not item.booking_id:
            raise errors.invalid_field(
                f"bookings[{i}].bookingId", "is required", errors.REQUIRED_FIELD
            )
        if item.revision is None:
            raise errors.ApplicationError(
                "REVISION_MISSING",
                f"bookings[{i}].revision is required",
                http_status=400,
                data={"bookingId": item.booking_id},
            )
        out.append((item.booking_id, item.revision))
    if len({b for b, _ in out}) != len(out):
        raise errors.ApplicationError(
            "DUPLICATE_BOOKING_INFO", "A booking is listed more than once", http_status=400
        )
    return out


def _package_id(value: str | None) -> str:
    if not value:
        raise errors.invalid_field("multiServiceBookingId", "is required", errors.REQUIRED_FIELD)
    return value


async def _relink(
    uow: UnitOfWork, caller: Identity, row: sa.Row[Any], package_id: str | None, now: datetime
) -> dict[str, Any]:
    """Write a booking into (``package_id``) or out of (``None``) a package."""
    doc = copy.deepcopy(row.doc)
    if package_id is None:
        doc.pop("multiServiceBookingInfo", None)
    else:
        doc["multiServiceBookingInfo"] = packages.info_doc(package_id)
    change = Change(
        Status(row.status),
        row.payment_status,
        doc,
        bool(row.double_booked),
        outbox=[("updated", "updated", {})],
    )
    return await _write_change(uow, caller, row, change, now)


async def add_bookings_to_multi_service_booking(
    db: Database, caller: Identity, req: AddBookingsToMultiServiceBookingRequest
) -> dict[str, Any]:
    package_id = _package_id(req.multi_service_booking_id)
    items = _checked_items(req.bookings, required=True)
    async with db.write(caller.site_id) as uow:
        children = await lock_package(uow, package_id, caller)
        if len(children) + len(items) > packages.MAX_CHILDREN:
            raise errors.invalid_field(
                "bookings",
                f"a multi-service booking holds at most {packages.MAX_CHILDREN} bookings "
                f"(it has {len(children)})",
                "MAX_SIZE",
            )
        rows = []
        for booking_id, revision in items:
            row = await _require(uow, booking_id, caller)
            if row.multi_service_booking_id == package_id:
                raise errors.failed_precondition(
                    "MULTI_SERVICE_BOOKING_ALREADY_INCLUDES_BOOKING",
                    f"Booking {booking_id} is part of this multi-service booking already",
                    bookingId=booking_id,
                )
            if row.multi_service_booking_id:
                raise errors.failed_precondition(
                    "BOOKING_ALREADY_PART_OF_ANOTHER_MULTI_SERVICE_BOOKING",
                    f"Booking {booking_id} is part of another multi-service booking",
                    bookingId=booking_id,
                )
            if revision != row.revision:
                raise packages.revision_mismatch(booking_id, revision, row.revision)
            if row.kind != rules.APPOINTMENT or Status(row.status) in TERMINAL:
                raise errors.failed_precondition(
                    "BOOKING_TO_ADD_STATUS_NOT_VALID",
                    f"Booking {booking_id} ({row.kind.lower()}, {row.status}) cannot join a "
                    "multi-service booking: only live appointment bookings can",
                    bookingId=booking_id,
                    status=row.status,
                )
            rows.append(row)
        now = utcnow()
        added = [await _relink(uow, caller, row, package_id, now) for row in rows]
        await touch(uow, package_id, now)
    return {"bookings": packages.results(added, bool(req.return_full_entity))}


async def remove_bookings_from_multi_service_booking(
    db: Database, caller: Identity, req: RemoveBookingsFromMultiServiceBookingRequest
) -> dict[str, Any]:
    package_id = _package_id(req.multi_service_booking_id)
    items = _checked_items(req.bookings, required=False)
    async with db.write(caller.site_id) as uow:
        children = await lock_package(uow, package_id, caller)
        by_id = {r.id: r for r in children}
        for booking_id, revision in items:
            row = by_id.get(booking_id)
            if row is None:
                raise errors.not_found(
                    "BOOKING_NOT_FOUND",
                    f"Booking {booking_id} is not part of this multi-service booking",
                    bookingId=booking_id,
                )
            if revision != row.revision:
                raise packages.revision_mismatch(booking_id, revision, row.revision)
        leaving = {b for b, _ in items} if items else set(by_id)
        staying = [r for r in children if r.id not in leaving]
        now = utcnow()
        removed = [await _relink(uow, caller, r, None, now) for r in children if r.id in leaving]
        if len(staying) <= 1:
            for row in staying:
                await _relink(uow, caller, row, None, now)
            await uow.conn.execute(uow.delete(_p).where(_p.c.id == package_id))
        else:
            await touch(uow, package_id, now)
    return {"bookings": packages.results(removed, bool(req.return_full_entity))}
