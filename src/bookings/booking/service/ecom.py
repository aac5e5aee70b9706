"""What the eCommerce slice asks of bookings (spec E.4): a booking as a catalog item (what it
is, whether it can still be sold), its confirmation when its order is approved, and its
``paymentStatus`` following the order's."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bookings.booking.schemas import PaymentStatus
from bookings.booking.service.common import _require, _service
from bookings.booking.service.lifecycle import _confirm_or_decline
from bookings.booking.service.mutation import Change, _fits_now, _lock_owner, _mutate
from bookings.booking.state import Status
from bookings.platform import errors
from bookings.platform.auth import Identity
from bookings.platform.db import Database, UnitOfWork, utcnow

#: An order's ``paymentStatus`` → the booking's (spec E.4 rule 3).
ORDER_TO_BOOKING_PAYMENT = {
    "PAID": "PAID",
    "PARTIALLY_PAID": "PARTIALLY_PAID",
    "FULLY_REFUNDED": "REFUNDED",
    "PARTIALLY_REFUNDED": "PAID",
}


def booking_payment_status(order_payment_status: str) -> str:
    return ORDER_TO_BOOKING_PAYMENT.get(order_payment_status, "NOT_PAID")


@dataclass(frozen=True)
class SaleItem:
    """A booking as the catalog item of a checkout line."""

    booking_id: str
    status: str
    payment_status: str
    service_id: str
    service_name: str | None
    #: The service's wire ``payment``.
    payment: dict[str, Any]
    participants: int
    selected_payment_option: str | None
    start: datetime | None
    end: datetime | None
    #: Whether the booking still fits its slot (a CREATED booking past its hold may not).
    fits: bool


async def sale_item(db: Database, caller: Identity, booking_id: str) -> SaleItem | None:
    """The booking as a catalog item, ``None`` when the site has no such booking."""
    async with db.write(caller.site_id) as uow:
        try:
            row = await _require(uow, booking_id, caller)
        except errors.ApplicationError:
            return None
        service = await _service(uow, row.service_id)
        fits = True
        flags = (row.doc or {}).get("flowControlSettings") or {}
        if row.status == Status.CREATED.value and not flags.get("skipAvailabilityValidation"):
            target = await _lock_owner(uow, row, service)
            fits, _ = await _fits_now(uow, row, target, utcnow())
        return SaleItem(
            booking_id=row.id,
            status=row.status,
            payment_status=row.payment_status,
            service_id=row.service_id,
            service_name=service.name,
            payment=dict(service.wire.get("payment") or {}),
            participants=int(row.total_participants or row.participants or 1),
            selected_payment_option=row.selected_payment_option,
            start=row.start_utc,
            end=row.end_utc,
            fits=fits,
        )


async def confirm_from_order(
    db: Database,
    caller: Identity,
    booking_id: str,
    order_payment_status: str,
    *,
    decline_if_taken: bool = False,
) -> dict[str, Any]:
    """The booking of an approved order: re-check its slot and confirm it (PENDING when the
    service wants manual approval, DECLINED when unpaid and its slot is taken), with the
    order's payment status mirrored (spec E.4 rules 2 and 3). A booking no longer CREATED only
    takes the payment status. ``decline_if_taken``: declined when its slot is taken even if
    paid (a payment that came after the hold ran out; the order refunds it)."""
    payment = PaymentStatus(booking_payment_status(order_payment_status))
    async with db.read(caller.site_id) as scope:
        row = await _require(scope, booking_id, caller)
    if row.status != Status.CREATED.value:
        return await mirror_payment_status(db, caller, booking_id, order_payment_status)
    return await _confirm_or_decline(
        db, caller, booking_id, payment, decline_if_taken=decline_if_taken
    )


async def mirror_payment_status(
    db: Database, caller: Identity, booking_id: str, order_payment_status: str
) -> dict[str, Any]:
    """Set the booking's ``paymentStatus`` from its order's (spec E.4 rule 3)."""
    payment = booking_payment_status(order_payment_status)

    async def apply(uow: UnitOfWork, row: sa.Row[Any], now: datetime) -> Change:
        return Change(
            Status(row.status),
            payment,
            copy.deepcopy(row.doc),
            bool(row.double_booked),
            {},
            [("updated", "updated", {})] if payment != row.payment_status else [],
        )

    return await _mutate(db, caller, booking_id, None, apply, revision_required=False)
