"""The Stripe payment provider against a mocked Stripe API (respx; no network ever).

The JSON under ``fixtures/stripe`` has the shape of Stripe's objects and events. Every test
runs inside a respx router that fails on any request it has no route for, and on any route
left uncalled.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sys
import time
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
import respx
import stripe

from bookings.ecom.providers import PaymentRequest, WebhookRejected
from bookings.ecom.stripe_provider import (
    StripeProvider,
    from_minor_units,
    stripe_provider,
    to_minor_units,
)

FIXTURES = Path(__file__).parent / "fixtures" / "stripe"
API_KEY = "sk_test_51AbCdEfGhIjKlMnOpQrStUvWxYz"
SECRET = "whsec_5f3a8c1e9b7d4f2a6c0e8b1d3f5a7c9e"
SESSION = "cs_test_a1B2c3D4e5F6g7H8i9J0kLmNoPqRsTuVwXyZ0123456789abcdEFGH"
INTENT = "pi_3QaBcDeFgHiJkLmN0aBcDeFg"
CHARGE = "ch_3QaBcDeFgHiJkLmN0xYzWvUt"

# stripe's HTTPXClient hands httpx its form body as ``data=<str>``, which httpx deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return data


def form(request: httpx.Request) -> dict[str, str]:
    """The form-encoded parameters Stripe received (a POST's body, a GET's query)."""
    if request.method == "GET":
        return dict(request.url.params)
    return dict(parse_qsl(request.content.decode(), keep_blank_values=True))


def sign(body: bytes, secret: str = SECRET, at: int | None = None) -> str:
    """A ``Stripe-Signature`` header as Stripe computes it: HMAC-SHA256 of ``{t}.{body}``."""
    stamp = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={mac}"


def paid_session() -> dict[str, Any]:
    """A completed session as retrieved with ``expand[]=payment_intent``."""
    return {
        **fixture("checkout_session_complete"),
        "payment_intent": fixture("payment_intent_checkout"),
    }


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url="https://api.stripe.com", assert_all_mocked=True) as router:
        yield router


@pytest.fixture
async def provider() -> AsyncIterator[StripeProvider]:
    made = stripe_provider(API_KEY, SECRET, max_network_retries=0)
    yield made
    await made.close()


def request(amount: str = "80.00", currency: str = "USD") -> PaymentRequest:
    return PaymentRequest(
        "site-1",
        "pay-1",
        Decimal(amount),
        currency,
        "FULL",
        "https://shop.example/return/pay-1",
        description="Haircut with Ada, 12 March 10:00",
        buyer_email="ada@example.com",
    )


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("80.00", "USD", 8000),
        ("0.5", "eur", 50),
        ("12.345", "USD", 1235),
        ("1200", "JPY", 1200),
        ("1200.5", "JPY", 1201),
        ("1.234", "KWD", 1230),
        ("500", "ISK", 50000),
    ],
)
def test_amounts_go_to_stripe_in_minor_units(amount: str, currency: str, minor: int) -> None:
    assert to_minor_units(Decimal(amount), currency) == minor
    back = from_minor_units(minor, currency)
    assert to_minor_units(back, currency) == minor


def test_amounts_come_back_from_stripe_exactly() -> None:
    assert str(from_minor_units(8000, "usd")) == "80.00"
    assert str(from_minor_units(1200, "JPY")) == "1200"
    assert str(from_minor_units(1230, "KWD")) == "1.23"
    assert str(from_minor_units(1235, "KWD")) == "1.235"
    assert str(from_minor_units(50000, "ISK")) == "500"


async def test_a_payment_is_a_checkout_session_that_saves_the_card(
    api: respx.MockRouter, provider: StripeProvider
) -> None:
    route = api.post("/v1/checkout/sessions").mock(
        return_value=httpx.Response(200, json=fixture("checkout_session_open"))
    )
    session = await provider.create_payment(request())
    assert session.provider_ref == SESSION
    assert session.status == "PENDING"
    assert session.redirect_url == fixture("checkout_session_open")["url"]

    sent = route.calls.last.request
    assert sent.headers["Authorization"] == f"Bearer {API_KEY}"
    assert sent.headers["Idempotency-Key"] == "bookings-payment-pay-1"
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert form(sent) == {
        "mode": "payment",
        "line_items[0][quantity]": "1",
        "line_items[0][price_data][currency]": "usd",
        "line_items[0][price_data][unit_amount]": "8000",
        "line_items[0][price_data][product_data][name]": "Haircut with Ada, 12 March 10:00",
        "payment_intent_data[setup_future_usage]": "off_session",
        "payment_intent_data[metadata][bookings_payment_id]": "pay-1",
        "payment_intent_data[metadata][bookings_site_id]": "site-1",
        "payment_intent_data[metadata][bookings_kind]": "FULL",
        "customer_creation": "always",
        "customer_email": "ada@example.com",
        "client_reference_id": "pay-1",
        "metadata[bookings_payment_id]": "pay-1",
        "metadata[bookings_site_id]": "site-1",
        "metadata[bookings_kind]": "FULL",
        "success_url": "https://shop.example/return/pay-1",
        "cancel_url": "https://shop.example/return/pay-1",
    }


async def test_a_zero_decimal_currency_is_sent_in_whole_units(
    api: respx.MockRouter, provider: StripeProvider
) -> None:
    route = api.post("/v1/checkout/sessions").mock(
        return_value=httpx.Response(200, json=fixture("checkout_session_open"))
    )
    await provider.create_payment(request("4500", "JPY"))
    sent = form(route.calls.last.request)
    assert sent["line_items[0][price_data][unit_amount]"] == "4500"
    assert sent["line_items[0][price_data][currency]"] == "jpy"


async def test_nothing_to_pay_asks_nothing_of_stripe(
    api: respx.MockRouter, provider: StripeProvider
) -> None:
    session = await provider.create_payment(request("0"))
    assert (session.status, session.redirect_url) == ("APPROVED", None)
    assert not api.calls


async def test_a_refund_names_the_session_on_the_charge_then_refunds_its_intent(
    api: respx.MockRouter, provider: StripeProvider
) -> None:
    lookup = api.get(f"/v1/checkout/sessions/{SESSION}").mock(
        return_value=httpx.Response(200, json=paid_session())
    )
    tag = api.post(f"/v1/charges/{CHARGE}").mock(
        return_value=httpx.Response(200, json=fixture("charge"))
    )
    refund = api.post("/v1/refunds").mock(return_value=httpx.Response(200, json=fixture("refund")))
    assert await provider.refund(SESSION, Decimal("25.00"), "ref-1")

    assert form(lookup.calls.last.request) == {"expand[0]": "payment_intent"}
    assert form(tag.calls.last.request) == {"metadata[bookings_provider_ref]": SESSION}
    sent = refund.calls.last.request
    assert sent.headers["Idempotency-Key"] == "bookings-refund-ref-1"
    assert form(sent) == {
        "payment_intent": INTENT,
        "amount": "2500",
        "metadata[bookings_refund_id]": "ref-1",
        "metadata[bookings_provider_ref]": SESSION,
    }


async def test_a_refund_stripe_refuses_is_false(
    api: respx.MockRouter, provider: StripeProvider
) -> None:
    api.get(f"/v1/checkout/sessions/{SESSION}").mock(
        return_value=httpx.Response(200, json=paid_session())
    )
    api.post(f"/v1/charges/{CHARGE}").mock(return_value=httpx.Response(200, json=fixture("charge")))
    api.post("/v1/refunds").mock(
        return_value=httpx.Response(400, json=fixture("error_charge_already_refunded"))
    )
    assert not await provider.refund(SESSION, Decimal("80"), "ref-2")


async def test_an_unpaid_session_has_nothing_to_refund(
    api: respx.MockRouter, provider: StripeProvider
) -> None:
    api.get(f"/v1/checkout/sessions/{SESSION}").mock(
        return_value=httpx.Response(200, json=fixture("checkout_session_open"))
    )
    assert not await provider.refund(SESSION, Decimal("80"), "ref-3")


async def test_a_fee_is_charged_off_session_to_the_saved_card(
    api: respx.MockRouter, provider: StripeProvider
) -> None:
    api.get(f"/v1/checkout/sessions/{SESSION}").mock(
        return_value=httpx.Response(200, json=paid_session())
    )
    create = api.post("/v1/payment_intents").mock(
        return_value=httpx.Response(200, json=fixture("payment_intent_fee"))
    )
    fee = await provider.charge_saved(SESSION, Decimal("15"), "USD", "fee-1")
    assert (fee.provider_ref, fee.status, fee.redirect_url) == (
        "pi_3QfEeFeEfEeFeEfE0fEeFeEf",
        "APPROVED",
        None,
    )
    sent = create.calls.last.request
    assert sent.headers["Idempotency-Key"] == "bookings-charge-fee-1"
    assert form(sent) == {
        "amount": "1500",
        "currency": "usd",
        "customer": "cus_RaBcDeFgHiJkLm",
        "payment_method": "pm_1QaBcDeFgHiJkLmNoPqRsTuV",
        "off_session": "true",
        "confirm": "true",
        "metadata[bookings_charge_id]": "fee-1",
        "metadata[bookings_fee_of]": SESSION,
    }


async def test_a_declined_fee_is_declined(api: respx.MockRouter, provider: StripeProvider) -> None:
    api.get(f"/v1/checkout/sessions/{SESSION}").mock(
        return_value=httpx.Response(200, json=paid_session())
    )
    api.post("/v1/payment_intents").mock(
        return_value=httpx.Response(402, json=fixture("error_card_declined"))
    )
    fee = await provider.charge_saved(SESSION, Decimal("15"), "USD", "fee-1")
    assert (fee.provider_ref, fee.status) == ("pi_3QdEcLiNeDdEcLiN0pIdEcLi", "DECLINED")


async def test_no_saved_card_no_fee(api: respx.MockRouter, provider: StripeProvider) -> None:
    api.get(f"/v1/checkout/sessions/{SESSION}").mock(
        return_value=httpx.Response(200, json=fixture("checkout_session_open"))
    )
    fee = await provider.charge_saved(SESSION, Decimal("15"), "USD", "fee-2")
    assert (fee.provider_ref, fee.status) == ("stripe-declined-fee-2", "DECLINED")


async def test_nothing_paid_through_stripe_asks_nothing_of_stripe(
    api: respx.MockRouter, provider: StripeProvider
) -> None:
    free = await provider.create_payment(request("0"))
    assert not await provider.refund(free.provider_ref, Decimal("5"), "ref-7")
    assert await provider.refund(SESSION, Decimal("0"), "ref-8")
    fee = await provider.charge_saved(free.provider_ref, Decimal("5"), "USD", "fee-4")
    assert (fee.provider_ref, fee.status) == ("stripe-declined-fee-4", "DECLINED")
    nothing = await provider.charge_saved(SESSION, Decimal("0"), "USD", "fee-5")
    assert nothing.status == "APPROVED"
    assert not api.calls


async def test_a_fee_refund_refunds_its_own_intent(
    api: respx.MockRouter, provider: StripeProvider
) -> None:
    api.get("/v1/payment_intents/pi_3QfEeFeEfEeFeEfE0fEeFeEf").mock(
        return_value=httpx.Response(200, json=fixture("payment_intent_fee"))
    )
    refund = api.post("/v1/refunds").mock(return_value=httpx.Response(200, json=fixture("refund")))
    assert await provider.refund("pi_3QfEeFeEfEeFeEfE0fEeFeEf", Decimal("15"), "ref-4")
    assert form(refund.calls.last.request)["payment_intent"] == "pi_3QfEeFeEfEeFeEfE0fEeFeEf"


async def test_an_unexpected_request_fails_the_call(
    api: respx.MockRouter, provider: StripeProvider
) -> None:
    """No route, no network: respx refuses the request and the provider's call fails."""
    with pytest.raises(stripe.APIConnectionError) as caught:
        await provider.refund(SESSION, Decimal("1"), "ref-5")
    assert isinstance(caught.value.__cause__, respx.models.AllMockedAssertionError)


