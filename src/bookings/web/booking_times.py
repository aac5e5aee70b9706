"""Times on the booking page (pure): the zones a visitor may choose, wall-clock labels with
their zone, the days of the date picker, and the add-to-calendar links of one instant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, available_timezones

from bookings.platform import timezones, zoned

#: Days the date picker shows at once.
PICKER_DAYS = 14


@cache
def zone_names() -> tuple[str, ...]:
    """The zones of the selector: the IANA region/city names (no ``Etc/``, no aliases such
    as ``US/Eastern``), sorted, plus ``UTC``."""
    regions: tuple[str, ...] = ("Africa/", "America/", "Antarctica/", "Asia/", "Atlantic/")
    regions += ("Australia/", "Europe/", "Indian/", "Pacific/")
    names = sorted(n for n in available_timezones() if n.startswith(regions))
    return ("UTC", *names)


def valid_zone(name: str | None) -> str | None:
    """``name`` when it is a zone this server knows, else ``None``."""
    if name and len(name) <= 100 and timezones.is_valid_zone(name):
        return name
    return None


def zone(name: str) -> ZoneInfo:
    return timezones.zone(name)


def parse_local(text: str) -> datetime:
    """A wire ``LocalDateTime`` (``2027-11-01T05:00:00``) as a naive datetime."""
    return datetime.fromisoformat(text[:19])


def utc_of(local: datetime, zone_name: str) -> datetime:
    """The instant of a wall-clock time in a zone."""
    return zoned.to_utc(local, zone(zone_name))


def parse_instant(text: str) -> datetime:
    """A wire timestamp (``2027-11-01T08:00:00.000Z``) as an aware UTC datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def abbreviation(instant: datetime, zone_name: str) -> str:
    """The zone's short name at that instant (``EDT``, ``CET``; ``+0530``-like elsewhere)."""
    return instant.astimezone(zone(zone_name)).strftime("%Z")


def clock(instant: datetime, zone_name: str) -> str:
    """``03:00``: the wall-clock time of an instant in a zone (24 h)."""
    return instant.astimezone(zone(zone_name)).strftime("%H:%M")


def day_name(day: date) -> str:
    """``Friday 29 October 2027``."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def short_day(day: date) -> str:
    """``Fri 29 Oct``."""
    return f"{day:%a} {day.day} {day:%b}"


def city(zone_name: str) -> str:
    """``America/New_York`` -> ``New York``."""
    return zone_name.rsplit("/", 1)[-1].replace("_", " ")


@dataclass(frozen=True)
class ZonedTime:
    """One instant as a visitor reads it: wall clock, day and the zone beside it."""

    instant: datetime
    zone_name: str

    @property
    def local(self) -> datetime:
        return self.instant.astimezone(zone(self.zone_name))

    @property
    def clock(self) -> str:
        return clock(self.instant, self.zone_name)

    @property
    def abbreviation(self) -> str:
        return abbreviation(self.instant, self.zone_name)

    @property
    def day(self) -> str:
        return day_name(self.local.date())

    @property
    def label(self) -> str:
        """``03:00 EDT (America/New_York)``."""
        return f"{self.clock} {self.abbreviation} ({self.zone_name})"

    @property
    def full(self) -> str:
        """``Friday 29 October 2027, 03:00 EDT (America/New_York)``."""
        return f"{self.day}, {self.label}"

    @property
    def iso(self) -> str:
        return self.instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def today_in(zone_name: str, now: datetime) -> date:
    return zoned.today(now, zone(zone_name))


def picker_days(chosen: date, first_allowed: date, count: int = PICKER_DAYS) -> list[date]:
    """The days of the picker: ``count`` days from the Monday of the chosen day's week (or
    from ``first_allowed`` when that is later)."""
    start = max(chosen - timedelta(days=chosen.weekday()), first_allowed)
    return [start + timedelta(days=i) for i in range(count)]


def parse_day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def _compact(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def google_calendar_link(
    title: str, start: datetime, end: datetime, details: str = "", location: str = ""
) -> str:
    """Google Calendar's "add event" address for the instant (UTC, so no zone guessing)."""
    query = {
        "action": "TEMPLATE",
        "text": title,
        "dates": f"{_compact(start)}/{_compact(end)}",
        "details": details,
        "location": location,
    }
    return "https://calendar.google.com/calendar/render?" + urlencode(query)


def outlook_link(
    title: str, start: datetime, end: datetime, details: str = "", location: str = ""
) -> str:
    """Outlook's "new event" address for the instant (UTC timestamps)."""
    query = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": title,
        "startdt": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "enddt": end.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "body": details,
        "location": location,
    }
    return "https://outlook.live.com/calendar/0/deeplink/compose?" + urlencode(query)
