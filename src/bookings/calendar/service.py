"""Calendar V3 use-cases: schedules, events, recurring series and their materialized
occurrences.

Functions for other slices — they take the caller's unit of work (``uow``, a write) or scope
(``scope``, a read or a write) and never open a transaction of their own:

``create_schedule(uow, *, external_id: str, name: str, time_zone: str | None = None,
app_id: str = BOOKINGS_APP_ID, default_capacity: int | None = None) -> dict``
    A new ACTIVE schedule (time zone defaults to the site's); its wire dict (``"id"``...).
``get_schedule(scope, schedule_id) -> dict | None``
``update_schedule(uow, schedule_id, changes: Mapping[str, Any]) -> dict``
    Changes in wire form (``{"name": ..., "defaultCapacity": ...}``), no revision needed;
    defaults flow to future events that inherit them.
``cancel_schedule(uow, schedule_id) -> None``
    CANCELLED (idempotent); future events are cancelled.
``ensure_business_schedule(uow) -> dict``
    The site's business schedule (externalId ``BUSINESS_SCHEDULE_EXTERNAL_ID``, name
    ``business``), created race-free on first call with five WORKING_HOURS weekly MASTERs,
    Monday to Friday 09:00-17:00 in the site's time zone.
``create_event(uow, event: Mapping[str, Any], time_zone: str | None = None) -> dict``
    An event from its wire dict (``resources[].name/type`` are kept: trusted caller).
``get_event(scope, event_id) -> dict | None``
``cancel_event(uow, event_id) -> dict``
    Cancels an event (a MASTER: with its future occurrences); 404 ``EVENT_NOT_FOUND``, 428
    ``EVENT_ALREADY_CANCELLED`` when it is cancelled already.
``occurrences(scope, *, start_utc, end_utc, schedule_ids=None, resource_ids=None, types=None,
include_cancelled=False) -> list[dict]``
    For the availability engine: every NONE/INSTANCE/EXCEPTION event overlapping
    ``[start_utc, end_utc)`` (WORKING_HOURS included unless ``types`` says otherwise), as
    wire dicts (PI included, ``adjusted*`` in the event's own zone), ordered by start.
    With a write ``uow`` the series are materialized that far first; with a read scope the
    occurrences beyond the materialized horizon are computed (same ids they will get).
    :func:`event_interval` gives an event dict's instants.
``set_participants_total(uow, event_id, total) -> None``
    The hook for the bookings slice: the number of booked participants of an event;
    ``remainingCapacity = max(0, totalCapacity - total)`` (stored, filterable). Until it is
    called, ``remainingCapacity == totalCapacity``. It does not bump the event's revision.
``sessions_summary(scope, schedule_id) -> dict``
    Staff, durations and first/last session of a schedule's sessions (for the services
    slice's ``events_changed`` hook, :mod:`bookings.calendar.ports`).
``busy_intervals(scope, *, resource_ids, owners, types, start_utc, end_utc) -> list[Busy]``
    Busy time of resources, for the availability engine (:mod:`.busy`).

Hook points other slices plug into (wired by the app): :mod:`bookings.calendar.ports`.

Materialization: a MASTER's INSTANCE rows exist from its start up to ``materialized_until``
(``HORIZON`` ahead at creation); reads past it extend it first inside a write unit of work.
Instance ids derive from master id + occurrence date and ``(recurring_event_id,
occurrence_date)`` is unique, so two processes materializing the same series at once insert
each row once (``INSERT ... ON CONFLICT DO NOTHING``).
"""

from __future__ import annotations

import copy
import functools
import secrets
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from bookings.calendar import ports, rules
from bookings.calendar.busy import Busy, busy_intervals
from bookings.calendar.models import (
    calendar_event_resources,
    calendar_events,
    calendar_schedules,
    event_from_row,
    event_row,
    resource_rows,
    schedule_from_row,
    schedule_row,
)
from bookings.calendar.recurrence import WEEKDAYS, expand, occurrence_on
from bookings.calendar.rules import (
    CANCELLED,
    CONFIRMED,
    INSTANCE,
    MASTER,
    NONE,
    TIME,
    TIME_ZONE,
    Change,
    EventState,
    ScheduleState,
)
from bookings.calendar.schemas import (
    BOOKINGS_APP_ID,
    BUSINESS_SCHEDULE_EXTERNAL_ID,
    BUSINESS_SCHEDULE_NAME,
    BulkCancelEventRequest,
    BulkCreateEventRequest,
    BulkUpdateEventRequest,
    CancelScheduleRequest,
    CreateEventRequest,
    CreateScheduleRequest,
    Day,
    EventIn,
    EventType,
    QueryEventsRequest,
    RecurrenceRuleIn,
    RecurrenceType,
    RestoreEventDefaultsRequest,
    ScheduleIn,
    ScheduleStatus,
    SplitRecurringEventRequest,
    UpdateEventRequest,
    UpdateScheduleRequest,
    ZonedDateIn,
)
from bookings.identity.service import site_time_zone
from bookings.platform import errors, query, wire, zoned
from bookings.platform.bulk import BulkResults
from bookings.platform.db import (
    Database,
    SiteScope,
    UnitOfWork,
    any_of,
    insert_ignoring_conflicts,
    one_of,
    one_of_param,
    site_select,
    site_update,
    utcnow,
)
from bookings.platform.query import ArrayStorage, FieldSpec, Kind, QuerySpec
from bookings.platform.signing import Signer

