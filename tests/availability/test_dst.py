"""DST days: the right number of slots, none at a local time that does not exist, correct
wall-clock labels; in the pure engine for two zones and through HTTP."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from bookings.availability.intervals import from_seconds, to_seconds
from bookings.availability.loading import local_days
from bookings.availability.slots import ResourceTime, SlotShape, list_slots
from bookings.platform import zoned
from bookings.platform.routing import Services
from tests.availability.conftest import TS, Catalog
from tests.conftest import make_site


def transition(tz: ZoneInfo, spring: bool, after: date | None = None) -> date:
    """The next day (a week or more ahead) whose offset changes between 00:00 and 04:00."""
    day = (after or date.today()) + timedelta(days=7)
    for _ in range(400):
        before = datetime.combine(day, time(0), tz).utcoffset()
        later = datetime.combine(day, time(4), tz).utcoffset()
        assert before is not None and later is not None
        if before != later and (later > before) == spring:
            return day
        day += timedelta(days=1)
    raise AssertionError("no DST change within 400 days")


def labels(zone_name: str, day: date, opens: time, closes: time, step: int = 0) -> list[str]:
    tz = zoned.zone(zone_name)
    w0 = to_seconds(zoned.to_utc(datetime.combine(day, opens), tz))
    w1 = to_seconds(zoned.to_utc(datetime.combine(day, closes), tz))
    found = list_slots([[ResourceTime("r", ((w0, w1),))]], SlotShape(3600, 0, step), lo=w0, hi=w1)
    out = []
    for c in found:
        local = from_seconds(c.start).astimezone(tz)
        assert zoned.exists(local.replace(tzinfo=None), tz)
        out.append(local.strftime("%H:%M%z"))
    return out


@pytest.mark.parametrize(
    ("zone_name", "spring", "expected"),
    [
        ("Europe/London", True, ["00:00+0000", "02:00+0100", "03:00+0100"]),
        (
            "Europe/London",
            False,
            ["00:00+0100", "01:00+0100", "01:00+0000", "02:00+0000", "03:00+0000"],
        ),
        ("America/New_York", True, ["00:00-0500", "01:00-0500", "03:00-0400"]),
        (
            "America/New_York",
            False,
            ["00:00-0400", "01:00-0400", "01:00-0500", "02:00-0500", "03:00-0500"],
        ),
    ],
)
def test_dst_day_working_hours(zone_name: str, spring: bool, expected: list[str]) -> None:
    """Working hours 00:00-04:00 local on the day of the change: 3 or 5 real hours."""
    day = transition(zoned.zone(zone_name), spring)
    assert labels(zone_name, day, time(0), time(4)) == expected


@pytest.mark.parametrize("zone_name", ["Europe/London", "America/New_York"])
def test_dst_day_around_the_clock(zone_name: str) -> None:
    """A resource without working hours on a 23-hour and a 25-hour day."""
    tz = zoned.zone(zone_name)
    for spring, hours in ((True, 23), (False, 25)):
        day = transition(tz, spring)
        lo = zoned.to_utc(datetime.combine(day, time(0)), tz)
        hi = zoned.to_utc(datetime.combine(day + timedelta(days=1), time(0)), tz)
        days = tuple(local_days(tz, lo, hi))
        assert days == ((to_seconds(lo), to_seconds(hi)),)
        for step, count in ((0, hours), (1800, 2 * hours - 1)):
            found = list_slots(
                [[ResourceTime("r", days)]],
                SlotShape(3600, 0, step),
                lo=to_seconds(lo),
                hi=to_seconds(hi),
            )
            assert len(found) == count
            for c in found:
                local = zoned.to_local(from_seconds(c.start), tz)
                assert zoned.exists(local, tz)
                assert c.end - c.start == 3600  # real minutes, never wall-clock arithmetic


async def test_dst_through_http(client: httpx.AsyncClient, services: Services) -> None:
    site = await make_site(services, "Europe/London")
    cat = Catalog(client, site)
    ana = await cat.staff("Ana")
    own = await cat.own_hours(ana)
    tz = zoned.zone("Europe/London")
    sunday = date.today() + timedelta(days=(6 - date.today().weekday()) % 7 + 7)
    await cat.event(
        scheduleId=own,
        type="WORKING_HOURS",
        start={"localDate": f"{sunday}T00:00:00"},
        end={"localDate": f"{sunday}T04:00:00"},
        recurrenceRule={"frequency": "WEEKLY", "interval": 1, "days": ["SUNDAY"]},
    )
    svc = await cat.service(
        [ana["resourceId"]],
        schedule={"availabilityConstraints": {"sessionDurations": [60], "timeBetweenSessions": 0}},
    )
    for spring, expected, ends in (
        (True, ["00:00", "02:00", "03:00"], ["02:00", "03:00", "04:00"]),
        (
            False,
            ["00:00", "01:00", "01:00", "02:00", "03:00"],
            ["01:00", "01:00", "02:00", "03:00", "04:00"],
        ),
    ):
        day = transition(tz, spring)
        body = {
            "serviceId": svc["id"],
            "fromLocalDate": f"{day}T00:00:00",
            "toLocalDate": f"{day + timedelta(days=1)}T00:00:00",
        }
        res = await cat.slots(body, TS)
        assert res["timeZone"] == "Europe/London"
        assert [s["localStartDate"][11:16] for s in res["timeSlots"]] == expected
        assert [s["localEndDate"][11:16] for s in res["timeSlots"]] == ends