def webhook(name: str) -> tuple[dict[str, str], bytes]:
    body = (FIXTURES / f"{name}.json").read_bytes()
    return {"Stripe-Signature": sign(body), "Content-Type": "application/json"}, body


def test_a_paid_checkout_is_approved(provider: StripeProvider) -> None:
    [event] = provider.parse_webhook(*webhook("event_checkout_session_completed"))
    assert (event.event_id, event.provider_ref, event.kind, event.amount) == (
        "evt_1QcOmPlEtEdAbCdEfGhIjKlM",
        SESSION,
        "APPROVED",
        Decimal("80.00"),
    )


def test_the_signature_header_is_found_in_any_case(provider: StripeProvider) -> None:
    headers, body = webhook("event_checkout_session_completed")
    assert provider.parse_webhook({"stripe-signature": headers["Stripe-Signature"]}, body)
    assert provider.parse_webhook({"STRIPE-SIGNATURE": headers["Stripe-Signature"]}, body)


def test_an_expired_checkout_is_declined(provider: StripeProvider) -> None:
    [event] = provider.parse_webhook(*webhook("event_checkout_session_expired"))
    assert (event.provider_ref, event.kind) == (SESSION, "DECLINED")


def test_a_delayed_payment_waits_for_its_own_event(provider: StripeProvider) -> None:
    assert provider.parse_webhook(*webhook("event_checkout_session_completed_unpaid")) == []


