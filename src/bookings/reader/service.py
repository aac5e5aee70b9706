"""Bookings Reader V2 use-cases: query and count extended bookings.

An extended booking is the wire Booking plus the parts its request's ``with*`` flags ask for:
``allowedActions`` (from the booking's policy snapshot, at the server's now),
``attendance`` (``{status: NOT_SET, numberOfAttendees: 0}`` when nothing is recorded) and
``bookingPolicySettings`` (``cancellationFeeEnabled`` of the snapshot), and from the booking's
eCommerce order (:func:`bookings.ecom.ports.orders_of_bookings`, one read per page):
``order`` (number, statuses, total, the booking's line price and description, balance,
currency), ``bookingFeeDetails`` (``APPLIED_TO_ORDER`` when a cancellation fee is on the
booking's order line; omitted otherwise: only applied fees are reported) and ``transactions``
(``refundSumAmounts``, the order's refunded sum, when above zero; omitted otherwise). A booking
without an order has none of the three. Conferencing, waivers and form submissions are not kept
by this server: their flags are accepted and add nothing. Visibility comes from the booking
slice: the business sees the site's bookings, a member or visitor their own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic.alias_generators import to_camel

from bookings.attendance import service as attendance
from bookings.booking import service as bookings
from bookings.booking.service import BookingView
from bookings.ecom.ports import BookingOrderView, orders_of_bookings
from bookings.platform import errors
from bookings.platform.auth import Identity
from bookings.platform.db import Database, SiteScope, utcnow
from bookings.platform.signing import Signer
from bookings.reader.schemas import ExtendedParts as ExtendedParts  # the pages ask for parts

#: Flags that need a backend permission (eCommerce orders, booking fees).
_BACKEND_PARTS = ("with_ecom_order", "with_booking_fee_details")

NO_ATTENDANCE = {"status": "NOT_SET", "numberOfAttendees": 0}


def _order_part(view: BookingOrderView) -> dict[str, Any]:
    """The ExtendedBooking ``order`` of a booking's order."""
    part: dict[str, Any] = {
        "id": view.order_id,
        "number": view.number,
        "status": view.status,
        "paymentStatus": view.payment_status,
        "totalPrice": view.total_price.wire,
    }
    if view.booking_price is not None:
        part["bookingPrice"] = view.booking_price.wire
    if view.booking_price_description is not None:
        part["bookingPriceDescription"] = dict(view.booking_price_description)
    part["balance"] = view.balance.wire
    if view.currency is not None:
        part["currency"] = view.currency
    return part


def _order_parts(view: BookingOrderView | None, parts: ExtendedParts) -> dict[str, Any]:
    """``order``, ``bookingFeeDetails`` and ``transactions`` of one booking, as asked."""
    if view is None:
        return {}
    out: dict[str, Any] = {}
    if parts.with_booking_fee_details and view.cancellation_fee_applied:
        out["bookingFeeDetails"] = {"cancellationFeeStatus": "APPLIED_TO_ORDER"}
    if parts.with_ecom_order:
        out["order"] = _order_part(view)
    if parts.with_ecom_transactions and view.refunded is not None:
        out["transactions"] = {"refundSumAmounts": view.refunded}
    return out


def _authorize_parts(caller: Identity, parts: ExtendedParts) -> None:
    if caller.is_backend:
        return
    for name in _BACKEND_PARTS:
        if getattr(parts, name):
            raise errors.permission_denied(f"{to_camel(name)} needs an admin or app identity")


async def _extend(
    scope: SiteScope, found: Sequence[BookingView], parts: ExtendedParts, now: datetime
) -> list[dict[str, Any]]:
    ids = [b.id for b in found]
    actions: Mapping[str, Any] = {}
    attended: Mapping[str, Any] = {}
    snapshots: Mapping[str, Any] = {}
    orders: Mapping[str, BookingOrderView] = {}
    if parts.with_booking_allowed_actions:
        actions = await bookings.allowed_actions_of(scope, found, now)
    if parts.with_booking_attendance_info:
        attended = await attendance.extended_attendance(scope, ids)
    if parts.with_booking_policy_settings:
        snapshots = await bookings.policy_snapshots(scope, ids)
    if parts.with_ecom_order or parts.with_booking_fee_details or parts.with_ecom_transactions:
        orders = await orders_of_bookings(scope, ids)
    out = []
    for booking in found:
        item: dict[str, Any] = {"booking": booking.wire}
        if parts.with_booking_allowed_actions:
            item["allowedActions"] = actions[booking.id]
        if parts.with_booking_attendance_info:
            item["attendance"] = dict(attended.get(booking.id) or NO_ATTENDANCE)
        if parts.with_booking_policy_settings:
            fee = (snapshots.get(booking.id) or {}).get("cancellationFeePolicy") or {}
            item["bookingPolicySettings"] = {"cancellationFeeEnabled": bool(fee.get("enabled"))}
        item.update(_order_parts(orders.get(booking.id), parts))
        out.append(item)
    return out


async def query_extended_bookings(
    db: Database,
    signer: Signer,
    caller: Identity,
    query_: Mapping[str, Any] | None,
    parts: ExtendedParts,
    *,
    session_id: str | None = None,
) -> dict[str, Any]:
    """A page of extended bookings; ``session_id`` (the deprecated Query) replaces any ``id``
    condition of the filter with "the bookings of that session"."""
    _authorize_parts(caller, parts)
    q = dict(query_ or {})
    scope_key = f"{caller.site_id}:extended-bookings:{caller.role.value}:{caller.subject_id}"
    async with db.read(caller.site_id) as scope:
        if session_id is not None:
            if isinstance(q.get("filter"), Mapping):
                q["filter"] = {k: v for k, v in q["filter"].items() if k != "id"}
            scope_key += f":session:{session_id}"
        page = await bookings.query_bookings(
            scope, caller, q, signer=signer, scope_key=scope_key, session_id=session_id
        )
        extended = await _extend(scope, page.bookings, parts, utcnow())
    return {"extendedBookings": extended, "pagingMetadata": page.paging_metadata}


async def count_extended_bookings(
    db: Database, caller: Identity, filter_: Mapping[str, Any] | None
) -> dict[str, Any]:
    async with db.read(caller.site_id) as scope:
        return {"count": await bookings.count_bookings(scope, caller, filter_)}
