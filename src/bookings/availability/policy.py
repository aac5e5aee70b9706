"""Booking-policy violations of a slot (pure, no I/O), from the service's *current* policy.

For a slot starting at ``T`` and the server's ``now`` (spec C.9):

* ``tooEarlyToBook`` — ``limitEarlyBookingPolicy.enabled`` and ``now < T - earliest``;
  ``earliestBookingDate`` is then ``T - earliest`` (UTC);
* ``tooLateToBook`` — ``limitLateBookingPolicy.enabled`` and ``now > T - latest``, or
  ``bookAfterStartPolicy`` is off and ``now >= T``;
* ``bookOnlineDisabled`` — the service's ``onlineBooking.enabled`` is false (unset: enabled).

Minutes are real elapsed time, so a DST change inside the window shifts its wall-clock edge.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bookings.platform.wire import format_timestamp

__all__ = ["PolicyRules", "Violations", "combined", "rules_of", "violations"]

DEFAULT_EARLIEST_MINUTES = 10080
DEFAULT_LATEST_MINUTES = 1440


@dataclass(frozen=True, slots=True)
class PolicyRules:
    early_enabled: bool = False
    earliest_minutes: int = DEFAULT_EARLIEST_MINUTES
    late_enabled: bool = False
    latest_minutes: int = DEFAULT_LATEST_MINUTES
    book_after_start: bool = False
    online_enabled: bool = True


@dataclass(frozen=True, slots=True)
class Violations:
    too_early: bool
    too_late: bool
    online_disabled: bool
    earliest_booking_date: datetime | None = None

    @property
    def any(self) -> bool:
        return self.too_early or self.too_late or self.online_disabled

    def wire(self, *, legacy: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "tooEarlyToBook": self.too_early,
            "tooLateToBook": self.too_late,
            "bookOnlineDisabled": self.online_disabled,
        }
        if self.earliest_booking_date is not None and not legacy:
            out["earliestBookingDate"] = format_timestamp(self.earliest_booking_date)
        return out


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def rules_of(service: Mapping[str, Any]) -> PolicyRules:
    """The rules of a Services V2 wire dict (its live ``bookingPolicy`` join)."""
    policy = service.get("bookingPolicy") or {}
    early = policy.get("limitEarlyBookingPolicy") or {}
    late = policy.get("limitLateBookingPolicy") or {}
    after = policy.get("bookAfterStartPolicy") or {}
    online = service.get("onlineBooking") or {}
    return PolicyRules(
        early_enabled=bool(early.get("enabled")),
        earliest_minutes=_int(early.get("earliestBookingInMinutes"), DEFAULT_EARLIEST_MINUTES),
        late_enabled=bool(late.get("enabled")),
        latest_minutes=_int(late.get("latestBookingInMinutes"), DEFAULT_LATEST_MINUTES),
        book_after_start=bool(after.get("enabled")),
        online_enabled=online.get("enabled") is not False,
    )


def violations(rules: PolicyRules, start: datetime, now: datetime) -> Violations:
    """The violations of a slot starting at ``start`` (aware), evaluated at ``now``."""
    too_early = False
    earliest: datetime | None = None
    if rules.early_enabled:
        opens = start - timedelta(minutes=rules.earliest_minutes)
        if now < opens:
            too_early, earliest = True, opens
    too_late = (rules.late_enabled and now > start - timedelta(minutes=rules.latest_minutes)) or (
        not rules.book_after_start and now >= start
    )
    return Violations(too_early, too_late, not rules.online_enabled, earliest)


def combined(found: Iterable[Violations]) -> Violations:
    """The violations of several bookings made together (a multi-service slot): each flag
    when any of them has it; ``earliestBookingDate`` the latest of theirs."""
    items = list(found)
    dates = [v.earliest_booking_date for v in items if v.earliest_booking_date is not None]
    return Violations(
        any(v.too_early for v in items),
        any(v.too_late for v in items),
        any(v.online_disabled for v in items),
        max(dates) if dates else None,
    )
