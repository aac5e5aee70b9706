"""Checkouts of bookings: line items priced from their bookings, the checkout's summary, its
changes (see :mod:`bookings.ecom.service`)."""

from __future__ import annotations

import copy
import logging
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bookings.booking import service as booking
from bookings.ecom import pricing
from bookings.ecom.models import ecom_checkouts
from bookings.ecom.schemas import (
    AddToCheckoutRequest,
    CreateCheckoutRequest,
    LineItemIn,
    RemoveLineItemsRequest,
    UpdateCheckoutRequest,
)
from bookings.platform import errors, events
from bookings.platform.auth import Identity
from bookings.platform.constants import BOOKINGS_APP_ID
from bookings.platform.db import Database, SiteScope, UnitOfWork, utcnow
from bookings.platform.wire import format_timestamp, new_id

log = logging.getLogger(__name__)

CHECKOUT_FQDN = "wix.ecom.v1.checkout"
#: Where a checkout is paid, under the public base URL (our own page; not served yet).
CHECKOUT_PATH = "/checkout?checkoutId={id}"


# ------------------------------------------------------------------ documents


def _violation(line_id: str, description: str) -> dict[str, Any]:
    return {
        "severity": "ERROR",
        "target": {"lineItem": {"name": "LINE_ITEM_DEFAULT", "id": line_id}},
        "description": description,
    }


async def priced_line(
    db: Database, caller: Identity, item: LineItemIn, line_id: str
) -> dict[str, Any]:
    """One checkout line: the booking priced, or the reason it cannot be sold."""
    ref = item.catalog_reference
    line: dict[str, Any] = {
        "id": line_id,
        "quantity": 1,
        "catalogReference": {"catalogItemId": ref.catalog_item_id, "appId": ref.app_id},
    }
    if ref.options:
        line["catalogReference"]["options"] = ref.options
    found = None
    if ref.app_id == BOOKINGS_APP_ID:
        found = await booking.sale_item(db, caller, ref.catalog_item_id)
    if found is None:
        why = (
            f"Booking {ref.catalog_item_id} does not exist"
            if ref.app_id == BOOKINGS_APP_ID
            else f"Catalog {ref.app_id} is not sold by this server (only bookings are)"
        )
        line["availability"] = {"status": "NOT_FOUND", "quantityAvailable": 0}
        line["_unavailable"] = why
        return line
    price = pricing.line_price(found.payment, found.participants, found.selected_payment_option)
    unavailable = price.unavailable
    if unavailable is None and found.status != "CREATED":
        unavailable = f"the booking is {found.status}, not CREATED"
    if unavailable is None and not found.fits:
        unavailable = "the booking's slot is taken"
    cur = price.currency
    name = found.service_name or "Booking"
    line.update(
        {
            "productName": {"original": name, "translated": name},
            "price": pricing.money(price.total, cur),
            "lineItemPrice": pricing.money(price.total, cur),
            "fullPrice": pricing.money(price.total, cur),
            "priceBeforeDiscounts": pricing.money(price.total, cur),
            "totalPriceBeforeTax": pricing.money(price.total, cur),
            "totalPriceAfterTax": pricing.money(price.total, cur),
            "paymentOption": price.payment_option,
            "serviceProperties": {"numberOfParticipants": found.participants},
            "availability": {"status": "AVAILABLE", "quantityAvailable": 1},
            "_payNow": f"{price.pay_now:.2f}",
            "_currency": cur,
        }
    )
    if found.start is not None:
        line["serviceProperties"]["scheduledDate"] = format_timestamp(found.start)
    if found.end is not None:
        line["serviceProperties"]["endDate"] = format_timestamp(found.end)
    if price.payment_option == "DEPOSIT_ONLINE" and price.deposit is not None:
        line["depositAmount"] = pricing.money(price.pay_now, cur)
    if price.description:
        line["priceDescription"] = {"original": price.description, "translated": price.description}
    if unavailable is not None:
        line["availability"] = {"status": "NOT_AVAILABLE", "quantityAvailable": 0}
        line["_unavailable"] = unavailable
    return line


