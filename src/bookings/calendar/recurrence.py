"""Weekly recurrence of Calendar V3 events (pure: no I/O).

A series is its first occurrence (the MASTER's own ``start``/``end``, wall-clock in the
series' zone) and a :class:`WeeklyRule`. Occurrence ``k`` (k = 0, 1, ...) starts at
``start + k * interval`` weeks **in local wall time** and is then converted to an instant, so a
09:00 class stays 09:00 across DST changes (see :mod:`bookings.platform.zoned` for gaps and
overlaps). Its end is ``end + k * interval`` weeks in wall time too; if a gap would make an
occurrence empty, it keeps the first occurrence's absolute duration instead.

An occurrence is identified by its nominal local date (``Occurrence.key``): the date it falls
on before any gap shift. The id of the materialized INSTANCE row derives from the master id
and that date (:func:`instance_id`), so materializing twice produces the same rows, and a
change of time of day keeps instance ids (a change of weekday or interval changes them, as
the Wix documentation allows).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bookings.platform.zoned import to_local, to_utc

#: Wire names of the weekdays, Monday first (``datetime.weekday()`` order).
WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
MIN_INTERVAL = 1
MAX_INTERVAL = 4


@dataclass(frozen=True)
class WeeklyRule:
    """``recurrenceRule`` of a MASTER: every ``interval`` weeks on ``weekday`` until ``until``.

    ``until`` is a naive wall-clock time in the series' zone; an occurrence belongs to the
    series while its nominal local start is at or before it.
    """

    weekday: int
    interval: int = 1
    until: datetime | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError("weekday must be 0 (Monday) .. 6 (Sunday)")
        if not MIN_INTERVAL <= self.interval <= MAX_INTERVAL:
            raise ValueError(f"interval must be {MIN_INTERVAL}..{MAX_INTERVAL}")

    @property
    def step(self) -> timedelta:
        return timedelta(weeks=self.interval)


@dataclass(frozen=True)
class Series:
    """A recurring series: first occurrence (wall clock), its zone and its rule."""

    start: datetime
    end: datetime
    tz: ZoneInfo
    rule: WeeklyRule

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("series start/end are naive wall-clock times")
        if self.start.weekday() != self.rule.weekday:
            raise ValueError("the first occurrence must fall on the rule's weekday")


@dataclass(frozen=True)
class Occurrence:
    index: int
    #: Nominal local date (the occurrence's identity within its series).
    key: date
    start_local: datetime
    end_local: datetime
    start_utc: datetime
    end_utc: datetime


def occurrence(series: Series, index: int) -> Occurrence | None:
    """Occurrence ``index`` of ``series``; ``None`` when it is past ``until`` (or index < 0)."""
    if index < 0:
        return None
    shift = series.rule.step * index
    nominal_start = series.start + shift
    until = series.rule.until
    if until is not None and nominal_start > until:
        return None
    nominal_end = series.end + shift
    start_utc = to_utc(nominal_start, series.tz)
    end_utc = to_utc(nominal_end, series.tz)
    if end_utc <= start_utc:  # a gap swallowed the occurrence: keep the absolute duration
        end_utc = start_utc + (to_utc(series.end, series.tz) - to_utc(series.start, series.tz))
    return Occurrence(
        index=index,
        key=nominal_start.date(),
        start_local=to_local(start_utc, series.tz),
        end_local=to_local(end_utc, series.tz),
        start_utc=start_utc,
        end_utc=end_utc,
    )


def index_of(series: Series, key: date) -> int | None:
    """The index of the occurrence whose nominal date is ``key``, if the rule has one."""
    days = (key - series.start.date()).days
    period = 7 * series.rule.interval
    if days < 0 or days % period:
        return None
    return days // period


def occurrence_on(series: Series, key: date) -> Occurrence | None:
    """The occurrence with nominal date ``key``, or ``None``."""
    index = index_of(series, key)
    return None if index is None else occurrence(series, index)


def expand(
    series: Series, *, from_utc: datetime | None = None, to_utc: datetime
) -> Iterator[Occurrence]:
    """Occurrences whose start is in ``[from_utc, to_utc)``, in order.

    Jumps straight to the first candidate instead of walking from the series start.
    """
    first = occurrence(series, 0)
    if first is None:
        return
    index = 0
    if from_utc is not None and from_utc > first.start_utc:
        weeks = (from_utc - first.start_utc) / series.rule.step
        index = max(0, int(weeks) - 1)  # one step back covers DST offsets
    while True:
        occ = occurrence(series, index)
        if occ is None or occ.start_utc >= to_utc:
            return
        if from_utc is None or occ.start_utc >= from_utc:
            yield occ
        index += 1


def last_before(series: Series, instant: datetime) -> Occurrence | None:
    """The last occurrence starting before ``instant``."""
    first = occurrence(series, 0)
    if first is None or first.start_utc >= instant:
        return None
    index = max(0, int((instant - first.start_utc) / series.rule.step) + 1)
    while index >= 0:
        occ = occurrence(series, index)
        if occ is not None and occ.start_utc < instant:
            return occ
        index -= 1
    return None  # pragma: no cover - occurrence 0 starts before instant


def last_occurrence(series: Series) -> Occurrence | None:
    """The last occurrence of a series with ``until``; ``None`` when it never ends."""
    until = series.rule.until
    if until is None:
        return None
    index = max(0, (until.date() - series.start.date()).days // (7 * series.rule.interval))
    while index >= 0:
        occ = occurrence(series, index)
        if occ is not None:
            return occ
        index -= 1
    return None  # pragma: no cover - occurrence 0 starts at or before until


def instance_id(master_id: str, key: date) -> str:
    """The deterministic id of a master's INSTANCE on nominal date ``key`` (64 hex chars)."""
    return hashlib.sha256(f"{master_id}|{key.isoformat()}".encode()).hexdigest()
