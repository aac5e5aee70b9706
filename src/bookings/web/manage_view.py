"""What the manage page shows of a booking (pure): times in two zones, the status in words,
why an action is refused, and the "add to calendar" links of Google and Outlook.

All date maths is done here with ``zoneinfo``; the page only prints the results, each with
its zone's name next to it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bookings.platform.wire import parse_timestamp
from bookings.web.booking_times import DEFAULT_LOCALE, day_name, wall_clock
from bookings.web.i18n import t

#: The statuses in words, for the customer.
STATUS_LABELS = {
    "CREATED": "Not yet confirmed",
    "CONFIRMED": "Confirmed",
    "PENDING": "Waiting for the business to confirm",
    "WAITING_LIST": "On the waiting list",
    "CANCELED": "Canceled",
    "DECLINED": "Declined by the business",
}
#: Statuses after which nothing can be done with a booking.
ENDED = frozenset({"CANCELED", "DECLINED"})
EN_DASH = "\u2013"
#: The window of a limited policy when the policy names none (as the booking rules assume).
DEFAULT_LIMIT_MINUTES = 1440


def zone_or(name: str | None, default: str) -> str:
    """``name`` when it is a known IANA zone, else ``default``."""
    if name:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            return default
        return name
    return default


def zone_choices() -> list[str]:
    """The IANA zones a visitor may pick, sorted (the legacy aliases left out)."""
    return sorted(
        z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/"))
    )


@dataclass(frozen=True)
class Moment:
    """An instant as one zone reads it."""

    zone: str
    day: str
    time: str
    abbreviation: str

    @property
    def text(self) -> str:
        return f"{self.day}, {self.time}"


def moment(
    instant: datetime, zone: str, locale: str = DEFAULT_LOCALE, hour12: bool = False
) -> Moment:
    """The instant in ``zone``, its day and time in the locale (``hour12``: ``3:00 PM``)."""
    at = instant.astimezone(ZoneInfo(zone))
    return Moment(
        zone, day_name(at.date(), locale), wall_clock(at, locale, hour12), at.tzname() or zone
    )


def status_label(status: str, lang: str = "en") -> str:
    """The status in words, in the page language."""
    return t(lang, STATUS_LABELS[status]) if status in STATUS_LABELS else status.title()


def slot_label(local_start: str, local_end: str, locale: str, hour12: bool) -> str:
    """A slot's wall-clock span from its ``localStartDate`` and ``localEndDate``
    (``10:15`` en dash ``11:15``, ``10:15 AM`` en dash ``11:15 AM``)."""
    start = datetime.fromisoformat(local_start[:19])
    end = datetime.fromisoformat(local_end[:19])
    return f"{wall_clock(start, locale, hour12)}{EN_DASH}{wall_clock(end, locale, hour12)}"


def instant_of(value: object) -> datetime | None:
    return parse_timestamp(str(value)) if value else None


def span_text(
    start: datetime,
    end: datetime | None,
    zone: str,
    locale: str = DEFAULT_LOCALE,
    hour12: bool = False,
) -> str:
    """``Monday 14 December 2026, 10:00`` en dash ``11:00 CET`` (the end's day when it
    differs), in the locale."""
    a = moment(start, zone, locale, hour12)
    if end is None:
        return f"{a.text} {a.abbreviation}"
    b = moment(end, zone, locale, hour12)
    until = b.time if b.day == a.day else b.text
    return f"{a.text}{EN_DASH}{until} {b.abbreviation}"


def local_minute(instant: datetime, zone: str) -> str:
    """``YYYY-MM-DDTHH:MM`` in ``zone`` (how a slot's ``localStartDate`` begins)."""
    return instant.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")


def local_day(instant: datetime, zone: str) -> date:
    return instant.astimezone(ZoneInfo(zone)).date()


def service_name(booking: Mapping[str, Any]) -> str:
    entity = booking.get("bookedEntity") or {}
    return str(entity.get("title") or "Your booking")


def service_id_of(booking: Mapping[str, Any]) -> str | None:
    entity = booking.get("bookedEntity") or {}
    slot = entity.get("slot") or entity.get("schedule") or {}
    found = slot.get("serviceId")
    return str(found) if found else None


def is_appointment(booking: Mapping[str, Any]) -> bool:
    """An appointment (tagged ``INDIVIDUAL``; a class session is ``GROUP``, a course
    ``COURSE``): one of its service's free slots can be chosen instead."""
    entity = booking.get("bookedEntity") or {}
    slot = entity.get("slot") or {}
    return bool(slot.get("serviceId")) and "INDIVIDUAL" in (entity.get("tags") or [])


def is_class(booking: Mapping[str, Any]) -> bool:
    """A class booking (tagged ``GROUP``): another session of its service can be chosen."""
    entity = booking.get("bookedEntity") or {}
    slot = entity.get("slot") or {}
    return bool(slot.get("eventId")) and "GROUP" in (entity.get("tags") or [])


def movable(booking: Mapping[str, Any]) -> bool:
    """The page can offer another time: an appointment or a class session."""
    return is_appointment(booking) or is_class(booking)


def _limit_text(minutes: int) -> str:
    if minutes % 1440 == 0:
        days = minutes // 1440
        return f"{days} day{'' if days == 1 else 's'}"
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'' if hours == 1 else 's'}"
    return f"{minutes} minute{'' if minutes == 1 else 's'}"


