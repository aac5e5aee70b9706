"""The order of each booking, as other slices read it (the Reader's ``withEcomOrder``,
``withBookingFeeDetails`` and ``withEcomTransactions``).

A booking's orders are the rows of ``ecom_order_bookings``; when it has several, the newest one
that is not ``CANCELED`` counts, else the newest (``createdDate``, then order number). Every
value comes from the wire order document, so the view says what Get Order says.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from bookings.ecom import balances, pricing
from bookings.ecom.models import ecom_order_bookings, ecom_orders
from bookings.ecom.order_store import the_order
from bookings.platform.db import SiteScope


@dataclass(frozen=True)
class Money:
    """A wire ``Price``: a decimal string and its display form."""

    amount: str
    formatted_amount: str

    @classmethod
    def of(cls, price: Any) -> Money | None:
        if not isinstance(price, Mapping) or price.get("amount") is None:
            return None
        text = str(price["amount"])
        return cls(amount=text, formatted_amount=str(price.get("formattedAmount") or text))

    @property
    def wire(self) -> dict[str, str]:
        return {"amount": self.amount, "formattedAmount": self.formatted_amount}


@dataclass(frozen=True)
class BookingOrderView:
    """The order of one booking and that booking's line in it."""

    order_id: str
    #: The order number as on the wire (a string).
    number: str
    #: INITIALIZED, APPROVED, CANCELED, PENDING or REJECTED.
    status: str
    #: NOT_PAID, PAID, PARTIALLY_PAID, ... (the order's ``paymentStatus``).
    payment_status: str
    currency: str | None
    #: ``priceSummary.total`` of the order.
    total_price: Money
    #: ``balanceSummary.balance`` of the order (what is left to pay).
    balance: Money
    #: The booking's line: its id, ``price`` and ``priceDescription`` (``original``,
    #: ``translated``); ``None`` when the order has no line of the booking.
    line_item_id: str | None
    booking_price: Money | None
    booking_price_description: Mapping[str, str] | None
    #: ``balanceSummary.refunded.amount`` when above zero, else ``None``.
    refunded: str | None
    #: Whether a cancellation fee is on the order for the booking's line.
    cancellation_fee_applied: bool


def _fee_applied(doc: Mapping[str, Any], line_id: str | None) -> bool:
    if line_id is None:
        return False
    return any(
        fee.get("code") == balances.FEE_CODE and line_id in (fee.get("lineItemIds") or [])
        for fee in doc.get("additionalFees") or []
        if isinstance(fee, Mapping)
    )


def _description(line: Mapping[str, Any] | None) -> Mapping[str, str] | None:
    found = (line or {}).get("priceDescription")
    if not isinstance(found, Mapping) or not found.get("original"):
        return None
    return {k: str(v) for k, v in found.items() if k in ("original", "translated") and v}


def _view(booking_id: str, doc: Mapping[str, Any]) -> BookingOrderView:
    line = balances.line_of(doc, booking_id)
    line_id = str(line["id"]) if line is not None and line.get("id") else None
    summary = doc.get("balanceSummary") or {}
    refunded = pricing.amount((summary.get("refunded") or {}).get("amount", "0"))
    currency = doc.get("currency")
    zero = Money("0.00", "0.00")
    return BookingOrderView(
        order_id=str(doc["id"]),
        number=str(doc.get("number", "")),
        status=str(doc.get("status", "")),
        payment_status=str(doc.get("paymentStatus", "")),
        currency=str(currency) if currency else None,
        total_price=Money.of((doc.get("priceSummary") or {}).get("total")) or zero,
        balance=Money.of(summary.get("balance")) or zero,
        line_item_id=line_id,
        booking_price=Money.of((line or {}).get("price")),
        booking_price_description=_description(line),
        refunded=f"{refunded:.2f}" if refunded > 0 else None,
        cancellation_fee_applied=_fee_applied(doc, line_id),
    )


async def orders_of_bookings(
    scope: SiteScope, booking_ids: Sequence[str]
) -> dict[str, BookingOrderView]:
    """The order of each booking that has one, by booking id, in one statement."""
    if not booking_ids:
        return {}
    link, order = ecom_order_bookings, ecom_orders
    stmt = (
        scope.select(link, link.c.booking_id, order.c.status, order.c.doc)
        .select_from(
            link.join(
                order, sa.and_(order.c.site_id == link.c.site_id, order.c.id == link.c.order_id)
            )
        )
        .where(link.c.booking_id.in_(sorted(set(booking_ids))))
        # Oldest first: a later row of the same booking replaces an earlier one.
        .order_by(link.c.booking_id, order.c.created_date, order.c.number)
    )
    by_booking: dict[str, list[sa.Row[Any]]] = {}
    for row in await scope.all(stmt):
        by_booking.setdefault(str(row.booking_id), []).append(row)
    return {
        booking_id: _view(booking_id, chosen.doc)
        for booking_id, rows in by_booking.items()
        if (chosen := the_order(rows)) is not None
    }
