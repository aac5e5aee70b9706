"""Inputs of the slot engine, read through the other slices' service functions.

* site settings (time zone, ``slotsSplitInterval``, the maximum range);
* per resource: working-hours windows (expanded WORKING_HOURS occurrences of its
  working-hours schedule; local days when it has none) and busy intervals: OPAQUE
  non-cancelled events listing it (the resource entry OPAQUE too), OPAQUE events of its own
  events schedule (time off, blocked time), and what the bookings hold (a
  :class:`bookings.availability.ports.BookingLoad`, passed in). An
  APPOINTMENT event of a service's schedule is extended by that service's
  ``timeBetweenSessions``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bookings.availability.intervals import Interval, merge, to_seconds
from bookings.availability.ports import BookingLoad, HeldRead
from bookings.availability.slots import ResourceTime
from bookings.calendar import service as calendar
from bookings.catalog.services import service as catalog
from bookings.identity import service as identity
from bookings.platform import zoned
from bookings.platform.db import SiteScope
from bookings.platform.timezones import zone

#: Event types that occupy a resource (WORKING_HOURS never does).
BUSY_TYPES = ("DEFAULT", "APPOINTMENT", "CLASS", "COURSE")
#: The largest ``timeBetweenSessions`` (minutes): busy time is loaded this far back.
MAX_BUFFER = timedelta(minutes=720)
#: Default longest ``fromLocalDate``..``toLocalDate`` range (site setting
#: ``availability.maxRangeDays`` overrides it).
MAX_RANGE_DAYS = 366


# ---------------------------------------------------------------- site settings


@dataclass(frozen=True, slots=True)
class SiteSettings:
    time_zone: str
    #: ``slotsSplitInterval``: ``None`` = same as duration (D + B), else minutes.
    split_minutes: int | None
    max_range_days: int


def _positive_int(value: Any, upper: int) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= upper:
        return value
    return None


def settings_from(time_zone: str | None, settings: Mapping[str, Any] | None) -> SiteSettings:
    """Pure: the availability settings of a ``sites`` row (bad values fall back to defaults)."""
    settings = settings or {}
    split = settings.get("slotsSplitInterval")
    minutes: int | None = None
    if isinstance(split, Mapping) and split.get("sameAsDuration") is False:
        minutes = _positive_int(split.get("valueInMinutes"), 1440)
    availability = settings.get("availability")
    max_days = None
    if isinstance(availability, Mapping):
        max_days = _positive_int(availability.get("maxRangeDays"), 5 * 366)
    zone_name = time_zone or "UTC"
    try:
        zone(zone_name)
    except KeyError:
        zone_name = "UTC"
    return SiteSettings(zone_name, minutes, max_days or MAX_RANGE_DAYS)


async def site_settings(scope: SiteScope) -> SiteSettings:
    facts = await identity.site_facts(scope)
    return settings_from(facts.time_zone, facts.settings)


# ---------------------------------------------------------------- resources


def local_days(tz: ZoneInfo, lo: datetime, hi: datetime) -> list[Interval]:
    """One window per local calendar day of ``tz`` meeting ``[lo, hi)`` (24/7 resources)."""
    day = zoned.to_local(lo, tz).date()
    out: list[Interval] = []
    while True:
        start = zoned.to_utc(datetime.combine(day, time()), tz)
        if start >= hi:
            break
        nxt = day + timedelta(days=1)
        end = zoned.to_utc(datetime.combine(nxt, time()), tz)
        out.append((to_seconds(start), to_seconds(end)))
        day = nxt
    return out


def working_schedule(resource: Mapping[str, Any]) -> str | None:
    values = (resource.get("workingHoursSchedules") or {}).get("values") or []
    return str(values[0]["scheduleId"]) if values and values[0].get("scheduleId") else None


def events_schedule(resource: Mapping[str, Any]) -> str | None:
    value = (resource.get("eventsSchedule") or {}).get("scheduleId")
    return str(value) if value else None


async def _buffers(
    scope: SiteScope, found: Iterable[calendar.Busy], known: Mapping[str, int]
) -> dict[str, int]:
    """Buffers (seconds) of the services owning APPOINTMENT events, by service id."""
    out = dict(known)
    owners = sorted(
        {
            b.external_schedule_id
            for b in found
            if b.type == "APPOINTMENT" and b.external_schedule_id
        }
        - set(known)
    )
    if owners:
        for sid, view in (await catalog.get_service_views(scope, owners)).items():
            out[sid] = view.buffer_minutes * 60
    return out


@dataclass(frozen=True)
class CalendarReads:
    """What the calendar says of some resources: the working-hours events of their
    schedules, and their busy intervals (events listing them, events on their own schedules;
    never a booking's own event: bookings are counted from the bookings).

    All of it is the calendar's own events, which move the site's catalog version when they
    change (migration 0019), so a copy read at the version of the caller's credential is what
    a read would give (:meth:`SiteScope.cached`). A copy covers whole UTC days (the day
    before a slot's to the end of its own), so that the creates of one day share it, and each
    call keeps what meets its own window: the same rows as a read of that window (an event
    meets a window when it starts before its end and ends after its start)."""

    wh_ids: list[str]
    ids: list[str]
    owner_of: dict[str, str]

    async def read(
        self,
        scope: SiteScope,
        lo: datetime,
        hi: datetime,
        busy_lo: datetime,
        busy_hi: datetime,
    ) -> tuple[list[tuple[str, int, int]], list[calendar.Busy]]:
        """The working hours meeting ``[lo, hi)`` as (schedule id, start, end) in epoch
        seconds, and the busy intervals meeting ``[busy_lo, busy_hi)``."""
        hours: list[tuple[str, int, int]] = []
        if self.wh_ids:
            for event in await calendar.occurrences(
                scope, start_utc=lo, end_utc=hi, schedule_ids=self.wh_ids, types=["WORKING_HOURS"]
            ):
                start, end = calendar.event_interval(event)
                hours.append((str(event["scheduleId"]), to_seconds(start), to_seconds(end)))
        found = await calendar.busy_intervals(
            scope,
            resource_ids=self.ids,
            owners=self.owner_of,
            types=BUSY_TYPES,
            start_utc=busy_lo,
            end_utc=busy_hi,
        )
        return hours, found

    async def kept(
        self,
        scope: SiteScope,
        lo: datetime,
        hi: datetime,
        busy_lo: datetime,
        busy_hi: datetime,
    ) -> tuple[list[tuple[str, int, int]], list[calendar.Busy]]:
        """:meth:`read`, from the copy of the whole UTC days around both windows."""
        # From the day before the window's (a buffer reaches back at most MAX_BUFFER) to the
        # end of its last day: every slot of a day has the same copy.
        first = _utc_midnight(lo) - timedelta(days=1)
        if busy_lo < first:
            first = _utc_midnight(busy_lo)
        last = _utc_midnight(max(hi, busy_hi)) + timedelta(days=1)
        key = "|".join(
            (
                ",".join(self.wh_ids),
                ",".join(self.ids),
                ",".join(f"{s}={r}" for s, r in sorted(self.owner_of.items())),
                first.isoformat(),
                last.isoformat(),
            )
        )
        copy = scope.cached("calendar-days", key)
        if copy is None:
            hours, found = await self.read(scope, first, last, first, last)
            copy = (tuple(hours), tuple(found))
            scope.keep("calendar-days", key, copy)
        lo_s, hi_s = to_seconds(lo), to_seconds(hi)
        busy_lo_s, busy_hi_s = to_seconds(busy_lo), to_seconds(busy_hi)
        return (
            [h for h in copy[0] if h[1] < hi_s and h[2] > lo_s],
            [b for b in copy[1] if b.start < busy_hi_s and b.end > busy_lo_s],
        )


def _utc_midnight(instant: datetime) -> datetime:
    return datetime.combine(instant.astimezone(UTC).date(), time(), tzinfo=UTC)


@dataclass(frozen=True)
class ResourceTimes:
    """Per resource id its windows and busy time, and what was read of the bookings."""

    times: dict[str, ResourceTime]
    held: HeldRead | None


async def resource_times(
    scope: SiteScope,
    resources: Mapping[str, Mapping[str, Any]],
    *,
    load: BookingLoad,
    lo: datetime,
    hi: datetime,
    reach: timedelta,
    site_zone: ZoneInfo,
    known_buffers: Mapping[str, int] | None = None,
    exclude: frozenset[str] = frozenset(),
    cached: bool = False,
) -> ResourceTimes:
    """Windows and busy time of ``resources`` (Resource V2 wire dicts by id) for slots
    starting in ``[lo, hi)`` that last up to ``reach`` (duration + buffer).
    ``known_buffers``: buffers (seconds) of services already loaded, by service id;
    ``exclude``: ids of bookings not to count; ``cached``: what the calendar says may come
    from the process's current copy (:class:`CalendarReads`); the bookings are always read."""
    if not resources:
        return ResourceTimes({}, None)
    ids = sorted(resources)
    wh_of = {rid: working_schedule(resources[rid]) for rid in ids}
    wh_ids = sorted({s for s in wh_of.values() if s})
    windows: dict[str, list[Interval]] = {s: [] for s in wh_ids}
    busy_lo, busy_hi = lo - MAX_BUFFER, hi + reach
    owner_of = {s: rid for rid in ids if (s := events_schedule(resources[rid]))}
    reads = CalendarReads(wh_ids, ids, owner_of)
    hours, found = await (
        reads.kept(scope, lo, hi + reach, busy_lo, busy_hi)
        if cached
        else reads.read(scope, lo, hi + reach, busy_lo, busy_hi)
    )
    for schedule_id, start_s, end_s in hours:
        windows[schedule_id].append((start_s, end_s))
    merged = {s: tuple(merge(v)) for s, v in windows.items()}
    days: tuple[Interval, ...] | None = None

    busy: dict[str, list[Interval]] = {rid: [] for rid in ids}
    buffers = await _buffers(scope, found, known_buffers or {})
    for item in found:
        extra = buffers.get(item.external_schedule_id or "", 0)
        busy[item.resource_id].append((item.start, item.end + extra))
    held = await load.appointment_busy(scope, ids, busy_lo, busy_hi, exclude)
    for rid, spans in held.items():
        if rid in busy:
            busy[rid].extend((to_seconds(a), to_seconds(b)) for a, b in spans)

    out: dict[str, ResourceTime] = {}
    for rid in ids:
        schedule = wh_of[rid]
        if schedule is None:
            if days is None:
                days = tuple(local_days(site_zone, lo, hi + reach))
            own = days
        else:
            own = merged.get(schedule, ())
        out[rid] = ResourceTime(rid, own, tuple(merge(busy[rid])))
    return ResourceTimes(out, HeldRead(frozenset(ids), busy_lo, busy_hi, held))


def day_of(instant: datetime, tz: ZoneInfo) -> date:
    return zoned.to_local(instant, tz).date()
