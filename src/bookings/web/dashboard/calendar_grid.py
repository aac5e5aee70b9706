"""The dashboard calendar's grid, built on the server (pure: no I/O, no clock).

Input: the bookings of a range (:class:`Entry`, instants in UTC), the business zone, the local
days shown and the columns (:class:`ColumnSpec`: one per staff member of a day, or one per
day). Output: a :class:`Grid` of time rows and columns whose placed entries say which rows
they cover (CSS grid lines) and in which lane they sit.

How DST is kept right: rows are *real* quarter hours. A day's rows are the instants from its
local midnight to the next, one every ``step`` minutes, so a 23-hour day has 92 of them and a
25-hour day 100; each row is keyed by its local wall time and its ``fold`` (0 the first time a
wall time happens, 1 the repeated hour after clocks go back). The time axis is the union of
the days' keys in wall-clock order, the repeated hour's second pass right after the first: a
column of an ordinary day simply has no entries on the rows it never lives through. An entry
covers the rows of the instants it spans, so a booking from 01:30 CEST to 02:30 CET covers
two real hours (eight rows), and nothing is shown twice or lost.

Overlaps: within a column, entries are put in the first free lane (interval colouring), and
the column is as many lanes wide as it needs, so overlapping bookings sit side by side.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

#: Minutes per row.
STEP_MINUTES = 15
#: The local hours always shown (extended to show every booking of the range).
DAY_START_MINUTES = 7 * 60
DAY_END_MINUTES = 20 * 60
#: Lanes a column may have; more overlapping entries share the last lane.
MAX_LANES = 8


@dataclass(frozen=True)
class Entry:
    """One booking as the calendar shows it."""

    id: str
    start: datetime  # aware
    end: datetime  # aware
    title: str
    customer: str
    status: str
    staff_id: str | None = None
    staff_name: str | None = None


@dataclass(frozen=True)
class ColumnSpec:
    """A column: the entries of ``day`` (local) of ``staff_id`` (``None``: any staff; the
    :data:`UNASSIGNED` key: entries without staff)."""

    key: str
    label: str
    day: date
    staff_id: str | None = None


#: ``ColumnSpec.staff_id`` of the column of entries without a staff member.
UNASSIGNED = "-"


@dataclass(frozen=True)
class Row:
    """A time row: its local wall time (minutes since midnight), fold, and a label on full
    hours (with the zone's abbreviation when the wall time happens twice)."""

    minutes: int
    fold: int
    label: str
    hour: bool


@dataclass(frozen=True)
class Placed:
    """An entry in a column: grid lines ``row_start``..``row_end`` (1-based, end exclusive),
    its lane (1-based), its local times, and whether it goes on before or after the day."""

    entry: Entry
    row_start: int
    row_end: int
    lane: int
    start_label: str
    end_label: str
    before: bool
    after: bool


@dataclass(frozen=True)
class Column:
    spec: ColumnSpec
    placed: list[Placed]
    lanes: int
    hours: float  # the length of the column's day, in hours (23, 24 or 25 around DST)
    absent: list[tuple[int, int]] = field(default_factory=list)  # row lines the day lacks


@dataclass(frozen=True)
class Grid:
    zone: str
    rows: list[Row]
    columns: list[Column]


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants of ``day``'s local midnight and the next one."""
    start = datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)
    following = day + timedelta(days=1)
    end = datetime(following.year, following.month, following.day, tzinfo=zone).astimezone(UTC)
    return start, end


def _key(instant: datetime, zone: ZoneInfo) -> tuple[int, int]:
    local = instant.astimezone(zone)
    return local.hour * 60 + local.minute, local.fold


def day_keys(day: date, zone: ZoneInfo, step: int = STEP_MINUTES) -> list[tuple[int, int]]:
    """The wall-clock keys ``(minutes, fold)`` of the day's rows, in time order."""
    start, end = day_bounds(day, zone)
    keys = []
    at = start
    while at < end:
        keys.append(_key(at, zone))
        at += timedelta(minutes=step)
    return keys


def _order(keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], tuple[int, int, int]]:
    """Sort keys for one day's keys: wall time, the repeated pass just before the wall time
    that follows it."""
    out: dict[tuple[int, int], tuple[int, int, int]] = {}
    following = 24 * 60
    for minutes, fold in reversed(keys):
        if fold == 0:
            following = minutes
            out[(minutes, fold)] = (minutes, 0, 0)
        else:
            out[(minutes, fold)] = (following, -1, minutes)
    return out


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _floor(instant: datetime, origin: datetime, step: int) -> datetime:
    seconds = int((instant - origin).total_seconds())
    return origin + timedelta(seconds=seconds - seconds % (step * 60))


def _ceil(instant: datetime, origin: datetime, step: int) -> datetime:
    floored = _floor(instant, origin, step)
    return floored if floored == instant else floored + timedelta(minutes=step)


