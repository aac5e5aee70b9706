"""The bookings of an order follow it (spec E.4): confirmed when it is approved, their
``paymentStatus`` mirroring its own."""

from __future__ import annotations

import logging
from typing import Any

from bookings.booking import service as booking
from bookings.ecom.order_store import booking_ids
from bookings.platform import errors
from bookings.platform.auth import Identity, Role
from bookings.platform.constants import BOOKINGS_APP_ID
from bookings.platform.db import Database

log = logging.getLogger(__name__)


def system_of(site_id: str) -> Identity:
    """Who acts on bookings when an order changes them (the Bookings app)."""
    return Identity(site_id, Role.APP, BOOKINGS_APP_ID)


async def confirm_bookings(
    db: Database, caller: Identity, order: dict[str, Any], *, decline_if_taken: bool = False
) -> list[str]:
    """Each booking of an approved order follows it (spec E.4): re-checked, confirmed,
    pending or declined. Answers the bookings that were declined."""
    declined: list[str] = []
    for booking_id in booking_ids(order):
        try:
            wire = await booking.confirm_from_order(
                db,
                caller,
                booking_id,
                order["paymentStatus"],
                decline_if_taken=decline_if_taken,
            )
        except errors.ApplicationError as exc:
            # The order is placed; a booking that moved meanwhile (canceled, say) stays as
            # it is (logged; the business sees it CANCELED next to an approved order).
            log.warning("order %s: booking %s not confirmed: %s", order["id"], booking_id, exc)
            continue
        if wire.get("status") == "DECLINED":
            declined.append(booking_id)
    return declined


async def mirror_on_bookings(db: Database, caller: Identity, order: dict[str, Any]) -> None:
    """Every booking of the order takes its payment status (spec E.4 rule 3)."""
    for booking_id in booking_ids(order):
        try:
            await booking.mirror_payment_status(db, caller, booking_id, order["paymentStatus"])
        except errors.ApplicationError as exc:
            log.warning("order %s: booking %s not updated: %s", order["id"], booking_id, exc)
