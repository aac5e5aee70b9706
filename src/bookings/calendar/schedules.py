"""Schedule use cases: create, get, update (defaults flow to future events), cancel, the
site's business schedule, the course lock."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bookings.calendar import documents, rules
from bookings.calendar.events import (
    _create_event,
)
from bookings.calendar.models import (
    event_from_row,
    schedule_from_row,
    schedule_row,
)
from bookings.calendar.queries import (
    SCHEDULE_QUERY,
)
from bookings.calendar.recurrence import WEEKDAYS
from bookings.calendar.rules import (
    CONFIRMED,
    MASTER,
    NONE,
    TIME_ZONE,
    Change,
    ScheduleState,
)
from bookings.calendar.schemas import (
    BOOKINGS_APP_ID,
    BUSINESS_SCHEDULE_EXTERNAL_ID,
    BUSINESS_SCHEDULE_NAME,
    CancelScheduleRequest,
    CreateScheduleRequest,
    Day,
    EventIn,
    EventType,
    RecurrenceRuleIn,
    ScheduleIn,
    ScheduleStatus,
    UpdateScheduleRequest,
    ZonedDateIn,
)
from bookings.calendar.series import (
    _cancel_future,
    _sync_series,
)
from bookings.calendar.store import (
    _NAMESPACE,
    BUSINESS_HOURS,
    _ev,
    _load_schedule,
    _record_schedule,
    _require_active_schedule,
    _require_schedule,
    _save_events,
    _sc,
)
from bookings.identity.service import site_time_zone
from bookings.platform import errors, query, wire, zoned
from bookings.platform.db import (
    Database,
    SiteScope,
    UnitOfWork,
    insert_ignoring_conflicts,
    utcnow,
)
from bookings.platform.signing import Signer

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
    await _record_schedule(uow, "created", schedule)
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
    return documents.schedule_wire(await _create_schedule(uow, data), pi=True)


async def get_schedule(scope: SiteScope, schedule_id: str) -> dict[str, Any] | None:
    schedule = await _load_schedule(scope, schedule_id)
    return None if schedule is None else documents.schedule_wire(schedule, pi=True)


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
    await _record_schedule(uow, "updated", new)
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
    return documents.schedule_wire(await _update_schedule(uow, data, check_revision=False), pi=True)


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
    await _record_schedule(uow, "updated", schedule)
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
        return documents.schedule_wire(existing, pi=True)
    zone_name = await site_time_zone(uow)
    data = ScheduleIn(external_id=BUSINESS_SCHEDULE_EXTERNAL_ID, name=BUSINESS_SCHEDULE_NAME)
    schedule = _schedule_from(data, schedule_id=schedule_id, zone_name=zone_name)
    stmt = insert_ignoring_conflicts(uow.conn, _sc).returning(_sc.c.id)
    inserted = (
        await uow.conn.execute(stmt, [{**schedule_row(schedule), "site_id": uow.site_id}])
    ).first()
    if inserted is None:
        return documents.schedule_wire(await _require_schedule(uow, schedule_id), pi=True)
    await _record_schedule(uow, "created", schedule)
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
    return documents.schedule_wire(schedule, pi=True)


# ---------------------------------------------------------------- HTTP use-cases


async def api_create_schedule(
    db: Database, site_id: str, req: CreateScheduleRequest
) -> dict[str, Any]:
    async with db.write(site_id) as uow:
        schedule = await _create_schedule(uow, req.schedule)
    return {"schedule": documents.schedule_wire(schedule, pi=True)}


async def api_get_schedule(
    db: Database, site_id: str, schedule_id: str, *, pi: bool
) -> dict[str, Any]:
    async with db.read(site_id) as scope:
        schedule = await _require_schedule(scope, schedule_id)
    return {"schedule": documents.schedule_wire(schedule, pi=pi)}


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
        "schedules": [documents.schedule_wire(schedule_from_row(r), pi=pi) for r in page.rows],
        "pagingMetadata": page.paging_metadata,
    }


async def api_update_schedule(
    db: Database, site_id: str, req: UpdateScheduleRequest
) -> dict[str, Any]:
    async with db.write(site_id) as uow:
        schedule = await _update_schedule(uow, req.schedule, check_revision=True)
    return {"schedule": documents.schedule_wire(schedule, pi=True)}


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
    return {"schedule": documents.schedule_wire(schedule, pi=True)}


async def lock_schedule(uow: UnitOfWork, schedule_id: str) -> None:
    """Lock a schedule row: the bookings slice serializes a course's capacity on it."""
    await uow.lock(_sc, [schedule_id])
