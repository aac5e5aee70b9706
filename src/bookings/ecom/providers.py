"""Payment providers (issue 15): the two that need no network, ``manual`` (offline: the
business marks the order paid) and ``fake`` (a test provider with a payment page of this
server and its own signed webhook, usable from ``make serve`` to try the flow), and the one
the settings choose (:func:`provider_of`). Stripe is in :mod:`.stripe_provider` (an extra).
The interface is :class:`bookings.platform.payments.PaymentProvider`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from decimal import Decimal

import orjson

from bookings.config import Settings
from bookings.platform.payments import (
    EventKind,
    PaymentProvider,
    PaymentRequest,
    PaymentSession,
    PaymentStatus,
    ProviderEvent,
    WebhookRejected,
)

__all__ = [
    "EventKind",
    "FakeProvider",
    "ManualProvider",
    "PaymentProvider",
    "PaymentRequest",
    "PaymentSession",
    "PaymentStatus",
    "ProviderEvent",
    "WebhookRejected",
]


class ManualProvider:
    """Offline payment: nothing is charged; the order is approved and waits for the business
    to mark it paid. A refund is recorded by the business too (always accepted here)."""

    id = "manual"

    async def create_payment(self, request: PaymentRequest) -> PaymentSession:
        return PaymentSession(f"manual-{request.payment_id}", "PENDING")

    async def refund(self, provider_ref: str, amount: Decimal, refund_id: str) -> bool:
        return True

    async def charge_saved(
        self, provider_ref: str, amount: Decimal, currency: str, charge_id: str
    ) -> PaymentSession:
        # Nothing is saved offline: the fee is added to the order's balance instead.
        return PaymentSession(f"manual-{charge_id}", "PENDING")

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[ProviderEvent]:
        raise WebhookRejected("the manual provider sends no webhooks")


SIGNATURE_HEADER = "x-fake-pay-signature"


class FakeProvider:
    """A provider for tests and demos: payments wait on a page of this server
    (``/_fake-pay/{site_id}/{payment_id}``) whose buttons make it send a webhook signed with
    HMAC-SHA256 under ``secret``. Refunds and saved-card charges always succeed; :attr:`refunds` and
    :attr:`charges` list them. ``in_transaction`` (the database's): every call asserts that no
    transaction of the calling task is open."""

    id = "fake"

    def __init__(
        self, secret: bytes, base_url: str, in_transaction: Callable[[], bool] | None = None
    ) -> None:
        self._secret = secret
        self._base = base_url.rstrip("/")
        self._in_transaction = in_transaction
        self.refunds: list[tuple[str, Decimal, str]] = []
        self.charges: list[tuple[str, Decimal, str]] = []
        self.payments: list[PaymentRequest] = []

    def _outside_transactions(self) -> None:
        if self._in_transaction is not None and self._in_transaction():
            raise AssertionError("a payment provider was called inside a database transaction")

    async def create_payment(self, request: PaymentRequest) -> PaymentSession:
        self._outside_transactions()
        self.payments.append(request)
        if request.amount <= 0:
            return PaymentSession(f"fake-{request.payment_id}", "APPROVED")
        return PaymentSession(
            f"fake-{request.payment_id}",
            "PENDING",
            f"{self._base}/_fake-pay/{request.site_id}/{request.payment_id}",
        )

    async def refund(self, provider_ref: str, amount: Decimal, refund_id: str) -> bool:
        self._outside_transactions()
        if all(r[2] != refund_id for r in self.refunds):
            self.refunds.append((provider_ref, amount, refund_id))
        return True

    async def charge_saved(
        self, provider_ref: str, amount: Decimal, currency: str, charge_id: str
    ) -> PaymentSession:
        self._outside_transactions()
        if all(c[2] != charge_id for c in self.charges):
            self.charges.append((provider_ref, amount, charge_id))
        return PaymentSession(f"fake-{charge_id}", "APPROVED")

    def sign(self, body: bytes) -> str:
        return hmac.new(self._secret, body, hashlib.sha256).hexdigest()

    def webhook(
        self, event_id: str, provider_ref: str, kind: EventKind, amount: Decimal
    ) -> tuple[dict[str, str], bytes]:
        """Headers and body of the webhook the fake provider sends about a payment."""
        body = orjson.dumps(
            {"id": event_id, "paymentRef": provider_ref, "type": kind, "amount": f"{amount:.2f}"}
        )
        return {SIGNATURE_HEADER: self.sign(body)}, body

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[ProviderEvent]:
        given = headers.get(SIGNATURE_HEADER, "")
        if not hmac.compare_digest(given, self.sign(body)):
            raise WebhookRejected("bad signature")
        try:
            data = orjson.loads(body)
            kind = data["type"]
            if kind not in ("APPROVED", "DECLINED", "REFUNDED"):
                raise ValueError(kind)
            return [
                ProviderEvent(
                    str(data["id"]), str(data["paymentRef"]), kind, Decimal(str(data["amount"]))
                )
            ]
        except (KeyError, TypeError, ValueError, orjson.JSONDecodeError) as exc:
            raise WebhookRejected(f"malformed body: {exc}") from None


class ProviderNotConfigured(RuntimeError):
    """The settings name a provider that cannot be built (unknown, or missing its keys)."""


def provider_of(
    settings: Settings,
    *,
    fake_secret: bytes,
    in_transaction: Callable[[], bool] | None = None,
) -> PaymentProvider | None:
    """The provider the settings choose (``Settings.payments``): ``None`` for ``none``."""
    choice = settings.payments
    if choice == "none":
        return None
    if choice == "manual":
        return ManualProvider()
    if choice == "fake":
        return FakeProvider(fake_secret, settings.public_url, in_transaction)
    if choice == "stripe":
        if not settings.stripe_api_key or not settings.stripe_webhook_secret:
            raise ProviderNotConfigured(
                "BOOKINGS_PAYMENT_PROVIDER=stripe needs BOOKINGS_STRIPE_API_KEY and "
                "BOOKINGS_STRIPE_WEBHOOK_SECRET"
            )
        from bookings.ecom.stripe_provider import stripe_provider

        return stripe_provider(
            settings.stripe_api_key, settings.stripe_webhook_secret, in_transaction
        )
    raise ProviderNotConfigured(
        f"unknown payment provider {choice!r}: use fake, stripe, manual or none"
    )