__all__ = [
    "BOOKINGS_APP_ID",
    "BUSINESS_SCHEDULE_EXTERNAL_ID",
    "Busy",
    "busy_intervals",
    "cancel_event",
    "cancel_schedule",
    "create_event",
    "create_schedule",
    "ensure_business_schedule",
    "event_interval",
    "get_event",
    "get_schedule",
    "occurrences",
    "sessions_summary",
    "set_participants_total",
    "update_schedule",
]

#: Instances of a MASTER are materialized this far ahead when it is created or extended ...
HORIZON = timedelta(days=400)
#: ... and reads make sure they exist at least this far ahead (the Wix "events view").
HORIZON_MIN = timedelta(days=365)
#: Never materialize (or compute) occurrences further ahead than this.
MAX_AHEAD = timedelta(days=5 * 366)
#: Business hours of a new site's business schedule (Monday to Friday).
BUSINESS_HOURS = (time(9, 0), time(17, 0))

_NAMESPACE = uuid.UUID("6f0f6a1e-4d1c-5a63-9d65-1f0c8e0b7c2a")


async def _notify_changed(scope: SiteScope, events: Sequence[EventState]) -> None:
    """Run the ``events_changed`` hooks (:mod:`bookings.calendar.ports`)."""
    schedule_ids = sorted({e.schedule_id for e in events})
    for hook in ports.events_changed:
        await hook(scope, schedule_ids)


# ---------------------------------------------------------------- query whitelists

_ev = calendar_events
_res = calendar_event_resources
_EQ_IN = frozenset({"$eq", "$ne", "$in", "$nin"})


def _resources_array(column: str) -> ArrayStorage:
    return ArrayStorage(_res, {"site_id": _ev.c.site_id, "event_id": _ev.c.id}, value_column=column)


def _enum(path: str, column: sa.ColumnElement[Any], values: Iterable[str]) -> FieldSpec:
    return FieldSpec(
        path, column, Kind.ENUM, operators=_EQ_IN, enum_values=list(values), nullable=False
    )


EVENT_QUERY = QuerySpec(
    fields=[
        FieldSpec("id", _ev.c.id, operators=_EQ_IN, nullable=False),
        FieldSpec("scheduleId", _ev.c.schedule_id, operators=_EQ_IN, nullable=False),
        FieldSpec("externalScheduleId", _ev.c.external_schedule_id, operators=_EQ_IN),
        FieldSpec("appId", _ev.c.app_id, operators=_EQ_IN, nullable=False),
        FieldSpec("type", _ev.c.type, operators=_EQ_IN, nullable=False),
        FieldSpec("recurringEventId", _ev.c.recurring_event_id, operators=_EQ_IN),
        _enum("recurrenceType", _ev.c.recurrence_type, [t.value for t in RecurrenceType]),
        _enum("status", _ev.c.status, [CONFIRMED, CANCELLED]),
        _enum("transparency", _ev.c.transparency, ["OPAQUE", "TRANSPARENT"]),
        FieldSpec("location.id", _ev.c.location_id, operators=_EQ_IN),
        FieldSpec(
            "location.type",
            _ev.c.location_type,
            Kind.ENUM,
            operators=_EQ_IN,
            enum_values=["BUSINESS", "CUSTOMER", "CUSTOM"],
        ),
        FieldSpec("location", _ev.c.location_type, operators={"$exists"}),
        FieldSpec("conferencingDetails", _ev.c.conferencing_type, operators={"$exists"}),
        FieldSpec("totalCapacity", _ev.c.total_capacity, Kind.INT),
        FieldSpec("remainingCapacity", _ev.c.remaining_capacity, Kind.INT),
        FieldSpec("participants.total", _ev.c.participants_total, Kind.INT, nullable=False),
        FieldSpec("resources.id", array=_resources_array("resource_id")),
        FieldSpec("resources.type", array=_resources_array("resource_type")),
        FieldSpec("resources.transparency", array=_resources_array("transparency")),
        # Sorting only: the date window travels in fromLocalDate/toLocalDate.
        FieldSpec("start", _ev.c.start_utc, Kind.TIMESTAMP, operators=(), sortable=True),
        FieldSpec("end", _ev.c.end_utc, Kind.TIMESTAMP, operators=(), sortable=True),
        # Internal: how the date window travels inside cursors.
        FieldSpec("_window.start", _ev.c.start_utc, Kind.TIMESTAMP, operators={"$lt"}),
        FieldSpec(
            "_window.end", _ev.c.series_end_utc, Kind.TIMESTAMP, operators={"$gt", "$exists"}
        ),
    ],
    tiebreaker=_ev.c.id,
    default_sort=[("start", "ASC")],
    default_limit=50,
    max_limit=1000,
    offset_paging=False,
)

