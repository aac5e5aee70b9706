"""Times on the booking page (pure): the zones a visitor may choose, wall-clock labels with
their zone in the visitor's locale (Babel: ``en_US`` 3:00 PM, ``de_DE`` 15:00), the days of the
date picker (from the locale's first day of the week), and the add-to-calendar links of one
instant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Literal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, available_timezones

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time, get_day_names

from bookings.platform import timezones, zoned

#: Days the date picker shows at once.
PICKER_DAYS = 14
#: The locale when none is given: English as the page always was (24 h, weeks from Monday).
DEFAULT_LOCALE = "en_GB"


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


def clock(
    instant: datetime, zone_name: str, locale: str = DEFAULT_LOCALE, hour12: bool = False
) -> str:
    """The wall-clock time of an instant in a zone: ``15:00`` (24 h), ``3:00 PM`` (12 h, the
    locale's words for AM and PM)."""
    return wall_clock(instant.astimezone(zone(zone_name)), locale, hour12)


def wall_clock(local: datetime, locale: str = DEFAULT_LOCALE, hour12: bool = False) -> str:
    """A wall-clock time as it reads (``15:00``, ``3:00 PM``), whatever its zone."""
    return format_time(local, "h:mm a" if hour12 else "HH:mm", locale=locale)


def day_name(day: date, locale: str = DEFAULT_LOCALE) -> str:
    """``Friday 29 October 2027`` (``Freitag, 29. Oktober 2027``, ``Friday, October 29,
    2027``): the locale's full date."""
    if locale == DEFAULT_LOCALE:
        return format_date(day, "EEEE d MMMM y", locale=locale)
    return format_date(day, "full", locale=locale)


def short_day(day: date, locale: str = DEFAULT_LOCALE) -> str:
    """``Fri 29 Oct`` (``Fr., 29. Okt.``, ``Fri, Oct 29``)."""
    return format_skeleton("MMMEd", day, locale=locale)


def first_week_day(locale: str = DEFAULT_LOCALE) -> int:
    """The locale's first day of the week (0 Monday ... 6 Sunday)."""
    return int(Locale.parse(locale).first_week_day)


def week_day_names(
    locale: str = DEFAULT_LOCALE, width: Literal["abbreviated", "short", "wide"] = "wide"
) -> list[str]:
    """The day names of one week in the locale's order (``Sunday`` first in ``en_US``)."""
    names = get_day_names(width, locale=locale)
    first = first_week_day(locale)
    return [str(names[(first + i) % 7]) for i in range(7)]


def city(zone_name: str) -> str:
    """``America/New_York`` -> ``New York``."""
    return zone_name.rsplit("/", 1)[-1].replace("_", " ")


@dataclass(frozen=True)
class ZonedTime:
    """One instant as a visitor reads it: wall clock, day and the zone beside it."""

    instant: datetime
    zone_name: str
    locale: str = DEFAULT_LOCALE
    hour12: bool = False

    @property
    def local(self) -> datetime:
        return self.instant.astimezone(zone(self.zone_name))

    @property
    def clock(self) -> str:
        return clock(self.instant, self.zone_name, self.locale, self.hour12)

    @property
    def abbreviation(self) -> str:
        return abbreviation(self.instant, self.zone_name)

    @property
    def day(self) -> str:
        return day_name(self.local.date(), self.locale)

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


def picker_days(
    chosen: date, first_allowed: date, count: int = PICKER_DAYS, week_start: int = 0
) -> list[date]:
    """The days of the picker: ``count`` days from the first day (``week_start``: 0 Monday,
    6 Sunday) of the chosen day's week (or from ``first_allowed`` when that is later)."""
    back = (chosen.weekday() - week_start) % 7
    start = max(chosen - timedelta(days=back), first_allowed)
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
