"""The price of a booking as an eCommerce line item (pure, no I/O).

A booking is the catalog item of its line item (spec E.1: ``catalogReference.appId`` is the
Bookings app id, ``catalogItemId`` the booking id, quantity 1, participants priced inside the
item). Its price comes from its service's ``payment``:

* ``FIXED``: ``fixed.price`` per participant; ``VARIED``: ``varied.defaultPrice`` per
  participant (variant prices belong to the Service Options and Variants API, which this
  server does not have); ``NO_FEE`` and ``CUSTOM``: nothing to pay online (``CUSTOM`` shows its
  description); ``SUBSCRIPTION``: not sold through a checkout here.
* A deposit (``options.deposit`` with ``fixed.deposit`` / ``varied.deposit``) is per
  participant too; an ONLINE booking of such a service pays the deposit now
  (``DEPOSIT_ONLINE``) unless ``fullUpfrontPaymentAllowed`` and the customer chose to pay in
  full (``depositSelected`` false).
* The line's payment option follows the booking's ``selectedPaymentOption`` (spec E.2); an
  option the service does not offer makes the item unavailable.

Amounts are :class:`decimal.Decimal` with two places; :func:`money` renders the wire form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

ZERO = Decimal("0.00")
CENT = Decimal("0.01")

#: ``booking.selectedPaymentOption`` → the line item's ``paymentOption`` (spec E.2).
PAYMENT_OPTIONS = {
    "ONLINE": "FULL_PAYMENT_ONLINE",
    "OFFLINE": "FULL_PAYMENT_OFFLINE",
    "MEMBERSHIP": "MEMBERSHIP",
    "MEMBERSHIP_OFFLINE": "MEMBERSHIP_OFFLINE",
}
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "ILS": "₪", "JPY": "¥", "INR": "₹"}


@dataclass(frozen=True, slots=True)
class LinePrice:
    """What one booking costs and how it is paid."""

    currency: str
    #: The whole booking (all participants).
    total: Decimal
    #: The deposit of the whole booking (``None``: the service takes no deposit).
    deposit: Decimal | None
    payment_option: str
    #: Paid at checkout, and left to pay later (at the business, or the deposit's rest).
    pay_now: Decimal
    pay_later: Decimal
    #: Why the item cannot be sold (``None``: it can).
    unavailable: str | None = None
    description: str | None = None


def amount(value: Any) -> Decimal:
    """A wire decimal string (or number) as an amount of two places; bad values are zero."""
    try:
        found = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return ZERO
    if not found.is_finite() or found < 0:
        return ZERO
    return found.quantize(CENT, rounding=ROUND_HALF_UP)


def money(value: Decimal, currency: str) -> dict[str, str]:
    """The wire ``MultiCurrencyPrice`` of an amount (converted = the same: one currency)."""
    text = f"{value:.2f}"
    symbol = _SYMBOLS.get(currency)
    formatted = f"{symbol}{text}" if symbol else f"{text} {currency}"
    return {
        "amount": text,
        "convertedAmount": text,
        "formattedAmount": formatted,
        "formattedConvertedAmount": formatted,
    }


def _rate(payment: Mapping[str, Any]) -> tuple[Decimal, Decimal | None, bool, str]:
    """Per participant: price, deposit (``None``: none), full upfront allowed, currency."""
    kind = payment.get("rateType")
    part: Mapping[str, Any] = {}
    price: Any = None
    if kind == "FIXED":
        part = payment.get("fixed") or {}
        price = part.get("price")
    elif kind == "VARIED":
        part = payment.get("varied") or {}
        price = part.get("defaultPrice")
    price = price if isinstance(price, Mapping) else {}
    deposit_doc = part.get("deposit")
    options = payment.get("options") or {}
    deposit = None
    if options.get("deposit") and isinstance(deposit_doc, Mapping):
        deposit = amount(deposit_doc.get("value"))
    currency = str(price.get("currency") or (deposit_doc or {}).get("currency") or "USD")
    upfront = bool(part.get("fullUpfrontPaymentAllowed"))
    return amount(price.get("value")), deposit, upfront, currency


def offered(payment: Mapping[str, Any], selected: str) -> bool:
    """Whether the service takes the booking's payment option."""
    options = payment.get("options") or {}
    if selected == "ONLINE":
        return bool(options.get("online"))
    if selected == "OFFLINE":
        return bool(options.get("inPerson"))
    if selected in ("MEMBERSHIP", "MEMBERSHIP_OFFLINE"):
        return bool(options.get("pricingPlan"))
    return False


def line_price(
    payment: Mapping[str, Any],
    participants: int,
    selected: str | None,
    *,
    deposit_selected: bool | None = None,
    currency: str | None = None,
) -> LinePrice:
    """The price of a booking of ``participants`` for a service with this ``payment``, paid
    by ``selected`` (the booking's ``selectedPaymentOption``). ``currency``: the site's, when
    known (money on a service is in the site's currency)."""
    each, deposit_each, upfront, found_currency = _rate(payment)
    currency = currency or found_currency
    count = max(1, participants)
    total = (each * count).quantize(CENT)
    deposit = (deposit_each * count).quantize(CENT) if deposit_each is not None else None
    option = PAYMENT_OPTIONS.get(selected or "", "FULL_PAYMENT_OFFLINE")
    unavailable = None
    if payment.get("rateType") == "SUBSCRIPTION":
        unavailable = "a subscription service is not sold through a checkout"
    elif selected not in PAYMENT_OPTIONS:
        unavailable = "the booking names no payment option (selectedPaymentOption)"
    elif not offered(payment, selected or ""):
        unavailable = f"the service does not take {selected} payments"
    pay_now = ZERO
    if option == "FULL_PAYMENT_ONLINE":
        pay_now = total
        if deposit is not None and not (upfront and deposit_selected is False):
            option, pay_now = "DEPOSIT_ONLINE", min(deposit, total)
    description = None
    if payment.get("rateType") == "CUSTOM":
        description = str((payment.get("custom") or {}).get("description") or "") or None
    return LinePrice(
        currency=currency,
        total=total,
        deposit=deposit,
        payment_option=option,
        pay_now=pay_now,
        pay_later=(total - pay_now).quantize(CENT),
        unavailable=unavailable,
        description=description,
    )
