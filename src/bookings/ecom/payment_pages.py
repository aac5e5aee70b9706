"""The fake provider's payment page (``/_fake-pay/{site}/{payment}``): what it shows, and its
two buttons, which make the provider send its signed webhook to this server, exactly as a
real provider's server would (the same verification, the same deduplication)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bookings.ecom import pricing
from bookings.ecom.models import ecom_orders, ecom_payments
from bookings.ecom.online import handle_webhook
from bookings.ecom.providers import FakeProvider
from bookings.platform import errors
from bookings.platform.db import Database
from bookings.platform.payments import PaymentProvider
from bookings.platform.wire import new_id


@dataclass(frozen=True, slots=True)
class FakePayment:
    payment_id: str
    order_number: str
    amount: str
    currency: str
    status: str
    provider_ref: str | None


async def fake_payment(db: Database, site_id: str, payment_id: str) -> FakePayment:
    """The payment a page shows (404 ``PAYMENT_NOT_FOUND``)."""
    p, o = ecom_payments, ecom_orders
    async with db.read(site_id) as scope:
        row = await scope.one_or_none(scope.select(p).where(p.c.id == payment_id))
        number = None
        if row is not None:
            number = await scope.scalar(scope.select(o, o.c.number).where(o.c.id == row.order_id))
    if row is None or row.provider != "fake":
        raise errors.not_found("PAYMENT_NOT_FOUND", f"Payment {payment_id} not found")
    return FakePayment(row.id, str(number), row.amount, row.currency, row.status, row.provider_ref)


async def pay_fake(
    db: Database,
    provider: PaymentProvider | None,
    site_id: str,
    payment_id: str,
    outcome: Literal["APPROVED", "DECLINED"],
) -> FakePayment:
    """Approve or decline a fake payment: the provider signs its webhook, and this server
    takes it as it takes any webhook."""
    if not isinstance(provider, FakeProvider):
        raise errors.not_found("PAYMENT_NOT_FOUND", "The fake payment provider is not in use")
    payment = await fake_payment(db, site_id, payment_id)
    if payment.provider_ref is None:
        raise errors.failed_precondition(
            "PAYMENT_NOT_STARTED", f"Payment {payment_id} was not started"
        )
    headers, body = provider.webhook(
        new_id(), payment.provider_ref, outcome, pricing.amount(payment.amount)
    )
    await handle_webhook(db, provider, "fake", site_id, headers, body)
    return await fake_payment(db, site_id, payment_id)
