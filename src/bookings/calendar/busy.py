"""Busy time of resources: what the availability engine reads of the calendar.

Busy time is hot (a month of a 20-person business is thousands of events), and building the
calendar's full event wire dicts for each costs ~50 µs; so the stored occurrences are read
straight from the calendar's published busy-time index (``calendar_event_resources``, one row
per event resource with the event's instants, indexed on ``(site_id, resource_id,
start_utc)``) and ``calendar_events`` (indexed on ``(site_id, schedule_id, start_utc)``),
selecting only the few columns needed, through the site-scoped :class:`SiteScope`.

Occurrences of recurring series past their materialized horizon are not stored rows: when a
relevant series is not materialized through the window, this falls back to
:func:`bookings.calendar.service.occurrences`, which computes them. The result is the same
either way (a test checks it).

The events of bookings (:mod:`.booking_events`, ids ``booking-<bookingId>``) are left out:
what a booking holds is counted from the bookings themselves (the availability slice's
``BookingLoad``), with its buffer, and a reschedule must not be blocked by the booking's own
event at its old place. They are skipped by id, after the index read, so no statement
changes.

Other slices call it as ``bookings.calendar.service.busy_intervals``.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa

from bookings.calendar import occurrences as calendar
from bookings.calendar.booking_events import is_booking_event
from bookings.calendar.models import calendar_event_resources as _res
from bookings.calendar.models import calendar_events as _ev
from bookings.platform.db import SiteScope, any_of, one_of, one_of_param, site_select
from bookings.platform.zoned import to_seconds

OPAQUE = "OPAQUE"
CONFIRMED = "CONFIRMED"
MASTER = "MASTER"
OCCURRENCE_TYPES = ("NONE", "INSTANCE", "EXCEPTION")
_BY_ID = 500


class Busy(NamedTuple):
    """One OPAQUE interval of one resource (epoch seconds), and what owns the event (for its
    buffer)."""

    resource_id: str
    start: int
    end: int
    type: str
    external_schedule_id: str | None


def _epoch(scope: SiteScope, column: sa.ColumnElement[Any]) -> sa.ColumnElement[int]:
    """An instant column as whole seconds since the epoch, computed by the database (no
    per-row datetime objects: thousands of rows are read per call)."""
    return _epoch_in(scope.conn.dialect.name, column)


def _epoch_in(dialect: str, column: sa.ColumnElement[Any]) -> sa.ColumnElement[int]:
    if dialect == "sqlite":
        return sa.cast(sa.func.strftime("%s", column), sa.BigInteger)
    return sa.cast(sa.func.floor(sa.extract("epoch", column)), sa.BigInteger)


# The statements of every appointment check, built once per shape (see ``platform/db.py``).


@functools.cache
def _masters_statement(types: tuple[str, ...]) -> sa.Select[Any]:
    return site_select(_ev, _ev.c.id, _ev.c.schedule_id).where(
        _ev.c.recurrence_type == MASTER,
        sa.or_(
            _ev.c.materialized_until.is_(None),
            _ev.c.materialized_until < sa.bindparam("end_utc"),
        ),
        _ev.c.status == CONFIRMED,
        any_of(_ev.c.type, types),
        sa.or_(
            _ev.c.series_end_utc.is_(None),
            _ev.c.materialized_until.is_(None),
            _ev.c.series_end_utc > _ev.c.materialized_until,
        ),
    )


@functools.cache
def _spans_statement(dialect: str, single: bool) -> sa.Select[Any]:
    return site_select(
        _res,
        _res.c.event_id,
        _res.c.resource_id,
        _epoch_in(dialect, _res.c.start_utc),
        _epoch_in(dialect, _res.c.end_utc),
    ).where(
        one_of_param(_res.c.resource_id, "resource_ids", single),
        _res.c.start_utc < sa.bindparam("end_utc"),
        _res.c.end_utc > sa.bindparam("start_utc"),
        _res.c.transparency == OPAQUE,
    )


@functools.cache
def _kinds_statement(types: tuple[str, ...], single: bool) -> sa.Select[Any]:
    return site_select(_ev, _ev.c.id, _ev.c.type, _ev.c.external_schedule_id).where(
        one_of_param(_ev.c.id, "event_ids", single), *_event_filter(types)
    )


@functools.cache
def _owned_statement(dialect: str, types: tuple[str, ...], single: bool) -> sa.Select[Any]:
    return site_select(
        _ev,
        _ev.c.schedule_id,
        _epoch_in(dialect, _ev.c.start_utc),
        _epoch_in(dialect, _ev.c.end_utc),
        _ev.c.type,
    ).where(
        one_of_param(_ev.c.schedule_id, "schedule_ids", single),
        _ev.c.start_utc < sa.bindparam("end_utc"),
        _ev.c.end_utc > sa.bindparam("start_utc"),
        *_event_filter(types),
    )


def _ids(name: str, values: Sequence[str]) -> dict[str, Any]:
    """The bind parameter of a ``one_of_param`` of ``values``."""
    return {name: values[0]} if len(values) == 1 else {name: list(values)}


async def _needs_computing(
    scope: SiteScope,
    resource_ids: Sequence[str],
    schedule_ids: Sequence[str],
    types: Sequence[str],
    end_utc: datetime,
) -> bool:
    """Whether a relevant live series has occurrences before ``end_utc`` not stored yet."""
    # No such series up to a later end, as of the site's catalog version: none now either
    # (SiteScope.cached: any change of a series moves the version on).
    key = ",".join(sorted(types))
    clear = scope.cached("masters-stored-up-to", key)
    if isinstance(clear, datetime) and end_utc <= clear:
        return False
    masters = (await scope.run(_masters_statement(tuple(types)), end_utc=end_utc)).all()
    if not masters:
        scope.keep("masters-stored-up-to", key, max(end_utc, clear or end_utc))
        return False
    wanted = set(schedule_ids)
    if any(m.schedule_id in wanted for m in masters):
        return True
    listing = (
        scope.select(_res, _res.c.event_id)
        .where(one_of(_res.c.event_id, [m.id for m in masters]))
        .where(one_of(_res.c.resource_id, resource_ids))
        .limit(1)
    )
    return await scope.one_or_none(listing) is not None


async def busy_intervals(
    scope: SiteScope,
    *,
    resource_ids: Sequence[str],
    owners: dict[str, str],
    types: Sequence[str],
    start_utc: datetime,
    end_utc: datetime,
) -> list[Busy]:
    """OPAQUE confirmed events of ``types`` overlapping ``[start_utc, end_utc)`` that list one
    of ``resource_ids`` (with that resource entry OPAQUE too), or that lie on a schedule of
    ``owners`` (events schedule id -> its resource id)."""
    ids = sorted(set(resource_ids))
    schedules = sorted(owners)
    if not ids:
        return []
    if await _needs_computing(scope, ids, schedules, types, end_utc):
        return await _computed(scope, ids, owners, types, start_utc, end_utc)
    out = (
        await _listing_joined(scope, ids, types, start_utc, end_utc)
        if scope.conn.dialect.name == "sqlite"
        else await _listing_two_reads(scope, ids, types, start_utc, end_utc)
    )
    if schedules:
        owned = _owned_statement(scope.conn.dialect.name, tuple(types), len(schedules) == 1)
        found = await scope.run(
            owned, start_utc=start_utc, end_utc=end_utc, **_ids("schedule_ids", schedules)
        )
        for schedule_id, a, b, kind in found.all():
            out.append(Busy(owners[schedule_id], int(a), int(b), kind, None))
    return out


def _event_filter(types: Sequence[str]) -> list[sa.ColumnElement[bool]]:
    return [
        _ev.c.transparency == OPAQUE,
        _ev.c.status == CONFIRMED,
        any_of(_ev.c.recurrence_type, OCCURRENCE_TYPES),
        any_of(_ev.c.type, types),
    ]


async def _listing_joined(
    scope: SiteScope, ids: list[str], types: Sequence[str], start_utc: datetime, end_utc: datetime
) -> list[Busy]:
    """SQLite: one join (its planner does not depend on statistics)."""
    joined = sa.join(
        _res, _ev, sa.and_(_ev.c.site_id == _res.c.site_id, _ev.c.id == _res.c.event_id)
    )
    stmt = (
        sa.select(
            _res.c.event_id,
            _res.c.resource_id,
            _epoch(scope, _res.c.start_utc),
            _epoch(scope, _res.c.end_utc),
            _ev.c.type,
            _ev.c.external_schedule_id,
        )
        .select_from(joined)
        .where(
            _res.c.site_id == scope.site_id,
            one_of(_res.c.resource_id, ids),
            _res.c.start_utc < end_utc,
            _res.c.end_utc > start_utc,
            _res.c.transparency == OPAQUE,
            *_event_filter(types),
        )
    )
    return [
        Busy(rid, int(a), int(b), kind, owner)
        for event_id, rid, a, b, kind, owner in (await scope.conn.execute(stmt)).all()
        if not is_booking_event(event_id)
    ]


async def _listing_two_reads(
    scope: SiteScope, ids: list[str], types: Sequence[str], start_utc: datetime, end_utc: datetime
) -> list[Busy]:
    """PostgreSQL: two single-table index range reads joined here. A join planned on missing
    statistics (a fresh or just bulk-loaded table, before autovacuum analyzes it) can degrade
    to a nested loop over both tables (measured ~100x slower)."""
    spans = _spans_statement(scope.conn.dialect.name, len(ids) == 1)
    found = await scope.run(
        spans, start_utc=start_utc, end_utc=end_utc, **_ids("resource_ids", ids)
    )
    rows = [r for r in found.all() if not is_booking_event(r[0])]
    out: list[Busy] = []
    if rows:
        event_ids = sorted({r[0] for r in rows})
        # Few events: by id. Many: the site's events of the window (one range scan) beats
        # binding thousands of ids.
        if len(event_ids) <= _BY_ID:
            by_id = _kinds_statement(tuple(types), len(event_ids) == 1)
            events = await scope.run(by_id, **_ids("event_ids", event_ids))
        else:
            events = await scope.conn.execute(
                scope.select(_ev, _ev.c.id, _ev.c.type, _ev.c.external_schedule_id).where(
                    sa.and_(_ev.c.start_utc < end_utc, _ev.c.end_utc > start_utc),
                    *_event_filter(types),
                )
            )
        kinds = {event_id: (kind, owner) for event_id, kind, owner in events.all()}
        out += [
            Busy(rid, int(a), int(b), *kinds[event_id])
            for event_id, rid, a, b in rows
            if event_id in kinds
        ]
    return out


async def _computed(
    scope: SiteScope,
    ids: list[str],
    owners: dict[str, str],
    types: Sequence[str],
    start_utc: datetime,
    end_utc: datetime,
) -> list[Busy]:
    """The same through :func:`calendar.occurrences` (computes unmaterialized occurrences)."""
    out: list[Busy] = []
    wanted = set(ids)
    for event in await calendar.occurrences(
        scope, start_utc=start_utc, end_utc=end_utc, resource_ids=ids, types=types
    ):
        if event.get("transparency", OPAQUE) != OPAQUE or is_booking_event(event["id"]):
            continue
        start, end = calendar.event_interval(event)
        for entry in event.get("resources") or ():
            rid = str(entry.get("id"))
            if rid in wanted and entry.get("transparency", OPAQUE) == OPAQUE:
                owner = event.get("externalScheduleId")
                out.append(Busy(rid, to_seconds(start), to_seconds(end), event["type"], owner))
    if owners:
        for event in await calendar.occurrences(
            scope, start_utc=start_utc, end_utc=end_utc, schedule_ids=sorted(owners), types=types
        ):
            if event.get("transparency", OPAQUE) == OPAQUE and not is_booking_event(event["id"]):
                start, end = calendar.event_interval(event)
                rid = owners[event["scheduleId"]]
                out.append(Busy(rid, to_seconds(start), to_seconds(end), event["type"], None))
    return out
