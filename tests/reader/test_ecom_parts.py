"""The Reader's eCommerce parts through HTTP (both engines): ``order`` (``withEcomOrder``),
``bookingFeeDetails`` (``withBookingFeeDetails``) and ``transactions``
(``withEcomTransactions``) of bookings sold through a checkout and an offline order."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import sqlalchemy as sa

from bookings.ecom.models import ecom_order_bookings, ecom_orders
from tests.conftest import SiteKeys
from tests.ecom.test_checkout_orders import (
    COLLECTOR,
    ORDERS,
    booking_of,
    checkout,
    order_of,
)
from tests.feeds.test_feeds import client_db
from tests.helpers import ok

QUERY = "/_api/bookings-reader/v2/extended-bookings/query"
ALL_PARTS = {"withEcomOrder": True, "withBookingFeeDetails": True, "withEcomTransactions": True}
CUSTOM_PAYMENT = {
    "rateType": "CUSTOM",
    "custom": {"description": "Ask us"},
    "options": {"online": False, "inPerson": True},
}


def usd(amount: str) -> dict[str, str]:
    return {"amount": amount, "formattedAmount": f"${amount}"}


async def extended(
    client: httpx.AsyncClient, headers: dict[str, str], *booking_ids: str, **flags: Any
) -> dict[str, dict[str, Any]]:
    """The extended bookings of these ids, by id."""
    body = {"query": {"filter": {"id": {"$in": list(booking_ids)}}}, **flags}
    found = ok(await client.post(QUERY, json=body, headers=headers))["extendedBookings"]
    return {e["booking"]["id"]: e for e in found}


async def rewrite_order(
    client: httpx.AsyncClient, site: SiteKeys, order_id: str, **changes: Any
) -> None:
    """Change the stored order document directly (refunds and fees are not wired yet)."""
    order = ok(await client.get(f"{ORDERS}/{order_id}", headers=site.admin))["order"]
    doc = {**copy.deepcopy(order), **changes}
    async with client_db(client).connect_for_write() as conn:
        await conn.execute(
            sa.update(ecom_orders)
            .where(ecom_orders.c.site_id == site.site_id, ecom_orders.c.id == order_id)
            .values(doc=doc)
        )


async def test_order_part_wire_json_and_mark_as_paid(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    sold = await booking_of(client, site)
    unsold = await booking_of(client, site, hour=13)
    order = await order_of(client, site, (await checkout(client, site, sold["id"]))["id"])
    both = (sold["id"], unsold["id"])

    found = await extended(client, site.admin, *both, withEcomOrder=True)
    assert list(found[sold["id"]]) == ["booking", "order"]
    assert found[sold["id"]]["order"] == {
        "id": order["id"],
        "number": order["number"],
        "status": "APPROVED",
        "paymentStatus": "NOT_PAID",
        "totalPrice": usd("80.00"),
        "bookingPrice": usd("80.00"),
        "balance": usd("80.00"),
        "currency": "USD",
    }
    assert isinstance(order["number"], str)
    # A booking without an order has no ``order``, even when asked.
    assert list(found[unsold["id"]]) == ["booking"]
    # Not asked: no key; asked for fees and transactions only: none applied, none refunded.
    for flags in ({}, {"withBookingFeeDetails": True, "withEcomTransactions": True}):
        found = await extended(client, site.admin, *both, **flags)
        assert [list(e) for e in found.values()] == [["booking"], ["booking"]]

    ok(await client.post(f"{COLLECTOR}/{order['id']}/mark-as-paid", headers=site.admin))
    found = await extended(client, site.admin, sold["id"], withEcomOrder=True)
    part = found[sold["id"]]["order"]
    assert (part["paymentStatus"], part["balance"]) == ("PAID", usd("0.00"))
    assert part["totalPrice"] == usd("80.00")


async def test_order_part_carries_the_line_price_description(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    bk = await booking_of(client, site, payment=CUSTOM_PAYMENT)
    order = await order_of(client, site, (await checkout(client, site, bk["id"]))["id"])
    found = await extended(client, site.admin, bk["id"], withEcomOrder=True)
    assert found[bk["id"]]["order"] == {
        "id": order["id"],
        "number": order["number"],
        "status": "APPROVED",
        "paymentStatus": "NOT_PAID",
        "totalPrice": usd("0.00"),
        "bookingPrice": usd("0.00"),
        "bookingPriceDescription": {"original": "Ask us", "translated": "Ask us"},
        "balance": usd("0.00"),
        "currency": "USD",
    }


async def test_fee_details_and_transactions_from_the_order(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    first = await booking_of(client, site)
    second = await booking_of(client, site, hour=13)
    co = await checkout(client, site, first["id"], second["id"])
    order = await order_of(client, site, co["id"])
    line_of = {li["catalogReference"]["catalogItemId"]: li["id"] for li in order["lineItems"]}
    fee = {
        "code": "BOOKING_CANCELLATION_FEE",
        "name": "Late cancellation",
        "price": usd("15.00"),
        "lineItemIds": [line_of[first["id"]]],
    }
    other_fee = {**fee, "code": "SOMETHING_ELSE", "lineItemIds": [line_of[second["id"]]]}
    summary = {**order["balanceSummary"], "refunded": usd("25.00")}
    await rewrite_order(
        client, site, order["id"], additionalFees=[fee, other_fee], balanceSummary=summary
    )

    found = await extended(client, site.admin, first["id"], second["id"], **ALL_PARTS)
    one, two = found[first["id"]], found[second["id"]]
    assert list(one) == ["booking", "bookingFeeDetails", "order", "transactions"]
    assert one["bookingFeeDetails"] == {"cancellationFeeStatus": "APPLIED_TO_ORDER"}
    assert one["transactions"] == {"refundSumAmounts": "25.00"}
    # The fee is on the first booking's line only; the refund is the order's.
    assert list(two) == ["booking", "order", "transactions"]
    assert two["transactions"] == {"refundSumAmounts": "25.00"}
    assert one["order"]["totalPrice"] == usd("160.00")
    assert one["order"]["bookingPrice"] == two["order"]["bookingPrice"] == usd("80.00")

    found = await extended(client, site.admin, first["id"], withEcomTransactions=True)
    assert list(found[first["id"]]) == ["booking", "transactions"]
    found = await extended(client, site.admin, first["id"], withBookingFeeDetails=True)
    assert list(found[first["id"]]) == ["booking", "bookingFeeDetails"]


async def test_the_newest_order_not_canceled_counts(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    bk = await booking_of(client, site)
    older = await order_of(client, site, (await checkout(client, site, bk["id"]))["id"])
    other = await booking_of(client, site, hour=13)
    newer = await order_of(client, site, (await checkout(client, site, other["id"]))["id"])
    # A second order of the same booking (no wire call makes one yet).
    async with client_db(client).connect_for_write() as conn:
        await conn.execute(
            sa.insert(ecom_order_bookings).values(
                site_id=site.site_id, booking_id=bk["id"], order_id=newer["id"]
            )
        )

    async def order_id() -> Any:
        found = await extended(client, site.admin, bk["id"], withEcomOrder=True)
        return (found[bk["id"]]["order"]["id"], found[bk["id"]]["order"]["status"])

    assert await order_id() == (newer["id"], "APPROVED")
    ok(await client.post(f"{ORDERS}/{newer['id']}/cancel", json={}, headers=site.admin))
    assert await order_id() == (older["id"], "APPROVED")
    ok(await client.post(f"{ORDERS}/{older['id']}/cancel", json={}, headers=site.admin))
    assert await order_id() == (newer["id"], "CANCELED")
