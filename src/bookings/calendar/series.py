"""Recurring series: materialization of a MASTER's INSTANCE rows, keeping them in step with
their master, and splitting a series."""

from __future__ import annotations

import copy
import functools
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bookings.calendar import documents, rules
from bookings.calendar.models import (
    event_from_row,
)
from bookings.calendar.recurrence import expand, occurrence_on
from bookings.calendar.rules import (
    CANCELLED,
    CONFIRMED,
    INSTANCE,
    MASTER,
    TIME,
    TIME_ZONE,
    Change,
    EventState,
)
from bookings.calendar.schemas import (
    SplitRecurringEventRequest,
)
from bookings.calendar.store import (
    HORIZON,
    HORIZON_MIN,
    MAX_AHEAD,
    _children,
    _delete_resources,
    _ev,
    _insert_events,
    _record_events,
    _require_active_event,
    _require_active_schedule,
    _require_event,
    _require_schedule,
    _response_zone,
    _save_events,
    new_event_id,
)
from bookings.platform import errors, zoned
from bookings.platform.db import (
    Database,
    SiteScope,
    UnitOfWork,
    one_of_param,
    site_select,
    utcnow,
)

# ---------------------------------------------------------------- materialization


async def _materialize(
    scope: SiteScope, master: EventState, *, since: datetime | None, until: datetime
) -> None:
    """Insert the master's missing INSTANCE rows starting in ``[since, until)``."""
    now = utcnow()
    occurrences_ = list(expand(master.series(), from_utc=since, to_utc=until))
    instances = [rules.instance_of(master, occ, now) for occ in occurrences_]
    await _insert_events(scope, instances, ignore_conflicts=True)


async def _extend(uow: SiteScope, master: EventState, need: datetime) -> None:
    """Make sure ``master`` is materialized up to ``need``; when it is not, materialize a
    little further (``HORIZON - HORIZON_MIN``) so that the next reads find it done."""
    if not master.active or master.rule is None:
        return
    cap = utcnow() + MAX_AHEAD
    done = master.materialized_until
    if done is not None and min(need, cap) <= done:
        return
    target = min(need + (HORIZON - HORIZON_MIN), cap)
    await _materialize(uow, master, since=done, until=target)
    await uow.conn.execute(
        uow.update(_ev)
        .where(_ev.c.id == master.id)
        .where(sa.or_(_ev.c.materialized_until.is_(None), _ev.c.materialized_until < target))
        .values(materialized_until=target)
    )
    master.materialized_until = target


def _ids_shape(ids: Sequence[str] | None) -> tuple[str, dict[str, Any]]:
    """How a prebuilt statement filters on ``ids`` ("any", "one", "many") and its bind
    parameter (name ``ids``)."""
    if ids is None:
        return "any", {}
    wanted = list(ids)
    if len(wanted) == 1:
        return "one", {"ids": wanted[0]}
    return "many", {"ids": wanted}


def _where_ids(stmt: sa.Select[Any], column: sa.ColumnElement[Any], shape: str) -> sa.Select[Any]:
    return stmt if shape == "any" else stmt.where(one_of_param(column, "ids", shape == "one"))


@functools.cache
def _unmaterialized_statement(schedules: str, probe: bool) -> sa.Select[Any]:
    """Active MASTERs with occurrences before ``:target`` that have no rows yet."""
    stmt = site_select(_ev).where(
        _ev.c.recurrence_type == MASTER,
        _ev.c.status == CONFIRMED,
        _ev.c.materialized_until < sa.bindparam("target"),
        sa.or_(_ev.c.until_utc.is_(None), _ev.c.until_utc >= _ev.c.materialized_until),
    )
    stmt = _where_ids(stmt, _ev.c.schedule_id, schedules).order_by(_ev.c.id)
    return stmt.limit(1) if probe else stmt


