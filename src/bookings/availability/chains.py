"""Chains of appointments, back to back (pure, no I/O): who can take each link of a
multi-service booking.

A chain is 2 to 8 appointments of (possibly different) services, each starting where the one
before ends (``SEQUENTIAL_BOOKINGS``). Each link is a full booking: it blocks its resource
for its own time plus its own service's buffer, exactly as a single booking does. So one
resource may take two links only when the first link's buffer is over before the second
starts (with a buffer, the same staff member cannot take two consecutive links).

:func:`assign_chain` is the one rule both sides use: the multi-service slot lists keep a
chain only when it finds an assignment, and Create Multi Service Booking assigns the links'
staff with it under its locks, so every listed chain can be booked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Link", "assign_chain", "chain_starts"]


@dataclass(frozen=True, slots=True)
class Link:
    """One link of a chain: its start and end (seconds since the epoch), the buffer after
    it, and the resources free for it on their own, in order of preference."""

    start: int
    end: int
    buffer: int
    free: tuple[str, ...]

    @property
    def busy_end(self) -> int:
        return self.end + self.buffer


def chain_starts(start: int, durations: Sequence[int]) -> list[tuple[int, int]]:
    """``(start, end)`` of each link of a chain starting at ``start``, back to back."""
    out: list[tuple[int, int]] = []
    at = start
    for duration in durations:
        out.append((at, at + duration))
        at += duration
    return out


def _clash(a: Link, b: Link) -> bool:
    """Whether one resource cannot take both links (their blocked spans meet)."""
    return a.start < b.busy_end and b.start < a.busy_end


def assign_chain(links: Sequence[Link]) -> list[str] | None:
    """One resource per link, each free for its link, no resource on two links that clash;
    the first such assignment in preference order, or ``None`` when there is none."""
    if not links or any(not link.free for link in links):
        return None
    chosen: list[str] = []

    def place(index: int) -> bool:
        if index == len(links):
            return True
        link = links[index]
        for rid in link.free:
            if any(c == rid and _clash(links[j], link) for j, c in enumerate(chosen)):
                continue
            chosen.append(rid)
            if place(index + 1):
                return True
            chosen.pop()
        return False

    return list(chosen) if place(0) else None
