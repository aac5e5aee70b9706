"""Orders made from checkouts of bookings, and their offline payments (see
:mod:`bookings.ecom.service`). Online payments are in :mod:`.online`."""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from bookings.booking import service as booking
from bookings.ecom import balances, money_tasks, pricing
from bookings.ecom.balances import price
from bookings.ecom.checkouts import checkout_row, priced_line, save_checkout, summarize
from bookings.ecom.models import ecom_orders, ecom_payments
from bookings.ecom.order_bookings import mirror_on_bookings, system_of
from bookings.ecom.order_store import (
    booking_ids,
    order_row,
    record_action,
    record_order,
    save_order,
)
from bookings.ecom.schemas import CancelOrderRequest, LineItemIn, RecordManualPaymentRequest
from bookings.platform import errors
from bookings.platform.auth import Identity
from bookings.platform.db import Database, utcnow
from bookings.platform.wire import format_timestamp, new_id

log = logging.getLogger(__name__)

#: Tries at drawing an order number when concurrent orders collide.
_NUMBER_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class PlannedPayment:
    """The online payment an order is placed with (written with the order, ``PENDING``)."""

    id: str
    provider: str
    kind: str
    amount: Decimal
    currency: str


async def fresh_checkout(db: Database, caller: Identity, checkout_id: str) -> dict[str, Any]:
    """The checkout with every line re-checked now (the bookings may have moved since it was
    made): refused when it has an order, is empty, or a line cannot be sold."""
    async with db.read(caller.site_id) as scope:
        row = await checkout_row(scope, checkout_id)
    if row.order_id:
        raise errors.failed_precondition(
            "CHECKOUT_ALREADY_PAID",
            f"Checkout {checkout_id} already has order {row.order_id}",
            orderId=row.order_id,
        )
    if not row.doc["lineItems"]:
        raise errors.failed_precondition("EMPTY_CHECKOUT", f"Checkout {checkout_id} is empty")
    fresh: list[dict[str, Any]] = []
    for li in row.doc["lineItems"]:
        item = LineItemIn.model_validate({"catalogReference": li["catalogReference"]})
        fresh.append(await priced_line(db, caller, item, li["id"]))
    doc: dict[str, Any] = copy.deepcopy(row.doc)
    doc["lineItems"] = fresh
    summarize(doc)
    bad = [li for li in fresh if "_unavailable" in li]
    if bad:
        code = "FULL_OUT_OF_STOCK" if len(bad) == len(fresh) else "PARTIAL_OUT_OF_STOCK"
        raise errors.failed_precondition(
            code,
            "; ".join(str(li["_unavailable"]) for li in bad),
            lineItemIds=[li["id"] for li in bad],
        )
    return doc


async def create_offline_order(
    db: Database, caller: Identity, checkout_id: str, doc: dict[str, Any]
) -> dict[str, Any]:
    """Nothing to pay now: the order is APPROVED and NOT_PAID at once, then its bookings
    follow it (spec E.4)."""
    order = await place_order(db, caller, checkout_id, doc, status="APPROVED")
    await money_tasks.run_order_tasks(db, None, caller.site_id, order["id"])
    return {"orderId": order["id"]}


async def place_order(
    db: Database,
    caller: Identity,
    checkout_id: str,
    doc: dict[str, Any],
    *,
    status: str,
    payment: PlannedPayment | None = None,
) -> dict[str, Any]:
    """Write the order (``status``, NOT_PAID), its bookings, its events, its planned online
    payment, and the checkout completed, in one unit of work; a number drawn twice at once
    is drawn again."""
    order_id = new_id()
    for attempt in range(_NUMBER_ATTEMPTS):
        try:
            return await _place(db, caller, checkout_id, doc, order_id, status, payment)
        except sa.exc.IntegrityError:
            if attempt == _NUMBER_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


