"""eCommerce use cases, the booking subset (spec E.2 to E.4): checkouts of bookings, orders made
from them, offline payments recorded by the business.

* **A line item is a booking** (spec E.1): ``catalogReference.appId`` is the Bookings app id,
  ``catalogItemId`` the booking id. The booking slice (:func:`booking.sale_item`) says what the
  booking is and whether it still fits its slot; :func:`pricing.line_price` prices it from its
  service's ``payment``, its participants and its ``selectedPaymentOption``. An item that
  cannot be sold (unknown, not CREATED, slot taken, payment option not offered, another
  app's catalog) keeps its line with ``availability.status`` ``NOT_FOUND`` / ``NOT_AVAILABLE``,
  an ERROR ``violation`` on the line and a ``calculationErrors.orderValidationErrors`` entry;
  Create Order refuses such a checkout.
* **Create Order, offline**: every line paid later (``FULL_PAYMENT_OFFLINE``, or nothing
  to pay now): the order is ``APPROVED`` and ``NOT_PAID`` at once, then each booking follows
  E.4 through :func:`booking.confirm_from_order` (re-check, CONFIRMED / PENDING / DECLINED).
  The order commits first, the bookings after it (each in its own unit of work, owned by the
  booking slice).
* **Create Order, online** (:mod:`.online`): money to pay now (the price, or a deposit): the
  order is ``INITIALIZED`` until the provider's event approves or declines its payment; the
  bookings follow then. Provider events are applied once each.
* **Refunds and fees** (:mod:`.booking_money`, :mod:`.money_tasks`): a canceled or declined
  booking's refund (``withRefund``) and late-cancel fee are decided with the booking's change
  and carried out with the provider after it.
* **Payments**: Mark As Paid pays the balance; Record Manual Payment a part of it
  (``PARTIALLY_PAID`` until the balance is zero). Every change of the order's payment status
  is mirrored onto its bookings (E.4 rule 3).
* **Events**: ``wix.ecom.v1.checkout`` (created, updated, completed) and ``wix.ecom.v1.order``
  (created, approved, updated, payment_status_updated, canceled) go to the outbox in the
  writing unit of work.

The use cases live by job: :mod:`.checkouts`, :mod:`.orders`, :mod:`.online`,
:mod:`.order_search`, :mod:`.money_tasks`.
"""

from __future__ import annotations

from typing import Any

from bookings.ecom import online, pricing
from bookings.ecom.booking_money import on_booking_left
from bookings.ecom.checkouts import (
    CHECKOUT_FQDN,
    add_to_checkout,
    create_checkout,
    get_checkout,
    get_checkout_url,
    mark_checkout_as_completed,
    remove_line_items,
    update_checkout,
)
from bookings.ecom.money_tasks import run_due_tasks, run_payment_tasks
from bookings.ecom.online import handle_webhook
from bookings.ecom.order_search import search_orders
from bookings.ecom.order_store import ORDER_FQDN
from bookings.ecom.orders import (
    cancel_order,
    create_offline_order,
    fresh_checkout,
    get_order,
    mark_as_paid,
    payment_collectability_status,
    record_manual_payment,
)
from bookings.ecom.payment_pages import fake_payment, pay_fake
from bookings.platform.auth import Identity
from bookings.platform.db import Database
from bookings.platform.payments import PaymentProvider


async def create_order(
    db: Database,
    caller: Identity,
    payments: PaymentProvider | None,
    public_url: str,
    checkout_id: str,
) -> dict[str, Any]:
    """Create Order: offline when nothing is to be paid now, else through the provider."""
    doc = await fresh_checkout(db, caller, checkout_id)
    if pricing.amount(doc["payNow"]["total"]["amount"]) > 0:
        return await online.create_online_order(db, caller, payments, public_url, checkout_id, doc)
    return await create_offline_order(db, caller, checkout_id, doc)


__all__ = [
    "CHECKOUT_FQDN",
    "ORDER_FQDN",
    "add_to_checkout",
    "cancel_order",
    "create_checkout",
    "create_order",
    "fake_payment",
    "get_checkout",
    "get_checkout_url",
    "get_order",
    "handle_webhook",
    "mark_as_paid",
    "mark_checkout_as_completed",
    "on_booking_left",
    "pay_fake",
    "payment_collectability_status",
    "record_manual_payment",
    "remove_line_items",
    "run_due_tasks",
    "run_payment_tasks",
    "search_orders",
    "update_checkout",
]
