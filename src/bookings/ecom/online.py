"""Online payment of orders: Create Order with money to pay now, the provider's answer, and
its webhooks (spec E.3, E.4; notes §3).

* **Create Order** writes the order ``INITIALIZED`` with its payment ``PENDING`` (one unit of
  work; the booking keeps its CREATED hold), then asks the provider — outside any
  transaction — for the payment, then records the provider's reference and redirect URL.
* **A provider event** (a webhook, or the provider's immediate answer) is applied in one unit
  of work: its id is recorded first, so an event delivered twice changes nothing; the
  payment, the order's sums and payment status, and its ``approved`` /
  ``payment_status_updated`` events follow. After it commits, the bookings follow the order
  (spec E.4): approved, each is re-checked and confirmed — or declined when its hold ran out
  and its slot was taken meanwhile, and then refunded; a declined payment declines them.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from bookings.booking import service as booking
from bookings.ecom import balances, money_tasks, pricing
from bookings.ecom.models import ecom_payments, ecom_provider_events
from bookings.ecom.order_bookings import mirror_on_bookings, system_of
from bookings.ecom.order_store import booking_ids, order_row, record_action, save_order
from bookings.ecom.orders import PlannedPayment, place_order
from bookings.platform import errors
from bookings.platform.auth import Identity
from bookings.platform.db import Database, utcnow
from bookings.platform.payments import (
    PaymentProvider,
    PaymentRequest,
    PaymentSession,
    ProviderEvent,
    WebhookRejected,
)
from bookings.platform.wire import new_id

log = logging.getLogger(__name__)


async def create_online_order(
    db: Database,
    caller: Identity,
    provider: PaymentProvider | None,
    public_url: str,
    checkout_id: str,
    doc: dict[str, Any],
) -> dict[str, Any]:
    """Create Order of a checkout with money to pay now (the full price, or a deposit)."""
    if provider is None:
        raise errors.not_implemented(
            "Online payment (no payment provider is configured: BOOKINGS_PAYMENT_PROVIDER)"
        )
    pay_now = pricing.amount(doc["payNow"]["total"]["amount"])
    deposit = any(li.get("paymentOption") == "DEPOSIT_ONLINE" for li in doc["lineItems"])
    planned = PlannedPayment(
        new_id(), provider.id, "DEPOSIT" if deposit else "FULL", pay_now, str(doc["currency"])
    )
    order = await place_order(db, caller, checkout_id, doc, status="INITIALIZED", payment=planned)
    # The order is committed before the provider is asked (a request with an idempotency key
    # holds its first unit back until its answer: not this one).
    await db.commit_pending()
    buyer = (doc.get("buyerInfo") or {}).get("email")
    back = (doc.get("callbackUrls") or {}).get("thankYouPageUrl") or public_url.rstrip("/")
    request = PaymentRequest(
        site_id=caller.site_id,
        payment_id=planned.id,
        amount=pay_now,
        currency=planned.currency,
        kind=planned.kind,
        return_url=str(back),
        description=f"Order {order['number']}",
        buyer_email=str(buyer) if buyer else None,
    )
    try:
        session = await provider.create_payment(request)
    except Exception:
        log.exception("order %s: the payment provider failed", order["id"])
        await apply_event(
            db,
            provider,
            caller.site_id,
            ProviderEvent(f"create-failed:{planned.id}", "", "DECLINED", pay_now),
            payment_id=planned.id,
        )
        raise errors.ApplicationError(
            "PAYMENT_PROVIDER_UNAVAILABLE",
            "The payment provider did not answer; the order was not paid",
            http_status=503,
            data={"orderId": order["id"]},
        ) from None
    await _record_session(db, caller.site_id, planned.id, session)
    if session.status != "PENDING":
        event = ProviderEvent(
            f"immediate:{planned.id}", session.provider_ref, session.status, pay_now
        )
        await apply_event(db, provider, caller.site_id, event)
    answer: dict[str, Any] = {"orderId": order["id"], "paymentGatewayOrderId": planned.id}
    if session.redirect_url:
        answer["paymentRedirectUrl"] = session.redirect_url
    return answer


async def _record_session(
    db: Database, site_id: str, payment_id: str, session: PaymentSession
) -> None:
    async with db.write(site_id) as uow:
        await uow.run(
            uow.update(ecom_payments)
            .where(ecom_payments.c.id == payment_id)
            .values(
                provider_ref=session.provider_ref,
                redirect_url=session.redirect_url,
                updated_date=utcnow(),
            )
        )


async def handle_webhook(
    db: Database,
    provider: PaymentProvider | None,
    provider_id: str,
    site_id: str,
    headers: Mapping[str, str],
    body: bytes,
) -> dict[str, Any]:
    """A provider's webhook: verified, then each event applied once."""
    if provider is None or provider.id != provider_id:
        raise errors.not_found(
            "PAYMENT_PROVIDER_NOT_FOUND", f"Payment provider {provider_id} is not configured"
        )
    try:
        found = provider.parse_webhook(headers, body)
    except WebhookRejected as exc:
        raise errors.ApplicationError(
            "INVALID_WEBHOOK", f"The webhook was rejected: {exc}", http_status=400
        ) from None
    applied = 0
    for event in found:
        applied += int(await apply_event(db, provider, site_id, event))
    return {"received": len(found), "applied": applied}


