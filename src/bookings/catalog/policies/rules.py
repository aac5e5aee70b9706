"""Booking policy rules, pure (no I/O): defaults, update merging, the cross-field validation
rules of Create/Update (with the public ``ruleName``s), the strictest combination of several
policies, and the subset a snapshot keeps.

Documents here are wire dicts (camelCase) without ``id``/``revision``/dates/``default``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from typing import Any

from pydantic.alias_generators import to_camel

from bookings.platform import errors
from bookings.platform.errors import FieldViolation

PREFIX = "bookingPolicy"

# violatedRule values of decimal checks (Wix's validation rule names).
DECIMAL_GT = "DECIMAL_GT"
DECIMAL_LTE = "DECIMAL_LTE"
DECIMAL_MAX_SCALE = "DECIMAL_MAX_SCALE"

#: Sub-policies every stored policy has, with the defaults of the public typings.
SUB_POLICY_DEFAULTS: dict[str, dict[str, Any]] = {
    "customPolicyDescription": {"enabled": False, "description": ""},
    "limitEarlyBookingPolicy": {"enabled": False, "earliestBookingInMinutes": 10080},
    "limitLateBookingPolicy": {"enabled": False, "latestBookingInMinutes": 1440},
    "bookAfterStartPolicy": {"enabled": False},
    "cancellationPolicy": {
        "enabled": False,
        "limitLatestCancellation": False,
        "latestCancellationInMinutes": 1440,
    },
    "reschedulePolicy": {
        "enabled": False,
        "limitLatestReschedule": False,
        "latestRescheduleInMinutes": 1440,
    },
    "waitlistPolicy": {"enabled": False, "capacity": 10, "reservationTimeInMinutes": 10},
    "participantsPolicy": {"maxParticipantsPerBooking": 1},
    "resourcesPolicy": {"enabled": False, "autoAssignAllowed": False},
    "cancellationFeePolicy": {
        "enabled": False,
        "cancellationWindows": [],
        "autoCollectFeeEnabled": True,
    },
    "saveCreditCardPolicy": {"enabled": False},
    "staffSortingPolicy": {"sortingMethodType": "RANDOM"},
    "intakeFormPolicy": {
        "enabled": False,
        "timing": "AFTER_BOOKING",
        "completionRequirement": "OPTIONAL",
    },
}
#: Optional sub-policies (internal in the typings): present only once a client sets them.
OPTIONAL_SUB_POLICY_DEFAULTS: dict[str, dict[str, Any]] = {
    "limitRebookingPolicy": {"enabled": False},
}
#: Plain top-level fields a client may write.
PLAIN_FIELDS = ("name", "bookForSomeoneElseAllowed", "extendedFields")
WRITABLE = frozenset([*SUB_POLICY_DEFAULTS, *OPTIONAL_SUB_POLICY_DEFAULTS, *PLAIN_FIELDS])
#: Fields the server owns (or that cannot change): ignored on update, also inside a mask.
READ_ONLY = frozenset(
    ["id", "revision", "createdDate", "updatedDate", "default", "appId", "createdByAppId"]
)

_CURRENCY = re.compile(r"^[A-Z]{3}$")


def _other(field: str, rule_name: str, description: str) -> FieldViolation:
    return FieldViolation(f"{PREFIX}.{field}", description, errors.OTHER, rule_name=rule_name)


# ---------------------------------------------------------------- defaults and merging


def fill_defaults(doc: dict[str, Any], currency: str) -> dict[str, Any]:
    """``doc`` with every sub-policy complete; fixed fees in ``currency`` (read-only field)."""
    out = copy.deepcopy(doc)
    for key, defaults in SUB_POLICY_DEFAULTS.items():
        out[key] = {**defaults, **(out.get(key) or {})}
    for key, defaults in OPTIONAL_SUB_POLICY_DEFAULTS.items():
        if out.get(key) is not None:
            out[key] = {**defaults, **out[key]}
    sorting = out["staffSortingPolicy"]
    if sorting["sortingMethodType"] == "RANKING" or "rankingOptions" in sorting:
        sorting["rankingOptions"] = {
            "order": "LOWEST_TO_HIGHEST",
            **sorting.get("rankingOptions", {}),
        }
    for window in out["cancellationFeePolicy"]["cancellationWindows"]:
        if isinstance(window.get("amount"), dict):
            window["amount"]["currency"] = currency
    return out


def field_names(paths: Iterable[str]) -> set[str]:
    """The top-level fields a field mask names (``cancellationPolicy.enabled`` names the whole
    ``cancellationPolicy``: a sub-policy is replaced as a whole). Unknown fields are a 400."""
    names: set[str] = set()
    for path in paths:
        top = to_camel(path.split(".", 1)[0].strip())
        if top in READ_ONLY:
            continue
        if top not in WRITABLE:
            raise errors.invalid_field("mask", f"names an unknown field {path!r}", errors.FORMAT)
        names.add(top)
    return names


def merge_update(
    current: dict[str, Any], given: dict[str, Any], fields: Iterable[str]
) -> dict[str, Any]:
    """``current`` with each of ``fields`` replaced by its value in ``given`` (cleared, that is
    back to its default, when ``given`` has none). Other fields are left as they are."""
    out = copy.deepcopy(current)
    for name in fields:
        if name not in WRITABLE:
            continue
        if given.get(name) is not None:
            out[name] = copy.deepcopy(given[name])
        else:
            out.pop(name, None)
    return out


# ---------------------------------------------------------------- validation


def _decimal(value: Any) -> Decimal | None:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None


def _decimal_violations(
    value: Any, field: str, *, max_value: Decimal | None = None
) -> list[FieldViolation]:
    amount = _decimal(value)
    path = f"{PREFIX}.{field}"
    if amount is None:
        return [FieldViolation(path, "must be a decimal number", errors.FORMAT)]
    if amount <= 0:
        return [FieldViolation(path, "must be greater than 0", DECIMAL_GT)]
    if max_value is not None and amount > max_value:
        return [FieldViolation(path, f"must be at most {max_value}", DECIMAL_LTE)]
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        return [FieldViolation(path, "must have at most 2 decimal places", DECIMAL_MAX_SCALE)]
    return []


def _window_violations(windows: Sequence[dict[str, Any]]) -> list[FieldViolation]:
    found: list[FieldViolation] = []
    base = "cancellationFeePolicy.cancellationWindows"
    for index, window in enumerate(windows):
        field = f"{base}[{index}]"
        has_amount = window.get("amount") is not None
        has_percentage = window.get("percentage") is not None
        if has_amount and has_percentage:
            found.append(
                FieldViolation(
                    f"{PREFIX}.{field}",
                    "give either amount or percentage, not both",
                    errors.ONE_OF_ALIGNMENT,
                )
            )
        elif not (has_amount or has_percentage):
            found.append(
                FieldViolation(
                    f"{PREFIX}.{field}", "needs amount or percentage", errors.REQUIRED_ONE_OF_FIELD
                )
            )
        elif has_amount:
            amount = window["amount"]
            if amount.get("value") is None:
                found.append(
                    FieldViolation(
                        f"{PREFIX}.{field}.amount.value", "is required", errors.REQUIRED_FIELD
                    )
                )
            else:
                found += _decimal_violations(amount["value"], f"{field}.amount.value")
            currency = amount.get("currency")
            if currency is not None and not _CURRENCY.match(str(currency)):
                found.append(
                    FieldViolation(
                        f"{PREFIX}.{field}.amount.currency",
                        "must be an ISO 4217 currency code",
                        errors.FORMAT,
                    )
                )
        else:
            found += _decimal_violations(
                window["percentage"], f"{field}.percentage", max_value=Decimal(100)
            )
    # Windows run from far before the session to close to it: strictly decreasing starts. A
    # window without a start (open since booking) can only be the first.
    starts = [w.get("startInMinutes") for w in windows]
    ordered = all(s is not None for s in starts[1:]) and all(
        a is None or (b is not None and a > b) for a, b in pairwise(starts)
    )
    if not ordered:
        found.append(
            _other(
                base,
                "INVALID_CANCELLATION_WINDOWS_ORDER",
                "windows must be ordered by decreasing startInMinutes, all different",
            )
        )
    return found


def _bad_text(text: str) -> str | None:
    if "\x00" in text:
        return "must not contain NUL characters"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "must be valid Unicode text"
    return None


def text_violations(value: Any, path: str = PREFIX) -> list[FieldViolation]:
    """Strings the databases cannot store (NUL, lone surrogates), anywhere in ``value``."""
    if isinstance(value, str):
        problem = _bad_text(value)
        return [FieldViolation(path, problem, errors.FORMAT)] if problem else []
    found: list[FieldViolation] = []
    if isinstance(value, dict):
        for key, item in value.items():
            problem = _bad_text(str(key))
            if problem:
                found.append(FieldViolation(path, f"has a key that {problem}", errors.FORMAT))
            else:
                found += text_violations(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += text_violations(item, f"{path}[{index}]")
    return found


def violations(doc: dict[str, Any]) -> list[FieldViolation]:
    """Every rule a complete policy document (defaults filled) breaks."""
    found = text_violations(doc)
    if found:
        return found
    early, late = doc["limitEarlyBookingPolicy"], doc["limitLateBookingPolicy"]
    if late["enabled"] and doc["bookAfterStartPolicy"]["enabled"]:
        found.append(
            _other(
                "bookAfterStartPolicy.enabled",
                "BOTH_LATE_AND_AFTER_START_POLICIES_NOT_ALLOWED",
                "cannot be enabled together with limitLateBookingPolicy",
            )
        )
    if (
        early["enabled"]
        and late["enabled"]
        and early["earliestBookingInMinutes"] <= late["latestBookingInMinutes"]
    ):
        found.append(
            _other(
                "limitEarlyBookingPolicy.earliestBookingInMinutes",
                "INVALID_BOOKING_WINDOW",
                "must be greater than limitLateBookingPolicy.latestBookingInMinutes",
            )
        )
    fee = doc["cancellationFeePolicy"]
    windows = fee["cancellationWindows"]
    if fee["enabled"]:
        if not windows:
            found.append(
                _other(
                    "cancellationFeePolicy.cancellationWindows",
                    "EMPTY_CANCELLATION_WINDOWS_LIST",
                    "an enabled cancellation fee needs at least one window",
                )
            )
        if not doc["saveCreditCardPolicy"]["enabled"]:
            found.append(
                _other(
                    "saveCreditCardPolicy.enabled",
                    "CANCELLATION_FEE_WITHOUT_CREDIT_CARD",
                    "must be true when the cancellation fee policy is enabled",
                )
            )
        if not str(doc["customPolicyDescription"].get("description") or "").strip():
            found.append(
                _other(
                    "customPolicyDescription.description",
                    "CANCELLATION_FEE_WITHOUT_DESCRIPTION",
                    "is required when the cancellation fee policy is enabled",
                )
            )
    found += _window_violations(windows)
    sorting = doc["staffSortingPolicy"]
    if sorting.get("customOptions") is not None and sorting.get("rankingOptions") is not None:
        found.append(
            FieldViolation(
                f"{PREFIX}.staffSortingPolicy",
                "give either rankingOptions or customOptions, not both",
                errors.ONE_OF_ALIGNMENT,
            )
        )
    intake = doc["intakeFormPolicy"]
    if intake["enabled"] and not intake.get("formId"):
        found.append(
            _other(
                "intakeFormPolicy.formId",
                "INTAKE_FORM_ID_REQUIRED",
                "is required when the intake form policy is enabled",
            )
        )
    if (
        intake["completionRequirement"] == "REQUIRED_BEFORE_BOOKING"
        and intake["timing"] != "BEFORE_BOOKING"
    ):
        found.append(
            _other(
                "intakeFormPolicy.completionRequirement",
                "INVALID_COMPLETION_REQUIREMENT_FOR_TIMING",
                "REQUIRED_BEFORE_BOOKING needs timing BEFORE_BOOKING",
            )
        )
    rebooking = doc.get("limitRebookingPolicy")
    if rebooking and rebooking["enabled"] and rebooking.get("maxBookings") is None:
        found.append(
            FieldViolation(
                f"{PREFIX}.limitRebookingPolicy.maxBookings",
                "is required when the rebooking limit is enabled",
                errors.REQUIRED_FIELD,
            )
        )
    return found


def check(doc: dict[str, Any]) -> None:
    """Raise a 400 naming every broken rule of ``doc``."""
    found = violations(doc)
    if found:
        raise errors.InvalidRequest(found)


# ---------------------------------------------------------------- strictest


def _strictest_limit(
    subs: list[dict[str, Any]], flag: str, value: str, default: dict[str, Any], pick: Any
) -> dict[str, Any]:
    limited = [s[value] for s in subs if s.get(flag)]
    out = dict(default)
    if limited:
        out[flag] = True
        out[value] = pick(limited)
    return out


def _anonymous(subs: list[dict[str, Any]]) -> bool | None:
    values = [s.get("allowAnonymous") for s in subs]
    if all(v is None for v in values):
        return None
    return all(v is not False for v in values)


def _cancel_like(subs: list[dict[str, Any]], key: str, flag: str, minutes: str) -> dict[str, Any]:
    enabled = all(s["enabled"] for s in subs)
    out = _strictest_limit(
        [s for s in subs if s["enabled"]], flag, minutes, SUB_POLICY_DEFAULTS[key], max
    )
    out["enabled"] = enabled
    allow = _anonymous(subs)
    if allow is not None:
        out["allowAnonymous"] = allow
    return out


def strictest(docs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One virtual policy with the strictest version of each rule of ``docs`` (complete
    documents, at least one). Where "stricter" has no order (descriptions, fee windows, intake
    forms, staff sorting) the first policy that has the rule enabled wins."""
    if not docs:
        raise ValueError("strictest() needs at least one policy")

    def subs(key: str) -> list[dict[str, Any]]:
        return [d[key] for d in docs]

    def first_enabled(key: str) -> dict[str, Any]:
        return copy.deepcopy(next((s for s in subs(key) if s.get("enabled")), subs(key)[0]))

    out: dict[str, Any] = {}
    out["customPolicyDescription"] = first_enabled("customPolicyDescription")
    out["limitEarlyBookingPolicy"] = _strictest_limit(
        subs("limitEarlyBookingPolicy"),
        "enabled",
        "earliestBookingInMinutes",
        SUB_POLICY_DEFAULTS["limitEarlyBookingPolicy"],
        min,
    )
    out["limitLateBookingPolicy"] = _strictest_limit(
        subs("limitLateBookingPolicy"),
        "enabled",
        "latestBookingInMinutes",
        SUB_POLICY_DEFAULTS["limitLateBookingPolicy"],
        max,
    )
    out["bookAfterStartPolicy"] = {
        "enabled": all(s["enabled"] for s in subs("bookAfterStartPolicy"))
        and not out["limitLateBookingPolicy"]["enabled"]
    }
    out["cancellationPolicy"] = _cancel_like(
        subs("cancellationPolicy"),
        "cancellationPolicy",
        "limitLatestCancellation",
        "latestCancellationInMinutes",
    )
    out["reschedulePolicy"] = _cancel_like(
        subs("reschedulePolicy"),
        "reschedulePolicy",
        "limitLatestReschedule",
        "latestRescheduleInMinutes",
    )
    waitlists = subs("waitlistPolicy")
    out["waitlistPolicy"] = {
        "enabled": all(s["enabled"] for s in waitlists),
        "capacity": min(s["capacity"] for s in waitlists),
        "reservationTimeInMinutes": min(s["reservationTimeInMinutes"] for s in waitlists),
    }
    out["participantsPolicy"] = {
        "maxParticipantsPerBooking": min(
            s["maxParticipantsPerBooking"] for s in subs("participantsPolicy")
        )
    }
    resources = subs("resourcesPolicy")
    out["resourcesPolicy"] = {
        "enabled": any(s["enabled"] for s in resources),
        "autoAssignAllowed": all(s["autoAssignAllowed"] for s in resources),
    }
    fees = subs("cancellationFeePolicy")
    charged = [s for s in fees if s["enabled"]]
    fee = copy.deepcopy((charged or fees)[0])
    if charged:
        fee["autoCollectFeeEnabled"] = any(bool(s.get("autoCollectFeeEnabled")) for s in charged)
    out["cancellationFeePolicy"] = fee
    out["saveCreditCardPolicy"] = {
        "enabled": any(s["enabled"] for s in subs("saveCreditCardPolicy"))
    }
    out["staffSortingPolicy"] = copy.deepcopy(docs[0]["staffSortingPolicy"])
    intakes = [s for s in subs("intakeFormPolicy") if s["enabled"]]
    required = [s for s in intakes if s["completionRequirement"] == "REQUIRED_BEFORE_BOOKING"]
    out["intakeFormPolicy"] = copy.deepcopy((required or intakes or subs("intakeFormPolicy"))[0])
    rebooking = [d["limitRebookingPolicy"] for d in docs if d.get("limitRebookingPolicy")]
    enabled_rebooking = [r for r in rebooking if r["enabled"]]
    if enabled_rebooking:
        counts = [r["maxBookings"] for r in enabled_rebooking if r.get("maxBookings") is not None]
        windows = [r.get("windowInMinutes") for r in enabled_rebooking]
        limit: dict[str, Any] = {"enabled": True}
        if counts:
            limit["maxBookings"] = min(counts)
        if None not in windows:  # no window = a lifetime cap, the strictest
            limit["windowInMinutes"] = max(w for w in windows if w is not None)
        out["limitRebookingPolicy"] = limit
    elif rebooking:
        out["limitRebookingPolicy"] = {"enabled": False}
    someone_else = [d.get("bookForSomeoneElseAllowed") for d in docs]
    if any(v is not None for v in someone_else):
        out["bookForSomeoneElseAllowed"] = all(bool(v) for v in someone_else)
    return out


# ---------------------------------------------------------------- snapshots

#: What a snapshot keeps of a policy (wire names).
SNAPSHOT_FIELDS = (
    "id",
    "revision",
    "createdDate",
    "updatedDate",
    "name",
    "default",
    "cancellationPolicy",
    "reschedulePolicy",
    "cancellationFeePolicy",
    "saveCreditCardPolicy",
    "intakeFormPolicy",
    "limitRebookingPolicy",
)


def snapshot_policy(policy: dict[str, Any]) -> dict[str, Any]:
    """The frozen subset of a wire policy a booking policy snapshot holds."""
    out = {k: copy.deepcopy(policy[k]) for k in SNAPSHOT_FIELDS if k in policy}
    description = policy.get("customPolicyDescription") or {}
    text = description.get("description", "")
    out["customPolicyDescription"] = {
        "enabled": bool(description.get("enabled")),
        "description": text,
        # No translations on this server: the buyer's language is the site's.
        "descriptionTranslated": text,
    }
    return out