def summarize(doc: dict[str, Any]) -> None:
    """Totals, pay now / later, availability reports of a checkout from its lines."""
    lines = doc["lineItems"]
    currency = next((str(li["_currency"]) for li in lines if "_currency" in li), "USD")
    total = sum(
        (pricing.amount(li["price"]["amount"]) for li in lines if "price" in li), pricing.ZERO
    )
    now = sum((pricing.amount(li.get("_payNow", "0")) for li in lines), pricing.ZERO)
    zero = pricing.money(pricing.ZERO, currency)
    doc["currency"] = currency
    doc["priceSummary"] = {
        "subtotal": pricing.money(total, currency),
        "shipping": zero,
        "tax": zero,
        "discount": zero,
        "total": pricing.money(total, currency),
        "additionalFees": zero,
    }
    doc["payNow"] = {**doc["priceSummary"], "total": pricing.money(now, currency)}
    doc["payLater"] = {**doc["priceSummary"], "total": pricing.money(total - now, currency)}
    bad = [li for li in lines if "_unavailable" in li]
    doc["violations"] = [_violation(li["id"], li["_unavailable"]) for li in bad]
    if bad:
        code = "FULL_OUT_OF_STOCK" if len(bad) == len(lines) else "PARTIAL_OUT_OF_STOCK"
        doc["calculationErrors"] = {
            "orderValidationErrors": [
                {
                    "code": code,
                    "description": li["_unavailable"],
                    "data": {"lineItemId": li["id"]},
                }
                for li in bad
            ]
        }
    else:
        doc.pop("calculationErrors", None)


def _public(doc: dict[str, Any]) -> dict[str, Any]:
    """The wire checkout (private line fields dropped)."""
    out = copy.deepcopy(doc)
    for li in out["lineItems"]:
        for key in [k for k in li if k.startswith("_")]:
            del li[key]
    return out


async def _lines(
    db: Database, caller: Identity, items: list[LineItemIn], custom: list[dict[str, Any]] | None
) -> list[dict[str, Any]]:
    if custom:
        raise errors.not_implemented("Custom line items")
    return [await priced_line(db, caller, item, new_id()) for item in items]


# ------------------------------------------------------------------ checkouts


async def checkout_row(scope: SiteScope, checkout_id: str) -> sa.Row[Any]:
    row = await scope.one_or_none(
        scope.select(ecom_checkouts).where(ecom_checkouts.c.id == checkout_id)
    )
    if row is None:
        raise errors.not_found("CHECKOUT_NOT_FOUND", f"Checkout {checkout_id} not found")
    return row


async def create_checkout(
    db: Database, caller: Identity, req: CreateCheckoutRequest
) -> dict[str, Any]:
    if req.coupon_code or req.gift_card_code:
        raise errors.not_implemented("Coupons and gift cards")
    lines = await _lines(db, caller, req.line_items, req.custom_line_items)
    now = utcnow()
    info = req.checkout_info or {}
    doc: dict[str, Any] = {
        "id": new_id(),
        "lineItems": lines,
        "channelType": req.channel_type or "WEB",
        "completed": False,
        "createdDate": format_timestamp(now),
        "updatedDate": format_timestamp(now),
    }
    for key in ("buyerInfo", "billingInfo", "customFields"):
        if info.get(key):
            doc[key] = info[key]
    if req.override_checkout_url:
        doc["overrideCheckoutUrl"] = req.override_checkout_url
    summarize(doc)
    async with db.write(caller.site_id) as uow:
        await uow.insert(
            ecom_checkouts,
            {
                "id": doc["id"],
                "completed": False,
                "order_id": None,
                "doc": doc,
                "revision": 1,
                "created_date": now,
                "updated_date": now,
            },
        )
        wire = _public(doc)
        await events.record(
            uow,
            entity_fqdn=CHECKOUT_FQDN,
            slug="created",
            entity_id=doc["id"],
            kind="created",
            payload=wire,
            sequence=1,
        )
    return {"checkout": wire}


async def get_checkout(db: Database, caller: Identity, checkout_id: str) -> dict[str, Any]:
    async with db.read(caller.site_id) as scope:
        row = await checkout_row(scope, checkout_id)
    return {"checkout": _public(row.doc)}


async def get_checkout_url(
    db: Database, caller: Identity, public_url: str, checkout_id: str
) -> dict[str, Any]:
    async with db.read(caller.site_id) as scope:
        row = await checkout_row(scope, checkout_id)
    url = row.doc.get("overrideCheckoutUrl") or public_url.rstrip("/") + CHECKOUT_PATH.format(
        id=checkout_id
    )
    return {"checkoutUrl": url}


