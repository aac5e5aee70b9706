"""Pure time math: wall clock <-> instants (DST gaps and overlaps) and weekly recurrence,
with explicit cases on both DST changes of Europe/London and America/New_York, and
property tests across zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bookings.calendar.recurrence import (
    Series,
    WeeklyRule,
    expand,
    index_of,
    instance_id,
    last_before,
    last_occurrence,
    occurrence,
    occurrence_on,
)
from bookings.platform import zoned

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# ---------------------------------------------------------------- zoned


@pytest.mark.parametrize(
    ("tz", "local", "instant", "shown"),
    [
        # London springs forward 2027-03-28 01:00 GMT -> 02:00 BST: 01:30 does not exist.
        (
            LONDON,
            datetime(2027, 3, 28, 1, 30),
            utc(2027, 3, 28, 1, 30),
            datetime(2027, 3, 28, 2, 30),
        ),
        (
            LONDON,
            datetime(2027, 3, 28, 0, 59),
            utc(2027, 3, 28, 0, 59),
            datetime(2027, 3, 28, 0, 59),
        ),
        (LONDON, datetime(2027, 3, 28, 2, 0), utc(2027, 3, 28, 1, 0), datetime(2027, 3, 28, 2, 0)),
        # London falls back 2027-10-31 02:00 BST -> 01:00 GMT: 01:30 happens twice, first in BST.
        (
            LONDON,
            datetime(2027, 10, 31, 1, 30),
            utc(2027, 10, 31, 0, 30),
            datetime(2027, 10, 31, 1, 30),
        ),
        (
            LONDON,
            datetime(2027, 10, 31, 2, 0),
            utc(2027, 10, 31, 2, 0),
            datetime(2027, 10, 31, 2, 0),
        ),
        # New York springs forward 2027-03-14 02:00 EST -> 03:00 EDT: 02:30 does not exist.
        (
            NEW_YORK,
            datetime(2027, 3, 14, 2, 30),
            utc(2027, 3, 14, 7, 30),
            datetime(2027, 3, 14, 3, 30),
        ),
        (
            NEW_YORK,
            datetime(2027, 3, 14, 3, 0),
            utc(2027, 3, 14, 7, 0),
            datetime(2027, 3, 14, 3, 0),
        ),
        # New York falls back 2027-11-07 02:00 EDT -> 01:00 EST: 01:30 is first in EDT.
        (
            NEW_YORK,
            datetime(2027, 11, 7, 1, 30),
            utc(2027, 11, 7, 5, 30),
            datetime(2027, 11, 7, 1, 30),
        ),
        (
            NEW_YORK,
            datetime(2027, 11, 7, 2, 0),
            utc(2027, 11, 7, 7, 0),
            datetime(2027, 11, 7, 2, 0),
        ),
    ],
)
def test_local_to_utc_across_dst(
    tz: ZoneInfo, local: datetime, instant: datetime, shown: datetime
) -> None:
    assert zoned.to_utc(local, tz) == instant
    assert zoned.normalize(local, tz) == shown
    assert zoned.to_local(instant, tz) == shown


def test_gap_and_overlap_predicates() -> None:
    assert not zoned.exists(datetime(2027, 3, 28, 1, 30), LONDON)
    assert zoned.exists(datetime(2027, 3, 28, 2, 30), LONDON)
    assert zoned.is_ambiguous(datetime(2027, 10, 31, 1, 30), LONDON)
    assert not zoned.is_ambiguous(datetime(2027, 10, 31, 2, 30), LONDON)
    assert zoned.is_ambiguous(datetime(2027, 11, 7, 1, 0), NEW_YORK)
    assert not zoned.exists(datetime(2027, 3, 14, 2, 0), NEW_YORK)
    assert zoned.today(utc(2027, 1, 1, 3, 0), NEW_YORK) == date(2026, 12, 31)


def test_naive_and_aware_arguments_are_checked() -> None:
    with pytest.raises(ValueError):
        zoned.to_utc(utc(2027, 1, 1), LONDON)
    with pytest.raises(ValueError):
        zoned.to_local(datetime(2027, 1, 1), LONDON)


# ---------------------------------------------------------------- recurrence, explicit


def weekly(
    start: datetime, minutes: int, tz: ZoneInfo, interval: int = 1, until: datetime | None = None
) -> Series:
    return Series(
        start, start + timedelta(minutes=minutes), tz, WeeklyRule(start.weekday(), interval, until)
    )


def test_a_nine_oclock_class_stays_at_nine_across_both_london_changes() -> None:
    series = weekly(datetime(2027, 3, 15, 9, 0), 60, LONDON)  # Mondays
    occs = list(expand(series, to_utc=utc(2027, 11, 10)))
    assert {o.start_local.time() for o in occs} == {datetime(1, 1, 1, 9).time()}
    by_date = {o.key: o for o in occs}
    assert by_date[date(2027, 3, 22)].start_utc == utc(2027, 3, 22, 9, 0)  # GMT
    assert by_date[date(2027, 3, 29)].start_utc == utc(2027, 3, 29, 8, 0)  # BST
    assert by_date[date(2027, 10, 25)].start_utc == utc(2027, 10, 25, 8, 0)  # BST
    assert by_date[date(2027, 11, 1)].start_utc == utc(2027, 11, 1, 9, 0)  # GMT
    assert all(o.end_utc - o.start_utc == timedelta(hours=1) for o in occs)
    assert [o.index for o in occs] == list(range(len(occs)))


def test_a_nine_oclock_class_stays_at_nine_across_both_new_york_changes() -> None:
    series = weekly(datetime(2027, 3, 7, 9, 0), 45, NEW_YORK)  # Sundays
    by_date = {o.key: o for o in expand(series, to_utc=utc(2027, 11, 20))}
    assert by_date[date(2027, 3, 7)].start_utc == utc(2027, 3, 7, 14, 0)  # EST
    assert by_date[date(2027, 3, 14)].start_utc == utc(2027, 3, 14, 13, 0)  # EDT, the change day
    assert by_date[date(2027, 10, 31)].start_utc == utc(2027, 10, 31, 13, 0)
    assert by_date[date(2027, 11, 7)].start_utc == utc(2027, 11, 7, 14, 0)  # EST, the change day
    assert all(o.start_local.hour == 9 for o in by_date.values())


def test_an_occurrence_in_the_spring_gap_moves_forward_by_the_gap() -> None:
    # Sundays 01:30-02:30 London; 2027-03-28 01:30 does not exist.
    series = weekly(datetime(2027, 3, 21, 1, 30), 60, LONDON)
    gap = occurrence_on(series, date(2027, 3, 28))
    assert gap is not None
    assert gap.start_local == datetime(2027, 3, 28, 2, 30)
    assert gap.start_utc == utc(2027, 3, 28, 1, 30)
    # Its wall-clock end (02:30 BST) would leave it empty: it keeps the absolute duration.
    assert gap.end_utc == gap.start_utc + timedelta(hours=1)
    assert gap.end_local == datetime(2027, 3, 28, 3, 30)
    after = occurrence_on(series, date(2027, 4, 4))
    assert after is not None and after.start_local == datetime(2027, 4, 4, 1, 30)


def test_an_occurrence_in_the_new_york_gap_moves_forward() -> None:
    series = weekly(datetime(2027, 3, 7, 2, 30), 30, NEW_YORK)
    gap = occurrence_on(series, date(2027, 3, 14))
    assert gap is not None
    assert (gap.start_local, gap.start_utc) == (
        datetime(2027, 3, 14, 3, 30),
        utc(2027, 3, 14, 7, 30),
    )
    assert gap.end_utc - gap.start_utc == timedelta(minutes=30)


@pytest.mark.parametrize(
    ("tz", "start", "change_day", "first_utc"),
    [
        (LONDON, datetime(2027, 10, 24, 1, 30), date(2027, 10, 31), utc(2027, 10, 31, 0, 30)),
        (NEW_YORK, datetime(2027, 10, 31, 1, 30), date(2027, 11, 7), utc(2027, 11, 7, 5, 30)),
    ],
)
def test_an_ambiguous_occurrence_takes_the_first_one(
    tz: ZoneInfo, start: datetime, change_day: date, first_utc: datetime
) -> None:
    occ = occurrence_on(weekly(start, 20, tz), change_day)
    assert occ is not None
    assert occ.start_utc == first_utc
    assert occ.start_local == start.replace(day=change_day.day, month=change_day.month)


def test_interval_until_and_lookups() -> None:
    start = datetime(2027, 1, 6, 18, 0)  # a Wednesday
    series = weekly(start, 90, LONDON, interval=3, until=datetime(2027, 3, 17, 18, 0))
    keys = [o.key for o in expand(series, to_utc=utc(2030, 1, 1))]
    assert keys == [date(2027, 1, 6), date(2027, 1, 27), date(2027, 2, 17), date(2027, 3, 10)]
    # until is inclusive of an occurrence starting exactly then
    exact = weekly(start, 90, LONDON, interval=1, until=datetime(2027, 1, 20, 18, 0))
    assert [o.key for o in expand(exact, to_utc=utc(2030, 1, 1))][-1] == date(2027, 1, 20)
    assert index_of(series, date(2027, 1, 27)) == 1
    assert index_of(series, date(2027, 1, 13)) is None  # off the 3-week grid
    assert index_of(series, date(2026, 12, 16)) is None  # before the start
    assert occurrence_on(series, date(2027, 3, 31)) is None  # past until
    assert occurrence(series, -1) is None
    # expand can start in the middle without walking from the beginning
    mid = list(expand(series, from_utc=utc(2027, 2, 1), to_utc=utc(2027, 3, 1)))
    assert [o.key for o in mid] == [date(2027, 2, 17)]
    final = last_occurrence(series)
    assert final is not None and final.key == date(2027, 3, 10)
    assert last_occurrence(weekly(start, 90, LONDON)) is None
    before_until = weekly(start, 90, LONDON, until=datetime(2027, 1, 13, 17, 59))
    final = last_occurrence(before_until)
    assert final is not None and final.key == date(2027, 1, 6)
    last = last_before(series, utc(2027, 3, 1))
    assert last is not None and last.key == date(2027, 2, 17)
    assert last_before(series, utc(2027, 1, 1)) is None


def test_instance_ids_are_deterministic_and_opaque() -> None:
    a = instance_id("m" * 64, date(2027, 1, 6))
    assert a == instance_id("m" * 64, date(2027, 1, 6))
    assert a != instance_id("m" * 64, date(2027, 1, 13))
    assert len(a) == 64 and int(a, 16) >= 0


def test_rule_and_series_validation() -> None:
    with pytest.raises(ValueError):
        WeeklyRule(0, 5)
    with pytest.raises(ValueError):
        WeeklyRule(7)
    with pytest.raises(ValueError):  # 2027-01-06 is a Wednesday
        Series(datetime(2027, 1, 6, 9), datetime(2027, 1, 6, 10), LONDON, WeeklyRule(0))


# ---------------------------------------------------------------- properties

ZONES = [
    "Europe/London",
    "America/New_York",
    "Australia/Sydney",
    "Australia/Lord_Howe",  # 30-minute DST shift
    "Asia/Kolkata",
    "America/Santiago",
    "UTC",
]

locals_ = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2031, 12, 31)).map(
    lambda d: d.replace(second=0, microsecond=0)
)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(ZONES), locals_)
def test_to_utc_moves_only_forward_and_only_in_gaps(name: str, local: datetime) -> None:
    tz = ZoneInfo(name)
    instant = zoned.to_utc(local, tz)
    shown = zoned.to_local(instant, tz)
    assert shown >= local
    assert shown - local <= timedelta(hours=1)
    assert (shown == local) == zoned.exists(local, tz)
    # an ambiguous time resolves to the earlier of its two instants
    other = local.replace(tzinfo=tz, fold=1).astimezone(UTC)
    assert instant <= other or not zoned.exists(local, tz)


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(ZONES),
    locals_,
    st.integers(min_value=1, max_value=4),
    st.integers(min_value=15, max_value=600),
    st.one_of(st.none(), st.integers(min_value=0, max_value=60)),
)
def test_weekly_occurrences_keep_their_wall_clock_time(
    name: str, start: datetime, interval: int, minutes: int, until_weeks: int | None
) -> None:
    tz = ZoneInfo(name)
    until = None if until_weeks is None else start + timedelta(weeks=until_weeks)
    series = weekly(start, minutes, tz, interval, until)
    occs = list(expand(series, to_utc=zoned.to_utc(start, tz) + timedelta(weeks=80)))
    assert occs, "the first occurrence always belongs to the series"
    for k, occ in enumerate(occs):
        nominal = start + timedelta(weeks=k * interval)
        assert occ.index == k
        assert occ.key == nominal.date()
        assert occ.key.weekday() == start.weekday()
        assert occ.start_utc == zoned.to_utc(nominal, tz)
        if zoned.exists(nominal, tz):
            assert occ.start_local == nominal  # the wall-clock time is kept
        else:
            assert nominal < occ.start_local <= nominal + timedelta(hours=1)
        assert occ.end_utc > occ.start_utc
        assert zoned.to_local(occ.start_utc, tz) == occ.start_local
        if until is not None:
            assert nominal <= until
    starts = [o.start_utc for o in occs]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    if until is not None:  # the series stops exactly after the last occurrence up to until
        assert occurrence(series, len(occs)) is None
        assert start + timedelta(weeks=len(occs) * interval) > until
    # a window in the middle yields exactly the occurrences starting in it
    if len(occs) > 4:
        lo, hi = occs[1].start_utc, occs[4].start_utc
        assert list(expand(series, from_utc=lo, to_utc=hi)) == occs[1:4]
        assert all(occurrence_on(series, o.key) == o for o in occs[:5])
