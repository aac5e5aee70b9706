"""Storage helpers shared by the calendar's use cases: constants, loading and saving events
and schedules, the hook calls, the hot prebuilt statements."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from bookings.calendar import documents, ports, rules
from bookings.calendar.models import (
    calendar_event_resources,
    calendar_events,
    calendar_schedules,
    event_from_row,
    event_row,
    resource_rows,
    schedule_from_row,
)
from bookings.calendar.rules import (
    EventState,
    ScheduleState,
)
from bookings.identity.service import site_time_zone
from bookings.platform import errors
from bookings.platform import events as outbox
from bookings.platform.db import (
    SiteScope,
    insert_ignoring_conflicts,
    site_select,
    site_update,
)

_ev = calendar_events
_res = calendar_event_resources
_sc = calendar_schedules

HORIZON = timedelta(days=400)
#: ... and reads make sure they exist at least this far ahead (the Wix "events view").
HORIZON_MIN = timedelta(days=365)
#: Never materialize (or compute) occurrences further ahead than this.
MAX_AHEAD = timedelta(days=5 * 366)
#: Business hours of a new site's business schedule (Monday to Friday).
BUSINESS_HOURS = (time(9, 0), time(17, 0))

_NAMESPACE = uuid.UUID("6f0f6a1e-4d1c-5a63-9d65-1f0c8e0b7c2a")

#: The domain events of the calendar (the outbox, :mod:`bookings.platform.events`).
SCHEDULE_FQDN = "wix.calendar.v3.schedule"
EVENT_FQDN = "wix.calendar.v3.event"


async def _record_events(
    scope: SiteScope, kind: outbox.EventKind, events: Sequence[EventState]
) -> None:
    """One ``wix.calendar.v3.event`` domain event per event: its wire form as Get Event
    returns it (in its own zone, PI included)."""
    await outbox.record_many(
        scope,
        EVENT_FQDN,
        [(e.id, kind, documents.event_wire(e, time_zone=e.time_zone, pi=True)) for e in events],
    )


async def _record_schedule(
    scope: SiteScope, kind: outbox.EventKind, schedule: ScheduleState
) -> None:
    """The ``wix.calendar.v3.schedule`` domain event of a schedule written."""
    payload = documents.schedule_wire(schedule, pi=True)
    await outbox.record_many(scope, SCHEDULE_FQDN, [(schedule.id, kind, payload)])


async def _notify_changed(scope: SiteScope, events: Sequence[EventState]) -> None:
    """Run the ``events_changed`` hooks (:mod:`bookings.calendar.ports`)."""
    schedule_ids = sorted({e.schedule_id for e in events})
    for hook in ports.events_changed:
        await hook(scope, schedule_ids)


# ---------------------------------------------------------------- storage helpers


def new_event_id() -> str:
    """An opaque event id: 64 hex characters (Wix event ids are 36-250 chars, not GUIDs)."""
    return secrets.token_hex(32)


async def _response_zone(scope: SiteScope, requested: str | None) -> str:
    if requested:
        rules.check_zone(requested, "timeZone")
        return requested
    return await site_time_zone(scope)


async def _insert_events(
    scope: SiteScope,
    events: Sequence[EventState],
    *,
    ignore_conflicts: bool = False,
    record: bool = True,
) -> list[EventState]:
    """Insert events and their resource rows; returns those actually inserted. Each records
    its ``created`` domain event unless ``record`` is false (the bookings' own events) or the
    rows are a series' materialized occurrences (``ignore_conflicts``)."""
    if not events:
        return []
    rows = [{**event_row(e), "site_id": scope.site_id} for e in events]
    if ignore_conflicts:
        stmt = insert_ignoring_conflicts(scope.conn, _ev).returning(_ev.c.id)
        inserted = {r.id for r in await scope.conn.execute(stmt, rows)}
        events = [e for e in events if e.id in inserted]
    else:
        await scope.conn.execute(sa.insert(_ev), rows)
    await scope.insert(_res, *[r for e in events for r in resource_rows(e)])
    if not ignore_conflicts:  # materialized instances change nothing a summary reads
        await _notify_changed(scope, events)
        if record:
            await _record_events(scope, "created", events)
    return list(events)


async def _save_events(
    scope: SiteScope, events: Sequence[EventState], *, record: bool = True
) -> None:
    """Write back changed events (row and resource rows); each records its ``updated``
    domain event unless ``record`` is false (the bookings' own events)."""
    if not events:
        return
    for e in events:
        values = event_row(e)
        values.pop("id")
        await scope.conn.execute(scope.update(_ev).where(_ev.c.id == e.id).values(**values))
    await _delete_resources(scope, [e.id for e in events])
    await scope.insert(_res, *[r for e in events for r in resource_rows(e)])
    await _notify_changed(scope, events)
    if record:
        await _record_events(scope, "updated", events)


async def _delete_resources(scope: SiteScope, event_ids: Sequence[str]) -> None:
    for i in range(0, len(event_ids), 500):
        chunk = list(event_ids[i : i + 500])
        await scope.conn.execute(scope.delete(_res).where(_res.c.event_id.in_(chunk)))


async def _load_schedule(scope: SiteScope, schedule_id: str) -> ScheduleState | None:
    row = await scope.one_or_none(scope.select(_sc).where(_sc.c.id == schedule_id))
    return schedule_from_row(row) if row is not None else None


async def _require_schedule(scope: SiteScope, schedule_id: str) -> ScheduleState:
    schedule = await _load_schedule(scope, schedule_id)
    if schedule is None:
        raise rules.schedule_not_found(schedule_id)
    return schedule


def _require_active_schedule(schedule: ScheduleState) -> None:
    if not schedule.active:
        raise errors.failed_precondition(
            "SCHEDULE_CANCELLED",
            f"Schedule {schedule.id} is cancelled: it takes no updates and no new events",
            scheduleId=schedule.id,
        )


#: Hot statements, built once (see ``platform/db.py``).
_EVENT_BY_ID = site_select(_ev).where(_ev.c.id == sa.bindparam("event_id"))
_EVENT_BY_ID_LOCKED = _EVENT_BY_ID.with_for_update()
_TOTAL = sa.bindparam("participants", type_=sa.Integer)
_LEFT = _ev.c.total_capacity - _TOTAL
_SET_PARTICIPANTS = (
    site_update(_ev)
    .where(_ev.c.id == sa.bindparam("event_id"))
    .values(participants_total=_TOTAL, remaining_capacity=sa.case((_LEFT < 0, 0), else_=_LEFT))
)


async def _load_event(scope: SiteScope, event_id: str) -> EventState | None:
    row = (await scope.run(_EVENT_BY_ID, event_id=event_id)).first()
    return event_from_row(row) if row is not None else None


async def _require_event(scope: SiteScope, event_id: str) -> EventState:
    event = await _load_event(scope, event_id)
    if event is None:
        raise rules.event_not_found(event_id)
    return event


def _require_active_event(event: EventState) -> None:
    if not event.active:
        raise errors.failed_precondition(
            "EVENT_CANCELLED", f"Event {event.id} is cancelled", eventId=event.id
        )


async def _fill_resource_details(scope: SiteScope, events: Sequence[EventState]) -> None:
    ids = sorted({str(r["id"]) for e in events for r in e.resources})
    if not ids:
        return
    details: dict[str, Mapping[str, Any]] = {}
    for provider in ports.resource_details:
        details.update(await provider(scope, ids))
    for e in events:
        for r in e.resources:
            found = details.get(str(r["id"]))
            if found:
                for key in ("name", "type"):
                    if found.get(key) is not None:
                        r[key] = found[key]


async def _children(
    scope: SiteScope, master_id: str, *, since: datetime | None = None, lock: bool = False
) -> list[EventState]:
    """A MASTER's occurrence rows (from ``since``), in order; ``lock``: FOR UPDATE, so that
    no concurrent update of one of them is overwritten (PostgreSQL; SQLite is exclusive)."""
    stmt = scope.select(_ev).where(_ev.c.recurring_event_id == master_id)
    if since is not None:
        stmt = stmt.where(_ev.c.start_utc >= since)
    stmt = stmt.order_by(_ev.c.start_utc, _ev.c.id)
    rows = await scope.all(stmt.with_for_update() if lock else stmt)
    return [event_from_row(r) for r in rows]


def _pi(requested: Iterable[Any] | None, backend: bool) -> bool:
    """PI fields (participants, notes, conferencing) only for ADMIN/APP callers that ask."""
    return backend and bool(list(requested or []))
