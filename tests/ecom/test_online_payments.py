"""Online payment through the fake provider, over HTTP (both engines): Create Order with money
to pay now, the provider's page and its signed webhook (once per event), a payment after the
hold ran out, deposits, refunds of declined and canceled bookings, late-cancel fees, waived
charges, and the order's cancel (notes §5 issue B, checks 4 and 5).

The fake provider of these tests asserts on every call that no database transaction of the
calling task is open, so each flow also checks that no provider call runs inside one."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from bookings.app import create_app
from bookings.ecom import orders
from bookings.ecom import service as ecom
from bookings.ecom.models import ecom_money_tasks
from bookings.ecom.order_bookings import system_of
from bookings.ecom.providers import FakeProvider
from bookings.platform.db import utcnow
from bookings.platform.routing import Services
from bookings.platform.wire import new_id
from tests.booking.conftest import Catalog, appointment_booking, created, next_monday, set_hold
from tests.conftest import SiteKeys
from tests.ecom.test_checkout_orders import (
    CHECKOUTS,
    COLLECTOR,
    DEPOSIT_PAYMENT,
    FEED,
    ORDERS,
    READER,
    booking_of,
    checkout,
    get_booking,
)
from tests.helpers import app_error, ok

BOOKINGS = "/bookings/v2/bookings"
POLICIES = "/bookings/v1/booking-policies"


def fake_of(services: Services) -> FakeProvider:
    assert isinstance(services.payments, FakeProvider)
    return services.payments


async def online_order(
    client: httpx.AsyncClient, site: SiteKeys, hour: int = 10, **svc: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A booking to pay online, its checkout and Create Order's answer."""
    bk = await booking_of(client, site, hour=hour, option="ONLINE", **svc)
    co = await checkout(client, site, bk["id"])
    res = await client.post(f"{CHECKOUTS}/{co['id']}/create-order", json={}, headers=site.admin)
    return bk, ok(res)


async def offline_order(client: httpx.AsyncClient, site: SiteKeys, booking_id: str) -> str:
    """Checkout and Create Order of a booking paid at the business: the order's id."""
    co = await checkout(client, site, booking_id)
    res = await client.post(f"{CHECKOUTS}/{co['id']}/create-order", json={}, headers=site.admin)
    return str(ok(res)["orderId"])


async def read(
    client: httpx.AsyncClient, site: SiteKeys, booking_id: str, **parts: bool
) -> dict[str, Any]:
    """The booking as the Reader returns it, with ``parts``."""
    body = {"query": {"filter": {"id": booking_id}}, **parts}
    res = await client.post(READER, json=body, headers=site.admin)
    found: dict[str, Any] = ok(res)["extendedBookings"][0]
    return found


async def order(client: httpx.AsyncClient, site: SiteKeys, order_id: str) -> dict[str, Any]:
    found: dict[str, Any] = ok(await client.get(f"{ORDERS}/{order_id}", headers=site.admin))
    return found["order"]


async def pay(client: httpx.AsyncClient, answer: dict[str, Any], outcome: str) -> httpx.Response:
    """Press a button of the fake provider's page."""
    path = urlsplit(answer["paymentRedirectUrl"]).path
    return await client.post(path, data={"outcome": outcome})


def sums(found: dict[str, Any]) -> tuple[str, str, str, str, str]:
    b = found["balanceSummary"]
    return (
        found["status"],
        found["paymentStatus"],
        b["balance"]["amount"],
        b["paid"]["amount"],
        b["refunded"]["amount"],
    )


async def order_events(client: httpx.AsyncClient, site: SiteKeys, order_id: str) -> list[str]:
    params = {"entityFqdn": "wix.ecom.v1.order", "entityId": order_id}
    res = await client.get(FEED, params=params, headers=site.admin)
    return [e["slug"] for e in ok(res)["events"]]


