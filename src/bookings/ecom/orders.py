"""Orders made from checkouts of bookings, their offline payments, and order search (see
:mod:`bookings.ecom.service`)."""

from __future__ import annotations

import copy
import logging
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from bookings.booking import service as booking
from bookings.ecom import pricing
from bookings.ecom.checkouts import (
    _checkout_row,
    _line,
    _price,
    _save_checkout,
    _summarize,
)
from bookings.ecom.models import ecom_order_bookings, ecom_orders
from bookings.ecom.schemas import (
    CancelOrderRequest,
    LineItemIn,
    RecordManualPaymentRequest,
    SearchOrdersRequest,
)
from bookings.platform import errors, events
from bookings.platform.auth import Identity
from bookings.platform.constants import BOOKINGS_APP_ID
from bookings.platform.cursors import CursorCodec, CursorRejected
from bookings.platform.db import Database, SiteScope, UnitOfWork, utcnow
from bookings.platform.signing import Signer
from bookings.platform.wire import format_timestamp, new_id

log = logging.getLogger(__name__)

ORDER_FQDN = "wix.ecom.v1.order"
DEFAULT_LIMIT = 100
#: Tries at drawing an order number when concurrent orders collide.
_NUMBER_ATTEMPTS = 5
_CURSORS = CursorCodec("ecom-orders")


# ------------------------------------------------------------------ orders


def _booking_ids(order: dict[str, Any]) -> list[str]:
    return [
        str(li["catalogReference"]["catalogItemId"])
        for li in order.get("lineItems", [])
        if li.get("catalogReference", {}).get("appId") == BOOKINGS_APP_ID
    ]


async def create_order(db: Database, caller: Identity, checkout_id: str) -> dict[str, Any]:
    async with db.read(caller.site_id) as scope:
        row = await _checkout_row(scope, checkout_id)
    if row.order_id:
        raise errors.failed_precondition(
            "CHECKOUT_ALREADY_PAID",
            f"Checkout {checkout_id} already has order {row.order_id}",
            orderId=row.order_id,
        )
    if not row.doc["lineItems"]:
        raise errors.failed_precondition("EMPTY_CHECKOUT", f"Checkout {checkout_id} is empty")
    # Re-check every line now: the bookings may have moved since the checkout was made.
    fresh: list[dict[str, Any]] = []
    for li in row.doc["lineItems"]:
        ref = li["catalogReference"]
        item = LineItemIn.model_validate({"catalogReference": ref})
        fresh.append(await _line(db, caller, item, li["id"]))
    doc = copy.deepcopy(row.doc)
    doc["lineItems"] = fresh
    _summarize(doc)
    bad = [li for li in fresh if "_unavailable" in li]
    if bad:
        code = "FULL_OUT_OF_STOCK" if len(bad) == len(fresh) else "PARTIAL_OUT_OF_STOCK"
        raise errors.failed_precondition(
            code,
            "; ".join(str(li["_unavailable"]) for li in bad),
            lineItemIds=[li["id"] for li in bad],
        )
    if pricing.amount(doc["payNow"]["total"]["amount"]) > 0:
        raise errors.not_implemented("Online payment (no payment provider is configured)")
    order_id = new_id()
    for attempt in range(_NUMBER_ATTEMPTS):
        try:
            order = await _place_order(db, caller, checkout_id, doc, order_id)
            break
        except sa.exc.IntegrityError:
            # Two orders of the site drew the same number at once: draw again.
            if attempt == _NUMBER_ATTEMPTS - 1:
                raise
    for booking_id in _booking_ids(order):
        try:
            await booking.confirm_from_order(db, caller, booking_id, order["paymentStatus"])
        except errors.ApplicationError as exc:
            # The order is placed; a booking that moved meanwhile (canceled, say) stays as
            # it is (logged; the business sees it CANCELED next to an approved order).
            log.warning("order %s: booking %s not confirmed: %s", order_id, booking_id, exc)
    return {"orderId": order_id}


