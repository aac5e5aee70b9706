"""The slot engine: which appointment times can be booked, and with whom (pure, no I/O).

Everything runs on instants as whole seconds since the epoch (:mod:`.intervals`); wall-clock
presentation is the caller's business, so a DST change cannot disturb the arithmetic.

Inputs, per resource (:class:`ResourceTime`):

* ``windows`` — its working-hours windows, sorted and non-overlapping. A staff member's
  expanded WORKING_HOURS occurrences, overlapping or touching ones joined; a resource without
  a working-hours schedule gets one window per local day from the caller.
* ``busy`` — instants it is taken, normalized, **each already extended by its own buffer**
  (an existing booking of a service with 15 minutes between sessions blocks 15 minutes more).

and the shape of the service (:class:`SlotShape`): duration ``D``, buffer ``B`` (the
service's ``timeBetweenSessions``) and step ``S``.

Rules (spec C.9):

* a resource is **free** for a slot starting at ``s`` when one window contains ``[s, s+D)``
  and no busy interval meets ``[s, s+D+B)`` — the candidate's own buffer must be free too;
* **candidates** start at each window start of a resource of the first (primary) group, then
  every ``S`` while ``s + D <= window end``; the union over the group's resources is taken;
* a candidate is kept when every group (resource type the service needs) has at least one
  free resource, ``lo <= s < hi`` and, when ``now`` is given, ``s >= now``.

:func:`free_resources_for` / :func:`is_slot_available` evaluate the same predicate for one
given start; the bookings slice validates a requested slot with them, so a slot that is listed
can be booked and one that would be refused is never listed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from bookings.availability.intervals import Interval, merge, overlaps_any, subtract

__all__ = [
    "Candidate",
    "ResourceTime",
    "SlotShape",
    "allowed_starts",
    "free_column",
    "free_resources_for",
    "grid_starts",
    "is_free",
    "is_slot_available",
    "list_slots",
]


@dataclass(frozen=True, slots=True)
class SlotShape:
    """Duration, buffer after it, and step between candidate starts, in seconds."""

    duration: int
    buffer: int = 0
    #: 0 means "same as duration": ``duration + buffer``.
    step: int = 0

    def __post_init__(self) -> None:
        if self.duration <= 0 or self.buffer < 0 or self.step < 0:
            raise ValueError("duration must be positive, buffer and step not negative")

    @property
    def stride(self) -> int:
        return self.step or self.duration + self.buffer


@dataclass(frozen=True, slots=True)
class ResourceTime:
    resource_id: str
    windows: tuple[Interval, ...]
    busy: tuple[Interval, ...] = ()


class Candidate(NamedTuple):
    """A listed start: ``free[g]`` are the free resources of group ``g``, in group order."""

    start: int
    end: int
    free: tuple[tuple[str, ...], ...]


# ---------------------------------------------------------------- one start


def is_free(resource: ResourceTime, shape: SlotShape, start: int) -> bool:
    """Whether ``resource`` can take a slot starting at ``start`` (see the module rules)."""
    end = start + shape.duration
    if not any(w0 <= start and end <= w1 for w0, w1 in resource.windows):
        return False
    return not overlaps_any(resource.busy, start, end + shape.buffer)


def free_resources_for(
    resources: Sequence[ResourceTime], shape: SlotShape, start: int
) -> list[str]:
    """Ids of the resources free for a slot starting at ``start``, in the given order."""
    return [r.resource_id for r in resources if is_free(r, shape, start)]


def is_slot_available(
    groups: Sequence[Sequence[ResourceTime]], shape: SlotShape, start: int
) -> bool:
    """Whether every group has a free resource for a slot starting at ``start``."""
    return bool(groups) and all(free_resources_for(g, shape, start) for g in groups)


# ---------------------------------------------------------------- many starts


def allowed_starts(resource: ResourceTime, shape: SlotShape) -> list[Interval]:
    """Every start ``s`` for which :func:`is_free` holds, as normalized ranges."""
    d, b = shape.duration, shape.buffer
    inside = merge((w0, w1 - d + 1) for w0, w1 in resource.windows)
    # busy [a, e) blocks s exactly when s < e and s + d + b > a
    blocked = merge((a - d - b + 1, e) for a, e in resource.busy)
    return subtract(inside, blocked)


def grid_starts(windows: Sequence[Interval], shape: SlotShape, lo: int, hi: int) -> list[int]:
    """Grid points ``w0 + k*S`` of each window with ``s + D <= w1``, within ``[lo, hi)``."""
    step, d = shape.stride, shape.duration
    out: list[int] = []
    for w0, w1 in windows:
        last = min(w1 - d, hi - 1)
        if last < w0 or last < lo:
            continue
        first = w0 if lo <= w0 else w0 + -(-(lo - w0) // step) * step
        out.extend(range(first, last + 1, step))
    return out


def list_slots(
    groups: Sequence[Sequence[ResourceTime]],
    shape: SlotShape,
    *,
    lo: int,
    hi: int,
    now: int | None = None,
) -> list[Candidate]:
    """Kept candidates with ``lo <= start < hi`` (and ``start >= now``), by start."""
    if not groups or not groups[0]:
        return []
    if now is not None:
        lo = max(lo, now)
    starts: set[int] = set()
    for resource in groups[0]:
        starts.update(grid_starts(resource.windows, shape, lo, hi))
    if not starts:
        return []
    ordered = sorted(starts)
    # per group, per candidate: the free resource ids (None: none)
    marks = [free_column(ordered, group, shape) for group in groups]
    d = shape.duration
    out: list[Candidate] = []
    if len(marks) == 1:
        only = marks[0]
        for i, s in enumerate(ordered):
            ids = only[i]
            if ids is not None:
                out.append(Candidate(s, s + d, (tuple(ids),)))
        return out
    for i, s in enumerate(ordered):
        found = [column[i] for column in marks]
        if all(ids is not None for ids in found):
            out.append(Candidate(s, s + d, tuple(tuple(ids or ()) for ids in found)))
    return out


def free_column(
    ordered: Sequence[int], group: Sequence[ResourceTime], shape: SlotShape
) -> list[list[str] | None]:
    """For each of the sorted starts ``ordered``, the ids of the resources of ``group`` free
    for a slot of ``shape`` starting there (in group order), or ``None`` when none is."""
    column: list[list[str] | None] = [None] * len(ordered)
    for resource in group:
        _mark(ordered, allowed_starts(resource, shape), column, resource.resource_id)
    return column


def _mark(
    ordered: Sequence[int], ranges: list[Interval], column: list[list[str] | None], rid: str
) -> None:
    """Two-pointer walk: note ``rid`` on every start that lies in one of ``ranges``."""
    i, n = 0, len(ordered)
    for r0, r1 in ranges:
        while i < n and ordered[i] < r0:
            i += 1
        while i < n and ordered[i] < r1:
            ids = column[i]
            if ids is None:
                column[i] = [rid]
            else:
                ids.append(rid)
            i += 1
        if i >= n:
            return