def test_a_refund_is_reported_under_the_session(provider: StripeProvider) -> None:
    [event] = provider.parse_webhook(*webhook("event_charge_refunded"))
    assert (event.event_id, event.provider_ref, event.kind, event.amount) == (
        "evt_3QrEfUnDeDaBcDeF0gHiJkLm",
        SESSION,
        "REFUNDED",
        Decimal("25.00"),
    )


def test_a_refund_of_a_charge_not_named_falls_back_to_its_intent(
    provider: StripeProvider,
) -> None:
    event = fixture("event_charge_refunded")
    del event["data"]["object"]["metadata"]["bookings_provider_ref"]
    body = json.dumps(event).encode()
    [found] = provider.parse_webhook({"Stripe-Signature": sign(body)}, body)
    assert (found.provider_ref, found.kind) == (INTENT, "REFUNDED")


def test_a_refunded_fee_is_reported_under_its_own_intent(provider: StripeProvider) -> None:
    """A fee's charge carries its intent's metadata, which names the payment it was charged
    after (``bookings_fee_of``), not a ``provider_ref``: its refunds are the fee's."""
    event = fixture("event_charge_refunded")
    fee = fixture("payment_intent_fee")
    event["data"]["object"].update(
        id=fee["latest_charge"],
        amount=1500,
        amount_refunded=1500,
        payment_intent=fee["id"],
        metadata=fee["metadata"],
    )
    body = json.dumps(event).encode()
    [found] = provider.parse_webhook({"Stripe-Signature": sign(body)}, body)
    assert (found.provider_ref, found.kind, found.amount) == (fee["id"], "REFUNDED", Decimal(15))


