"""The dashboard calendar's pure grid (issue 16, notes §4.2 check 6): the DST week of
2026-10-25 in Europe/Berlin, a booking across the change, overlaps side by side."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bookings.web.dashboard.calendar_grid import (
    UNASSIGNED,
    ColumnSpec,
    Entry,
    build_grid,
    day_keys,
    week_days,
)

BERLIN = ZoneInfo("Europe/Berlin")
SUNDAY = date(2026, 10, 25)  # clocks go back 03:00 CEST -> 02:00 CET


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def entry(ident: str, start: str, end: str, staff: str | None = "ana") -> Entry:
    return Entry(ident, utc(start), utc(end), "Massage", "John Doe", "CONFIRMED", staff, None)


def week_columns(anchor: date = SUNDAY) -> list[ColumnSpec]:
    return [ColumnSpec(d.isoformat(), d.strftime("%a %d"), d) for d in week_days(anchor)]


def test_the_week_of_the_change_has_a_25_hour_sunday() -> None:
    days = week_days(SUNDAY)
    assert days[0] == date(2026, 10, 19) and days[-1] == SUNDAY
    assert [len(day_keys(d, BERLIN)) for d in days] == [96] * 6 + [100]
    grid = build_grid([], BERLIN, week_columns(), day_start=0, day_end=24 * 60)
    assert [c.hours for c in grid.columns] == [24.0] * 6 + [25.0]
    assert len(grid.rows) == 100
    labels = [r.label for r in grid.rows if r.label]
    assert labels[:5] == ["00:00", "01:00", "02:00 (1st)", "02:00 (2nd)", "03:00"]
    assert len(labels) == 25
    # Ordinary days lack the repeated hour's four rows; Sunday lacks none.
    assert [c.absent for c in grid.columns[:6]] == [[(13, 17)]] * 6
    assert grid.columns[6].absent == []


def test_the_spring_change_has_a_23_hour_day() -> None:
    day = date(2026, 3, 29)
    grid = build_grid([], BERLIN, week_columns(day), day_start=0, day_end=24 * 60)
    assert grid.columns[6].hours == 23.0 and len(grid.rows) == 96
    assert grid.columns[6].absent == [(9, 13)]  # 02:00-03:00 never happens that day


def test_a_booking_across_the_change_covers_its_real_hours_once() -> None:
    # 01:30 CEST (23:30 UTC Saturday) to 02:30 CET (01:30 UTC): two real hours.
    across = entry("across", "2026-10-24T23:30:00", "2026-10-25T01:30:00")
    later = entry("later", "2026-10-25T09:00:00", "2026-10-25T10:00:00")  # 10:00 CET
    grid = build_grid([across, later], BERLIN, week_columns())
    shown = [(c.spec.day, p.entry.id) for c in grid.columns for p in c.placed]
    assert shown == [(SUNDAY, "across"), (SUNDAY, "later")]  # each once, on Sunday only
    sunday = grid.columns[6]
    first, second = sunday.placed
    assert (first.start_label, first.end_label) == ("01:30", "02:30")
    assert first.row_end - first.row_start == 8  # eight quarter hours = two real hours
    rows = grid.rows
    assert (rows[first.row_start - 1].minutes, rows[first.row_start - 1].fold) == (90, 0)
    assert (rows[first.row_end - 1].minutes, rows[first.row_end - 1].fold) == (150, 1)
    assert (second.start_label, second.end_label) == ("10:00", "11:00")
    assert rows[second.row_start - 1].minutes == 600 and second.row_end - second.row_start == 4
    assert grid.rows[0].minutes == 60  # widened to the early booking's whole hour


def test_the_repeated_hour_keeps_both_bookings_apart() -> None:
    cest = entry("cest", "2026-10-25T00:00:00", "2026-10-25T00:30:00")  # 02:00 CEST
    cet = entry("cet", "2026-10-25T01:00:00", "2026-10-25T01:30:00")  # 02:00 CET
    grid = build_grid([cest, cet], BERLIN, week_columns())
    a, b = grid.columns[6].placed
    assert a.start_label == b.start_label == "02:00"
    assert a.row_end <= b.row_start  # one after the other, not on the same rows
    assert a.lane == b.lane == 1


def test_overlapping_bookings_sit_side_by_side() -> None:
    day = date(2026, 10, 21)
    one = entry("one", "2026-10-21T08:00:00", "2026-10-21T09:00:00")
    two = entry("two", "2026-10-21T08:30:00", "2026-10-21T09:30:00")
    three = entry("three", "2026-10-21T09:00:00", "2026-10-21T09:15:00")
    other = entry("other", "2026-10-21T08:00:00", "2026-10-21T09:00:00", staff="bo")
    loose = entry("loose", "2026-10-21T08:00:00", "2026-10-21T09:00:00", staff=None)
    columns = [
        ColumnSpec("ana", "Ana", day, "ana"),
        ColumnSpec("bo", "Bo", day, "bo"),
        ColumnSpec(UNASSIGNED, "No staff", day, UNASSIGNED),
    ]
    grid = build_grid([one, two, three, other, loose], BERLIN, columns)
    ana, bo, none = grid.columns
    assert [(p.entry.id, p.lane) for p in ana.placed] == [("one", 1), ("two", 2), ("three", 1)]
    assert ana.lanes == 2 and bo.lanes == 1 and none.lanes == 1
    assert [p.entry.id for p in bo.placed] == ["other"]
    assert [p.entry.id for p in none.placed] == ["loose"]


def test_a_booking_past_midnight_shows_on_both_days() -> None:
    late = entry("late", "2026-10-21T21:00:00", "2026-10-21T23:00:00")  # 23:00-01:00 CEST
    grid = build_grid([late], BERLIN, week_columns())
    wed, thu = grid.columns[2], grid.columns[3]
    assert [p.entry.id for p in wed.placed] == [p.entry.id for p in thu.placed] == ["late"]
    assert wed.placed[0].after and not wed.placed[0].before
    assert thu.placed[0].before and wed.placed[0].row_end == len(grid.rows) + 1
    assert thu.placed[0].row_start == 1