async def save_checkout(
    uow: UnitOfWork, row: sa.Row[Any], doc: dict[str, Any], slug: str, now: datetime
) -> dict[str, Any]:
    doc["updatedDate"] = format_timestamp(now)
    result = await uow.run(
        uow.update(ecom_checkouts)
        .where(ecom_checkouts.c.id == row.id)
        .where(ecom_checkouts.c.revision == row.revision)
        .values(
            doc=doc,
            completed=bool(doc.get("completed")),
            order_id=doc.get("orderId"),
            revision=row.revision + 1,
            updated_date=now,
        )
    )
    if result.rowcount != 1:
        raise errors.conflict("CHECKOUT_CHANGED", f"Checkout {row.id} changed meanwhile")
    wire = _public(doc)
    if slug == "completed":
        await events.record(
            uow,
            entity_fqdn=CHECKOUT_FQDN,
            slug="completed",
            entity_id=row.id,
            kind="action",
            payload={"checkout": wire},
        )
    else:
        await events.record(
            uow,
            entity_fqdn=CHECKOUT_FQDN,
            slug="updated",
            entity_id=row.id,
            kind="updated",
            payload=wire,
        )
    return wire


def _refuse_complete(row: sa.Row[Any]) -> None:
    if row.completed or row.order_id:
        raise errors.failed_precondition(
            "CHECKOUT_IS_COMPLETE", f"Checkout {row.id} is complete", checkoutId=row.id
        )


async def add_to_checkout(
    db: Database, caller: Identity, req: AddToCheckoutRequest
) -> dict[str, Any]:
    async with db.read(caller.site_id) as scope:
        _refuse_complete(await checkout_row(scope, req.id))
    lines = await _lines(db, caller, req.line_items, req.custom_line_items)
    async with db.write(caller.site_id) as uow:
        row = await checkout_row(uow, req.id)
        _refuse_complete(row)
        doc = copy.deepcopy(row.doc)
        doc["lineItems"] = [*doc["lineItems"], *lines]
        summarize(doc)
        wire = await save_checkout(uow, row, doc, "updated", utcnow())
    return {"checkout": wire}


async def update_checkout(
    db: Database, caller: Identity, req: UpdateCheckoutRequest
) -> dict[str, Any]:
    """Update Checkout: the fields given replace the checkout's; ``lineItems`` are added (as
    Wix does); the totals and availability are recomputed."""
    if req.coupon_code or req.gift_card_code:
        raise errors.not_implemented("Coupons and gift cards")
    patch = req.checkout
    async with db.read(caller.site_id) as scope:
        _refuse_complete(await checkout_row(scope, patch.id))
    lines = await _lines(db, caller, req.line_items or [], req.custom_line_items)
    async with db.write(caller.site_id) as uow:
        row = await checkout_row(uow, patch.id)
        _refuse_complete(row)
        doc = copy.deepcopy(row.doc)
        given = patch.model_dump(by_alias=True, exclude_none=True, exclude={"id"})
        doc.update(given)
        if req.override_checkout_url:
            doc["overrideCheckoutUrl"] = req.override_checkout_url
        doc["lineItems"] = [*doc["lineItems"], *lines]
        summarize(doc)
        wire = await save_checkout(uow, row, doc, "updated", utcnow())
    return {"checkout": wire}


async def remove_line_items(
    db: Database, caller: Identity, req: RemoveLineItemsRequest
) -> dict[str, Any]:
    async with db.write(caller.site_id) as uow:
        row = await checkout_row(uow, req.id)
        _refuse_complete(row)
        doc = copy.deepcopy(row.doc)
        gone = set(req.line_item_ids)
        doc["lineItems"] = [li for li in doc["lineItems"] if li["id"] not in gone]
        summarize(doc)
        wire = await save_checkout(uow, row, doc, "updated", utcnow())
    return {"checkout": wire}


async def mark_checkout_as_completed(
    db: Database, caller: Identity, checkout_id: str
) -> dict[str, Any]:
    async with db.write(caller.site_id) as uow:
        row = await checkout_row(uow, checkout_id)
        if not row.completed:
            doc = copy.deepcopy(row.doc)
            doc["completed"] = True
            await save_checkout(uow, row, doc, "completed", utcnow())
    return {}