def test_a_fee_intent_reports_under_its_own_id(provider: StripeProvider) -> None:
    [event] = provider.parse_webhook(*webhook("event_payment_intent_succeeded_fee"))
    assert (event.provider_ref, event.kind, event.amount) == (
        "pi_3QfEeFeEfEeFeEfE0fEeFeEf",
        "APPROVED",
        Decimal("15.00"),
    )


def test_other_events_are_ignored(provider: StripeProvider) -> None:
    assert provider.parse_webhook(*webhook("event_customer_created")) == []


def test_a_bad_signature_is_rejected(provider: StripeProvider) -> None:
    headers, body = webhook("event_checkout_session_completed")
    with pytest.raises(WebhookRejected):
        provider.parse_webhook(headers, body.replace(b"8000", b"8001"))
    with pytest.raises(WebhookRejected):
        provider.parse_webhook({"Stripe-Signature": sign(body, "whsec_other")}, body)
    with pytest.raises(WebhookRejected):
        provider.parse_webhook({"Stripe-Signature": "garbage"}, body)
    with pytest.raises(WebhookRejected):
        provider.parse_webhook({}, body)


def test_an_old_signature_is_rejected(provider: StripeProvider) -> None:
    body = (FIXTURES / "event_checkout_session_completed.json").read_bytes()
    stale = sign(body, at=int(time.time()) - 600)
    with pytest.raises(WebhookRejected):
        provider.parse_webhook({"Stripe-Signature": stale}, body)


def test_a_signed_but_malformed_body_is_rejected(provider: StripeProvider) -> None:
    for body in (b"not json", b'{"id": "evt_1", "type": "checkout.session.completed"}'):
        with pytest.raises(WebhookRejected):
            provider.parse_webhook({"Stripe-Signature": sign(body)}, body)


async def test_no_call_inside_a_transaction(api: respx.MockRouter) -> None:
    inside = stripe_provider(API_KEY, SECRET, in_transaction=lambda: True)
    try:
        with pytest.raises(AssertionError, match="inside a database transaction"):
            await inside.create_payment(request())
        with pytest.raises(AssertionError, match="inside a database transaction"):
            await inside.refund(SESSION, Decimal("1"), "ref-6")
        with pytest.raises(AssertionError, match="inside a database transaction"):
            await inside.charge_saved(SESSION, Decimal("1"), "USD", "fee-3")
    finally:
        await inside.close()
    assert not api.calls


def test_without_the_extra_the_factory_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "stripe", None)  # as if stripe were not installed
    with pytest.raises(RuntimeError, match=r"pip install 'bookings\[stripe\]'"):
        stripe_provider(API_KEY, SECRET)
