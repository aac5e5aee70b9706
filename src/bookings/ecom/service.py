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
* **Create Order, offline only**: every line paid later (``FULL_PAYMENT_OFFLINE``, or nothing
  to pay now): the order is ``APPROVED`` and ``NOT_PAID`` at once, then each booking follows
  E.4 through :func:`booking.confirm_from_order` (re-check, CONFIRMED / PENDING / DECLINED).
  The order commits first, the bookings after it (each in its own unit of work, owned by the
  booking slice). A checkout that would charge money online answers 501: no online provider
  is wired yet.
* **Payments**: Mark As Paid pays the balance; Record Manual Payment a part of it
  (``PARTIALLY_PAID`` until the balance is zero). Every change of the order's payment status
  is mirrored onto its bookings (E.4 rule 3).
* **Events**: ``wix.ecom.v1.checkout`` (created, updated, completed) and ``wix.ecom.v1.order``
  (created, approved, updated, payment_status_updated, canceled) go to the outbox in the
  writing unit of work.

The use cases live by job: :mod:`.checkouts`, :mod:`.orders` (with order search).
"""

from __future__ import annotations

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
from bookings.ecom.orders import (
    ORDER_FQDN,
    cancel_order,
    create_order,
    get_order,
    mark_as_paid,
    payment_collectability_status,
    record_manual_payment,
    search_orders,
)

__all__ = [
    "CHECKOUT_FQDN",
    "ORDER_FQDN",
    "add_to_checkout",
    "cancel_order",
    "create_checkout",
    "create_order",
    "get_checkout",
    "get_checkout_url",
    "get_order",
    "mark_as_paid",
    "mark_checkout_as_completed",
    "payment_collectability_status",
    "record_manual_payment",
    "remove_line_items",
    "search_orders",
    "update_checkout",
]
