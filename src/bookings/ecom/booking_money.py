"""What a canceled or declined booking does to its order (wired by the app to the booking
slice's ``booking_left`` hook point; runs inside the booking's unit of work):

* **A late cancel owes the fee** of the booking's policy snapshot (its
  ``cancellationFeePolicy`` window), unless ``waiveCancellationFee`` or ``waiveCharges``:
  the fee is added to the order (``additionalFees``, code ``BOOKING_CANCELLATION_FEE``, on
  the booking's line), and charged to the saved card when the policy collects it at once.
* **``waiveCharges``** also cancels the order when spec E.4 rule 5 allows it.
* **``withRefund``** refunds what the order holds of the booking's price (a fee is charged
  on its own).

The provider calls are queued (:mod:`.money_tasks`) and made after the commit.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from bookings.booking.ports import BookingLeft
from bookings.catalog.policies import service as policies
from bookings.ecom import balances, money_tasks, pricing
from bookings.ecom.order_store import order_of_booking, record_action, save_order
from bookings.platform.auth import Identity
from bookings.platform.db import UnitOfWork


def fee_entry(fee: Decimal, currency: str, line_id: str) -> dict[str, Any]:
    """The order's ``additionalFees`` entry of a cancellation fee."""
    value = balances.price(fee, currency)
    return {
        "code": balances.FEE_CODE,
        "name": "Cancellation fee",
        "price": value,
        "totalPriceBeforeTax": value,
        "totalPriceAfterTax": value,
        "lineItemIds": [line_id],
    }


async def on_booking_left(uow: UnitOfWork, caller: Identity, left: BookingLeft) -> None:
    if left.by_order:
        return
    row = await order_of_booking(uow, left.booking_id)
    if row is None or row.status == "CANCELED":
        return
    order = copy.deepcopy(row.doc)
    line = balances.line_of(order, left.booking_id)
    if line is None:
        return
    currency = str(order.get("currency") or "USD")
    changed = False
    if left.status == "CANCELED" and left.waive_charges and balances.rule_five_cancels_order(order):
        order["status"] = "CANCELED"
        await save_order(uow, row, order, left.at)
        await record_action(uow, order, "canceled")
        return
    fee: Decimal | None = None
    policy: dict[str, Any] = {}
    if left.status == "CANCELED" and not (left.waive_cancellation_fee or left.waive_charges):
        found = await policies.list_snapshots(uow, [left.booking_id])
        policy = dict(found[0].get("policy") or {}) if found else {}
        fee = balances.cancellation_fee(
            policy, left.start, left.at, pricing.amount(line["price"]["amount"])
        )
    if fee is not None:
        order.setdefault("additionalFees", []).append(fee_entry(fee, currency, str(line["id"])))
        balances.add_to(order, ("priceSummary", "total"), fee)
        balances.add_to(order, ("priceSummary", "totalPrice"), fee)
        balances.add_to(order, ("priceSummary", "totalAdditionalFees"), fee)
        balances.rebalance(order)
        changed = True
        if balances.auto_collects(policy):
            await money_tasks.enqueue(uow, row.id, left.booking_id, "FEE", fee, left.at)
    if left.with_refund:
        amount = balances.refundable(order, left.booking_id)
        if amount > 0:
            await money_tasks.enqueue(uow, row.id, left.booking_id, "REFUND", amount, left.at)
    if changed:
        await save_order(uow, row, order, left.at)