async def _unmaterialized(
    scope: SiteScope, target: datetime, schedule_ids: Sequence[str] | None, probe: bool = False
) -> Sequence[sa.Row[Any]]:
    """Active MASTERs (of ``schedule_ids``) with occurrences before ``target`` that have no
    rows yet; ``probe``: the first one only."""
    shape, params = _ids_shape(schedule_ids)
    if shape == "many" and not params["ids"]:
        return []
    # None found up to a later target, as of the site's catalog version: none now either
    # (SiteScope.cached: any change of a series moves the version on).
    key = ",".join(sorted(schedule_ids)) if schedule_ids is not None else "*"
    clear = scope.cached("unmaterialized-up-to", key)
    if isinstance(clear, datetime) and target <= clear:
        return []
    stmt = _unmaterialized_statement(shape, probe)
    rows = (await scope.run(stmt, target=target, **params)).all()
    if not rows:
        scope.keep("unmaterialized-up-to", key, max(target, clear or target))
    return rows


async def _extend_all(
    uow: SiteScope, target: datetime, schedule_ids: Sequence[str] | None = None
) -> None:
    target = min(target, utcnow() + MAX_AHEAD)
    for row in await _unmaterialized(uow, target, schedule_ids):
        await _extend(uow, event_from_row(row), target)


async def _ensure_materialized(db: Database, site_id: str, target: datetime) -> None:
    """Before a read reaching ``target``: extend the series that stop short, in a write."""
    target = min(target, utcnow() + MAX_AHEAD)
    async with db.read(site_id) as scope:
        probe = await _unmaterialized(scope, target, None, probe=True)
    if not probe:
        return
    async with db.write(site_id) as uow:
        await _extend_all(uow, target)


# ---------------------------------------------------------------- series maintenance


async def _sync_series(uow: UnitOfWork, master: EventState, change: Change) -> None:
    """After a MASTER changed: future INSTANCEs follow it entirely, future EXCEPTIONs take the
    changed fields they still inherit; past occurrences are untouched."""
    now = utcnow()
    children = await _children(uow, master.id, since=now, lock=True)
    series = master.series() if master.rule is not None else None
    values = master.master_values()
    changed: list[EventState] = []
    dropped: list[EventState] = []
    seen: set[date | None] = set()
    for child in children:
        seen.add(child.occurrence_key)
        if not child.active:
            continue  # a cancelled occurrence stays cancelled and is never re-created
        before = copy.deepcopy(child)
        if child.recurrence_type == INSTANCE:
            rules.follow_master(child, master)
        else:
            rules.inherit(child, values, change.fields)
        if change.retime and TIME in child.inherited:
            occ = (
                occurrence_on(series, child.occurrence_key)
                if series is not None and child.occurrence_key is not None
                else None
            )
            if occ is None and child.recurrence_type == INSTANCE:
                dropped.append(before)
                continue
            if occ is None:
                child.status = CANCELLED
            else:
                child.place(occ)
                if child.time_zone != master.time_zone:  # the exception keeps its own zone
                    child.start_local = zoned.to_local(child.start_utc, child.tz)
                    child.end_local = zoned.to_local(child.end_utc, child.tz)
        elif TIME_ZONE in change.fields and child.time_zone != before.time_zone:
            child.retime(child.start_local, child.end_local)
        if child != before:
            child.revision += 1
            child.updated_date = now
            changed.append(child)
    if dropped:
        dropped_ids = [d.id for d in dropped]
        await _delete_resources(uow, dropped_ids)
        await uow.conn.execute(uow.delete(_ev).where(_ev.c.id.in_(dropped_ids)))
        await _record_events(uow, "deleted", dropped)
    await _save_events(uow, changed)
    if change.retime and series is not None and master.active:
        horizon = master.materialized_until or now + HORIZON
        fresh = [
            rules.instance_of(master, occ, now)
            for occ in expand(series, from_utc=now, to_utc=horizon)
            if occ.key not in seen
        ]
        await _insert_events(uow, fresh, ignore_conflicts=True)


async def _cancel_future(uow: SiteScope, condition: sa.ColumnElement[bool], now: datetime) -> None:
    """Cancel the CONFIRMED events of ``condition``; each records its ``updated`` event."""
    done = await uow.conn.execute(
        uow.update(_ev)
        .where(condition, _ev.c.status == CONFIRMED)
        .values(status=CANCELLED, revision=_ev.c.revision + 1, updated_date=now)
        .returning(_ev.c.id)
    )
    await _record_changed(uow, [r.id for r in done])