_sc = calendar_schedules
SCHEDULE_QUERY = QuerySpec(
    fields=[
        FieldSpec("id", _sc.c.id, operators=_EQ_IN, nullable=False, sortable=True),
        FieldSpec("externalId", _sc.c.external_id, operators=_EQ_IN),
        FieldSpec("name", _sc.c.name, sortable=True),
        _enum("status", _sc.c.status, [s.value for s in ScheduleStatus]),
        FieldSpec("appId", _sc.c.app_id, operators=_EQ_IN, nullable=False),
        FieldSpec("timeZone", _sc.c.time_zone, operators=_EQ_IN, nullable=False),
        FieldSpec("defaultCapacity", _sc.c.default_capacity, Kind.INT),
        FieldSpec("createdDate", _sc.c.created_date, Kind.TIMESTAMP, sortable=True, nullable=False),
        FieldSpec("updatedDate", _sc.c.updated_date, Kind.TIMESTAMP, sortable=True, nullable=False),
    ],
    tiebreaker=_sc.c.id,
    default_sort=[("createdDate", "ASC")],
    default_limit=50,
    max_limit=100,
    offset_paging=False,
)


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
    scope: SiteScope, events: Sequence[EventState], *, ignore_conflicts: bool = False
) -> list[EventState]:
    """Insert events and their resource rows; returns those actually inserted."""
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
    return list(events)


async def _save_events(scope: SiteScope, events: Sequence[EventState]) -> None:
    """Write back changed events (row and resource rows)."""
    if not events:
        return
    for e in events:
        values = event_row(e)
        values.pop("id")
        await scope.conn.execute(scope.update(_ev).where(_ev.c.id == e.id).values(**values))
    await _delete_resources(scope, [e.id for e in events])
    await scope.insert(_res, *[r for e in events for r in resource_rows(e)])
    await _notify_changed(scope, events)


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
        raise errors.not_found(
            "SCHEDULE_NOT_FOUND", f"Schedule {schedule_id} not found", scheduleId=schedule_id
        )
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
        raise errors.not_found("EVENT_NOT_FOUND", f"Event {event_id} not found", eventId=event_id)
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
    stmt = _unmaterialized_statement(shape, probe)
    return (await scope.run(stmt, target=target, **params)).all()


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
    dropped: list[str] = []
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
                dropped.append(child.id)
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
        await _delete_resources(uow, dropped)
        await uow.conn.execute(uow.delete(_ev).where(_ev.c.id.in_(dropped)))
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
    await uow.conn.execute(
        uow.update(_ev)
        .where(condition, _ev.c.status == CONFIRMED)
        .values(status=CANCELLED, revision=_ev.c.revision + 1, updated_date=now)
    )


# ---------------------------------------------------------------- schedules


def _schedule_from(data: ScheduleIn, *, schedule_id: str, zone_name: str) -> ScheduleState:
    now = utcnow()
    return ScheduleState(
        id=schedule_id,
        status=ScheduleStatus.ACTIVE.value,
        time_zone=zone_name,
        app_id=data.app_id or BOOKINGS_APP_ID,
        created_date=now,
        updated_date=now,
        external_id=data.external_id,
        name=data.name,
        default_title=data.default_title,
        default_location=rules.location_doc(data.default_location, "schedule.defaultLocation"),
        default_capacity=data.default_capacity,
        default_conferencing_details=rules.conferencing_doc(data.default_conferencing_details),
        extended_fields=data.extended_fields,
    )


async def _create_schedule(uow: SiteScope, data: ScheduleIn) -> ScheduleState:
    zone_name = data.time_zone or await site_time_zone(uow)
    rules.check_zone(zone_name, "schedule.timeZone")
    schedule = _schedule_from(data, schedule_id=wire.new_id(), zone_name=zone_name)
    await uow.insert(_sc, schedule_row(schedule))
    return schedule


async def create_schedule(
    uow: UnitOfWork,
    *,
    external_id: str,
    name: str,
    time_zone: str | None = None,
    app_id: str = BOOKINGS_APP_ID,
    default_capacity: int | None = None,
) -> dict[str, Any]:
    """A new ACTIVE schedule (see the module docstring)."""
    data = wire.parse(
        ScheduleIn,
        {
            "externalId": external_id,
            "name": name[:200] if name else None,
            "timeZone": time_zone,
            "appId": app_id,
            "defaultCapacity": default_capacity,
        },
        "schedule",
    )
    return rules.schedule_wire(await _create_schedule(uow, data), pi=True)


async def get_schedule(scope: SiteScope, schedule_id: str) -> dict[str, Any] | None:
    schedule = await _load_schedule(scope, schedule_id)
    return None if schedule is None else rules.schedule_wire(schedule, pi=True)


_SCHEDULE_DEFAULTS = (
    ("default_title", rules.TITLE),
    ("default_location", rules.LOCATION),
    ("default_capacity", rules.CAPACITY),
    ("default_conferencing_details", rules.CONFERENCING_DETAILS),
)


