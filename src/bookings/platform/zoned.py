"""Wall-clock time <-> instants in one IANA zone (pure: no I/O).

The two rules of DESIGN §8, in one place:

* a local time that does not exist (the spring-forward gap) moves forward by the length of
  the gap: 01:30 on the day London jumps from 01:00 to 02:00 is 02:30 BST (01:30Z);
* an ambiguous local time (the fall-back overlap) is its first occurrence: 01:30 on the day
  London falls back is 01:30 BST (00:30Z), not 01:30 GMT.

Both follow from PEP 495 with ``fold=0``: for a time in a gap Python applies the offset in
force *before* the transition (giving an instant after it), for a repeated time the earlier
offset.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bookings.platform.timezones import zone

__all__ = ["exists", "is_ambiguous", "normalize", "to_local", "to_utc", "today", "zone"]


def to_utc(local: datetime, tz: ZoneInfo) -> datetime:
    """The instant of wall-clock ``local`` (naive) in ``tz``, aware UTC."""
    if local.tzinfo is not None:
        raise ValueError("to_utc takes a naive wall-clock time")
    return local.replace(tzinfo=tz, fold=0).astimezone(UTC)


def to_local(instant: datetime, tz: ZoneInfo) -> datetime:
    """The wall-clock time (naive) of ``instant`` (aware) in ``tz``."""
    if instant.tzinfo is None:
        raise ValueError("to_local takes an aware instant")
    return instant.astimezone(tz).replace(tzinfo=None, fold=0)


def normalize(local: datetime, tz: ZoneInfo) -> datetime:
    """The wall-clock time ``local`` really shows: a time in a gap moves forward by the gap."""
    return to_local(to_utc(local, tz), tz)


def exists(local: datetime, tz: ZoneInfo) -> bool:
    """Whether the clocks of ``tz`` ever show ``local`` (False inside a spring-forward gap)."""
    return normalize(local, tz) == local


def is_ambiguous(local: datetime, tz: ZoneInfo) -> bool:
    """Whether the clocks of ``tz`` show ``local`` twice (inside a fall-back overlap)."""
    first = local.replace(tzinfo=tz, fold=0).utcoffset()
    second = local.replace(tzinfo=tz, fold=1).utcoffset()
    return exists(local, tz) and first != second


def today(now: datetime, tz: ZoneInfo) -> date:
    """The calendar date in ``tz`` at instant ``now``."""
    return to_local(now, tz).date()


def to_seconds(instant: datetime) -> int:
    """An aware instant as whole seconds since the epoch (sub-second parts dropped)."""
    if instant.tzinfo is None:
        raise ValueError("to_seconds takes an aware instant")
    return int(instant.timestamp() // 1)