async def _place(
    db: Database,
    caller: Identity,
    checkout_id: str,
    doc: dict[str, Any],
    order_id: str,
    status: str,
    payment: PlannedPayment | None,
) -> dict[str, Any]:
    now = utcnow()
    doc = copy.deepcopy(doc)
    async with db.write(caller.site_id) as uow:
        row = await checkout_row(uow, checkout_id)
        if row.order_id:
            raise errors.failed_precondition(
                "CHECKOUT_ALREADY_PAID", f"Checkout {checkout_id} already has an order"
            )
        last = await uow.scalar(uow.select(ecom_orders, sa.func.max(ecom_orders.c.number)))
        order = order_doc(doc, order_id, int(last or 10000) + 1, now, status)
        await record_order(uow, order, checkout_id, now)
        if status == "APPROVED":
            await money_tasks.confirm_later(uow, order_id, now, online=False)
        if payment is not None:
            await uow.insert(
                ecom_payments,
                {
                    "id": payment.id,
                    "order_id": order_id,
                    "provider": payment.provider,
                    "provider_ref": None,
                    "kind": payment.kind,
                    "amount": f"{payment.amount:.2f}",
                    "currency": payment.currency,
                    "status": "PENDING",
                    "refunded": "0.00",
                    "redirect_url": None,
                    "created_date": now,
                    "updated_date": now,
                },
            )
        doc["orderId"] = order_id
        doc["completed"] = True
        await save_checkout(uow, row, doc, "completed", now)
    return order


def order_doc(
    checkout: dict[str, Any], order_id: str, number: int, now: datetime, status: str
) -> dict[str, Any]:
    """The wire order of a checkout (spec E.3)."""
    currency = str(checkout["currency"])
    lines = []
    for li in checkout["lineItems"]:
        total = pricing.amount(li["price"]["amount"])
        line = {
            "id": li["id"],
            "productName": li.get("productName"),
            "catalogReference": li["catalogReference"],
            "quantity": 1,
            "price": price(total, currency),
            "totalPriceBeforeTax": price(total, currency),
            "totalPriceAfterTax": price(total, currency),
            "paymentOption": li.get("paymentOption", "FULL_PAYMENT_OFFLINE"),
        }
        if "depositAmount" in li:
            line["depositAmount"] = {
                "amount": li["depositAmount"]["amount"],
                "formattedAmount": li["depositAmount"]["formattedAmount"],
            }
        if "priceDescription" in li:
            line["priceDescription"] = li["priceDescription"]
        lines.append({k: v for k, v in line.items() if v is not None})
    total = pricing.amount(checkout["priceSummary"]["total"]["amount"])
    zero = price(pricing.ZERO, currency)
    order: dict[str, Any] = {
        "id": order_id,
        "number": str(number),
        "checkoutId": checkout["id"],
        "lineItems": lines,
        "currency": currency,
        "priceSummary": {
            "subtotal": price(total, currency),
            "shipping": zero,
            "tax": zero,
            "discount": zero,
            "totalPrice": price(total, currency),
            "total": price(total, currency),
            "totalAdditionalFees": zero,
        },
        "balanceSummary": {"balance": price(total, currency), "paid": zero, "refunded": zero},
        "status": status,
        "paymentStatus": "NOT_PAID",
        "fulfillmentStatus": "NOT_FULFILLED",
        "channelInfo": {"type": checkout.get("channelType", "WEB")},
        "createdDate": format_timestamp(now),
        "updatedDate": format_timestamp(now),
        "purchasedDate": format_timestamp(now),
    }
    for key in ("buyerInfo", "billingInfo"):
        if key in checkout:
            order[key] = checkout[key]
    return order


async def get_order(db: Database, caller: Identity, order_id: str) -> dict[str, Any]:
    async with db.read(caller.site_id) as scope:
        row = await order_row(scope, order_id)
    return {"order": row.doc}