async def _update_schedule(
    uow: UnitOfWork, data: ScheduleIn, *, check_revision: bool
) -> ScheduleState:
    if data.id is None:
        raise errors.invalid_field("schedule.id", "is required", errors.REQUIRED_FIELD)
    if check_revision and data.revision is None:
        raise errors.revision_required("schedule.revision")
    await uow.lock(_sc, [data.id])
    schedule = await _require_schedule(uow, data.id)
    if check_revision and data.revision != schedule.revision:
        raise errors.revision_mismatch(
            "Schedule", schedule.id, data.revision or 0, schedule.revision
        )
    _require_active_schedule(schedule)
    for attr, wire_name in (("external_id", "externalId"), ("app_id", "appId")):
        sent = getattr(data, attr)
        if sent is not None and sent != getattr(schedule, attr):
            raise errors.invalid_field(
                f"schedule.{wire_name}", "cannot be changed", errors.FIELD_NOT_ALLOWED
            )
    new = copy.deepcopy(schedule)
    if data.name is not None:
        new.name = data.name
    if data.time_zone is not None:
        rules.check_zone(data.time_zone, "schedule.timeZone")
        new.time_zone = data.time_zone
    if data.default_title is not None:
        new.default_title = data.default_title
    if data.default_location is not None:
        new.default_location = rules.location_doc(data.default_location, "schedule.defaultLocation")
    if data.default_capacity is not None:
        new.default_capacity = data.default_capacity
    if data.default_conferencing_details is not None:
        new.default_conferencing_details = rules.conferencing_doc(data.default_conferencing_details)
    if data.extended_fields is not None:
        new.extended_fields = data.extended_fields
    now = utcnow()
    new.revision = schedule.revision + 1
    new.updated_date = now
    values = schedule_row(new)
    values.pop("id")
    await uow.conn.execute(uow.update(_sc).where(_sc.c.id == new.id).values(**values))
    if new.name != schedule.name:
        await uow.conn.execute(
            uow.update(_ev).where(_ev.c.schedule_id == new.id).values(schedule_name=new.name)
        )
    old_values, new_values = schedule.defaults(), new.defaults()
    changed = {f for f in rules.SCHEDULE_FIELDS if old_values[f] != new_values[f]}
    if changed:
        await _propagate_defaults(uow, new, changed, now)
    return new


async def _propagate_defaults(
    uow: UnitOfWork, schedule: ScheduleState, changed: set[str], now: datetime
) -> None:
    """New schedule defaults reach the future NONE events and the active MASTERs that inherit
    them (and through those MASTERs their future occurrences)."""
    rows = await uow.all(
        uow.select(_ev)
        .where(
            _ev.c.schedule_id == schedule.id,
            _ev.c.status == CONFIRMED,
            sa.or_(
                _ev.c.recurrence_type == MASTER,
                sa.and_(_ev.c.recurrence_type == NONE, _ev.c.start_utc >= now),
            ),
        )
        .order_by(_ev.c.id)
        .with_for_update()
    )
    values = schedule.defaults()
    for row in rows:
        event = event_from_row(row)
        fields = {f for f in changed if f in event.inherited}
        if not fields:
            continue
        rules.inherit(event, values, fields)
        if TIME_ZONE in fields:
            event.retime(event.start_local, event.end_local)
        event.revision += 1
        event.updated_date = now
        await _save_events(uow, [event])
        if event.recurrence_type == MASTER:
            await _sync_series(uow, event, Change(fields=fields, retime=TIME_ZONE in fields))


async def update_schedule(
    uow: UnitOfWork, schedule_id: str, changes: Mapping[str, Any]
) -> dict[str, Any]:
    """Apply wire-form ``changes`` to a schedule without a revision check (other slices)."""
    data = wire.parse(ScheduleIn, {**changes, "id": schedule_id}, "schedule")
    return rules.schedule_wire(await _update_schedule(uow, data, check_revision=False), pi=True)


async def _cancel_schedule(
    uow: UnitOfWork, schedule_id: str, *, keep_booked: bool, strict: bool
) -> ScheduleState:
    await uow.lock(_sc, [schedule_id])
    schedule = await _require_schedule(uow, schedule_id)
    if not schedule.active:
        if strict:
            raise errors.failed_precondition(
                "SCHEDULE_ALREADY_CANCELLED",
                f"Schedule {schedule_id} is already cancelled",
                scheduleId=schedule_id,
            )
        return schedule
    now = utcnow()
    schedule.status = ScheduleStatus.CANCELLED.value
    schedule.revision += 1
    schedule.updated_date = now
    await uow.conn.execute(
        uow.update(_sc)
        .where(_sc.c.id == schedule_id)
        .values(status=schedule.status, revision=schedule.revision, updated_date=now)
    )
    future = sa.or_(_ev.c.recurrence_type == MASTER, _ev.c.start_utc >= now)
    condition = sa.and_(_ev.c.schedule_id == schedule_id, future)
    if keep_booked:
        condition = sa.and_(
            condition,
            sa.or_(_ev.c.recurrence_type == MASTER, _ev.c.participants_total == 0),
        )
    await _cancel_future(uow, condition, now)
    return schedule


async def cancel_schedule(uow: UnitOfWork, schedule_id: str) -> None:
    """Cancel a schedule and its future events; a no-op when it is already cancelled."""
    await _cancel_schedule(uow, schedule_id, keep_booked=False, strict=False)


