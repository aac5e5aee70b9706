"""What the eCommerce slice offers the other slices besides its use cases
(:mod:`bookings.ecom.service`).

``orders_of_bookings(scope, booking_ids) -> {booking_id: BookingOrderView}``
    The order of each booking that has one (the newest not ``CANCELED``, else the newest), read
    in one statement in the caller's scope: number, statuses, total, balance and currency of
    the order, the booking's line price and price description, the refunded sum and whether a
    cancellation fee is applied on the booking's line (the Reader's ``order``,
    ``transactions`` and ``bookingFeeDetails``).

``BookingOrderView``, ``Money``
    The typed view of a booking's order and its wire ``Price`` values.
"""

from __future__ import annotations

from bookings.ecom.booking_orders import BookingOrderView, Money, orders_of_bookings

__all__ = ["BookingOrderView", "Money", "orders_of_bookings"]
