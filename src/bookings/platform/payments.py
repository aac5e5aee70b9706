"""What the orders of this server need of a payment service provider: the interface, and the
shapes of its requests, answers and webhook events. (Platform: the app builds the provider
from the settings and hands it to the routes in :class:`bookings.platform.routing.Services`;
the implementations live in the eCommerce slice.)

The shape follows Wix's payment-service-provider plugin: create a payment (a redirect URL, or
an immediate result), refund it, and report changes by webhook, each event with an id that
the caller deduplicates. No provider call may run inside a database transaction: the caller
commits first, calls the provider, and records its answer in a second transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, Protocol

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
    #: APPROVED, DECLINED: the payment's amount; REFUNDED: the payment's refunded total so
    #: far (not the last refund alone), so a refund seen twice counts once.
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