def _business_schedule_id(site_id: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{site_id}:business-schedule"))


async def ensure_business_schedule(uow: UnitOfWork) -> dict[str, Any]:
    """The site's business schedule, created with default working hours on first call.

    Race-free: its id derives from the site id and it is inserted with ON CONFLICT DO NOTHING,
    so of two transactions creating it at once one inserts, the other waits and reads it.
    """
    schedule_id = _business_schedule_id(uow.site_id)
    existing = await _load_schedule(uow, schedule_id)
    if existing is not None:
        return rules.schedule_wire(existing, pi=True)
    zone_name = await site_time_zone(uow)
    data = ScheduleIn(external_id=BUSINESS_SCHEDULE_EXTERNAL_ID, name=BUSINESS_SCHEDULE_NAME)
    schedule = _schedule_from(data, schedule_id=schedule_id, zone_name=zone_name)
    stmt = insert_ignoring_conflicts(uow.conn, _sc).returning(_sc.c.id)
    inserted = (
        await uow.conn.execute(stmt, [{**schedule_row(schedule), "site_id": uow.site_id}])
    ).first()
    if inserted is None:
        return rules.schedule_wire(await _require_schedule(uow, schedule_id), pi=True)
    today = zoned.today(utcnow(), zoned.zone(zone_name))
    opens, closes = BUSINESS_HOURS
    for weekday in range(5):
        day = today + timedelta(days=(weekday - today.weekday()) % 7)
        event = EventIn(
            schedule_id=schedule_id,
            type=EventType.WORKING_HOURS,
            start=ZonedDateIn(local_date=datetime.combine(day, opens)),
            end=ZonedDateIn(local_date=datetime.combine(day, closes)),
            recurrence_rule=RecurrenceRuleIn(days=[Day(WEEKDAYS[weekday])]),
        )
        await _create_event(uow, event, trusted=True)
    return rules.schedule_wire(schedule, pi=True)


# ---------------------------------------------------------------- events


async def _create_event(
    uow: SiteScope, data: EventIn, *, trusted: bool, prefix: str = "event"
) -> EventState:
    if not data.schedule_id:
        raise errors.invalid_field(f"{prefix}.scheduleId", "is required", errors.REQUIRED_FIELD)
    schedule = await _require_schedule(uow, data.schedule_id)
    _require_active_schedule(schedule)
    now = utcnow()
    event = rules.new_event(
        data, schedule, event_id=new_event_id(), now=now, trusted=trusted, prefix=prefix
    )
    await _fill_resource_details(uow, [event])
    if event.recurrence_type == MASTER:
        event.materialized_until = now + HORIZON
    await _insert_events(uow, [event])
    if event.recurrence_type == MASTER:
        await _materialize(uow, event, since=None, until=now + HORIZON)
    return event


async def create_event(
    uow: UnitOfWork, event: Mapping[str, Any], time_zone: str | None = None
) -> dict[str, Any]:
    """Create an event from its wire dict; ``adjusted*`` in ``time_zone`` (default site's)."""
    data = wire.parse(EventIn, dict(event), "event")
    created = await _create_event(uow, data, trusted=True)
    zone_name = await _response_zone(uow, time_zone)
    return rules.event_wire(created, time_zone=zone_name, pi=True)


async def get_event(scope: SiteScope, event_id: str) -> dict[str, Any] | None:
    event = await _load_event(scope, event_id)
    if event is None:
        return None
    return rules.event_wire(event, time_zone=event.time_zone, pi=True)


async def get_event_locked(uow: UnitOfWork, event_id: str) -> dict[str, Any] | None:
    """:func:`get_event` by the statement that also locks its row, as :func:`lock_events`
    does: for a use-case whose only lock is that one event (a lock of several events must
    take them in sorted order, all at once)."""
    row = (await uow.run(_EVENT_BY_ID_LOCKED, event_id=event_id)).first()
    if row is None:
        return None
    event = event_from_row(row)
    return rules.event_wire(event, time_zone=event.time_zone, pi=True)


async def _update_event(
    uow: UnitOfWork, data: EventIn, *, trusted: bool, prefix: str = "event"
) -> EventState:
    if not data.id:
        raise errors.invalid_field(f"{prefix}.id", "is required", errors.REQUIRED_FIELD)
    if data.revision is None:
        raise errors.revision_required(f"{prefix}.revision")
    await uow.lock(_ev, [data.id])
    event = await _require_event(uow, data.id)
    if data.revision != event.revision:
        raise errors.revision_mismatch("Event", event.id, data.revision, event.revision)
    _require_active_event(event)
    _require_active_schedule(await _require_schedule(uow, event.schedule_id))
    now = utcnow()
    new, change = rules.update_event(event, data, now=now, trusted=trusted, prefix=prefix)
    if rules.RESOURCES in change.fields:
        await _fill_resource_details(uow, [new])
    new.revision = event.revision + 1
    new.updated_date = now
    await _save_events(uow, [new])
    if new.recurrence_type == MASTER and change.any:
        await _sync_series(uow, new, change)
    return new


async def _cancel_event(uow: UnitOfWork, event_id: str) -> EventState:
    await uow.lock(_ev, [event_id])
    event = await _require_event(uow, event_id)
    if not event.active:
        raise errors.failed_precondition(
            "EVENT_ALREADY_CANCELLED", f"Event {event_id} is already cancelled", eventId=event_id
        )
    now = utcnow()
    event.status = CANCELLED
    event.revision += 1
    event.updated_date = now
    await _save_events(uow, [event])
    if event.recurrence_type == MASTER:
        await _cancel_future(
            uow, sa.and_(_ev.c.recurring_event_id == event.id, _ev.c.start_utc >= now), now
        )
    return event


async def cancel_event(uow: UnitOfWork, event_id: str) -> dict[str, Any]:
    """Cancel an event (a MASTER: the series from now on); its wire dict after."""
    event = await _cancel_event(uow, event_id)
    return rules.event_wire(event, time_zone=event.time_zone, pi=True)


async def set_participants_total(uow: UnitOfWork, event_id: str, total: int) -> None:
    """The bookings hook: ``total`` participants are booked on ``event_id`` (see module doc).
    One statement: ``remainingCapacity`` is :attr:`EventState.remaining_capacity` computed
    by the database from the row's ``totalCapacity`` (NULL stays NULL)."""
    result = await uow.run(_SET_PARTICIPANTS, event_id=event_id, participants=max(0, total))
    if result.rowcount != 1:
        raise errors.not_found("EVENT_NOT_FOUND", f"Event {event_id} not found", eventId=event_id)


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
    return [rules.event_wire(e, time_zone=e.time_zone, pi=True) for e in found]


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


# ---------------------------------------------------------------- HTTP use-cases


async def api_create_schedule(
    db: Database, site_id: str, req: CreateScheduleRequest
) -> dict[str, Any]:
    async with db.write(site_id) as uow:
        schedule = await _create_schedule(uow, req.schedule)
    return {"schedule": rules.schedule_wire(schedule, pi=True)}


async def api_get_schedule(
    db: Database, site_id: str, schedule_id: str, *, pi: bool
) -> dict[str, Any]:
    async with db.read(site_id) as scope:
        schedule = await _require_schedule(scope, schedule_id)
    return {"schedule": rules.schedule_wire(schedule, pi=pi)}


async def api_query_schedules(
    db: Database, signer: Signer, site_id: str, q: dict[str, Any] | None, *, pi: bool
) -> dict[str, Any]:
    async with db.read(site_id) as scope:
        page = await query.run_query(
            scope,
            SCHEDULE_QUERY,
            scope.select(_sc),
            q or {},
            signer=signer,
            scope_key=f"{site_id}:calendar-schedules",
        )
    return {
        "schedules": [rules.schedule_wire(schedule_from_row(r), pi=pi) for r in page.rows],
        "pagingMetadata": page.paging_metadata,
    }


async def api_update_schedule(
    db: Database, site_id: str, req: UpdateScheduleRequest
) -> dict[str, Any]:
    async with db.write(site_id) as uow:
        schedule = await _update_schedule(uow, req.schedule, check_revision=True)
    return {"schedule": rules.schedule_wire(schedule, pi=True)}


async def api_cancel_schedule(
    db: Database, site_id: str, req: CancelScheduleRequest
) -> dict[str, Any]:
    async with db.write(site_id) as uow:
        schedule = await _cancel_schedule(
            uow,
            req.schedule_id,
            keep_booked=req.preserve_future_events_with_participants,
            strict=True,
        )
    return {"schedule": rules.schedule_wire(schedule, pi=True)}


async def api_create_event(db: Database, site_id: str, req: CreateEventRequest) -> dict[str, Any]:
    async with db.write(site_id) as uow:
        zone_name = await _response_zone(uow, req.time_zone)
        event = await _create_event(uow, req.event, trusted=False)
    return {"event": rules.event_wire(event, time_zone=zone_name, pi=True)}


async def _bulk(
    uow: UnitOfWork,
    items: Sequence[Any],
    action: Callable[[Any], Awaitable[EventState]],
    *,
    zone_name: str,
    return_entity: bool,
    item_id: Callable[[Any], str | None] = lambda _: None,
) -> dict[str, Any]:
    results = BulkResults(return_entity=return_entity)
    for index, item in enumerate(items):
        try:
            async with uow.conn.begin_nested():
                event = await action(item)
        except errors.ApiError as exc:
            results.failed(index, item_id(item), exc)
        else:
            results.ok(index, event.id, rules.event_wire(event, time_zone=zone_name, pi=True))
    return results.to_wire()


async def api_bulk_create_events(
    db: Database, site_id: str, req: BulkCreateEventRequest
) -> dict[str, Any]:
    async with db.write(site_id) as uow:
        zone_name = await _response_zone(uow, req.time_zone)

        async def create(item: Any) -> EventState:
            data = wire.parse(EventIn, item.event, "event")
            return await _create_event(uow, data, trusted=False)

        return await _bulk(
            uow, req.events, create, zone_name=zone_name, return_entity=req.return_entity
        )


async def api_bulk_update_events(
    db: Database, site_id: str, req: BulkUpdateEventRequest
) -> dict[str, Any]:
    async with db.write(site_id) as uow:
        zone_name = await _response_zone(uow, req.time_zone)

        async def update(item: Any) -> EventState:
            data = wire.parse(EventIn, item.event, "event")
            return await _update_event(uow, data, trusted=False)

        def item_id(item: Any) -> str | None:
            value = item.event.get("id")
            return value if isinstance(value, str) else None

        return await _bulk(
            uow,
            req.events,
            update,
            zone_name=zone_name,
            return_entity=req.return_entity,
            item_id=item_id,
        )


async def api_get_event(
    db: Database, site_id: str, event_id: str, time_zone: str | None, *, pi: bool
) -> dict[str, Any]:
    async with db.read(site_id) as scope:
        zone_name = await _response_zone(scope, time_zone)
        event = await _require_event(scope, event_id)
    return {"event": rules.event_wire(event, time_zone=zone_name, pi=pi)}


async def api_list_events(
    db: Database, site_id: str, event_ids: Sequence[str], time_zone: str | None, *, pi: bool
) -> dict[str, Any]:
    async with db.read(site_id) as scope:
        zone_name = await _response_zone(scope, time_zone)
        rows = await scope.all(scope.select(_ev).where(_ev.c.id.in_(list(event_ids))))
    by_id = {r.id: event_from_row(r) for r in rows}
    ordered = [by_id[i] for i in dict.fromkeys(event_ids) if i in by_id]
    return {"events": [rules.event_wire(e, time_zone=zone_name, pi=pi) for e in ordered]}


def _mentions(node: Any, key: str, value: str | None = None) -> bool:
    """Whether a filter names field ``key`` (with ``value`` somewhere under it)."""
    if isinstance(node, Mapping):
        for k, v in node.items():
            named = isinstance(k, str) and (k == key or k.startswith(key + "."))
            if named and (value is None or _contains(v, value)):
                return True
            if isinstance(v, Mapping | list) and _mentions(v, key, value):
                return True
    elif isinstance(node, list):
        return any(_mentions(item, key, value) for item in node)
    return False


def _contains(node: Any, value: str) -> bool:
    if isinstance(node, Mapping):
        return any(_contains(v, value) for v in node.values())
    if isinstance(node, list):
        return any(_contains(v, value) for v in node)
    return bool(node == value)


def _events_filter(
    req: QueryEventsRequest, user_filter: Any, tz_name: str
) -> tuple[dict[str, Any], datetime | None]:
    """The user's filter plus the window, default recurrence types and hidden events; and
    the end of the window as an instant."""
    tz = zoned.zone(tz_name)
    window_from = zoned.to_utc(req.from_local_date, tz) if req.from_local_date else None
    window_to = zoned.to_utc(req.to_local_date, tz) if req.to_local_date else None
    if window_from is not None and window_to is not None and window_from >= window_to:
        sort = (req.query or {}).get("sort")
        descending = isinstance(sort, list) and any(
            isinstance(s, Mapping) and s.get("order") == "DESC" for s in sort
        )
        if not descending or window_from == window_to:
            raise errors.invalid_field("toLocalDate", "must be after fromLocalDate")
        window_from, window_to = window_to, window_from
    parts: list[dict[str, Any]] = [user_filter] if user_filter else []
    if window_to is not None:
        parts.append({"_window.start": {"$lt": wire.format_timestamp(window_to)}})
    if window_from is not None:  # a MASTER without end runs forever
        after = {"$gt": wire.format_timestamp(window_from)}
        parts.append({"$or": [{"_window.end": after}, {"_window.end": {"$exists": False}}]})
    kinds = [t.value for t in req.recurrence_type] if req.recurrence_type else None
    parts.append({"recurrenceType": {"$in": kinds or list(rules.OCCURRENCE_TYPES)}})
    if not _mentions(user_filter, "status"):
        parts.append({"status": CONFIRMED})
    if not _mentions(user_filter, "type", rules.WORKING_HOURS):
        parts.append({"type": {"$ne": rules.WORKING_HOURS}})
    return {"$and": parts}, window_to


async def api_query_events(
    db: Database, signer: Signer, site_id: str, req: QueryEventsRequest, *, pi: bool
) -> dict[str, Any]:
    async with db.read(site_id) as scope:
        zone_name = await _response_zone(scope, req.time_zone)
    q: dict[str, Any] = dict(req.query or {})
    paging = q.get("cursorPaging")
    cursor = paging.get("cursor") if isinstance(paging, Mapping) else None
    target = utcnow() + HORIZON_MIN
    if not cursor:
        user_filter = q.get("filter")
        query.compile_filter(EVENT_QUERY, user_filter, "query.filter")  # errors name its paths
        q["filter"], window_to = _events_filter(req, user_filter, zone_name)
        if window_to is not None:
            target = max(target, window_to)
    await _ensure_materialized(db, site_id, target)
    async with db.read(site_id) as scope:
        page = await query.run_query(
            scope,
            EVENT_QUERY,
            scope.select(_ev),
            q,
            signer=signer,
            scope_key=f"{site_id}:calendar-events",
        )
    return {
        "events": [
            rules.event_wire(event_from_row(r), time_zone=zone_name, pi=pi) for r in page.rows
        ],
        "pagingMetadata": page.paging_metadata,
    }


async def api_update_event(db: Database, site_id: str, req: UpdateEventRequest) -> dict[str, Any]:
    async with db.write(site_id) as uow:
        zone_name = await _response_zone(uow, req.time_zone)
        event = await _update_event(uow, req.event, trusted=False)
    return {"event": rules.event_wire(event, time_zone=zone_name, pi=True)}


async def api_cancel_event(
    db: Database, site_id: str, event_id: str, time_zone: str | None
) -> dict[str, Any]:
    async with db.write(site_id) as uow:
        zone_name = await _response_zone(uow, time_zone)
        event = await _cancel_event(uow, event_id)
    return {"event": rules.event_wire(event, time_zone=zone_name, pi=True)}


async def api_bulk_cancel_events(
    db: Database, site_id: str, req: BulkCancelEventRequest
) -> dict[str, Any]:
    async with db.write(site_id) as uow:
        zone_name = await _response_zone(uow, req.time_zone)

        async def cancel(event_id: Any) -> EventState:
            return await _cancel_event(uow, str(event_id))

        return await _bulk(
            uow,
            req.event_ids,
            cancel,
            zone_name=zone_name,
            return_entity=req.return_entity,
            item_id=lambda event_id: str(event_id),
        )


async def api_restore_event_defaults(
    db: Database, site_id: str, req: RestoreEventDefaultsRequest
) -> dict[str, Any]:
    async with db.write(site_id) as uow:
        zone_name = await _response_zone(uow, req.time_zone)
        event = await _restore_defaults(uow, req.event_id, [f.value for f in req.fields])
    return {"event": rules.event_wire(event, time_zone=zone_name, pi=True)}


async def _restore_defaults(uow: UnitOfWork, event_id: str, fields: list[str]) -> EventState:
    await uow.lock(_ev, [event_id])
    event = await _require_event(uow, event_id)
    _require_active_event(event)
    allowed = rules.restorable(event)
    for i, name in enumerate(fields):
        if name not in allowed:
            raise errors.invalid_field(
                f"fields[{i}]",
                f"cannot be restored on a {event.recurrence_type} event",
                errors.FIELD_NOT_ALLOWED,
            )
    schedule = await _require_schedule(uow, event.schedule_id)
    _require_active_schedule(schedule)
    new = copy.deepcopy(event)
    occ = None
    if event.recurring_event_id is not None:
        master = await _require_event(uow, event.recurring_event_id)
        values = master.master_values()
        if master.rule is not None and event.occurrence_key is not None:
            occ = occurrence_on(master.series(), event.occurrence_key)
    else:
        values = schedule.defaults()
    wanted = set(fields)
    new.inherited |= wanted
    for name in rules.ordered(wanted):
        if name == TIME:
            if occ is not None:
                new.place(occ)
                new.start_local = zoned.to_local(new.start_utc, new.tz)
                new.end_local = zoned.to_local(new.end_utc, new.tz)
        elif name == TIME_ZONE:
            new.time_zone = values[TIME_ZONE]
            if TIME in new.inherited and occ is not None:  # the occurrence's own time
                new.place(occ)
                new.start_local = zoned.to_local(new.start_utc, new.tz)
                new.end_local = zoned.to_local(new.end_utc, new.tz)
            else:  # its own wall-clock time, in the restored zone
                new.retime(new.start_local, new.end_local)
        else:
            new.set(name, values[name])
    changed = {
        name for name in wanted if name in (TIME, TIME_ZONE) or new.get(name) != event.get(name)
    }
    if rules.RESOURCES in changed:
        await _fill_resource_details(uow, [new])
    now = utcnow()
    new.revision += 1
    new.updated_date = now
    await _save_events(uow, [new])
    if new.recurrence_type == MASTER:
        retime = (new.start_utc, new.end_utc, new.time_zone) != (
            event.start_utc,
            event.end_utc,
            event.time_zone,
        )
        await _sync_series(uow, new, Change(fields=changed, retime=retime))
    return new


async def api_split_recurring_event(
    db: Database, site_id: str, req: SplitRecurringEventRequest
) -> dict[str, Any]:
    async with db.write(site_id) as uow:
        zone_name = await _response_zone(uow, req.time_zone)
        before, after = await _split(uow, req.recurring_event_id, req.split_local_date, zone_name)
    return {
        "updatedRecurringEventEndingBeforeSplit": rules.event_wire(
            before, time_zone=zone_name, pi=True
        ),
        "newRecurringEventStartingFromSplit": rules.event_wire(after, time_zone=zone_name, pi=True),
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
    return ended, successor


async def api_events_view(db: Database, site_id: str) -> dict[str, Any]:
    """How far ahead occurrences are guaranteed to be materialized."""
    end = utcnow() + HORIZON_MIN
    return {
        "eventsView": {
            "endDate": wire.format_timestamp(end),
            "futureDurationInDays": HORIZON_MIN.days,
        }
    }


# ---------------------------------------------------------------- row locks (bookings slice)


async def lock_events(uow: UnitOfWork, event_ids: Iterable[str]) -> dict[str, int | None]:
    """Lock event rows (sorted order; SQLite: the write transaction is exclusive already):
    the bookings slice serializes the capacity of a class session on its event row. Returns
    the ``totalCapacity`` of each locked event, read by the locking statement (events that
    do not exist are absent)."""
    rows = await uow.lock(_ev, event_ids, columns=["total_capacity"])
    return {row.id: row.total_capacity for row in rows}


async def lock_schedule(uow: UnitOfWork, schedule_id: str) -> None:
    """Lock a schedule row: the bookings slice serializes a course's capacity on it."""
    await uow.lock(_sc, [schedule_id])