async def test_pay_online_by_the_provider_page_and_its_signed_webhook(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    fake = fake_of(services)
    bk, answer = await online_order(client, site)
    assert set(answer) == {"orderId", "paymentGatewayOrderId", "paymentRedirectUrl"}
    assert answer["paymentRedirectUrl"] == (
        f"http://127.0.0.1:8080/_fake-pay/{site.site_id}/{answer['paymentGatewayOrderId']}"
    )
    [asked] = [p for p in fake.payments if p.payment_id == answer["paymentGatewayOrderId"]]
    assert (asked.amount, asked.currency, asked.kind) == (Decimal("80.00"), "USD", "FULL")
    placed = await order(client, site, answer["orderId"])
    assert sums(placed) == ("INITIALIZED", "NOT_PAID", "80.00", "0.00", "0.00")
    # The booking keeps its CREATED hold while the buyer pays.
    assert (await get_booking(client, site, bk["id"]))["status"] == "CREATED"
    page = await client.get(urlsplit(answer["paymentRedirectUrl"]).path)
    assert page.status_code == 200 and "Test payment provider" in page.text
    assert f"Order {placed['number']}" in page.text and "80.00 USD" in page.text
    assert page.headers["x-frame-options"] == "DENY"

    res = await pay(client, answer, "APPROVED")
    assert res.status_code == 200 and '<strong id="status">APPROVED</strong>' in res.text
    paid = await order(client, site, answer["orderId"])
    assert sums(paid) == ("APPROVED", "PAID", "0.00", "80.00", "0.00")
    after = await get_booking(client, site, bk["id"])
    assert (after["status"], after["paymentStatus"]) == ("CONFIRMED", "PAID")
    assert await order_events(client, site, answer["orderId"]) == [
        "created",
        "updated",
        "payment_status_updated",
        "approved",
    ]

    # The same event again (a provider retries): nothing changes.
    headers, body = fake.webhook(
        "ev-dup-" + answer["orderId"],
        f"fake-{answer['paymentGatewayOrderId']}",
        "APPROVED",
        Decimal("80"),
    )
    hook = f"/_bookings/v1/payments/fake/webhook/{site.site_id}"
    first = await client.post(hook, content=body, headers=headers)
    assert ok(first) == {"received": 1, "applied": 0}  # already approved
    again = await client.post(hook, content=body, headers=headers)
    assert ok(again) == {"received": 1, "applied": 0}
    assert (await order(client, site, answer["orderId"]))["updatedDate"] == paid["updatedDate"]
    assert len(await order_events(client, site, answer["orderId"])) == 4
    # The page has no buttons once paid; pressing anyway changes nothing.
    assert "<button" not in (await client.get(urlsplit(answer["paymentRedirectUrl"]).path)).text
    ok_again = await pay(client, answer, "DECLINED")
    assert ok_again.status_code == 200
    assert sums(await order(client, site, answer["orderId"]))[:2] == ("APPROVED", "PAID")


async def test_a_duplicate_event_id_is_applied_once(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    fake = fake_of(services)
    bk, answer = await online_order(client, site)
    ref = f"fake-{answer['paymentGatewayOrderId']}"
    event_id = new_id()
    headers, body = fake.webhook(event_id, ref, "APPROVED", Decimal("80"))
    hook = f"/_bookings/v1/payments/fake/webhook/{site.site_id}"
    assert ok(await client.post(hook, content=body, headers=headers)) == {
        "received": 1,
        "applied": 1,
    }
    assert ok(await client.post(hook, content=body, headers=headers)) == {
        "received": 1,
        "applied": 0,
    }
    assert sums(await order(client, site, answer["orderId"]))[:2] == ("APPROVED", "PAID")
    assert (await get_booking(client, site, bk["id"]))["status"] == "CONFIRMED"


async def test_webhooks_that_do_not_check_out(client: httpx.AsyncClient, site: SiteKeys) -> None:
    hook = f"/_bookings/v1/payments/fake/webhook/{site.site_id}"
    body = b'{"id":"e","paymentRef":"fake-x","type":"APPROVED","amount":"1.00"}'
    res = await client.post(hook, content=body, headers={"x-fake-pay-signature": "00"})
    app_error(res, 400, "INVALID_WEBHOOK")
    res = await client.post(f"/_bookings/v1/payments/stripe/webhook/{site.site_id}", content=body)
    app_error(res, 404, "PAYMENT_PROVIDER_NOT_FOUND")
    res = await client.get(f"/_fake-pay/{site.site_id}/{new_id()}")
    app_error(res, 404, "PAYMENT_NOT_FOUND")


async def test_a_declined_payment_declines_the_booking(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    bk, answer = await online_order(client, site)
    res = await pay(client, answer, "DECLINED")
    assert '<strong id="status">DECLINED</strong>' in res.text
    found = await order(client, site, answer["orderId"])
    assert sums(found) == ("INITIALIZED", "DECLINED", "80.00", "0.00", "0.00")
    assert (await get_booking(client, site, bk["id"]))["status"] == "DECLINED"


async def test_payment_after_the_hold_ran_out_and_the_slot_was_taken_is_refunded(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    fake = fake_of(services)
    cat = Catalog(client, site.admin)
    service = await cat.appointment([await cat.staff()])
    day = next_monday()
    # The hold runs out at once (the site holds nothing): another customer books the slot
    # while the first one pays.
    await set_hold(services.db, site.site_id, 0)
    try:
        late = await created(
            client, site.admin, appointment_booking(service, day, selectedPaymentOption="ONLINE")
        )
        co = await checkout(client, site, late["id"])
        res = await client.post(f"{CHECKOUTS}/{co['id']}/create-order", json={}, headers=site.admin)
        answer = ok(res)
        other = await created(
            client, site.admin, appointment_booking(service, day, selectedPaymentOption="OFFLINE")
        )
        ok(
            await client.post(
                f"{BOOKINGS}/{other['id']}/confirm", json={"revision": "1"}, headers=site.admin
            )
        )
        await pay(client, answer, "APPROVED")
    finally:
        await set_hold(services.db, site.site_id, 15)
    after = await get_booking(client, site, late["id"])
    assert (after["status"], after["paymentStatus"]) == ("DECLINED", "REFUNDED")
    found = await order(client, site, answer["orderId"])
    assert sums(found) == ("APPROVED", "FULLY_REFUNDED", "0.00", "80.00", "80.00")
    ref = f"fake-{answer['paymentGatewayOrderId']}"
    assert [(r[0], r[1]) for r in fake.refunds if r[0] == ref] == [(ref, Decimal("80.00"))]


async def test_a_deposit_paid_online_leaves_the_rest_to_pay(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    bk, answer = await online_order(client, site, payment=DEPOSIT_PAYMENT)
    await pay(client, answer, "APPROVED")
    found = await order(client, site, answer["orderId"])
    assert sums(found) == ("APPROVED", "PARTIALLY_PAID", "70.00", "30.00", "0.00")
    after = await get_booking(client, site, bk["id"])
    assert (after["status"], after["paymentStatus"]) == ("CONFIRMED", "PARTIALLY_PAID")
    res = await client.post(
        f"{COLLECTOR}/{answer['orderId']}/mark-as-paid", json={}, headers=site.admin
    )
    assert sums(ok(res)["order"]) == ("APPROVED", "PAID", "0.00", "100.00", "0.00")
    assert (await get_booking(client, site, bk["id"]))["paymentStatus"] == "PAID"


async def test_decline_with_refund(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    fake = fake_of(services)
    approval = {"enabled": True, "requireManualApproval": True}
    bk, answer = await online_order(client, site, onlineBooking=approval)
    await pay(client, answer, "APPROVED")
    pending = await get_booking(client, site, bk["id"])
    assert (pending["status"], pending["paymentStatus"]) == ("PENDING", "PAID")
    body = {"revision": pending["revision"], "flowControlSettings": {"withRefund": True}}
    ok(await client.post(f"{BOOKINGS}/{bk['id']}/decline", json=body, headers=site.admin))
    # The refund is queued with the decline and carried out after it.
    assert sums(await order(client, site, answer["orderId"]))[1] == "PAID"
    assert await ecom.run_due_tasks(services.db, services.payments) >= 1
    found = await order(client, site, answer["orderId"])
    assert sums(found) == ("APPROVED", "FULLY_REFUNDED", "0.00", "80.00", "80.00")
    ref = f"fake-{answer['paymentGatewayOrderId']}"
    assert [r[1] for r in fake.refunds if r[0] == ref] == [Decimal("80.00")]
    after = await get_booking(client, site, bk["id"])
    assert (after["status"], after["paymentStatus"]) == ("DECLINED", "REFUNDED")
    extended = await read(client, site, bk["id"], withEcomTransactions=True)
    assert extended["transactions"] == {"refundSumAmounts": "80.00"}
    # Run again: nothing is refunded twice.
    await ecom.run_due_tasks(services.db, services.payments)
    assert [r[1] for r in fake.refunds if r[0] == ref] == [Decimal("80.00")]


async def test_cancel_with_refund_of_money_taken_offline(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    bk = await booking_of(client, site, option="OFFLINE")
    order_id = await offline_order(client, site, bk["id"])
    ok(await client.post(f"{COLLECTOR}/{order_id}/mark-as-paid", json={}, headers=site.admin))
    confirmed = await get_booking(client, site, bk["id"])
    body = {"revision": confirmed["revision"], "flowControlSettings": {"withRefund": True}}
    ok(await client.post(f"{BOOKINGS}/{bk['id']}/cancel", json=body, headers=site.admin))
    await ecom.run_due_tasks(services.db, services.payments)
    found = await order(client, site, order_id)
    assert sums(found) == ("APPROVED", "FULLY_REFUNDED", "0.00", "80.00", "80.00")
    assert (await get_booking(client, site, bk["id"]))["paymentStatus"] == "REFUNDED"


async def fee_policy(client: httpx.AsyncClient, site: SiteKeys, auto: bool = True) -> str:
    policy = {
        "name": f"Late fee {new_id()[:8]}",
        "customPolicyDescription": {"enabled": True, "description": "Late cancels pay half."},
        "cancellationFeePolicy": {
            "enabled": True,
            "cancellationWindows": [{"percentage": "50", "startInMinutes": 43200}],
            "autoCollectFeeEnabled": auto,
        },
        "saveCreditCardPolicy": {"enabled": True},
    }
    res = await client.post(POLICIES, json={"bookingPolicy": policy}, headers=site.admin)
    return str(ok(res)["bookingPolicy"]["id"])


async def cancel(
    client: httpx.AsyncClient, site: SiteKeys, booking_id: str, **fields: Any
) -> dict[str, Any]:
    current = await get_booking(client, site, booking_id)
    body = {"revision": current["revision"], **fields}
    found: dict[str, Any] = ok(
        await client.post(f"{BOOKINGS}/{booking_id}/cancel", json=body, headers=site.admin)
    )["booking"]
    return found


async def test_a_late_cancel_charges_the_fee_to_the_saved_card(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    fake = fake_of(services)
    policy_id = await fee_policy(client, site)
    bk, answer = await online_order(client, site, bookingPolicy={"id": policy_id})
    await pay(client, answer, "APPROVED")
    await cancel(client, site, bk["id"])
    applied = await order(client, site, answer["orderId"])
    [fee] = applied["additionalFees"]
    assert fee == {
        "code": "BOOKING_CANCELLATION_FEE",
        "name": "Cancellation fee",
        "price": {"amount": "40.00", "formattedAmount": "$40.00"},
        "totalPriceBeforeTax": {"amount": "40.00", "formattedAmount": "$40.00"},
        "totalPriceAfterTax": {"amount": "40.00", "formattedAmount": "$40.00"},
        "lineItemIds": [applied["lineItems"][0]["id"]],
    }
    assert applied["priceSummary"]["total"]["amount"] == "120.00"
    assert sums(applied) == ("APPROVED", "PARTIALLY_PAID", "40.00", "80.00", "0.00")
    await ecom.run_due_tasks(services.db, services.payments)
    charged = await order(client, site, answer["orderId"])
    assert sums(charged) == ("APPROVED", "PAID", "0.00", "120.00", "0.00")
    ref = f"fake-{answer['paymentGatewayOrderId']}"
    assert [c[:2] for c in fake.charges if c[0] == ref] == [(ref, Decimal("40.00"))]
    # The Reader says the fee is on the order.
    extended = await read(client, site, bk["id"], withBookingFeeDetails=True, withEcomOrder=True)
    assert extended["bookingFeeDetails"] == {"cancellationFeeStatus": "APPLIED_TO_ORDER"}
    assert extended["order"]["paymentStatus"] == "PAID"
    assert extended["order"]["totalPrice"]["amount"] == "120.00"


async def test_no_fee_when_waived_and_none_charged_offline(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    fake = fake_of(services)
    policy_id = await fee_policy(client, site)
    bk, answer = await online_order(client, site, bookingPolicy={"id": policy_id})
    await pay(client, answer, "APPROVED")
    await cancel(client, site, bk["id"], flowControlSettings={"waiveCancellationFee": True})
    found = await order(client, site, answer["orderId"])
    assert "additionalFees" not in found
    assert sums(found) == ("APPROVED", "PAID", "0.00", "80.00", "0.00")
    # Offline: the fee goes on the balance, for the business to collect.
    charges = len(fake.charges)
    offline = await booking_of(
        client, site, hour=13, option="OFFLINE", bookingPolicy={"id": policy_id}
    )
    order_id = await offline_order(client, site, offline["id"])
    await cancel(client, site, offline["id"])
    await ecom.run_due_tasks(services.db, services.payments)
    found = await order(client, site, order_id)
    assert sums(found) == ("APPROVED", "NOT_PAID", "120.00", "0.00", "0.00")
    assert len(fake.charges) == charges


async def test_waive_charges_cancels_an_unpaid_order(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    bk = await booking_of(client, site, option="OFFLINE")
    order_id = await offline_order(client, site, bk["id"])
    await cancel(client, site, bk["id"], waiveCharges=True)
    found = await order(client, site, order_id)
    assert (found["status"], found["paymentStatus"]) == ("CANCELED", "NOT_PAID")
    assert (await order_events(client, site, order_id))[-1] == "canceled"


async def test_canceling_the_order_cancels_its_bookings(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    bk = await booking_of(client, site, option="OFFLINE")
    order_id = await offline_order(client, site, bk["id"])
    assert (await get_booking(client, site, bk["id"]))["status"] == "CONFIRMED"
    ok(await client.post(f"{ORDERS}/{order_id}/cancel", json={}, headers=site.admin))
    after = await get_booking(client, site, bk["id"])
    assert after["status"] == "CANCELED"


@pytest.fixture
async def unpaid_client(services: Services) -> Any:
    """A server with no payment provider."""
    app = create_app(services=dataclasses.replace(services, payments=None))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def test_online_payment_without_a_provider_is_not_implemented(
    unpaid_client: httpx.AsyncClient, site: SiteKeys
) -> None:
    bk = await booking_of(unpaid_client, site, option="ONLINE")
    co = await checkout(unpaid_client, site, bk["id"])
    res = await unpaid_client.post(
        f"{CHECKOUTS}/{co['id']}/create-order", json={}, headers=site.admin
    )
    app_error(res, 501, "UNIMPLEMENTED")
    assert (await get_booking(unpaid_client, site, bk["id"]))["status"] == "CREATED"


async def test_a_crash_after_the_order_commits_leaves_its_bookings_to_the_runner(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    """The order is written with the task that confirms its bookings; when the process dies
    before running it, the runner does, once its lease is over."""
    bk = await booking_of(client, site, option="OFFLINE")
    co = await checkout(client, site, bk["id"])
    caller = system_of(site.site_id)
    doc = await orders.fresh_checkout(services.db, caller, co["id"])
    placed = await orders.place_order(services.db, caller, co["id"], doc, status="APPROVED")
    # ... and here the process died: the booking is still CREATED under an approved order.
    assert (await get_booking(client, site, bk["id"]))["status"] == "CREATED"
    assert await ecom.run_due_tasks(services.db, services.payments) == 0  # leased
    async with services.db.write(site.site_id) as uow:
        t = ecom_money_tasks
        await uow.run(uow.update(t).where(t.c.order_id == placed["id"]).values(due_date=utcnow()))
    assert await ecom.run_due_tasks(services.db, services.payments) == 1
    after = await get_booking(client, site, bk["id"])
    assert (after["status"], after["paymentStatus"]) == ("CONFIRMED", "NOT_PAID")
    assert await ecom.run_due_tasks(services.db, services.payments) == 0


async def test_create_order_with_an_idempotency_key_asks_the_provider_once(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    fake = fake_of(services)
    bk = await booking_of(client, site, option="ONLINE")
    co = await checkout(client, site, bk["id"])
    path = f"{CHECKOUTS}/{co['id']}/create-order"
    headers = {**site.admin, "Idempotency-Key": new_id()}
    asked = len(fake.payments)
    first = await client.post(path, json={}, headers=headers)
    again = await client.post(path, json={}, headers=headers)
    assert ok(first) == ok(again) and again.headers["idempotent-replayed"] == "true"
    assert len(fake.payments) == asked + 1
    found = await order(client, site, ok(first)["orderId"])
    assert sums(found)[:2] == ("INITIALIZED", "NOT_PAID")
