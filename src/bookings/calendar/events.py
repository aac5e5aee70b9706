"""Event use cases: create (single and bulk), get, update, cancel, restore defaults,
participants totals, the class-session locks."""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from bookings.calendar import documents, rules
from bookings.calendar.models import (
    event_from_row,
)
from bookings.calendar.recurrence import occurrence_on
from bookings.calendar.rules import (
    CANCELLED,
    MASTER,
    TIME,
    TIME_ZONE,
    Change,
    EventState,
)
from bookings.calendar.schemas import (
    BulkCancelEventRequest,
    BulkCreateEventRequest,
    BulkUpdateEventRequest,
    CreateEventRequest,
    EventIn,
    RestoreEventDefaultsRequest,
    UpdateEventRequest,
)
from bookings.calendar.series import (
    _cancel_future,
    _materialize,
    _sync_series,
)
from bookings.calendar.store import (
    _EVENT_BY_ID_LOCKED,
    _SET_PARTICIPANTS,
    HORIZON,
    _ev,
    _fill_resource_details,
    _insert_events,
    _load_event,
    _require_active_event,
    _require_active_schedule,
    _require_event,
    _require_schedule,
    _response_zone,
    _save_events,
    new_event_id,
)
from bookings.platform import errors, wire, zoned
from bookings.platform.bulk import bulk_each
from bookings.platform.db import (
    Database,
    SiteScope,
    UnitOfWork,
    utcnow,
)

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
    return documents.event_wire(created, time_zone=zone_name, pi=True)


async def get_event(scope: SiteScope, event_id: str) -> dict[str, Any] | None:
    event = await _load_event(scope, event_id)
    if event is None:
        return None
    return documents.event_wire(event, time_zone=event.time_zone, pi=True)


async def get_event_locked(uow: UnitOfWork, event_id: str) -> dict[str, Any] | None:
    """:func:`get_event` by the statement that also locks its row, as :func:`lock_events`
    does: for a use-case whose only lock is that one event (a lock of several events must
    take them in sorted order, all at once)."""
    row = (await uow.run(_EVENT_BY_ID_LOCKED, event_id=event_id)).first()
    if row is None:
        return None
    event = event_from_row(row)
    return documents.event_wire(event, time_zone=event.time_zone, pi=True)


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
    return documents.event_wire(event, time_zone=event.time_zone, pi=True)


async def set_participants_total(uow: UnitOfWork, event_id: str, total: int) -> None:
    """The bookings hook: ``total`` participants are booked on ``event_id`` (see module doc).
    One statement: ``remainingCapacity`` is :attr:`EventState.remaining_capacity` computed
    by the database from the row's ``totalCapacity`` (NULL stays NULL)."""
    result = await uow.run(_SET_PARTICIPANTS, event_id=event_id, participants=max(0, total))
    if result.rowcount != 1:
        raise rules.event_not_found(event_id)


async def set_participants_total_later(uow: UnitOfWork, event_id: str, total: int) -> None:
    """:func:`set_participants_total` for an event this unit of work has locked and read (so
    it is there): sent with the unit's waiting inserts (``UnitOfWork.run_deferred``)."""
    await uow.run_deferred(_SET_PARTICIPANTS, event_id=event_id, participants=max(0, total))


async def api_create_event(db: Database, site_id: str, req: CreateEventRequest) -> dict[str, Any]:
    async with db.write(site_id) as uow:
        zone_name = await _response_zone(uow, req.time_zone)
        event = await _create_event(uow, req.event, trusted=False)
    return {"event": documents.event_wire(event, time_zone=zone_name, pi=True)}


async def _bulk(
    uow: UnitOfWork,
    items: Sequence[Any],
    action: Callable[[Any], Awaitable[EventState]],
    *,
    zone_name: str,
    return_entity: bool,
    item_id: Callable[[Any], str | None] = lambda _: None,
) -> dict[str, Any]:
    """Each item in a savepoint of the one unit of work (a failed item leaves no trace)."""

    async def run(_index: int, item: Any) -> dict[str, Any]:
        async with uow.conn.begin_nested():
            event = await action(item)
        return documents.event_wire(event, time_zone=zone_name, pi=True)

    return await bulk_each(items, run, return_entity=return_entity, item_id=item_id)


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
    return {"event": documents.event_wire(event, time_zone=zone_name, pi=pi)}


async def api_update_event(db: Database, site_id: str, req: UpdateEventRequest) -> dict[str, Any]:
    async with db.write(site_id) as uow:
        zone_name = await _response_zone(uow, req.time_zone)
        event = await _update_event(uow, req.event, trusted=False)
    return {"event": documents.event_wire(event, time_zone=zone_name, pi=True)}


async def api_cancel_event(
    db: Database, site_id: str, event_id: str, time_zone: str | None
) -> dict[str, Any]:
    async with db.write(site_id) as uow:
        zone_name = await _response_zone(uow, time_zone)
        event = await _cancel_event(uow, event_id)
    return {"event": documents.event_wire(event, time_zone=zone_name, pi=True)}


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
    return {"event": documents.event_wire(event, time_zone=zone_name, pi=True)}


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


# ---------------------------------------------------------------- row locks (bookings slice)


async def lock_events(uow: UnitOfWork, event_ids: Iterable[str]) -> dict[str, int | None]:
    """Lock event rows (sorted order; SQLite: the write transaction is exclusive already):
    the bookings slice serializes the capacity of a class session on its event row. Returns
    the ``totalCapacity`` of each locked event, read by the locking statement (events that
    do not exist are absent)."""
    rows = await uow.lock(_ev, event_ids, columns=["total_capacity"])
    return {row.id: row.total_capacity for row in rows}
