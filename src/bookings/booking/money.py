"""The hook point where a booking that leaves (canceled or declined) reaches the money of its
order: the eCommerce slice, wired by the app, charges the late-cancel fee, refunds, or cancels
the order (spec E.4 rule 5). The hook runs inside the booking's unit of work, so what it
decides commits with the booking or not at all; provider calls come after, from its own
queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bookings.platform.auth import Identity
from bookings.platform.db import UnitOfWork
from bookings.platform.hooks import Hooks


@dataclass(frozen=True, slots=True)
class BookingLeft:
    """A booking that was just canceled or declined, and what the call asked of its money."""

    booking_id: str
    #: ``CANCELED`` or ``DECLINED``.
    status: str
    previous_status: str
    start: datetime | None
    at: datetime
    with_refund: bool = False
    waive_cancellation_fee: bool = False
    waive_charges: bool = False
    #: The cancel comes from the order's own cancel: nothing to charge, refund or cancel.
    by_order: bool = False


class OnBookingLeft(Protocol):
    async def __call__(self, uow: UnitOfWork, caller: Identity, left: BookingLeft) -> None: ...


booking_left = Hooks[OnBookingLeft]("booking.booking_left")
