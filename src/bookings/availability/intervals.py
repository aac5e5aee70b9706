"""Half-open intervals of whole seconds since the Unix epoch (pure, no I/O).

An interval ``(start, end)`` means ``start <= t < end``; an empty one has ``end <= start``.
Lists returned here are sorted by start and free of overlaps ("normalized").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from bookings.platform.zoned import to_seconds as to_seconds

Interval = tuple[int, int]

__all__ = [
    "Interval",
    "from_seconds",
    "merge",
    "overlaps_any",
    "subtract",
    "to_seconds",
]


def from_seconds(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, with overlapping or touching intervals joined and empty ones dropped."""
    out: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def subtract(base: Sequence[Interval], cut: Sequence[Interval]) -> list[Interval]:
    """``base`` minus ``cut``; both normalized (see :func:`merge`)."""
    out: list[Interval] = []
    j = 0
    n = len(cut)
    for start, end in base:
        while j < n and cut[j][1] <= start:
            j += 1
        cursor = start
        k = j
        while k < n and cut[k][0] < end:
            c0, c1 = cut[k]
            if c0 > cursor:
                out.append((cursor, c0))
            cursor = max(cursor, c1)
            if cursor >= end:
                break
            k += 1
        if cursor < end:
            out.append((cursor, end))
    return out


def overlaps_any(intervals: Sequence[Interval], start: int, end: int) -> bool:
    """Whether ``[start, end)`` meets any interval of a normalized list (binary search)."""
    lo, hi = 0, len(intervals)
    while lo < hi:  # first interval whose end is after start
        mid = (lo + hi) // 2
        if intervals[mid][1] <= start:
            lo = mid + 1
        else:
            hi = mid
    return lo < len(intervals) and intervals[lo][0] < end
