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

:func:`list_chains` and :func:`chain_at` are the multi-service slot engine on top of it (over
the inputs of :mod:`.slots`): a link of service ``i`` is free for a resource exactly when the
single-service rule holds for that service's shape at the link's start, and a chain is kept
when every link of it has a free resource in each of its groups and :func:`assign_chain` finds
staff (the first group of each service) for all links.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

from bookings.availability.slots import (
    ResourceTime,
    SlotShape,
    free_column,
    free_resources_for,
    grid_starts,
)

__all__ = ["Chain", "Link", "Part", "assign_chain", "chain_at", "chain_starts", "list_chains"]


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


# ---------------------------------------------------------------- chains of services


@dataclass(frozen=True, slots=True)
class Part:
    """One service of a chain: its shape and, per resource group it needs (the staff group
    first), the resources of that group in order of preference."""

    shape: SlotShape
    groups: Sequence[Sequence[ResourceTime]]


@dataclass(frozen=True, slots=True)
class Chain:
    """A kept chain: its links (``free``: the staff free for each on their own), the free
    resources of every group of every link, and the staff :func:`assign_chain` chose."""

    start: int
    end: int
    links: tuple[Link, ...]
    free: Sequence[Sequence[Sequence[str]]]
    staff: tuple[str, ...]


def _kept(
    parts: Sequence[Part], start: int, free: Sequence[Sequence[Sequence[str]]]
) -> Chain | None:
    """The chain of ``parts`` at ``start`` given each link's free resources per group (the
    links as :func:`chain_starts` places them; built inline, this runs per candidate)."""
    links: list[Link] = []
    at = start
    for part, found in zip(parts, free, strict=True):
        end = at + part.shape.duration
        links.append(Link(at, end, part.shape.buffer, tuple(found[0])))
        at = end
    staff = assign_chain(links)
    if staff is None:
        return None
    return Chain(start, at, tuple(links), free, tuple(staff))


def chain_at(parts: Sequence[Part], start: int) -> Chain | None:
    """The chain of ``parts`` starting at ``start`` (on the grid or not), or ``None`` when a
    link has no free resource in one of its groups or no staff assignment exists."""
    if not parts or any(not p.groups for p in parts):
        return None
    free: list[list[list[str]]] = []
    for part, (at, _end) in zip(
        parts, chain_starts(start, [p.shape.duration for p in parts]), strict=True
    ):
        found = [free_resources_for(group, part.shape, at) for group in part.groups]
        if not all(found):
            return None
        free.append(found)
    return _kept(parts, start, free)


def list_chains(
    parts: Sequence[Part], *, lo: int, hi: int, end_by: int, now: int | None = None
) -> list[Chain]:
    """Kept chains by start: starts on the grid of the first service (its staff's windows,
    its stride), ``lo <= start < hi``, ``end <= end_by`` and, when ``now`` is given,
    ``start >= now``."""
    if not parts or any(not p.groups for p in parts) or not parts[0].groups[0]:
        return []
    durations = [p.shape.duration for p in parts]
    offsets = [0, *accumulate(durations)][:-1]
    if now is not None:
        lo = max(lo, now)
    hi = min(hi, end_by - sum(durations) + 1)
    if hi <= lo:
        return []
    first = parts[0].shape
    starts: set[int] = set()
    for resource in parts[0].groups[0]:
        starts.update(grid_starts(resource.windows, first, lo, hi))
    ordered = sorted(starts)
    # per link, per group, per candidate: the free resource ids (None: none)
    columns = [
        [free_column([s + offset for s in ordered], group, part.shape) for group in part.groups]
        for part, offset in zip(parts, offsets, strict=True)
    ]
    flat = [column for link in columns for column in link]
    out: list[Chain] = []
    for k, start in enumerate(ordered):
        if any(column[k] is None for column in flat):
            continue
        free = [[column[k] or [] for column in link] for link in columns]
        chain = _kept(parts, start, free)
        if chain is not None:
            out.append(chain)
    return out