async def _place_order(
    db: Database, caller: Identity, checkout_id: str, doc: dict[str, Any], order_id: str
) -> dict[str, Any]:
    """Write the order (APPROVED, NOT_PAID), its events, and the checkout completed."""
    now = utcnow()
    doc = copy.deepcopy(doc)
    async with db.write(caller.site_id) as uow:
        row = await _checkout_row(uow, checkout_id)
        if row.order_id:
            raise errors.failed_precondition(
                "CHECKOUT_ALREADY_PAID", f"Checkout {checkout_id} already has an order"
            )
        last = await uow.scalar(uow.select(ecom_orders, sa.func.max(ecom_orders.c.number)))
        number = int(last or 10000) + 1
        order = _order_doc(doc, order_id, number, now)
        await uow.insert(
            ecom_orders,
            {
                "id": order_id,
                "number": number,
                "checkout_id": checkout_id,
                "status": order["status"],
                "payment_status": order["paymentStatus"],
                "doc": order,
                "revision": 1,
                "created_date": now,
                "updated_date": now,
            },
        )
        booking_ids = _booking_ids(order)
        if booking_ids:
            await uow.insert(
                ecom_order_bookings,
                *({"booking_id": b, "order_id": order_id} for b in booking_ids),
            )
        await events.record(
            uow,
            entity_fqdn=ORDER_FQDN,
            slug="created",
            entity_id=order_id,
            kind="created",
            payload=order,
            sequence=1,
        )
        await events.record(
            uow,
            entity_fqdn=ORDER_FQDN,
            slug="approved",
            entity_id=order_id,
            kind="action",
            payload={"order": order},
            sequence=2,
        )
        doc["orderId"] = order_id
        doc["completed"] = True
        await _save_checkout(uow, row, doc, "completed", now)
    return order