@dataclass(frozen=True, slots=True)
class _Applied:
    order: dict[str, Any]
    approved_now: bool
    declined_now: bool
    payment_status_changed: bool


async def apply_event(
    db: Database,
    provider: PaymentProvider,
    site_id: str,
    event: ProviderEvent,
    *,
    payment_id: str | None = None,
) -> bool:
    """Apply one provider event (once: its id is recorded with its effects); then let the
    bookings follow the order. Answers whether it changed anything."""
    try:
        applied = await _apply(db, provider.id, site_id, event, payment_id)
    except sa.exc.IntegrityError:
        return False  # seen before: the first delivery did the work
    if applied is None:
        return False
    system = system_of(site_id)
    order = applied.order
    if applied.approved_now:
        await money_tasks.run_order_tasks(db, provider, site_id, order["id"])
    elif applied.declined_now:
        for booking_id in booking_ids(order):
            try:
                await booking.decline_for_order(db, system, booking_id)
            except errors.ApplicationError as exc:
                log.info("order %s: booking %s not declined: %s", order["id"], booking_id, exc)
    elif applied.payment_status_changed:
        await mirror_on_bookings(db, system, order)
    return True


async def _apply(
    db: Database, provider_id: str, site_id: str, event: ProviderEvent, payment_id: str | None
) -> _Applied | None:
    now = utcnow()
    p = ecom_payments
    async with db.write(site_id) as uow:
        await uow.insert(
            ecom_provider_events,
            {"provider": provider_id, "event_id": event.event_id, "received_date": now},
        )
        where = (
            p.c.id == payment_id
            if payment_id is not None
            else sa.and_(p.c.provider == provider_id, p.c.provider_ref == event.provider_ref)
        )
        payment = await uow.one_or_none(uow.select(p).where(where))
        if payment is None:
            log.warning("provider %s event %s: no such payment", provider_id, event.event_id)
            return None
        row = await order_row(uow, payment.order_id)
        order = copy.deepcopy(row.doc)
        change = _payment_change(payment, event)
        if change is None:
            return None
        status, refunded = change
        await uow.run(
            uow.update(p)
            .where(p.c.id == payment.id)
            .values(status=status, refunded=f"{refunded:.2f}", updated_date=now)
        )
        approved_now = declined_now = False
        if status == "APPROVED" and payment.status != "APPROVED":
            balances.add_to(order, ("balanceSummary", "paid"), pricing.amount(payment.amount))
            balances.rebalance(order)
            if order["status"] == "INITIALIZED":
                order["status"] = "APPROVED"
                approved_now = True
        elif status == "DECLINED" and order["status"] == "INITIALIZED":
            order["paymentStatus"] = "DECLINED"
            declined_now = True
        elif refunded > pricing.amount(payment.refunded):
            more = refunded - pricing.amount(payment.refunded)
            balances.add_to(order, ("balanceSummary", "refunded"), more)
            balances.rebalance(order)
        await save_order(uow, row, order, now)
        if approved_now:
            await record_action(uow, order, "approved")
            await money_tasks.confirm_later(uow, order["id"], now, online=True)
    return _Applied(order, approved_now, declined_now, order["paymentStatus"] != row.payment_status)


def _payment_change(payment: sa.Row[Any], event: ProviderEvent) -> tuple[str, Decimal] | None:
    """A payment's new status and refunded sum after an event (``None``: nothing changes:
    an approval of an approved payment, a decline after approval, a refund of nothing)."""
    refunded = pricing.amount(payment.refunded)
    amount = pricing.amount(payment.amount)
    if event.kind == "APPROVED":
        return None if payment.status == "APPROVED" else ("APPROVED", refunded)
    if event.kind == "DECLINED":
        return None if payment.status != "PENDING" else ("DECLINED", refunded)
    if payment.status != "APPROVED":
        return None
    # A REFUNDED event carries the payment's refunded total so far (as Stripe's
    # ``amount_refunded``), so a refund this server made itself counts once.
    total = min(amount, event.amount)
    return None if total <= refunded else ("APPROVED", total)