async def _record_changed(uow: SiteScope, event_ids: Sequence[str]) -> None:
    """The ``updated`` domain events of events changed by a bulk statement (read back)."""
    changed: list[EventState] = []
    ids = sorted(event_ids)
    for i in range(0, len(ids), 500):
        rows = await uow.all(uow.select(_ev).where(_ev.c.id.in_(ids[i : i + 500])))
        changed += [event_from_row(r) for r in rows]
    await _record_events(uow, "updated", changed)


async def api_split_recurring_event(
    db: Database, site_id: str, req: SplitRecurringEventRequest
) -> dict[str, Any]:
    async with db.write(site_id) as uow:
        zone_name = await _response_zone(uow, req.time_zone)
        before, after = await _split(uow, req.recurring_event_id, req.split_local_date, zone_name)
    return {
        "updatedRecurringEventEndingBeforeSplit": documents.event_wire(
            before, time_zone=zone_name, pi=True
        ),
        "newRecurringEventStartingFromSplit": documents.event_wire(
            after, time_zone=zone_name, pi=True
        ),
    }


async def _split(
    uow: UnitOfWork, master_id: str, split_local: datetime, zone_name: str
) -> tuple[EventState, EventState]:
    await uow.lock(_ev, [master_id])
    master = await _require_event(uow, master_id)
    if master.recurrence_type != MASTER or master.rule is None:
        raise errors.invalid_field(
            "recurringEventId", "is not the id of a recurring (MASTER) event"
        )
    _require_active_event(master)
    _require_active_schedule(await _require_schedule(uow, master.schedule_id))
    now = utcnow()
    split_at = zoned.to_utc(split_local, zoned.zone(zone_name))
    if split_at <= now:
        raise errors.invalid_field("splitLocalDate", "must be in the future")
    await _extend(uow, master, split_at + master.rule.step * 2 + timedelta(days=1))
    children = await _children(uow, master.id, since=now, lock=True)
    upcoming = [c for c in children if c.active]
    if not upcoming or split_at <= upcoming[0].start_utc:
        raise errors.invalid_field(
            "splitLocalDate", "must be after the start of the next occurrence of the series"
        )
    moving = [c for c in children if c.start_utc >= split_at]
    if not any(c.active for c in moving):
        raise errors.invalid_field(
            "splitLocalDate", "must leave at least one occurrence of the series after it"
        )
    last = [c for c in children if c.start_utc < split_at][-1]
    series = master.series()
    first_key = moving[0].occurrence_key
    first = occurrence_on(series, first_key) if first_key is not None else None
    # The new series: the old one's fields and rule, from the first occurrence after the split.
    successor = copy.deepcopy(master)
    successor.id = new_event_id()
    successor.created_date = successor.updated_date = now
    successor.revision = 1
    successor.participants_total = 0
    if first is not None:
        successor.start_local, successor.end_local = first.start_local, first.end_local
    else:  # the first occurrence after the split is an exception off the rule's grid
        successor.start_local = zoned.to_local(moving[0].start_utc, master.tz)
        successor.end_local = zoned.to_local(moving[0].end_utc, master.tz)
    successor.rule = replace(master.rule, weekday=successor.start_local.weekday())
    successor.retime(successor.start_local, successor.end_local)
    # The old series ends with the last occurrence before the split.
    ended = copy.deepcopy(master)
    ended.rule = replace(master.rule, until=zoned.to_local(last.end_utc, master.tz))
    ended.retime(ended.start_local, ended.end_local)
    ended.revision += 1
    ended.updated_date = now
    await _save_events(uow, [ended])
    await _insert_events(uow, [successor])
    await uow.conn.execute(
        uow.update(_ev)
        .where(_ev.c.id.in_([c.id for c in moving]))
        .values(
            recurring_event_id=successor.id,
            revision=_ev.c.revision + 1,
            updated_date=now,
        )
    )
    await _record_changed(uow, [c.id for c in moving])
    return ended, successor
