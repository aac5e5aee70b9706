"""The order records of the eCommerce slice, shared by its use cases: reading an order,
writing a change of it with its events, the bookings of an order and the orders of a
booking."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bookings.ecom.models import ecom_order_bookings, ecom_orders
from bookings.platform import errors, events
from bookings.platform.constants import BOOKINGS_APP_ID
from bookings.platform.db import SiteScope, UnitOfWork
from bookings.platform.wire import format_timestamp

ORDER_FQDN = "wix.ecom.v1.order"


def booking_ids(order: dict[str, Any]) -> list[str]:
    """The bookings sold by an order (its Bookings line items)."""
    return [
        str(li["catalogReference"]["catalogItemId"])
        for li in order.get("lineItems", [])
        if li.get("catalogReference", {}).get("appId") == BOOKINGS_APP_ID
    ]


async def order_row(scope: SiteScope, order_id: str) -> sa.Row[Any]:
    row = await scope.one_or_none(scope.select(ecom_orders).where(ecom_orders.c.id == order_id))
    if row is None:
        raise errors.not_found("ORDER_NOT_FOUND", f"Order {order_id} not found", orderId=order_id)
    return row


def the_order(oldest_first: Sequence[sa.Row[Any]]) -> sa.Row[Any] | None:
    """Of a booking's orders (rows with ``status``, oldest first), the one it is sold by: the
    newest that is not canceled, else the newest."""
    live = [r for r in oldest_first if r.status != "CANCELED"]
    chosen = live or list(oldest_first)
    return chosen[-1] if chosen else None


async def order_of_booking(scope: SiteScope, booking_id: str) -> sa.Row[Any] | None:
    """The order a booking is sold by (:func:`the_order`)."""
    o, ob = ecom_orders, ecom_order_bookings
    rows = await scope.all(
        scope.select(o)
        .join(ob, sa.and_(ob.c.site_id == o.c.site_id, ob.c.order_id == o.c.id))
        .where(ob.c.booking_id == booking_id)
        .order_by(o.c.created_date, o.c.number)
    )
    return the_order(rows)


async def record_order(
    uow: UnitOfWork, order: dict[str, Any], checkout_id: str, now: datetime
) -> None:
    """Insert a new order and its bookings, with its ``created`` event (and ``approved`` when
    it is approved at once)."""
    await uow.insert(
        ecom_orders,
        {
            "id": order["id"],
            "number": int(order["number"]),
            "checkout_id": checkout_id,
            "status": order["status"],
            "payment_status": order["paymentStatus"],
            "doc": order,
            "revision": 1,
            "created_date": now,
            "updated_date": now,
        },
    )
    ids = booking_ids(order)
    if ids:
        await uow.insert(
            ecom_order_bookings, *({"booking_id": b, "order_id": order["id"]} for b in ids)
        )
    await events.record(
        uow,
        entity_fqdn=ORDER_FQDN,
        slug="created",
        entity_id=order["id"],
        kind="created",
        payload=order,
        sequence=1,
    )
    if order["status"] == "APPROVED":
        await record_action(uow, order, "approved")


async def record_action(uow: UnitOfWork, order: dict[str, Any], slug: str, **extra: Any) -> None:
    """An order action event (``approved``, ``canceled``, ``payment_status_updated``)."""
    await events.record(
        uow,
        entity_fqdn=ORDER_FQDN,
        slug=slug,
        entity_id=order["id"],
        kind="action",
        payload={"order": order, **extra},
    )


async def save_order(
    uow: UnitOfWork,
    row: sa.Row[Any],
    order: dict[str, Any],
    now: datetime,
    *,
    previous_payment_status: str | None = None,
) -> None:
    """Write a changed order (``UPDATE … WHERE revision``: 409 ``ORDER_CHANGED`` when another
    write came first) with its ``updated`` event; ``payment_status_updated`` too when its
    payment status is not ``previous_payment_status`` (default: the row's)."""
    order["updatedDate"] = format_timestamp(now)
    result = await uow.run(
        uow.update(ecom_orders)
        .where(ecom_orders.c.id == row.id)
        .where(ecom_orders.c.revision == row.revision)
        .values(
            doc=order,
            status=order["status"],
            payment_status=order["paymentStatus"],
            revision=row.revision + 1,
            updated_date=now,
        )
    )
    if result.rowcount != 1:
        raise errors.conflict("ORDER_CHANGED", f"Order {row.id} changed meanwhile")
    await events.record(
        uow,
        entity_fqdn=ORDER_FQDN,
        slug="updated",
        entity_id=row.id,
        kind="updated",
        payload=order,
    )
    before = previous_payment_status or row.payment_status
    if order["paymentStatus"] != before:
        await record_action(uow, order, "payment_status_updated", previousPaymentStatus=before)


async def orders_by_id(scope: SiteScope, ids: Sequence[str]) -> dict[str, sa.Row[Any]]:
    if not ids:
        return {}
    rows = await scope.all(scope.select(ecom_orders).where(ecom_orders.c.id.in_(list(ids))))
    return {str(r.id): r for r in rows}