def _order_doc(
    checkout: dict[str, Any], order_id: str, number: int, now: datetime
) -> dict[str, Any]:
    currency = str(checkout["currency"])
    lines = []
    for li in checkout["lineItems"]:
        total = pricing.amount(li["price"]["amount"])
        line = {
            "id": li["id"],
            "productName": li.get("productName"),
            "catalogReference": li["catalogReference"],
            "quantity": 1,
            "price": _price(total, currency),
            "totalPriceBeforeTax": _price(total, currency),
            "totalPriceAfterTax": _price(total, currency),
            "paymentOption": li.get("paymentOption", "FULL_PAYMENT_OFFLINE"),
        }
        for key in ("depositAmount", "priceDescription"):
            if key in li:
                line[key] = (
                    li[key]
                    if key != "depositAmount"
                    else {
                        "amount": li[key]["amount"],
                        "formattedAmount": li[key]["formattedAmount"],
                    }
                )
        lines.append({k: v for k, v in line.items() if v is not None})
    total = pricing.amount(checkout["priceSummary"]["total"]["amount"])
    zero = _price(pricing.ZERO, currency)
    order: dict[str, Any] = {
        "id": order_id,
        "number": str(number),
        "checkoutId": checkout["id"],
        "lineItems": lines,
        "currency": currency,
        "priceSummary": {
            "subtotal": _price(total, currency),
            "shipping": zero,
            "tax": zero,
            "discount": zero,
            "totalPrice": _price(total, currency),
            "total": _price(total, currency),
            "totalAdditionalFees": zero,
        },
        "balanceSummary": {"balance": _price(total, currency), "paid": zero, "refunded": zero},
        "status": "APPROVED",
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


async def _order_row(scope: SiteScope, order_id: str) -> sa.Row[Any]:
    row = await scope.one_or_none(scope.select(ecom_orders).where(ecom_orders.c.id == order_id))
    if row is None:
        raise errors.not_found("ORDER_NOT_FOUND", f"Order {order_id} not found", orderId=order_id)
    return row


async def get_order(db: Database, caller: Identity, order_id: str) -> dict[str, Any]:
    async with db.read(caller.site_id) as scope:
        row = await _order_row(scope, order_id)
    return {"order": row.doc}


async def _save_order(
    uow: UnitOfWork, row: sa.Row[Any], order: dict[str, Any], now: datetime
) -> None:
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


async def _pay(
    db: Database, caller: Identity, order_id: str, given: Decimal | None
) -> dict[str, Any]:
    """Record money taken offline (``None``: the whole balance)."""
    async with db.write(caller.site_id) as uow:
        row = await _order_row(uow, order_id)
        order = copy.deepcopy(row.doc)
        if order["status"] == "CANCELED":
            raise errors.failed_precondition(
                "ORDER_IS_CANCELED", f"Order {order_id} is canceled", orderId=order_id
            )
        currency = str(order.get("currency") or "USD")
        balance = pricing.amount(order["balanceSummary"]["balance"]["amount"])
        paid = pricing.amount(order["balanceSummary"]["paid"]["amount"])
        if given is None:
            if order["paymentStatus"] == "PAID":
                return {"order": order}
            given = balance
        elif given <= 0 or given > balance:
            raise errors.invalid_field(
                "amount.amount", f"must be more than 0 and at most the balance ({balance:.2f})"
            )
        balance, paid = balance - given, paid + given
        previous = order["paymentStatus"]
        order["balanceSummary"]["balance"] = _price(balance, currency)
        order["balanceSummary"]["paid"] = _price(paid, currency)
        order["paymentStatus"] = "PAID" if balance <= 0 else "PARTIALLY_PAID"
        await _save_order(uow, row, order, utcnow())
        if order["paymentStatus"] != previous:
            await events.record(
                uow,
                entity_fqdn=ORDER_FQDN,
                slug="payment_status_updated",
                entity_id=order_id,
                kind="action",
                payload={"order": order, "previousPaymentStatus": previous},
            )
    for booking_id in _booking_ids(order):
        await booking.mirror_payment_status(db, caller, booking_id, order["paymentStatus"])
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
        row = await _order_row(scope, order_id)
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
    async with db.write(caller.site_id) as uow:
        row = await _order_row(uow, req.id)
        order = copy.deepcopy(row.doc)
        if order["status"] == "CANCELED":
            raise errors.failed_precondition(
                "ORDER_ALREADY_CANCELED", f"Order {req.id} is already canceled", orderId=req.id
            )
        order["status"] = "CANCELED"
        await _save_order(uow, row, order, utcnow())
        await events.record(
            uow,
            entity_fqdn=ORDER_FQDN,
            slug="canceled",
            entity_id=req.id,
            kind="action",
            payload={"order": order},
        )
    return {"order": order}


# ------------------------------------------------------------------ search

_FILTER_COLUMNS = {
    "id": ecom_orders.c.id,
    "status": ecom_orders.c.status,
    "paymentStatus": ecom_orders.c.payment_status,
    "checkoutId": ecom_orders.c.checkout_id,
}


def _condition(name: str, value: Any) -> sa.ColumnElement[bool]:
    column = _FILTER_COLUMNS.get(name)
    if column is None:
        raise errors.invalid_field(f"search.filter.{name}", "is not a filter of this server")
    if isinstance(value, dict):
        if set(value) == {"$eq"}:
            return column == str(value["$eq"])
        if set(value) == {"$ne"}:
            return column != str(value["$ne"])
        if set(value) == {"$in"} and isinstance(value["$in"], list):
            return column.in_([str(v) for v in value["$in"]])
        raise errors.invalid_field(f"search.filter.{name}", "supports $eq, $ne and $in")
    return column == str(value)


async def search_orders(
    db: Database, caller: Identity, signer: Signer, req: SearchOrdersRequest
) -> dict[str, Any]:
    """Newest first (``createdDate`` desc, then id); filters: id, status, paymentStatus,
    checkoutId (equality, ``$eq``, ``$ne``, ``$in``). A cursor carries the filter and the
    position, so the next page is asked with the cursor alone."""
    search = req.search
    paging = search.cursor_paging if search else None
    limit = DEFAULT_LIMIT if paging is None or paging.limit is None else paging.limit
    flt: dict[str, Any] = (search.filter if search else None) or {}
    after: list[str] | None = None
    if paging is not None and paging.cursor:
        try:
            body = _CURSORS.open(signer, caller.site_id, paging.cursor)
        except CursorRejected:
            raise errors.invalid_field("search.cursorPaging.cursor", "is not valid") from None
        flt, after = body["f"], body["a"]
    if search and search.sort:
        for s in search.sort:
            if s.get("fieldName") not in (None, "createdDate") or s.get("order") == "ASC":
                raise errors.invalid_field("search.sort", "only createdDate DESC is supported")
    t = ecom_orders
    async with db.read(caller.site_id) as scope:
        stmt = scope.select(t)
        for name, value in flt.items():
            stmt = stmt.where(_condition(name, value))
        if after is not None:
            when = datetime.fromisoformat(after[0])
            stmt = stmt.where(
                sa.or_(
                    t.c.created_date < when, sa.and_(t.c.created_date == when, t.c.id < after[1])
                )
            )
        rows = await scope.all(
            stmt.order_by(t.c.created_date.desc(), t.c.id.desc()).limit(limit + 1)
        )
    page, more = rows[:limit], len(rows) > limit
    cursors: dict[str, Any] = {}
    if more and page:
        last = page[-1]
        cursors["next"] = _CURSORS.seal(
            signer, caller.site_id, {"f": flt, "a": [last.created_date.isoformat(), last.id]}
        )
    return {
        "orders": [r.doc for r in page],
        "metadata": {"count": len(page), "cursors": cursors, "hasNext": more},
    }
