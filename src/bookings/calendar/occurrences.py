"""Occurrences of events over a window, for the availability engine and the sessions summary
of a schedule; the events view."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bookings.calendar import documents, rules
from bookings.calendar.models import (
    event_from_row,
)
from bookings.calendar.recurrence import expand
from bookings.calendar.rules import (
    CANCELLED,
    CONFIRMED,
    MASTER,
    NONE,
    EventState,
)
from bookings.calendar.schemas import (
    EventType,
)
from bookings.calendar.series import (
    _extend_all,
    _ids_shape,
    _unmaterialized,
    _where_ids,
)
from bookings.calendar.store import (
    HORIZON_MIN,
    MAX_AHEAD,
    _ev,
    _res,
)
from bookings.platform import wire
from bookings.platform.db import (
    Database,
    SiteScope,
    UnitOfWork,
    any_of,
    one_of,
    site_select,
    utcnow,
)


async def sessions_summary(scope: SiteScope, schedule_id: str) -> dict[str, Any]:
    """What a service derives from its sessions: the resources of its one-off and recurring
    sessions (in order of appearance), the distinct durations of its recurring sessions in
    minutes, the first session start and the last session end (``None`` when a series is
    open-ended or there are no sessions). Cancelled events count for nothing."""
    live = (
        scope.select(_ev)
        .where(_ev.c.schedule_id == schedule_id)
        .where(_ev.c.status != CANCELLED)
        .where(_ev.c.type != EventType.WORKING_HOURS.value)
    )
    heads = await scope.all(
        live.where(_ev.c.recurrence_type.in_([MASTER, NONE])).order_by(_ev.c.start_utc, _ev.c.id)
    )
    resources = await scope.all(
        scope.select(_res, _res.c.resource_id)
        .where(_res.c.event_id.in_([h.id for h in heads]))
        .order_by(_res.c.start_utc, _res.c.event_id, _res.c.position)
    )
    resource_ids = list(dict.fromkeys(r.resource_id for r in resources))
    durations = sorted(
        {
            int((h.end_utc - h.start_utc).total_seconds() // 60)
            for h in heads
            if h.recurrence_type == MASTER
        }
    )
    bounds = (
        await scope.conn.execute(
            scope.select(_ev, sa.func.min(_ev.c.start_utc), sa.func.max(_ev.c.series_end_utc))
            .where(_ev.c.schedule_id == schedule_id)
            .where(_ev.c.status != CANCELLED)
            .where(_ev.c.type != EventType.WORKING_HOURS.value)
        )
    ).one()
    first, last = bounds[0], bounds[1]
    if any(h.recurrence_type == MASTER and h.series_end_utc is None for h in heads):
        last = None  # an open-ended series has no last session
    return {
        "resourceIds": resource_ids,
        "durations": durations,
        "firstSessionStart": first,
        "lastSessionEnd": last,
    }


def event_interval(event: Mapping[str, Any]) -> tuple[datetime, datetime]:
    """The instants ``(start, end)`` of an event wire dict."""
    return (
        wire.parse_timestamp(event["start"]["utcDate"]),
        wire.parse_timestamp(event["end"]["utcDate"]),
    )


@functools.cache
def _occurrences_statement(
    schedules: str, types: tuple[str, ...] | None, include_cancelled: bool
) -> sa.Select[Any]:
    """:func:`occurrences` without a resource filter, built once per shape."""
    stmt = site_select(_ev).where(
        any_of(_ev.c.recurrence_type, rules.OCCURRENCE_TYPES),
        _ev.c.start_utc < sa.bindparam("end_utc"),
        _ev.c.end_utc > sa.bindparam("start_utc"),
    )
    stmt = _where_ids(stmt, _ev.c.schedule_id, schedules)
    if types is not None:
        stmt = stmt.where(any_of(_ev.c.type, types))
    return stmt if include_cancelled else stmt.where(_ev.c.status == CONFIRMED)


async def occurrences(
    scope: SiteScope,
    *,
    start_utc: datetime,
    end_utc: datetime,
    schedule_ids: Sequence[str] | None = None,
    resource_ids: Sequence[str] | None = None,
    types: Sequence[str] | None = None,
    include_cancelled: bool = False,
) -> list[dict[str, Any]]:
    """Events (not MASTERs) overlapping ``[start_utc, end_utc)`` (see the module docstring)."""
    writing = isinstance(scope, UnitOfWork)
    if writing:
        await _extend_all(scope, end_utc, schedule_ids)
    nothing = (types is not None and not types) or (schedule_ids is not None and not schedule_ids)
    if nothing:  # an empty filter matches no row
        rows: Sequence[sa.Row[Any]] = []
    elif resource_ids is None:
        shape, params = _ids_shape(schedule_ids)
        stmt = _occurrences_statement(
            shape, tuple(types) if types is not None else None, include_cancelled
        )
        rows = (await scope.run(stmt, start_utc=start_utc, end_utc=end_utc, **params)).all()
    else:
        stmt = scope.select(_ev).where(
            _ev.c.recurrence_type.in_(rules.OCCURRENCE_TYPES),
            _ev.c.start_utc < end_utc,
            _ev.c.end_utc > start_utc,
        )
        if schedule_ids is not None:
            stmt = stmt.where(one_of(_ev.c.schedule_id, list(schedule_ids)))
        if types is not None:
            stmt = stmt.where(one_of(_ev.c.type, list(types)))
        if not include_cancelled:
            stmt = stmt.where(_ev.c.status == CONFIRMED)
        busy = scope.select(_res, _res.c.event_id).where(
            one_of(_res.c.resource_id, list(resource_ids)),
            _res.c.start_utc < end_utc,
            _res.c.end_utc > start_utc,
        )
        rows = await scope.all(stmt.where(_ev.c.id.in_(busy)))
    found = [event_from_row(r) for r in rows]
    if not writing:
        found += await _virtual_occurrences(
            scope, start_utc, end_utc, schedule_ids, resource_ids, types
        )
    found.sort(key=lambda e: (e.start_utc, e.id))
    return [documents.event_wire(e, time_zone=e.time_zone, pi=True) for e in found]


async def _virtual_occurrences(
    scope: SiteScope,
    start_utc: datetime,
    end_utc: datetime,
    schedule_ids: Sequence[str] | None,
    resource_ids: Sequence[str] | None,
    types: Sequence[str] | None,
) -> list[EventState]:
    """Occurrences past the materialized horizon, computed (a read cannot materialize)."""
    now = utcnow()
    end_utc = min(end_utc, now + MAX_AHEAD)
    wanted = set(resource_ids or ())
    out: list[EventState] = []
    for row in await _unmaterialized(scope, end_utc, schedule_ids):
        master = event_from_row(row)
        if types is not None and master.type not in types:
            continue
        if resource_ids is not None and not wanted & {str(r["id"]) for r in master.resources}:
            continue
        for occ in expand(master.series(), from_utc=master.materialized_until, to_utc=end_utc):
            if occ.end_utc > start_utc:
                out.append(rules.instance_of(master, occ, now))
    return out


async def api_events_view(db: Database, site_id: str) -> dict[str, Any]:
    """How far ahead occurrences are guaranteed to be materialized."""
    end = utcnow() + HORIZON_MIN
    return {
        "eventsView": {
            "endDate": wire.format_timestamp(end),
            "futureDurationInDays": HORIZON_MIN.days,
        }
    }