def _limit_minutes(value: object) -> int:
    try:
        minutes = int(str(value))
    except ValueError:
        return DEFAULT_LIMIT_MINUTES
    return minutes if minutes >= 0 else DEFAULT_LIMIT_MINUTES


def refusal(
    action: str,
    status: str,
    policy: Mapping[str, Any],
    start: datetime | None,
    now: datetime,
) -> str:
    """Why the customer may not ``action`` (``cancel`` or ``reschedule``) the booking now, in
    the words of its policy."""
    verb = "canceled" if action == "cancel" else "rescheduled"
    noun = "Cancellations" if action == "cancel" else "Changes of time"
    if status in ENDED:
        return f"This booking is {STATUS_LABELS[status].lower()}, so it cannot be {verb}."
    if action == "reschedule" and status == "WAITING_LIST":
        return "A place on the waiting list cannot be moved to another time."
    key, limit, minutes = (
        ("cancellationPolicy", "limitLatestCancellation", "latestCancellationInMinutes")
        if action == "cancel"
        else ("reschedulePolicy", "limitLatestReschedule", "latestRescheduleInMinutes")
    )
    sub = policy.get(key) or {}
    if not sub.get("enabled"):
        return (
            f"The business's policy for this booking does not allow it to be {verb} online. "
            "Please contact the business."
        )
    if start is not None and now >= start:
        return f"This booking has already started, so it cannot be {verb}."
    if sub.get(limit):
        window = _limit_text(_limit_minutes(sub.get(minutes)))
        return (
            f"{noun} are accepted online up to {window} before the start, and that time has "
            "passed. Please contact the business."
        )
    return f"This booking cannot be {verb} online now. Please contact the business."


def _utc_compact(instant: datetime) -> str:
    return instant.astimezone(ZoneInfo("UTC")).strftime("%Y%m%dT%H%M%SZ")


def _utc_iso(instant: datetime) -> str:
    return instant.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")


def calendar_links(
    title: str, start: datetime, end: datetime, details: str, location: str | None
) -> dict[str, str]:
    """Google Calendar's and Outlook's "add event" addresses of the same instant (UTC)."""
    google = {
        "action": "TEMPLATE",
        "text": title,
        "dates": f"{_utc_compact(start)}/{_utc_compact(end)}",
        "details": details,
    }
    outlook = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": title,
        "startdt": _utc_iso(start),
        "enddt": _utc_iso(end),
        "body": details,
    }
    if location:
        google["location"] = location
        outlook["location"] = location
    return {
        "google": "https://calendar.google.com/calendar/render?" + urlencode(google),
        "outlook": "https://outlook.live.com/calendar/0/deeplink/compose?" + urlencode(outlook),
    }


def location_text(booking: Mapping[str, Any]) -> str | None:
    slot = (booking.get("bookedEntity") or {}).get("slot") or {}
    loc = slot.get("location") or {}
    parts = [loc.get("name"), loc.get("formattedAddress")]
    text = ", ".join(str(p) for p in parts if p)
    return text or None


def day_param(value: str | None, default: date) -> date:
    """``?date=YYYY-MM-DD``, else ``default``."""
    if value:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return default
    return default


def next_days(day: date) -> tuple[date, date]:
    return day - timedelta(days=1), day + timedelta(days=1)
