"""Payment providers that need no network: manual and fake (pure parts)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bookings.ecom.providers import (
    SIGNATURE_HEADER,
    FakeProvider,
    ManualProvider,
    PaymentRequest,
    WebhookRejected,
)


def request(amount: str = "80.00") -> PaymentRequest:
    return PaymentRequest("site", "pay-1", Decimal(amount), "USD", "FULL", "http://x/return")


async def test_fake_payments_wait_on_a_page_and_report_by_signed_webhook() -> None:
    fake = FakeProvider(b"secret", "http://127.0.0.1:8080/")
    session = await fake.create_payment(request())
    assert session.status == "PENDING"
    assert session.redirect_url == "http://127.0.0.1:8080/_fake-pay/site/pay-1"
    headers, body = fake.webhook("ev-1", session.provider_ref, "APPROVED", Decimal("80"))
    [event] = fake.parse_webhook(headers, body)
    assert (event.event_id, event.provider_ref, event.kind, event.amount) == (
        "ev-1",
        "fake-pay-1",
        "APPROVED",
        Decimal("80.00"),
    )
    with pytest.raises(WebhookRejected):
        fake.parse_webhook(headers, body.replace(b"80.00", b"8.00"))
    with pytest.raises(WebhookRejected):
        fake.parse_webhook({SIGNATURE_HEADER: fake.sign(b"{}")}, b"{}")
    assert (await fake.create_payment(request("0"))).status == "APPROVED"
    assert await fake.refund("fake-pay-1", Decimal("10"), "r-1")
    assert fake.refunds == [("fake-pay-1", Decimal("10"), "r-1")]


async def test_manual_payments_wait_for_the_business() -> None:
    manual = ManualProvider()
    session = await manual.create_payment(request())
    assert (session.status, session.redirect_url) == ("PENDING", None)
    with pytest.raises(WebhookRejected):
        manual.parse_webhook({}, b"{}")


async def test_the_fake_provider_refuses_calls_inside_a_transaction() -> None:
    inside = [True]
    fake = FakeProvider(b"secret", "http://x", lambda: inside[0])
    with pytest.raises(AssertionError, match="inside a database transaction"):
        await fake.create_payment(request())
    with pytest.raises(AssertionError):
        await fake.refund("fake-pay-1", Decimal("1"), "r-1")
    with pytest.raises(AssertionError):
        await fake.charge_saved("fake-pay-1", Decimal("1"), "USD", "c-1")
    inside[0] = False
    assert (await fake.charge_saved("fake-pay-1", Decimal("5"), "USD", "c-1")).status == "APPROVED"
    await fake.charge_saved("fake-pay-1", Decimal("5"), "USD", "c-1")
    assert fake.charges == [("fake-pay-1", Decimal("5"), "c-1")]


def test_the_settings_choose_the_provider() -> None:
    from bookings.config import Settings
    from bookings.ecom.providers import ProviderNotConfigured, provider_of
    from bookings.ecom.stripe_provider import StripeProvider

    def chosen(**given: object) -> object:
        return provider_of(Settings(**given), fake_secret=b"s" * 32)  # type: ignore[arg-type]

    assert isinstance(chosen(demo=True), FakeProvider)  # the demo tries payments out
    assert chosen(demo=False) is None  # a real site pays offline until it picks a provider
    assert chosen(demo=True, payment_provider="none") is None
    assert isinstance(chosen(demo=False, payment_provider="manual"), ManualProvider)
    stripe = chosen(
        demo=False,
        payment_provider="stripe",
        stripe_api_key="sk_test_x",
        stripe_webhook_secret="whsec_x",
    )
    assert isinstance(stripe, StripeProvider)
    with pytest.raises(ProviderNotConfigured, match="BOOKINGS_STRIPE_API_KEY"):
        chosen(demo=False, payment_provider="stripe")
    with pytest.raises(ProviderNotConfigured, match="unknown payment provider 'paypal'"):
        chosen(payment_provider="paypal")
