"""The Stripe payment provider (optional: ``pip install bookings[stripe]``).

A payment is a Stripe Checkout Session: the buyer is sent to Stripe's hosted page and the
result comes back by webhook. The payment method is saved for off-session use, so a
late-cancel fee can later be charged to it (:meth:`StripeProvider.charge_saved`).

References, all Stripe ids:

- a checkout payment's ``provider_ref`` is its Checkout Session (``cs_…``);
- a fee charged off-session is a PaymentIntent of its own (``pi_…``), which is its
  ``provider_ref``.

Webhook events and the ``provider_ref`` they carry:

- ``checkout.session.completed`` (when paid), ``checkout.session.async_payment_succeeded``:
  ``APPROVED``; ``checkout.session.async_payment_failed``, ``checkout.session.expired``:
  ``DECLINED`` (the session id);
- ``payment_intent.succeeded`` / ``payment_intent.payment_failed`` of a fee's PaymentIntent:
  ``APPROVED`` / ``DECLINED`` (the PaymentIntent id; other PaymentIntents are left to the
  session events);
- ``charge.refunded``: ``REFUNDED`` with the charge's refunded total so far. A charge names its
  PaymentIntent, not the Checkout Session, so :meth:`StripeProvider.refund` writes the
  session id into the charge's metadata (``bookings_provider_ref``) before refunding, and the
  event is reported under it; otherwise under the charge's PaymentIntent, which is right for
  a fee. Known limitation: a checkout payment refunded only in the Stripe Dashboard is
  reported under its PaymentIntent id, which names no payment here.

Our ids become Stripe idempotency keys (``bookings-payment-…``, ``bookings-refund-…``,
``bookings-charge-…``), so a call retried within Stripe's 24 hours charges or refunds once.
Amounts are sent in the currency's minor units (:func:`to_minor_units`).

The ``stripe`` package is imported only when a provider is built, so this module imports
without the extra installed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

import orjson

from bookings.ecom.providers import (
    EventKind,
    PaymentRequest,
    PaymentSession,
    ProviderEvent,
    WebhookRejected,
)

if TYPE_CHECKING:
    import stripe
    from stripe.params.checkout import SessionCreateParams

__all__ = ["StripeProvider", "from_minor_units", "stripe_provider", "to_minor_units"]

#: Currencies Stripe counts in whole units.
ZERO_DECIMAL = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA"}
    | {"PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"}
)
#: Currencies with three decimals: Stripe takes thousandths, rounded to tens.
THREE_DECIMAL = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})
#: Zero-decimal in practice, but sent in hundredths (always a multiple of 100).
WHOLE_IN_HUNDREDTHS = frozenset({"ISK"})

SIGNATURE_HEADER = "stripe-signature"
#: How old a webhook's signed timestamp may be, in seconds (Stripe's default).
WEBHOOK_TOLERANCE = 300

META_PAYMENT = "bookings_payment_id"
META_SITE = "bookings_site_id"
META_KIND = "bookings_kind"
META_CHARGE = "bookings_charge_id"
META_REFUND = "bookings_refund_id"
#: On a charge: the ``provider_ref`` its refunds are reported under.
META_REF = "bookings_provider_ref"
#: On a fee's PaymentIntent: the payment whose saved card it was charged to.
META_FEE_OF = "bookings_fee_of"

_SESSION_APPROVED = ("checkout.session.completed", "checkout.session.async_payment_succeeded")
_SESSION_DECLINED = ("checkout.session.async_payment_failed", "checkout.session.expired")
_INTENT_EVENTS: dict[str, EventKind] = {
    "payment_intent.succeeded": "APPROVED",
    "payment_intent.payment_failed": "DECLINED",
}


def _exponent(currency: str) -> tuple[int, int]:
    """Decimals the amount is rounded to, and the power of ten Stripe's integer is in."""
    code = currency.upper()
    if code in ZERO_DECIMAL:
        return 0, 0
    if code in WHOLE_IN_HUNDREDTHS:
        return 0, 2
    if code in THREE_DECIMAL:
        return 2, 3
    return 2, 2


def to_minor_units(amount: Decimal, currency: str) -> int:
    """Stripe's integer for ``amount`` of ``currency`` (``12.34 USD`` → 1234, ``1200 JPY`` →
    1200, ``1.5 KWD`` → 1500), rounded half up to what the currency can charge."""
    decimals, power = _exponent(currency)
    rounded = amount.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return int(rounded.scaleb(power))


