"""Money rules of orders (pure, no I/O): an order's payment status from what it costs, what
was paid and what was given back; the cancellation fee a late cancel owes under the booking's
policy snapshot (spec B.4, the policy's ``cancellationFeePolicy``); what a refund of one
booking may give back."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from bookings.ecom import pricing
from bookings.platform.constants import BOOKINGS_APP_ID

FEE_CODE = "BOOKING_CANCELLATION_FEE"


def payment_status(total: Decimal, paid: Decimal, refunded: Decimal) -> str:
    """The order's ``paymentStatus`` (spec E.3) from its totals."""
    if refunded > 0 and paid > 0:
        return "FULLY_REFUNDED" if refunded >= paid else "PARTIALLY_REFUNDED"
    if paid <= 0:
        return "NOT_PAID"
    return "PAID" if paid >= total else "PARTIALLY_PAID"


def rebalance(order: dict[str, Any]) -> None:
    """Recompute an order's ``balanceSummary.balance`` and ``paymentStatus`` from its total
    and its ``paid`` / ``refunded`` sums (a DECLINED payment status stays until money
    arrives)."""
    currency = str(order.get("currency") or "USD")
    summary = order["balanceSummary"]
    total = pricing.amount(order["priceSummary"]["total"]["amount"])
    paid = pricing.amount(summary["paid"]["amount"])
    refunded = pricing.amount(summary["refunded"]["amount"])
    summary["balance"] = price(max(total - paid, pricing.ZERO), currency)
    if order.get("paymentStatus") == "DECLINED" and paid <= 0:
        return
    order["paymentStatus"] = payment_status(total, paid, refunded)


def price(value: Decimal, currency: str) -> dict[str, str]:
    """The order's ``Price`` (amount and formatted amount)."""
    full = pricing.money(value, currency)
    return {"amount": full["amount"], "formattedAmount": full["formattedAmount"]}


def add_to(order: dict[str, Any], path: tuple[str, str], value: Decimal) -> None:
    """Add ``value`` to the amount at ``order[path[0]][path[1]]``."""
    currency = str(order.get("currency") or "USD")
    holder = order[path[0]]
    holder[path[1]] = price(pricing.amount(holder[path[1]]["amount"]) + value, currency)


def cancellation_fee(
    policy: Mapping[str, Any], start: datetime | None, at: datetime, booking_price: Decimal
) -> Decimal | None:
    """The fee a cancel at ``at`` owes for a booking starting at ``start``, under the
    policy's ``cancellationFeePolicy``: the window with the fewest ``startInMinutes`` that
    still holds ``at`` (a fee ``amount``, or a ``percentage`` of the booking's price, at most
    the price). ``None``: no fee (no policy, no window holds it, or the session began)."""
    fees = policy.get("cancellationFeePolicy") or {}
    if not fees.get("enabled") or start is None or at >= start:
        return None
    minutes_left = (start - at).total_seconds() / 60
    holding = [
        w
        for w in fees.get("cancellationWindows") or []
        if minutes_left <= float(w.get("startInMinutes") or 0)
    ]
    if not holding:
        return None
    window = min(holding, key=lambda w: float(w.get("startInMinutes") or 0))
    if window.get("percentage") not in (None, ""):
        fee = booking_price * pricing.amount(window["percentage"]) / Decimal(100)
    else:
        money = window.get("amount") or {}
        fee = pricing.amount(money.get("value", money.get("amount", "0")))
    fee = min(fee, booking_price).quantize(pricing.CENT)
    return fee if fee > 0 else None


def auto_collects(policy: Mapping[str, Any]) -> bool:
    """Whether the fee is charged to the saved card at once (``autoCollectFeeEnabled``,
    default true)."""
    fees = policy.get("cancellationFeePolicy") or {}
    return bool(fees.get("autoCollectFeeEnabled", True))


def line_of(order: Mapping[str, Any], booking_id: str) -> Mapping[str, Any] | None:
    """The order's line item of a booking."""
    for li in order.get("lineItems", []):
        if li.get("catalogReference", {}).get("catalogItemId") == booking_id:
            return dict(li)
    return None


def refundable(order: Mapping[str, Any], booking_id: str) -> Decimal:
    """What a refund of one booking may give back: its line's price, at most what the order
    holds of the customer's money (paid less refunded). A cancellation fee is not taken off:
    it is charged on its own (or left on the balance)."""
    line = line_of(order, booking_id)
    if line is None:
        return pricing.ZERO
    summary = order["balanceSummary"]
    held = pricing.amount(summary["paid"]["amount"]) - pricing.amount(summary["refunded"]["amount"])
    share = min(pricing.amount(line["price"]["amount"]), held)
    return max(share, pricing.ZERO).quantize(pricing.CENT)


def rule_five_cancels_order(order: Mapping[str, Any]) -> bool:
    """Spec E.4 rule 5: a cancel with ``waiveCharges`` also cancels the order when every line
    is a booking, the order is ``NOT_PAID`` or ``PARTIALLY_PAID`` with a balance, and it
    carries no fees."""
    lines = order.get("lineItems", [])
    return (
        bool(lines)
        and all(li.get("catalogReference", {}).get("appId") == BOOKINGS_APP_ID for li in lines)
        and order.get("paymentStatus") in ("NOT_PAID", "PARTIALLY_PAID")
        and pricing.amount(order["balanceSummary"]["balance"]["amount"]) > 0
        and not order.get("additionalFees")
    )
