"""The machinery every life-cycle call shares: lock the booking's owner, apply a change with
the booking's revision, record its events."""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bookings.booking import capacity, rules, search
from bookings.booking.documents import (
    booking_wire,
    package_of,
)
from bookings.booking.models import bookings as _b
from bookings.booking.money import BookingLeft, booking_left
from bookings.booking.service import appointment_events, waitlist_store
from bookings.booking.service.common import (
    _index_arrays,
    _record,
    _require,
    _row,
    _sync_participants,
)
from bookings.booking.service.placement import (
    _lock_target,
    _place,
)
from bookings.booking.service.targets import (
    Target,
)
from bookings.booking.state import Status
from bookings.calendar import service as calendar
from bookings.catalog.services.service import ServiceView
from bookings.platform import errors, events
from bookings.platform.auth import Identity
from bookings.platform.db import (
    Database,
    UnitOfWork,
    utcnow,
)
from bookings.platform.wire import format_timestamp

# ---------------------------------------------------------------- life cycle


@dataclass
class Change:
    """What a life-cycle call changes on a booking, and the events it records."""

    status: Status
    payment_status: str
    doc: dict[str, Any]
    double_booked: bool
    values: dict[str, Any] = field(default_factory=dict)
    #: (slug, kind, extra body fields) — the booking and the common fields are added.
    outbox: list[tuple[str, events.EventKind, dict[str, Any]]] = field(default_factory=list)
    #: Class events whose participant totals must be refreshed.
    touched_events: list[str] = field(default_factory=list)
    #: The booking leaves (canceled, declined): the money hook's question.
    left: BookingLeft | None = None


Apply = Callable[[UnitOfWork, sa.Row[Any], datetime], Awaitable[Change]]


def _target_of(row: sa.Row[Any], service: ServiceView) -> Target:
    """The current placement of a booking, as a :class:`Target`."""
    doc = row.doc or {}
    entity = copy.deepcopy(doc.get("bookedEntity") or {})
    auto = bool(doc.get("autoAssigned"))
    candidates: list[str] = []
    if row.kind == rules.APPOINTMENT:
        staff_ids = service.staff_member_ids
        first = [row.resource_id] if row.resource_id else []
        candidates = first + ([s for s in staff_ids if s not in first] if auto else [])
    return Target(
        row.kind,
        service,
        entity,
        schedule_id=row.schedule_id,
        event_id=row.event_id,
        candidates=candidates,
        requested=None if auto else row.resource_id,
        start_utc=row.start_utc,
        end_utc=row.end_utc,
        buffer=service.buffer_minutes,
    )


async def _lock_owner(uow: UnitOfWork, row: sa.Row[Any], service: ServiceView) -> Target:
    target = _target_of(row, service)
    await _lock_target(uow, target)
    return target


async def _lock_group_owner(uow: UnitOfWork, row: sa.Row[Any]) -> None:
    """Lock a class or course booking's capacity owner (its session's event, its course's
    schedule) without reading its service: what a call that frees capacity needs."""
    if row.kind == rules.CLASS:
        await calendar.lock_events(uow, [row.event_id or ""])
    elif row.kind == rules.COURSE:
        await calendar.lock_schedule(uow, row.schedule_id or "")


async def _mutate(
    db: Database,
    caller: Identity,
    booking_id: str,
    revision: int | None,
    apply: Apply,
    *,
    revision_required: bool = True,
) -> dict[str, Any]:
    """One life-cycle call: load, check the revision, apply, ``UPDATE ... WHERE revision``,
    record its events — in one unit of work."""
    if revision_required and revision is None:
        raise errors.revision_required("revision")
    async with db.write(caller.site_id) as uow:
        row = await _require(uow, booking_id, caller)
        if revision is not None and revision != row.revision:
            raise errors.revision_mismatch("Booking", booking_id, revision, row.revision)
        now = utcnow()
        change = await apply(uow, row, now)
        wire = await _write_change(uow, caller, row, change, now)
    return wire


async def _write_change(
    uow: UnitOfWork,
    caller: Identity,
    row: sa.Row[Any],
    change: Change,
    now: datetime,
    *,
    settle: bool = True,
) -> dict[str, Any]:
    """Write ``change`` to the booking of ``row``: ``UPDATE ... WHERE revision`` (409
    ``REVISION_MISMATCH`` when another write came first), its derived rows, its class event's
    participants and waitlist (``settle``: a spot it freed goes to the next in line), its
    events. Answers the booking as written."""
    booking_id = row.id
    appointment_events.before_change(row, change.status, change.doc, change.values)
    values = {
        "status": change.status.value,
        "payment_status": change.payment_status,
        "doc": change.doc,
        "double_booked": change.double_booked,
        "revision": row.revision + 1,
        "updated_date": now,
        **search.indexed_columns(change.doc),
        "multi_service_booking_id": package_of(change.doc),
        **change.values,
    }
    result = await uow.conn.execute(
        uow.update(_b)
        .where(_b.c.id == booking_id)
        .where(_b.c.revision == row.revision)
        .values(**values)
    )
    if result.rowcount != 1:
        current = await _row(uow, booking_id)
        raise errors.revision_mismatch(
            "Booking", booking_id, row.revision, current.revision if current else 0
        )
    await _index_arrays(uow, booking_id, change.doc, row.doc or {})
    await appointment_events.after_change(uow, row, change.status, change.doc, change.values)
    for event_id in dict.fromkeys([row.event_id, *change.touched_events]):
        if event_id and row.kind == rules.CLASS:
            await _sync_participants(uow, rules.CLASS, event_id, now)
            if settle:
                await settle_waitlist(uow, caller, event_id, now)
    fresh = await _row(uow, booking_id)
    assert fresh is not None
    wire = booking_wire(fresh)
    for slug, kind, extra in change.outbox:
        if kind == "action":
            payload = {"booking": wire, **extra, "initiatedBy": caller.initiated_by()}
            if wire.get("doubleBooked") and slug in ("confirmed", "declined", "markedAsPending"):
                payload["doubleBooked"] = True
        else:
            payload = wire
        await _record(uow, booking_id, slug, kind, payload)
    if change.left is not None:
        for hook in booking_left:
            await hook(uow, caller, change.left)
    return wire


async def settle_waitlist(uow: UnitOfWork, caller: Identity, event_id: str, now: datetime) -> None:
    """Settle a session's waitlist (its event locked): offers that ran out end and their
    bookings are canceled, freed spots are offered to the next in line."""
    for booking_id in await waitlist_store.settle(uow, event_id, now):
        row = await _row(uow, booking_id)
        if row is None or row.status != Status.WAITING_LIST.value:
            continue
        doc = copy.deepcopy(row.doc)
        doc["canceledDate"] = format_timestamp(now)
        extra = {"previousStatus": row.status}
        change = Change(
            Status.CANCELED,
            row.payment_status,
            doc,
            bool(row.double_booked),
            {"hold_until": None},
            [("canceled", "action", extra)],
        )
        await _write_change(uow, caller, row, change, now, settle=False)


async def _fits_now(
    uow: UnitOfWork, row: sa.Row[Any], target: Target, now: datetime
) -> tuple[bool, str | None]:
    """Whether a booking that holds nothing yet can take its place now (owners locked)."""
    if capacity.holds(Status(row.status), row.hold_until, now):
        return True, row.resource_id
    return await _place(uow, target, row.participants, now, row.id)


def _no_open_spots(booking_id: str) -> errors.ApplicationError:
    return errors.failed_precondition(
        "NO_OPEN_SPOTS",
        f"Booking {booking_id} no longer fits: its slot is taken",
        bookingId=booking_id,
    )
