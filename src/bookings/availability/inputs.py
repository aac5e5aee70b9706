"""Rules on the inputs of a time-slots request: zone, window, duration, choices, violations
filter; the errors they answer."""

from __future__ import annotations

import calendar as _months
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bookings.availability.loading import (
    SiteSettings,
)
from bookings.availability.schemas import (
    CustomerChoices,
    ViolationsFilter,
)
from bookings.catalog.services.service import ServiceView
from bookings.platform import errors, wire, zoned
from bookings.platform.timezones import zone

CHUNK_DAYS = 32
APPOINTMENT_LIMIT = 1000
EVENT_LIMIT = 50
EVENT_TYPES = ("CLASS", "COURSE")
DEFAULT_DURATION_MINUTES = 60


# ---------------------------------------------------------------- small rules


def missing_arguments(*fields: str) -> errors.ApplicationError:
    return errors.ApplicationError(
        "MISSING_ARGUMENTS",
        f"Missing arguments: {', '.join(fields)}",
        http_status=400,
        data={"missingArguments": list(fields)},
    )


def slot_not_found() -> errors.ApplicationError:
    return errors.not_found("SLOT_NOT_FOUND", "No such available time slot")


def request_zone(name: str | None, settings: SiteSettings, field: str = "timeZone") -> ZoneInfo:
    try:
        return zone(name or settings.time_zone)
    except KeyError:
        raise errors.invalid_field(
            field, "must be an IANA time zone such as Europe/London", errors.FORMAT
        ) from None


def window(
    from_local: datetime | None,
    to_local: datetime | None,
    tz: ZoneInfo,
    settings: SiteSettings,
    now: datetime,
) -> tuple[datetime, datetime]:
    """``[from, to)`` as instants (``from`` defaults to now); at most the site's range."""
    if to_local is None:
        raise missing_arguments("toLocalDate")
    lo = zoned.to_utc(from_local, tz) if from_local is not None else now
    hi = zoned.to_utc(to_local, tz)
    if hi <= lo:
        raise errors.invalid_field(
            "toLocalDate", "must be after fromLocalDate (or now)", errors.OTHER, rule_name="RANGE"
        )
    if hi - lo > timedelta(days=settings.max_range_days):
        raise errors.invalid_field(
            "toLocalDate",
            f"must be at most {settings.max_range_days} days after fromLocalDate",
            errors.MAX,
        )
    return lo, hi


def add_month(value: datetime) -> datetime:
    year, month = (value.year + 1, 1) if value.month == 12 else (value.year, value.month + 1)
    day = min(value.day, _months.monthrange(year, month)[1])
    return value.replace(year=year, month=month, day=day)


def constraints(service: Mapping[str, Any]) -> Mapping[str, Any]:
    return ((service.get("schedule") or {}).get("availabilityConstraints")) or {}


def duration_minutes(service: Mapping[str, Any], choices: CustomerChoices | None) -> int:
    if choices is not None and choices.duration_in_minutes:
        return choices.duration_in_minutes
    ac = constraints(service)
    for value in ac.get("sessionDurations") or ():
        if isinstance(value, int) and value > 0:
            return value
    for item in ac.get("durations") or ():
        minutes = item.get("minutes") if isinstance(item, Mapping) else None
        if isinstance(minutes, int) and minutes > 0:
            return minutes
    return DEFAULT_DURATION_MINUTES


def buffer_minutes(service: Mapping[str, Any]) -> int:
    """A service's ``timeBetweenSessions`` (minutes; 0 when unset)."""
    return ServiceView(service).buffer_minutes


def check_choices(
    service: Mapping[str, Any], choices: CustomerChoices | None, field: str = "customerChoices"
) -> None:
    if choices is None:
        return
    if choices.requested_gender is not None and choices.requested_gender.gender is not None:
        raise errors.ApplicationError(
            "REQUESTED_GENDER_NOT_ALLOWED",
            "Narrowing staff by gender is not enabled for this business",
            http_status=400,
        )
    if choices.duration_in_minutes and constraints(service).get("durationRange"):
        raise errors.invalid_field(
            f"{field}.durationInMinutes",
            "is not allowed for a service with a duration range",
            errors.FIELD_NOT_ALLOWED,
        )


def violations_filter(value: ViolationsFilter | None) -> dict[str, bool | None] | None:
    return None if value is None else value.model_dump(exclude_none=True, by_alias=False)


def local_or_instant(value: Any, tz: ZoneInfo | None, field: str) -> datetime:
    """A legacy filter date: an instant, or with ``timezone`` local wall time in it."""
    try:
        if tz is not None:
            return zoned.to_utc(wire.parse_local_datetime(value), tz)
        return wire.parse_timestamp(value)
    except Exception:
        raise errors.invalid_field(
            field, "must be a date-time such as 2026-01-30T13:30:00.000Z", errors.FORMAT
        ) from None
