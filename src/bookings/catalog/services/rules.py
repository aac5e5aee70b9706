"""Validation of a service (pure: no I/O). Every rule raises a 400 ``validationError`` with the
``ruleName`` the public API documents for Create/Update Service."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from bookings.platform import errors
from bookings.platform.errors import FieldViolation

MAX_SESSION_MINUTES = 44_639


def _rule(field: str, rule_name: str, description: str) -> FieldViolation:
    return FieldViolation(field, description, errors.OTHER, rule_name=rule_name)


def _required(field: str) -> FieldViolation:
    return FieldViolation(field, "is required", errors.REQUIRED_FIELD)


def _money(value: Any, field: str) -> list[FieldViolation]:
    """A price: decimal string > 0 with at most 2 decimals."""
    if not isinstance(value, dict) or value.get("value") in (None, ""):
        return [_required(f"{field}.value")]
    try:
        amount = Decimal(str(value["value"]))
    except InvalidOperation:
        return [FieldViolation(f"{field}.value", "must be a decimal number", errors.FORMAT)]
    if not amount.is_finite() or amount <= 0:
        return [FieldViolation(f"{field}.value", "must be greater than 0", "DECIMAL_GT")]
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        return [
            FieldViolation(f"{field}.value", "must have at most 2 decimals", "DECIMAL_MAX_SCALE")
        ]
    return []


def payment_violations(
    payment: dict[str, Any] | None, service_type: str | None, manual_approval: bool
) -> list[FieldViolation]:
    f = "service.payment"
    if not payment:
        return [_rule(f, "PAYMENT_REQUIRED", "is required")]
    found: list[FieldViolation] = []
    rate = payment.get("rateType")
    members = [m for m in ("fixed", "custom", "varied", "subscription") if payment.get(m)]
    if rate is None:
        return [_rule(f"{f}.rateType", "INVALID_PAYMENT_TYPE", "is required")]
    expected = {
        "FIXED": "fixed",
        "CUSTOM": "custom",
        "VARIED": "varied",
        "SUBSCRIPTION": "subscription",
    }.get(rate)
    if any(m != expected for m in members):
        found.append(_rule(f, "INVALID_RATE", f"rateType {rate} allows only its own rate details"))
    if rate == "FIXED":
        found += _money((payment.get("fixed") or {}).get("price"), f"{f}.fixed.price")
    elif rate == "VARIED":
        found += _money(
            (payment.get("varied") or {}).get("defaultPrice"), f"{f}.varied.defaultPrice"
        )
    elif rate == "CUSTOM" and not (payment.get("custom") or {}).get("description"):
        found.append(_rule(f"{f}.custom.description", "INVALID_RATE", "is required for CUSTOM"))
    elif rate == "SUBSCRIPTION":
        sub = payment.get("subscription") or {}
        if service_type != "COURSE":
            found.append(
                _rule(
                    f"{f}.rateType",
                    "INVALID_PAYMENT_TYPE",
                    "SUBSCRIPTION is supported for courses only",
                )
            )
        found += _money(sub.get("amountPerBillingCycle"), f"{f}.subscription.amountPerBillingCycle")
        for name in ("totalPayments", "recurringStartDate"):
            if sub.get(name) is None:
                found.append(
                    _rule(
                        f"{f}.subscription.{name}", "INVALID_RATE", "is required for SUBSCRIPTION"
                    )
                )
    opts = payment.get("options") or {}
    online, in_person = bool(opts.get("online")), bool(opts.get("inPerson"))
    deposit, plan = bool(opts.get("deposit")), bool(opts.get("pricingPlan"))
    o = f"{f}.options"
    if rate in ("FIXED", "VARIED"):
        if not (online or in_person or plan):
            found.append(
                _rule(o, "INVALID_PAYMENT_OPTIONS", "online, inPerson or pricingPlan must be true")
            )
    elif not (online or in_person):
        found.append(_rule(o, "INVALID_PAYMENT_OPTIONS", "online or inPerson must be true"))
    if online and rate not in ("FIXED", "VARIED", "SUBSCRIPTION"):
        found.append(
            _rule(
                f"{o}.online",
                "INVALID_PAYMENT_OPTIONS",
                "online payment needs a FIXED, VARIED or SUBSCRIPTION rate",
            )
        )
    if rate == "SUBSCRIPTION" and not online:
        found.append(_rule(f"{o}.online", "INVALID_PAYMENT_OPTIONS", "SUBSCRIPTION is paid online"))
    if deposit:
        holder = {"FIXED": "fixed", "VARIED": "varied"}.get(rate or "")
        if holder is None:
            found.append(
                _rule(
                    f"{o}.deposit",
                    "INVALID_PAYMENT_OPTIONS",
                    "a deposit needs a FIXED or VARIED rate",
                )
            )
        else:
            found += _money((payment.get(holder) or {}).get("deposit"), f"{f}.{holder}.deposit")
        if not online or in_person:
            found.append(
                _rule(
                    f"{o}.deposit",
                    "INVALID_PAYMENT_OPTIONS",
                    "a deposit is paid online: online true and inPerson false",
                )
            )
    if plan and manual_approval:
        found.append(
            _rule(
                f"{o}.pricingPlan",
                "INVALID_MANUAL_APPROVAL_WITH_PRICING_PLANS",
                "pricing plans cannot be used with manual approval",
            )
        )
    return found


def location_violations(
    locations: list[dict[str, Any]], service_type: str | None
) -> list[FieldViolation]:
    found: list[FieldViolation] = []
    seen: set[str] = set()
    for i, loc in enumerate(locations):
        f = f"service.locations[{i}]"
        kind = loc.get("type") or "CUSTOM"
        if kind == "UNKNOWN_LOCATION_TYPE":
            found.append(_rule(f"{f}.type", "INVALID_UNKNOWN_LOCATION", "must be a known type"))
        elif kind == "BUSINESS":
            if not (loc.get("business") or {}).get("id"):
                found.append(_rule(f"{f}.business.id", "INVALID_BUSINESS_LOCATION", "is required"))
        elif kind == "CUSTOM":
            if not (loc.get("custom") or {}).get("address"):
                found.append(_rule(f"{f}.custom.address", "INVALID_CUSTOM_LOCATION", "is required"))
        elif kind == "CUSTOMER" and service_type != "APPOINTMENT":
            found.append(
                _rule(
                    f"{f}.type",
                    "INVALID_CUSTOMER_LOCATION",
                    "CUSTOMER locations are for appointments only",
                )
            )
        if kind != "BUSINESS" and kind in seen:
            found.append(
                _rule(
                    f"{f}.type",
                    "INVALID_LOCATIONS",
                    f"only BUSINESS locations may repeat, {kind} appears twice",
                )
            )
        seen.add(kind)
    business_ids = [
        (loc.get("business") or {}).get("id")
        for loc in locations
        if (loc.get("type") or "CUSTOM") == "BUSINESS"
    ]
    if len(business_ids) != len(set(business_ids)):
        found.append(
            _rule(
                "service.locations",
                "INVALID_BUSINESS_LOCATIONS",
                "a business location appears twice",
            )
        )
    if service_type == "COURSE" and len(locations) > 1:
        found.append(
            _rule("service.locations", "INVALID_LOCATIONS", "a course has at most one location")
        )
    return found


def service_violations(svc: dict[str, Any]) -> list[FieldViolation]:
    """Every rule a complete service (after create defaults or an update merge) must meet."""
    found: list[FieldViolation] = []
    kind = svc.get("type")
    if kind is None:
        found.append(_required("service.type"))
    name = svc.get("name")
    if name is None:
        found.append(_required("service.name"))
    elif not str(name).strip():
        found.append(_rule("service.name", "INVALID_SERVICE_NAME", "must not be empty"))
    capacity = svc.get("defaultCapacity")
    if capacity is None:
        found.append(_required("service.defaultCapacity"))
    elif not 1 <= int(capacity) <= 1000:
        found.append(
            _rule(
                "service.defaultCapacity", "INVALID_DEFAULT_CAPACITY", "must be between 1 and 1000"
            )
        )
    elif kind == "APPOINTMENT" and capacity != 1:
        found.append(
            _rule(
                "service.defaultCapacity",
                "INVALID_APPOINTMENT_CAPACITY",
                "must be 1 for an appointment",
            )
        )
    online = svc.get("onlineBooking")
    if online is None:
        found.append(_required("service.onlineBooking"))
    manual = bool((online or {}).get("requireManualApproval"))
    found += payment_violations(svc.get("payment"), kind, manual)
    durations = ((svc.get("schedule") or {}).get("availabilityConstraints") or {}).get(
        "sessionDurations"
    )
    d = "service.schedule.availabilityConstraints.sessionDurations"
    if kind == "APPOINTMENT":
        if not durations:
            found.append(_rule(d, "INVALID_SESSION_DURATION", "is required for an appointment"))
        elif len(durations) != 1:
            found.append(
                _rule(
                    d, "INVALID_SESSION_DURATION", "an appointment has exactly one session duration"
                )
            )
        elif not 1 <= durations[0] <= MAX_SESSION_MINUTES:
            found.append(
                _rule(
                    d,
                    "INVALID_SESSION_DURATION",
                    f"must be between 1 and {MAX_SESSION_MINUTES} minutes",
                )
            )
    elif kind in ("CLASS", "COURSE") and durations:
        found.append(
            _rule(
                d,
                "INVALID_SESSION_DURATION",
                "classes and courses take their durations from their sessions",
            )
        )
    found += location_violations(svc.get("locations") or [], kind)
    return found


def check_service(svc: dict[str, Any]) -> None:
    found = service_violations(svc)
    if found:
        raise errors.InvalidRequest(found)


def check_appointment_staff(svc: dict[str, Any]) -> None:
    """An appointment needs at least one staff member (an application error, as observed)."""
    if svc.get("type") == "APPOINTMENT" and not svc.get("staffMemberIds"):
        raise errors.failed_precondition(
            "MISSING_APPOINTMENT_RESOURCES",
            "An appointment service needs at least one staff member in staffMemberIds",
        )


def slugify(name: str) -> str:
    """``"Deep Tissue Massage!"`` -> ``"deep-tissue-massage"``."""
    out: list[str] = []
    for ch in name.lower():
        if ch.isalnum():
            out.append(ch)
        elif out and out[-1] != "-":
            out.append("-")
    slug = "".join(out).strip("-")
    return slug[:480] or "service"


def is_valid_slug(slug: str) -> bool:
    return bool(slug) and all(ch.isalnum() or ch == "-" for ch in slug) and slug == slug.lower()
