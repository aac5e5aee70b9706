"""The bookings that hold capacity, counted from the ``bookings`` table: what the writer
recounts under its locks, and what the slot lists count (the booking slice's implementation
of :class:`bookings.availability.ports.BookingLoad`). Which bookings hold:
:mod:`bookings.booking.capacity`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bookings.availability.ports import WaitlistState
from bookings.booking import capacity, rules, waitlist
from bookings.booking.models import bookings as _b
from bookings.booking.models import waitlist_entries
from bookings.booking.state import Status
from bookings.platform.db import SiteScope, one_of_param, site_select, utcnow

#: Per resource, the spans of holding appointment bookings (buffers included).
Busy = dict[str, list[tuple[datetime, datetime]]]


def _holding(now: datetime | sa.BindParameter[Any]) -> sa.ColumnElement[bool]:
    """SQL form of :func:`bookings.booking.capacity.holds` (equalities rather than an
    expanding IN, which would be rendered anew on every execution)."""
    return sa.or_(
        *(_b.c.status == s.value for s in sorted(capacity.ALWAYS_HOLDING)),
        sa.and_(_b.c.status == Status.CREATED.value, _b.c.hold_until > now),
    )


# Statements of the hot paths, built once (see ``platform/db.py``).


def _occupied_statement(kind: str, excluding: bool) -> sa.Select[Any]:
    col = _b.c.event_id if kind == rules.CLASS else _b.c.schedule_id
    stmt = (
        site_select(_b, sa.func.coalesce(sa.func.sum(_b.c.participants), 0))
        .where(col == sa.bindparam("owner"))
        .where(_b.c.kind == kind)
        .where(_holding(sa.bindparam("now")))
    )
    return stmt.where(_b.c.id != sa.bindparam("exclude")) if excluding else stmt


_OCCUPIED = {
    (kind, excluding): _occupied_statement(kind, excluding)
    for kind in (rules.CLASS, rules.COURSE)
    for excluding in (False, True)
}


def _busy_statement(single: bool) -> sa.Select[Any]:
    return (
        site_select(_b, _b.c.id, _b.c.resource_id, _b.c.start_utc, _b.c.busy_end_utc)
        .where(_b.c.kind == rules.APPOINTMENT)
        .where(one_of_param(_b.c.resource_id, "resource_ids", single))
        .where(_b.c.start_utc < sa.bindparam("hi"))
        .where(_b.c.busy_end_utc > sa.bindparam("lo"))
        .where(_holding(sa.bindparam("now")))
    )


_BUSY = {single: _busy_statement(single) for single in (False, True)}


async def occupied(
    scope: SiteScope, kind: str, owner: str, now: datetime, exclude: str | None
) -> int:
    """Participants of capacity-holding bookings of a class event or a course schedule."""
    stmt = _OCCUPIED[(kind, exclude is not None)]
    params: dict[str, Any] = {"owner": owner, "now": now}
    if exclude is not None:
        params["exclude"] = exclude
    return int((await scope.run(stmt, **params)).scalar() or 0)


async def busy(
    scope: SiteScope,
    resource_ids: Sequence[str],
    lo: datetime,
    hi: datetime,
    now: datetime,
    exclude: Iterable[str] = (),
) -> Busy:
    """Per resource, the spans (buffer included) of holding appointment bookings meeting
    ``[lo, hi)``."""
    if not resource_ids:
        return {}
    ids = list(dict.fromkeys(resource_ids))
    single = len(ids) == 1
    result = await scope.run(
        _BUSY[single], lo=lo, hi=hi, now=now, resource_ids=ids[0] if single else ids
    )
    skip = set(exclude)
    out: Busy = {}
    for r in result.all():
        if r.id not in skip:
            out.setdefault(r.resource_id, []).append((r.start_utc, r.busy_end_utc))
    return out


class HoldingBookings:
    """:class:`bookings.availability.ports.BookingLoad` over the ``bookings`` table: what the
    writer counts, the slot lists count. ``now``: the instant whose CREATED holds count (the
    writer's use-case instant); ``None``: the moment of each read."""

    def __init__(self, now: datetime | None = None) -> None:
        self._now = now

    async def appointment_busy(
        self,
        scope: SiteScope,
        resource_ids: Sequence[str],
        start_utc: datetime,
        end_utc: datetime,
        exclude: frozenset[str] = frozenset(),
    ) -> Mapping[str, Sequence[tuple[datetime, datetime]]]:
        return await busy(scope, resource_ids, start_utc, end_utc, self._now or utcnow(), exclude)

    async def event_participants(
        self, scope: SiteScope, event_ids: Sequence[str]
    ) -> Mapping[str, int]:
        if not event_ids:
            return {}
        stmt = (
            scope.select(_b, _b.c.event_id, sa.func.sum(_b.c.participants).label("total"))
            .where(_b.c.kind == rules.CLASS)
            .where(_b.c.event_id.in_(list(event_ids)))
            .where(_holding(self._now or utcnow()))
            .group_by(_b.c.event_id)
        )
        return {str(r.event_id): int(r.total or 0) for r in await scope.all(stmt)}

    async def event_waitlists(
        self, scope: SiteScope, event_ids: Sequence[str]
    ) -> Mapping[str, WaitlistState]:
        if not event_ids:
            return {}
        w = waitlist_entries
        stmt = (
            scope.select(w, w.c.event_id, w.c.status, w.c.participants, w.c.expires_at)
            .where(w.c.event_id.in_(list(event_ids)))
            .where(w.c.status.in_(sorted(waitlist.ACTIVE)))
        )
        now = self._now or utcnow()
        held: dict[str, int] = {}
        registrants: dict[str, int] = {}
        for r in await scope.all(stmt):
            registrants[r.event_id] = registrants.get(r.event_id, 0) + 1
            if r.status == waitlist.SUGGESTING and r.expires_at is not None and r.expires_at > now:
                held[r.event_id] = held.get(r.event_id, 0) + int(r.participants)
        return {e: WaitlistState(held.get(e, 0), n) for e, n in registrants.items()}
