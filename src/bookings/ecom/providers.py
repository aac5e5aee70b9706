"""Payment providers (issue 15 groundwork): the interface a checkout's order pays through, and
the two providers that need no network: ``manual`` (offline: the business marks the order
paid) and ``fake`` (a test provider with a redirect page and its own signed webhook, usable
from ``make serve`` to try the flow).

The shape follows Wix's payment-service-provider plugin: create a payment (a redirect URL, or
an immediate result), refund it, and report changes by webhook, each event with an id that
the caller deduplicates. No provider call may run inside a database transaction: the caller
commits the order first, calls the provider, and records its answer in a second transaction.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, Protocol

import orjson

PaymentStatus = Literal["PENDING", "APPROVED", "DECLINED"]
EventKind = Literal["APPROVED", "DECLINED", "REFUNDED"]


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    site_id: str
    #: Ours: the provider's idempotency key for this payment.
    payment_id: str
    amount: Decimal
    currency: str
    #: ``FULL``, ``DEPOSIT``, ``BALANCE`` or ``FEE``.
    kind: str
    return_url: str
    description: str = ""
    buyer_email: str | None = None


@dataclass(frozen=True, slots=True)
class PaymentSession:
    provider_ref: str
    status: PaymentStatus
    redirect_url: str | None = None


@dataclass(frozen=True, slots=True)
class ProviderEvent:
    #: The provider's event id: the same event delivered twice changes nothing.
    event_id: str
    provider_ref: str
    kind: EventKind
    amount: Decimal


class WebhookRejected(Exception):
    """A provider webhook whose signature or body does not check out."""


class PaymentProvider(Protocol):
    """What the orders of this server need of a payment service provider. Every call is made
    outside any database transaction; ``payment_id``, ``refund_id`` and ``charge_id`` are
    ours and serve as the provider's idempotency keys, so a call retried after a crash does
    not charge or refund twice."""

    id: str

    async def create_payment(self, request: PaymentRequest) -> PaymentSession:
        """Start a payment: a redirect URL for the buyer (``PENDING``), or its result at
        once."""
        ...

    async def refund(self, provider_ref: str, amount: Decimal, refund_id: str) -> bool:
        """Give back ``amount`` of a payment; whether the provider accepted it."""
        ...

    async def charge_saved(
        self, provider_ref: str, amount: Decimal, currency: str, charge_id: str
    ) -> PaymentSession:
        """Charge ``amount`` (a late-cancel fee) to the payment method saved with the payment
        ``provider_ref``; ``DECLINED`` when there is none."""
        ...

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[ProviderEvent]:
        """Verify a webhook of the provider and read its events (:class:`WebhookRejected`)."""
        ...


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
    (``/_fake-pay/{payment_id}``) whose buttons make it send a webhook signed with HMAC-SHA256
    under ``secret``. Refunds and saved-card charges always succeed; :attr:`refunds` and
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
            f"{self._base}/_fake-pay/{request.payment_id}",
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
