"""eCommerce through HTTP (both engines): a booking sold through a checkout and an offline
order (spec E.2 to E.4), payments recorded by the business, unsellable items, orders search
paging, and the checkout and order events in the outbox."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.booking.conftest import Catalog, appointment_booking, created, next_monday, set_hold
from tests.conftest import SiteKeys
from tests.feeds.test_feeds import client_db
from tests.helpers import app_error, ok

APP_ID = "13d21c63-b5ec-5912-8397-c3a5ddb27a97"
CHECKOUTS = "/ecom/v1/checkouts"
API_CHECKOUTS = "/_api/ecom/v1/checkouts"
ORDERS = "/ecom/v1/orders"
COLLECTOR = "/ecom/v1/payments-collector/orders"
FEED = "/_api/bookings-server/v1/domain-events"
BOOKINGS = "/bookings/v2/bookings"
READER = "/_api/bookings-reader/v2/extended-bookings/query"

DEPOSIT_PAYMENT = {
    "rateType": "FIXED",
    "fixed": {
        "price": {"value": "100.00", "currency": "USD"},
        "deposit": {"value": "30.00", "currency": "USD"},
    },
    "options": {"online": True, "inPerson": False, "deposit": True},
}


def line(booking_id: str, app_id: str = APP_ID) -> dict[str, Any]:
    return {"quantity": 1, "catalogReference": {"catalogItemId": booking_id, "appId": app_id}}


async def booking_of(
    client: httpx.AsyncClient, site: SiteKeys, hour: int = 10, option: str = "OFFLINE", **svc: Any
) -> dict[str, Any]:
    cat = Catalog(client, site.admin)
    service = await cat.appointment([await cat.staff()], **svc)
    body = appointment_booking(
        service, next_monday(), f"{hour:02d}:00", f"{hour + 1:02d}:00", selectedPaymentOption=option
    )
    return await created(client, site.admin, body)


async def checkout(
    client: httpx.AsyncClient, site: SiteKeys, *booking_ids: str, path: str = CHECKOUTS
) -> dict[str, Any]:
    body = {"lineItems": [line(b) for b in booking_ids], "channelType": "WEB"}
    found: dict[str, Any] = ok(await client.post(path, json=body, headers=site.admin))["checkout"]
    return found


async def get_booking(client: httpx.AsyncClient, site: SiteKeys, booking_id: str) -> Any:
    body = {"query": {"filter": {"id": booking_id}}}
    found = ok(await client.post(READER, json=body, headers=site.admin))["extendedBookings"]
    return found[0]["booking"]


async def order_of(client: httpx.AsyncClient, site: SiteKeys, checkout_id: str) -> dict[str, Any]:
    res = await client.post(f"{CHECKOUTS}/{checkout_id}/create-order", json={}, headers=site.admin)
    order_id = ok(res)["orderId"]
    found: dict[str, Any] = ok(await client.get(f"{ORDERS}/{order_id}", headers=site.admin))[
        "order"
    ]
    return found


async def test_offline_flow(client: httpx.AsyncClient, site: SiteKeys) -> None:
    bk = await booking_of(client, site)
    assert bk["status"] == "CREATED"
    co = await checkout(client, site, bk["id"], path=API_CHECKOUTS)
    [item] = co["lineItems"]
    assert item["availability"]["status"] == "AVAILABLE"
    assert item["paymentOption"] == "FULL_PAYMENT_OFFLINE"
    assert item["price"]["amount"] == "80.00"
    assert item["catalogReference"] == {"catalogItemId": bk["id"], "appId": APP_ID}
    assert co["priceSummary"]["total"]["amount"] == "80.00"
    assert co["payNow"]["total"]["amount"] == "0.00"
    assert co["payLater"]["total"]["amount"] == "80.00"
    assert co["violations"] == [] and "calculationErrors" not in co
    assert ok(await client.get(f"{CHECKOUTS}/{co['id']}", headers=site.admin))["checkout"] == co
    url = ok(await client.get(f"{CHECKOUTS}/{co['id']}/checkout-url", headers=site.admin))
    assert co["id"] in url["checkoutUrl"]

    order = await order_of(client, site, co["id"])
    assert (order["status"], order["paymentStatus"]) == ("APPROVED", "NOT_PAID")
    assert order["balanceSummary"]["balance"]["amount"] == "80.00"
    after = await get_booking(client, site, bk["id"])
    assert (after["status"], after["paymentStatus"]) == ("CONFIRMED", "NOT_PAID")
    done = ok(await client.get(f"{CHECKOUTS}/{co['id']}", headers=site.admin))["checkout"]
    assert done["completed"] is True
    again = await client.post(f"{CHECKOUTS}/{co['id']}/create-order", json={}, headers=site.admin)
    app_error(again, 428, "CHECKOUT_ALREADY_PAID")

    status = f"{COLLECTOR}/{order['id']}/payment-collectability-status"
    found = ok(await client.get(status, headers=site.admin))
    assert found == {"status": "COLLECTABLE", "amount": order["balanceSummary"]["balance"]}
    paid = ok(await client.post(f"{COLLECTOR}/{order['id']}/mark-as-paid", headers=site.admin))
    assert paid["order"]["paymentStatus"] == "PAID"
    assert paid["order"]["balanceSummary"]["balance"]["amount"] == "0.00"
    after = await get_booking(client, site, bk["id"])
    assert (after["status"], after["paymentStatus"]) == ("CONFIRMED", "PAID")
    found = ok(await client.get(status, headers=site.admin))
    assert found["status"] == "NONCOLLECTABLE_ORDER_IS_PAID"

    alias = f"/_api/ecom-orders/v1/orders/{order['id']}"
    assert ok(await client.get(alias, headers=site.admin))["order"]["paymentStatus"] == "PAID"
    canceled = ok(await client.post(f"{ORDERS}/{order['id']}/cancel", json={}, headers=site.admin))
    assert canceled["order"]["status"] == "CANCELED"
    found = ok(await client.get(status, headers=site.admin))
    assert found["status"] == "NONCOLLECTABLE_ORDER_IS_CANCELLED"

    events = ok(
        await client.get(
            FEED,
            params={"entityFqdn": "wix.ecom.v1.order", "entityId": order["id"]},
            headers=site.admin,
        )
    )["events"]
    slugs = [e["slug"] for e in events]
    assert slugs[:2] == ["created", "approved"]
    assert "payment_status_updated" in slugs and slugs[-1] == "canceled"
    checkout_events = ok(
        await client.get(
            FEED,
            params={"entityFqdn": "wix.ecom.v1.checkout", "entityId": co["id"]},
            headers=site.admin,
        )
    )["events"]
    assert [e["slug"] for e in checkout_events] == ["created", "completed"]


async def test_partial_manual_payment(client: httpx.AsyncClient, site: SiteKeys) -> None:
    bk = await booking_of(client, site)
    order = await order_of(client, site, (await checkout(client, site, bk["id"]))["id"])
    pay = f"/_api/v1/payments-collector/orders/{order['id']}/manual-payment"
    too_much = await client.post(pay, json={"amount": {"amount": "80.01"}}, headers=site.admin)
    assert too_much.status_code == 400, too_much.text
    assert ok(await client.post(pay, json={"amount": {"amount": "30"}}, headers=site.admin)) == {}
    found = ok(await client.get(f"{ORDERS}/{order['id']}", headers=site.admin))["order"]
    assert found["paymentStatus"] == "PARTIALLY_PAID"
    assert found["balanceSummary"]["balance"]["amount"] == "50.00"
    assert found["balanceSummary"]["paid"]["amount"] == "30.00"
    after = await get_booking(client, site, bk["id"])
    assert (after["status"], after["paymentStatus"]) == ("CONFIRMED", "PARTIALLY_PAID")
    ok(await client.post(pay, json={"amount": {"amount": "50.00"}}, headers=site.admin))
    assert (await get_booking(client, site, bk["id"]))["paymentStatus"] == "PAID"


async def test_deposit_priced(client: httpx.AsyncClient, site: SiteKeys) -> None:
    bk = await booking_of(client, site, option="ONLINE", payment=DEPOSIT_PAYMENT)
    co = await checkout(client, site, bk["id"])
    [item] = co["lineItems"]
    assert item["paymentOption"] == "DEPOSIT_ONLINE"
    assert item["depositAmount"]["amount"] == "30.00"
    assert co["payNow"]["total"]["amount"] == "30.00"
    assert co["payLater"]["total"]["amount"] == "70.00"


async def test_unsellable_items_reported(client: httpx.AsyncClient, site: SiteKeys) -> None:
    # Booked to pay online, then the service stopped taking online payments: not offered.
    online = await booking_of(client, site, option="ONLINE")
    svc_path = f"/_api/bookings/v2/services/{online['bookedEntity']['slot']['serviceId']}"
    svc = ok(await client.get(svc_path, headers=site.admin))["service"]
    in_person = {**svc["payment"], "options": {"online": False, "inPerson": True}}
    change = {"service": {"id": svc["id"], "revision": svc["revision"], "payment": in_person}}
    ok(await client.patch(svc_path, json=change, headers=site.admin))
    confirmed = await booking_of(client, site, hour=13)
    ok(
        await client.post(
            f"{BOOKINGS}/{confirmed['id']}/confirm",
            json={"revision": confirmed["revision"]},
            headers=site.admin,
        )
    )
    body = {
        "lineItems": [
            line(online["id"]),
            line(confirmed["id"]),
            line("00000000-0000-4000-8000-000000000000"),
            line("some-product", app_id="215238eb-22a5-4c36-9e7b-e7c08025e04e"),
        ],
        "channelType": "WEB",
    }
    co = ok(await client.post(CHECKOUTS, json=body, headers=site.admin))["checkout"]
    statuses = [li["availability"]["status"] for li in co["lineItems"]]
    assert statuses == ["NOT_AVAILABLE", "NOT_AVAILABLE", "NOT_FOUND", "NOT_FOUND"]
    targets = [v["target"]["lineItem"]["id"] for v in co["violations"]]
    assert targets == [li["id"] for li in co["lineItems"]]
    assert {v["severity"] for v in co["violations"]} == {"ERROR"}
    assert len(co["calculationErrors"]["orderValidationErrors"]) == 4
    res = await client.post(f"{CHECKOUTS}/{co['id']}/create-order", json={}, headers=site.admin)
    app_error(res, 428, "FULL_OUT_OF_STOCK")

    # Removing the bad lines leaves an empty checkout; adding a good booking makes it sellable.
    ids = [li["id"] for li in co["lineItems"]]
    removed = ok(
        await client.post(
            f"{CHECKOUTS}/{co['id']}/remove-line-items",
            json={"lineItemIds": ids},
            headers=site.admin,
        )
    )["checkout"]
    assert removed["lineItems"] == [] and removed["violations"] == []
    res = await client.post(f"{CHECKOUTS}/{co['id']}/create-order", json={}, headers=site.admin)
    app_error(res, 428, "EMPTY_CHECKOUT")
    good = await booking_of(client, site, hour=15)
    added = ok(
        await client.post(
            f"{CHECKOUTS}/{co['id']}/add-to-checkout",
            json={"lineItems": [line(good["id"])]},
            headers=site.admin,
        )
    )["checkout"]
    assert [li["availability"]["status"] for li in added["lineItems"]] == ["AVAILABLE"]
    order = await order_of(client, site, co["id"])
    assert order["status"] == "APPROVED"
    res = await client.post(
        f"{CHECKOUTS}/{co['id']}/add-to-checkout",
        json={"lineItems": [line(good["id"])]},
        headers=site.admin,
    )
    app_error(res, 428, "CHECKOUT_IS_COMPLETE")
    res = await client.patch(
        f"{CHECKOUTS}/{co['id']}", json={"checkout": {"id": co["id"]}}, headers=site.admin
    )
    app_error(res, 428, "CHECKOUT_IS_COMPLETE")


async def test_orders_search_paging(client: httpx.AsyncClient, site: SiteKeys) -> None:
    made = []
    for hour in (10, 12, 14):
        bk = await booking_of(client, site, hour=hour)
        made.append(
            (await order_of(client, site, (await checkout(client, site, bk["id"]))["id"]))["id"]
        )
    ok(await client.post(f"{COLLECTOR}/{made[0]}/mark-as-paid", headers=site.admin))
    seen: list[str] = []
    body: dict[str, Any] = {"search": {"cursorPaging": {"limit": 2}}}
    while True:
        page = ok(await client.post(f"{ORDERS}/search", json=body, headers=site.admin))
        seen += [o["id"] for o in page["orders"]]
        if not page["metadata"]["hasNext"]:
            break
        body = {
            "search": {"cursorPaging": {"limit": 2, "cursor": page["metadata"]["cursors"]["next"]}}
        }
    assert sorted(seen) == sorted(made) and len(seen) == 3
    flt = {"search": {"filter": {"paymentStatus": "NOT_PAID"}}}
    found = ok(await client.post(f"{ORDERS}/search", json=flt, headers=site.admin))["orders"]
    assert sorted(o["id"] for o in found) == sorted(made[1:])
    bad = {"search": {"cursorPaging": {"cursor": "nope"}}}
    res = await client.post(f"{ORDERS}/search", json=bad, headers=site.admin)
    assert res.status_code == 400, res.text


async def test_manual_approval_makes_the_booking_pending(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    approval = {"enabled": True, "requireManualApproval": True}
    bk = await booking_of(client, site, onlineBooking=approval)
    await order_of(client, site, (await checkout(client, site, bk["id"]))["id"])
    after = await get_booking(client, site, bk["id"])
    assert (after["status"], after["paymentStatus"]) == ("PENDING", "NOT_PAID")


async def test_a_taken_slot_is_not_sold(client: httpx.AsyncClient, site: SiteKeys) -> None:
    # The site holds nothing for CREATED bookings: another booking may take the slot.
    await set_hold(client_db(client), site.site_id, 0)
    cat = Catalog(client, site.admin)
    service = await cat.appointment([await cat.staff()])
    day = next_monday()
    first = await created(
        client, site.admin, appointment_booking(service, day, selectedPaymentOption="OFFLINE")
    )
    co = await checkout(client, site, first["id"])
    assert co["lineItems"][0]["availability"]["status"] == "AVAILABLE"
    second = await created(
        client, site.admin, appointment_booking(service, day, selectedPaymentOption="OFFLINE")
    )
    await order_of(client, site, (await checkout(client, site, second["id"]))["id"])
    co = await checkout(client, site, first["id"])
    assert co["lineItems"][0]["availability"] == {"status": "NOT_AVAILABLE", "quantityAvailable": 0}
    assert co["violations"][0]["description"] == "the booking's slot is taken"
    res = await client.post(f"{CHECKOUTS}/{co['id']}/create-order", json={}, headers=site.admin)
    app_error(res, 428, "FULL_OUT_OF_STOCK")
    assert (await get_booking(client, site, first["id"]))["status"] == "CREATED"


async def test_concurrent_orders_get_distinct_numbers(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    checkouts = []
    for hour in (10, 12, 14, 16):
        bk = await booking_of(client, site, hour=hour)
        checkouts.append((await checkout(client, site, bk["id"]))["id"])

    async def place(checkout_id: str) -> str:
        res = await client.post(
            f"{CHECKOUTS}/{checkout_id}/create-order", json={}, headers=site.admin
        )
        return str(ok(res)["orderId"])

    ids = await asyncio.gather(*(place(c) for c in checkouts))
    numbers = set()
    for order_id in ids:
        numbers.add(
            ok(await client.get(f"{ORDERS}/{order_id}", headers=site.admin))["order"]["number"]
        )
    assert len(numbers) == 4


async def test_update_checkout(client: httpx.AsyncClient, site: SiteKeys) -> None:
    first = await booking_of(client, site)
    second = await booking_of(client, site, hour=13)
    co = await checkout(client, site, first["id"])
    buyer = {"email": "ann@example.com"}
    body = {
        "checkout": {"id": co["id"], "buyerInfo": buyer, "channelType": "BACKOFFICE_MERCHANT"},
        "lineItems": [line(second["id"])],
        "overrideCheckoutUrl": "https://example.com/pay",
    }
    res = await client.patch(f"{API_CHECKOUTS}/{co['id']}", json=body, headers=site.admin)
    found = ok(res)["checkout"]
    assert found["buyerInfo"] == buyer and found["channelType"] == "BACKOFFICE_MERCHANT"
    assert [li["catalogReference"]["catalogItemId"] for li in found["lineItems"]] == [
        first["id"],
        second["id"],
    ]
    assert found["priceSummary"]["total"]["amount"] == "160.00"
    url = ok(await client.get(f"{CHECKOUTS}/{co['id']}/checkout-url", headers=site.admin))
    assert url == {"checkoutUrl": "https://example.com/pay"}
    body = {"checkout": {"id": co["id"]}, "couponCode": "SAVE10"}
    res = await client.patch(f"{CHECKOUTS}/{co['id']}", json=body, headers=site.admin)
    app_error(res, 501, "UNIMPLEMENTED")
    order = await order_of(client, site, co["id"])
    assert order["buyerInfo"] == buyer and len(order["lineItems"]) == 2


async def test_requests_as_the_sdk_sends_them(client: httpx.AsyncClient, site: SiteKeys) -> None:
    """The checkout and orders SDK modules (see tests/sdk/ecom.mjs) send Create Order's id in
    the body as well as the path, and Get Checkout's and Get Order's id as a query parameter
    too; the same calls without node."""
    bk = await booking_of(client, site)
    co = await checkout(client, site, bk["id"])
    res = await client.post(
        f"{CHECKOUTS}/{co['id']}/create-order", json={"id": co["id"]}, headers=site.admin
    )
    order_id = ok(res)["orderId"]
    assert ok(res) == {"orderId": order_id}
    get = f"{ORDERS}/{order_id}"
    order = ok(await client.get(get, params={"id": order_id}, headers=site.admin))["order"]
    assert (order["id"], order["checkoutId"]) == (order_id, co["id"])
    assert (order["status"], order["paymentStatus"]) == ("APPROVED", "NOT_PAID")
    get = f"{CHECKOUTS}/{co['id']}"
    done = ok(await client.get(get, params={"id": co["id"]}, headers=site.admin))["checkout"]
    assert done["completed"] is True
    assert (await get_booking(client, site, bk["id"]))["status"] == "CONFIRMED"