def from_minor_units(value: int, currency: str) -> Decimal:
    """The amount a Stripe integer stands for (the inverse of :func:`to_minor_units`), with
    the currency's usual decimals unless that would lose a digit."""
    decimals, power = _exponent(currency)
    exact = Decimal(value).scaleb(-power)
    usual = exact.quantize(Decimal(1).scaleb(-decimals))
    return usual if usual == exact else exact


def _id(field: object) -> str | None:
    """The id of an expandable field (an id, an expanded object, or nothing)."""
    if field is None or isinstance(field, str):
        return field
    found = getattr(field, "id", None)
    return found if isinstance(found, str) else None


class StripeProvider:
    """Payments through Stripe Checkout (see the module's documentation). ``client`` is a
    ``stripe.StripeClient`` (async calls through its httpx client); ``in_transaction`` (the
    database's): every call asserts that no transaction of the calling task is open."""

    id = "stripe"

    def __init__(
        self,
        client: stripe.StripeClient,
        webhook_secret: str,
        in_transaction: Callable[[], bool] | None = None,
        *,
        http_client: stripe.HTTPXClient | None = None,
    ) -> None:
        self._client = client
        self._secret = webhook_secret
        self._in_transaction = in_transaction
        self._http = http_client

    def _outside_transactions(self) -> None:
        if self._in_transaction is not None and self._in_transaction():
            raise AssertionError("a payment provider was called inside a database transaction")

    async def close(self) -> None:
        """Close the HTTP connections (when the provider was built by :func:`stripe_provider`)."""
        if self._http is not None:
            await self._http.close_async()  # type: ignore[no-untyped-call]

    async def create_payment(self, request: PaymentRequest) -> PaymentSession:
        self._outside_transactions()
        if request.amount <= 0:
            # Stripe charges no zero amount: nothing to pay, nothing to save.
            return PaymentSession(f"stripe-free-{request.payment_id}", "APPROVED")
        metadata = {
            META_PAYMENT: request.payment_id,
            META_SITE: request.site_id,
            META_KIND: request.kind,
        }
        params: SessionCreateParams = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": request.currency.lower(),
                        "unit_amount": to_minor_units(request.amount, request.currency),
                        "product_data": {
                            "name": request.description or f"Booking ({request.kind.lower()})"
                        },
                    },
                }
            ],
            "payment_intent_data": {
                "setup_future_usage": "off_session",
                "metadata": metadata,
            },
            "customer_creation": "always",
            "client_reference_id": request.payment_id,
            "metadata": metadata,
            "success_url": request.return_url,
            "cancel_url": request.return_url,
        }
        if request.buyer_email:
            params["customer_email"] = request.buyer_email
        session = await self._client.v1.checkout.sessions.create_async(
            params,
            options={"idempotency_key": f"bookings-payment-{request.payment_id}"},
        )
        return PaymentSession(session.id, "PENDING", session.url)

    @staticmethod
    def _is_stripes(provider_ref: str) -> bool:
        """Whether a reference is a Stripe object (not a ``stripe-free-…`` payment of 0)."""
        return provider_ref.startswith(("cs_", "pi_"))

    async def _payment_intent(self, provider_ref: str) -> stripe.PaymentIntent | None:
        """The PaymentIntent of a payment: a fee's own, or the one its Checkout Session made
        (none while the session is unpaid)."""
        if provider_ref.startswith("pi_"):
            return await self._client.v1.payment_intents.retrieve_async(provider_ref)
        session = await self._client.v1.checkout.sessions.retrieve_async(
            provider_ref, {"expand": ["payment_intent"]}
        )
        intent = session.payment_intent
        if intent is None or isinstance(intent, str):
            return None
        return intent

    async def refund(self, provider_ref: str, amount: Decimal, refund_id: str) -> bool:
        self._outside_transactions()
        import stripe

        if amount <= 0 or not self._is_stripes(provider_ref):
            return amount <= 0  # nothing to give back, or nothing was paid through Stripe
        try:
            intent = await self._payment_intent(provider_ref)
            if intent is None:
                return False
            charge = _id(intent.latest_charge)
            if charge is not None and not provider_ref.startswith("pi_"):
                # So that the charge.refunded webhook names the session, not the intent.
                await self._client.v1.charges.update_async(
                    charge, {"metadata": {META_REF: provider_ref}}
                )
            refund = await self._client.v1.refunds.create_async(
                {
                    "payment_intent": intent.id,
                    "amount": to_minor_units(amount, intent.currency),
                    "metadata": {META_REFUND: refund_id, META_REF: provider_ref},
                },
                options={"idempotency_key": f"bookings-refund-{refund_id}"},
            )
        except (stripe.CardError, stripe.InvalidRequestError):
            return False
        return refund.status not in ("failed", "canceled")

    async def charge_saved(
        self, provider_ref: str, amount: Decimal, currency: str, charge_id: str
    ) -> PaymentSession:
        self._outside_transactions()
        import stripe

        if amount <= 0:
            return PaymentSession(f"stripe-free-{charge_id}", "APPROVED")
        declined = PaymentSession(f"stripe-declined-{charge_id}", "DECLINED")
        if not self._is_stripes(provider_ref):
            return declined
        try:
            intent = await self._payment_intent(provider_ref)
        except stripe.InvalidRequestError:
            return declined
        method = _id(intent.payment_method) if intent is not None else None
        customer = _id(intent.customer) if intent is not None else None
        if intent is None or method is None or customer is None:
            return declined
        try:
            fee = await self._client.v1.payment_intents.create_async(
                {
                    "amount": to_minor_units(amount, currency),
                    "currency": currency.lower(),
                    "customer": customer,
                    "payment_method": method,
                    "off_session": True,
                    "confirm": True,
                    "metadata": {META_CHARGE: charge_id, META_FEE_OF: provider_ref},
                },
                options={"idempotency_key": f"bookings-charge-{charge_id}"},
            )
        except (stripe.CardError, stripe.InvalidRequestError) as exc:
            failed = _id(exc.error.payment_intent) if exc.error is not None else None
            return PaymentSession(failed, "DECLINED") if failed else declined
        if fee.status == "succeeded":
            return PaymentSession(fee.id, "APPROVED")
        if fee.status == "processing":
            return PaymentSession(fee.id, "PENDING")
        return PaymentSession(fee.id, "DECLINED")

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[ProviderEvent]:
        import stripe

        signature = next((v for k, v in headers.items() if k.lower() == SIGNATURE_HEADER), None)
        if signature is None:
            raise WebhookRejected("no Stripe-Signature header")
        try:
            stripe.Webhook.construct_event(
                body, signature, self._secret, tolerance=WEBHOOK_TOLERANCE
            )
        except stripe.SignatureVerificationError as exc:
            raise WebhookRejected(f"bad signature: {exc.user_message or exc}") from None
        except ValueError as exc:
            raise WebhookRejected(f"malformed body: {exc}") from None
        try:
            return self._events(orjson.loads(body))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise WebhookRejected(f"malformed body: {exc!r}") from None

    def _events(self, event: dict[str, Any]) -> list[ProviderEvent]:
        kind = str(event["type"])
        event_id = str(event["id"])
        obj: dict[str, Any] = event["data"]["object"]
        if kind in _SESSION_APPROVED or kind in _SESSION_DECLINED:
            if obj.get("mode") != "payment":
                return []
            if kind == "checkout.session.completed" and obj["payment_status"] not in (
                "paid",
                "no_payment_required",
            ):
                return []  # a delayed method: async_payment_succeeded or _failed follows
            amount = from_minor_units(int(obj["amount_total"] or 0), str(obj["currency"]))
            result: EventKind = "APPROVED" if kind in _SESSION_APPROVED else "DECLINED"
            return [ProviderEvent(event_id, str(obj["id"]), result, amount)]
        if kind in _INTENT_EVENTS:
            if META_CHARGE not in (obj.get("metadata") or {}):
                return []  # a checkout's intent: its session's events report it
            amount = from_minor_units(int(obj["amount"]), str(obj["currency"]))
            return [ProviderEvent(event_id, str(obj["id"]), _INTENT_EVENTS[kind], amount)]
        if kind == "charge.refunded":
            # The charge's refunded total so far (the interface's REFUNDED amount), so a
            # refund this server made itself, or one seen twice, counts once.
            refunded = int(obj["amount_refunded"])
            metadata = obj.get("metadata") or {}
            ref = metadata.get(META_REF) or obj.get("payment_intent")
            if not ref or refunded <= 0:
                return []
            amount = from_minor_units(refunded, str(obj["currency"]))
            return [ProviderEvent(event_id, str(ref), "REFUNDED", amount)]
        return []


def stripe_provider(
    api_key: str,
    webhook_secret: str,
    in_transaction: Callable[[], bool] | None = None,
    *,
    max_network_retries: int = 2,
) -> StripeProvider:
    """A :class:`StripeProvider` with its own ``stripe.StripeClient`` on httpx (async)."""
    try:
        import stripe
    except ImportError:
        raise RuntimeError(
            "the Stripe payment provider needs the stripe package: pip install 'bookings[stripe]'"
        ) from None
    http = stripe.HTTPXClient(timeout=30)
    client = stripe.StripeClient(api_key, http_client=http, max_network_retries=max_network_retries)
    return StripeProvider(client, webhook_secret, in_transaction, http_client=http)