async def _pay(
    db: Database, caller: Identity, order_id: str, given: Decimal | None
) -> dict[str, Any]:
    """Record money taken offline (``None``: the whole balance)."""
    async with db.write(caller.site_id) as uow:
        row = await order_row(uow, order_id)
        order = copy.deepcopy(row.doc)
        if order["status"] == "CANCELED":
            raise errors.failed_precondition(
                "ORDER_IS_CANCELED", f"Order {order_id} is canceled", orderId=order_id
            )
        balance = pricing.amount(order["balanceSummary"]["balance"]["amount"])
        if given is None:
            if balance <= 0:
                return {"order": order}
            given = balance
        elif given <= 0 or given > balance:
            raise errors.invalid_field(
                "amount.amount", f"must be more than 0 and at most the balance ({balance:.2f})"
            )
        balances.add_to(order, ("balanceSummary", "paid"), given)
        balances.rebalance(order)
        now = utcnow()
        if order["status"] == "INITIALIZED":
            order["status"] = "APPROVED"
            await record_action(uow, order, "approved")
            await money_tasks.confirm_later(uow, order_id, now, online=False)
        await save_order(uow, row, order, now)
    if row.status == "INITIALIZED":
        await money_tasks.run_order_tasks(db, None, caller.site_id, order_id)
    else:
        await mirror_on_bookings(db, caller, order)
    return {"order": order}


async def mark_as_paid(db: Database, caller: Identity, order_id: str) -> dict[str, Any]:
    return await _pay(db, caller, order_id, None)


async def record_manual_payment(
    db: Database, caller: Identity, req: RecordManualPaymentRequest
) -> dict[str, Any]:
    try:
        given = Decimal(req.amount.amount)
    except ArithmeticError:
        raise errors.invalid_field("amount.amount", "must be a decimal number") from None
    if not given.is_finite():
        raise errors.invalid_field("amount.amount", "must be a decimal number")
    await _pay(db, caller, req.order_id, given.quantize(pricing.CENT))
    return {}


async def payment_collectability_status(
    db: Database, caller: Identity, order_id: str
) -> dict[str, Any]:
    async with db.read(caller.site_id) as scope:
        row = await order_row(scope, order_id)
    order = row.doc
    balance = order["balanceSummary"]["balance"]
    status = {
        "CANCELED": "NONCOLLECTABLE_ORDER_IS_CANCELLED",
        "REJECTED": "NONCOLLECTABLE_ORDER_IS_REJECTED",
        "PENDING": "NONCOLLECTABLE_ORDER_IS_PENDING",
        "INITIALIZED": "NONCOLLECTABLE_ORDER_IS_PENDING",
    }.get(order["status"])
    if status is None:
        paid_up = order["paymentStatus"] == "PAID" or pricing.amount(balance["amount"]) <= 0
        status = "NONCOLLECTABLE_ORDER_IS_PAID" if paid_up else "COLLECTABLE"
    return {"status": status, "amount": balance}


async def cancel_order(db: Database, caller: Identity, req: CancelOrderRequest) -> dict[str, Any]:
    """Cancel the order, then each of its bookings still live (no fee: the business
    cancels). Money already paid stays paid: refunds are asked separately."""
    async with db.write(caller.site_id) as uow:
        row = await order_row(uow, req.id)
        order = copy.deepcopy(row.doc)
        if order["status"] == "CANCELED":
            raise errors.failed_precondition(
                "ORDER_ALREADY_CANCELED", f"Order {req.id} is already canceled", orderId=req.id
            )
        order["status"] = "CANCELED"
        await save_order(uow, row, order, utcnow())
        await record_action(uow, order, "canceled")
    system = system_of(caller.site_id)
    for booking_id in booking_ids(order):
        try:
            await booking.cancel_for_order(db, system, booking_id)
        except errors.ApplicationError as exc:
            log.info("order %s canceled: booking %s stays: %s", req.id, booking_id, exc)
    return {"order": order}
