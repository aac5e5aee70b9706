"""What the booking slice offers the other slices.

``holding_bookings(now=None) -> BookingLoad``
    The bookings that hold capacity, as the writer counts them: the
    :class:`bookings.availability.ports.BookingLoad` the slot lists are computed with.

``booking_views(scope, ids)``, ``upcoming_bookings(scope, start_after, start_until)``
    Typed views of bookings by id, and of the CONFIRMED bookings starting in a window (the
    notifications slice: waitlist offers, reminders).

``manage_token(signer, site_id, booking_id, now)``
    The booking's anonymous action token (the manage link of an e-mail).

``open_manage_token(signer, token, now) -> (site_id, booking_id)``, ``V2Slot``
    What a manage token opens (401 ``INVALID_TOKEN`` otherwise), for the manage page, which
    must refuse another site's token; the slot a reschedule moves a booking to.

``booking_left`` (hook point), ``BookingLeft``
    Where a booking that is canceled or declined reaches its order's money (the eCommerce
    slice: fee, refund, order cancel), inside the booking's unit of work.

``sweep_waitlists(db, every_seconds)``
    The waitlist sweeper the app runs in the background: ends the offers that ran out and
    offers their spots to the next in line, at once and then every ``every_seconds``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime

from bookings.availability.ports import BookingLoad
from bookings.booking.load import HoldingBookings
from bookings.booking.models import bookings
from bookings.booking.money import BookingLeft, OnBookingLeft, booking_left
from bookings.booking.schemas import V2Slot
from bookings.booking.service.anonymous import issue_token, open_token
from bookings.booking.service.waitlist_calls import settle_due_waitlists
from bookings.booking.state import Status
from bookings.booking.views import BookingView
from bookings.platform.db import Database, SiteScope
from bookings.platform.signing import Signer

__all__ = [
    "BookingLeft",
    "BookingView",
    "OnBookingLeft",
    "V2Slot",
    "booking_left",
    "booking_views",
    "holding_bookings",
    "manage_token",
    "open_manage_token",
    "sweep_waitlists",
    "upcoming_bookings",
]

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


async def booking_views(scope: SiteScope, ids: Sequence[str]) -> dict[str, BookingView]:
    """The bookings of ``ids`` that exist, by id."""
    if not ids:
        return {}
    rows = await scope.all(scope.select(bookings).where(bookings.c.id.in_(list(ids))))
    return {str(r.id): BookingView.of_row(r) for r in rows}


async def upcoming_bookings(
    scope: SiteScope, start_after: datetime, start_until: datetime
) -> list[BookingView]:
    """The CONFIRMED bookings starting in ``(start_after, start_until]``, soonest first."""
    rows = await scope.all(
        scope.select(bookings)
        .where(bookings.c.status == Status.CONFIRMED.value)
        .where(bookings.c.start_utc > start_after)
        .where(bookings.c.start_utc <= start_until)
        .order_by(bookings.c.start_utc, bookings.c.id)
    )
    return [BookingView.of_row(r) for r in rows]


def manage_token(signer: Signer, site_id: str, booking_id: str, now: datetime) -> str:
    """The anonymous action token of a booking (what its manage link carries)."""
    return issue_token(signer, site_id, booking_id, now)


def open_manage_token(signer: Signer, token: str, now: datetime) -> tuple[str, str]:
    """The ``(site_id, booking_id)`` of a booking's manage token; 401 ``INVALID_TOKEN`` when it
    is not one (forged, altered, expired, or a package's token)."""
    return open_token(signer, token, now)