def _belongs(entry: Entry, spec: ColumnSpec) -> bool:
    if spec.staff_id is None:
        return True
    if spec.staff_id == UNASSIGNED:
        return entry.staff_id is None
    return entry.staff_id == spec.staff_id


def _lanes(spans: Sequence[tuple[int, int]]) -> list[int]:
    """The first free lane (1-based) of each span, spans taken in the given order."""
    ends: list[int] = []  # per lane: the line where its last span ends
    lanes = []
    for start, end in spans:
        for index, lane_end in enumerate(ends):
            if lane_end <= start:
                ends[index] = end
                lanes.append(index + 1)
                break
        else:
            if len(ends) < MAX_LANES:
                ends.append(end)
                lanes.append(len(ends))
            else:
                ends[-1] = max(ends[-1], end)
                lanes.append(len(ends))
    return lanes


def build_grid(
    entries: Iterable[Entry],
    zone: ZoneInfo,
    columns: Sequence[ColumnSpec],
    *,
    step: int = STEP_MINUTES,
    day_start: int = DAY_START_MINUTES,
    day_end: int = DAY_END_MINUTES,
) -> Grid:
    """The grid of ``columns`` (see the module docstring)."""
    entries = sorted(entries, key=lambda e: (e.start, e.end, e.id))
    days = sorted({spec.day for spec in columns})
    order: dict[tuple[int, int], tuple[int, int, int]] = {}
    keys_of: dict[date, list[tuple[int, int]]] = {}
    for day in days:
        keys_of[day] = day_keys(day, zone, step)
        order.update(_order(keys_of[day]))
    # The window: the usual hours, widened to every entry shown.
    low, high = day_start, day_end
    for spec in columns:
        start, end = day_bounds(spec.day, zone)
        for entry in entries:
            if entry.end > start and entry.start < end and _belongs(entry, spec):
                first = _floor(max(entry.start, start), start, step)
                last = _ceil(min(entry.end, end), start, step)
                first_minutes = _key(first, zone)[0]
                last_minutes = 24 * 60 if last == end else _key(last, zone)[0]
                low = min(low, first_minutes - first_minutes % 60)  # whole hours
                high = max(high, min(24 * 60, last_minutes + (-last_minutes) % 60))
    axis = sorted(
        (k for k in order if low <= k[0] < high),
        key=lambda k: order[k],
    )
    line = {k: i + 1 for i, k in enumerate(axis)}
    repeated = {m for m, fold in axis if fold == 1}
    rows = []
    for minutes, fold in axis:
        label = ""
        if minutes % 60 == 0:
            label = _hhmm(minutes)
            if minutes in repeated:
                label += " (2nd)" if fold else " (1st)"
        rows.append(Row(minutes, fold, label, minutes % 60 == 0))

    def line_of(instant: datetime) -> int:
        key = _key(instant, zone)
        if key in line:
            return line[key]
        return len(axis) + 1 if key[0] >= high else 1

    built = []
    for spec in columns:
        start, end = day_bounds(spec.day, zone)
        mine = [e for e in entries if e.end > start and e.start < end and _belongs(e, spec)]
        spans = []
        for entry in mine:
            first = _floor(max(entry.start, start), start, step)
            last = _ceil(min(entry.end, end), start, step)
            row_start = line_of(first)
            row_end = len(axis) + 1 if last == end else line_of(last)
            spans.append((row_start, max(row_end, row_start + 1)))
        lanes = _lanes(spans)
        placed = [
            Placed(
                entry=entry,
                row_start=span[0],
                row_end=span[1],
                lane=lane,
                start_label=_hhmm(_key(entry.start, zone)[0]),
                end_label=_hhmm(_key(entry.end, zone)[0]),
                before=entry.start < start,
                after=entry.end > end,
            )
            for entry, span, lane in zip(mine, spans, lanes, strict=True)
        ]
        own = set(keys_of[spec.day])
        absent = _runs([i + 1 for i, k in enumerate(axis) if k not in own])
        built.append(
            Column(
                spec=spec,
                placed=placed,
                lanes=max(lanes, default=1),
                hours=(end - start).total_seconds() / 3600,
                absent=absent,
            )
        )
    return Grid(zone=zone.key, rows=rows, columns=built)


def _runs(lines: Sequence[int]) -> list[tuple[int, int]]:
    """Consecutive grid lines joined into ``(start, end)`` spans (end exclusive)."""
    runs: list[tuple[int, int]] = []
    for number in lines:
        if runs and runs[-1][1] == number:
            runs[-1] = (runs[-1][0], number + 1)
        else:
            runs.append((number, number + 1))
    return runs


def week_days(anchor: date, first_weekday: int = 0) -> list[date]:
    """The seven days of ``anchor``'s week (``first_weekday`` 0 = Monday)."""
    start = anchor - timedelta(days=(anchor.weekday() - first_weekday) % 7)
    return [start + timedelta(days=i) for i in range(7)]
