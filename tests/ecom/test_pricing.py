"""The price of a booking as a line item (pure)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bookings.ecom.pricing import amount, line_price, money


def fixed(price: str, deposit_amount: str | None = None, **options: Any) -> dict[str, Any]:
    part: dict[str, Any] = {"price": {"value": price, "currency": "USD"}}
    if deposit_amount is not None:
        part["deposit"] = {"value": deposit_amount, "currency": "USD"}
        part["fullUpfrontPaymentAllowed"] = options.pop("upfront", False)
    return {
        "rateType": "FIXED",
        "fixed": part,
        "options": {"online": True, "inPerson": True, **options},
    }


def test_fixed_price_per_participant_paid_online_or_offline() -> None:
    online = line_price(fixed("80.00"), 2, "ONLINE")
    assert (online.total, online.pay_now, online.pay_later) == (
        Decimal("160.00"),
        Decimal("160.00"),
        Decimal("0.00"),
    )
    assert online.payment_option == "FULL_PAYMENT_ONLINE" and online.unavailable is None
    offline = line_price(fixed("80.00"), 2, "OFFLINE")
    assert (offline.payment_option, offline.pay_now, offline.pay_later) == (
        "FULL_PAYMENT_OFFLINE",
        Decimal("0.00"),
        Decimal("160.00"),
    )


def test_deposit_is_paid_now_unless_full_upfront_is_chosen() -> None:
    payment = fixed("80.00", "20.00", deposit=True, inPerson=False, upfront=True)
    deposit = line_price(payment, 1, "ONLINE")
    assert (deposit.payment_option, deposit.pay_now, deposit.pay_later) == (
        "DEPOSIT_ONLINE",
        Decimal("20.00"),
        Decimal("60.00"),
    )
    full = line_price(payment, 1, "ONLINE", deposit_selected=False)
    assert (full.payment_option, full.pay_now) == ("FULL_PAYMENT_ONLINE", Decimal("80.00"))
    strict = fixed("80.00", "20.00", deposit=True, inPerson=False)
    assert line_price(strict, 1, "ONLINE", deposit_selected=False).payment_option == (
        "DEPOSIT_ONLINE"
    )


def test_an_option_the_service_does_not_take_makes_the_item_unavailable() -> None:
    free = {"rateType": "NO_FEE", "options": {"inPerson": True}}
    assert line_price(free, 1, "ONLINE").unavailable == "the service does not take ONLINE payments"
    assert line_price(free, 1, "OFFLINE").total == Decimal("0.00")
    assert line_price(free, 1, None).unavailable is not None
    plan = {"rateType": "SUBSCRIPTION", "options": {"online": True}}
    assert line_price(plan, 1, "ONLINE").unavailable is not None


def test_varied_and_custom() -> None:
    varied = {
        "rateType": "VARIED",
        "varied": {"defaultPrice": {"value": "30", "currency": "EUR"}},
        "options": {"online": True},
    }
    found = line_price(varied, 3, "ONLINE")
    assert (found.total, found.currency) == (Decimal("90.00"), "EUR")
    custom = {
        "rateType": "CUSTOM",
        "custom": {"description": "Ask us"},
        "options": {"inPerson": True},
    }
    found = line_price(custom, 1, "OFFLINE")
    assert (found.total, found.description) == (Decimal("0.00"), "Ask us")


def test_amounts_and_wire_money() -> None:
    assert amount("12.345") == Decimal("12.35")
    assert amount("NaN") == Decimal("0.00") and amount("-3") == Decimal("0.00")
    assert amount(None) == Decimal("0.00")
    assert money(Decimal("12.50"), "USD") == {
        "amount": "12.50",
        "convertedAmount": "12.50",
        "formattedAmount": "$12.50",
        "formattedConvertedAmount": "$12.50",
    }
    assert money(Decimal("3.00"), "CHF")["formattedAmount"] == "3.00 CHF"
