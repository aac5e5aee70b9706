"""The APPOINTMENT events the bookings slice writes for its appointment bookings (spec D.6).

A booking's event has the id ``booking-<bookingId>`` (:func:`booking_event_id`): every other
event id is 64 hex characters (:func:`bookings.calendar.store.new_event_id`, the instance
ids), so the prefix marks an event as a booking's, and names that booking. What a booking
holds is counted from the ``bookings`` table (the availability slice's ``BookingLoad``), so
:func:`bookings.calendar.busy.busy_intervals` leaves these events out: a booking is never
counted twice.

Both functions run inside the booking's write, after the booking's ``UPDATE ... WHERE
revision`` (or its insert): the lock order is in ``docs/locking.md``.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime

from bookings.calendar import rules
from bookings.calendar.models import event_from_row
from bookings.calendar.rules import CANCELLED, CONFIRMED, EventState
from bookings.calendar.schemas import EventIn, EventType, ResourceIn, ZonedDateIn
from bookings.calendar.store import (
    _EVENT_BY_ID_LOCKED,
    _fill_resource_details,
    _insert_events,
    _require_schedule,
    _save_events,
)
from bookings.platform import zoned
from bookings.platform.db import UnitOfWork, utcnow

#: The id prefix of the events written for bookings (never a prefix of a hex id).
BOOKING_EVENT_PREFIX = "booking-"


def booking_event_id(booking_id: str) -> str:
    """The id of the APPOINTMENT event of booking ``booking_id``."""
    return BOOKING_EVENT_PREFIX + booking_id


def is_booking_event(event_id: str) -> bool:
    """Whether ``event_id`` is the event of a booking (written by the bookings slice)."""
    return event_id.startswith(BOOKING_EVENT_PREFIX)


async def _locked(uow: UnitOfWork, event_id: str) -> EventState | None:
    row = (await uow.run(_EVENT_BY_ID_LOCKED, event_id=event_id)).first()
    return event_from_row(row) if row is not None else None


def _same(a: EventState, b: EventState) -> bool:
    keys = ("start_utc", "end_utc", "time_zone", "title", "status", "participants_total")
    return all(getattr(a, k) == getattr(b, k) for k in keys) and [r["id"] for r in a.resources] == [
        r["id"] for r in b.resources
    ]


async def put_booking_event(
    uow: UnitOfWork,
    booking_id: str,
    *,
    schedule_id: str,
    title: str | None,
    start_utc: datetime,
    end_utc: datetime,
    time_zone: str | None,
    resource_ids: Sequence[str],
    participants: int,
) -> str:
    """Create or move the CONFIRMED APPOINTMENT event of a booking on ``schedule_id`` (the
    service's schedule): its staff in ``resources[]`` (OPAQUE), ``participants.total`` the
    booking's participants, in ``time_zone`` (``None``: the schedule's). Answers the event
    id. The event follows its booking even when the schedule has been cancelled since (a
    deleted service cancels its schedule and the events on it; its bookings stay what they
    are)."""
    await uow.flush()  # the calendar's helpers use ``uow.conn`` (a create's rows may wait)
    schedule = await _require_schedule(uow, schedule_id)
    time_zone = time_zone or schedule.time_zone
    tz = zoned.zone(time_zone)
    start_local, end_local = zoned.to_local(start_utc, tz), zoned.to_local(end_utc, tz)
    now = utcnow()
    event_id = booking_event_id(booking_id)
    data = EventIn(
        schedule_id=schedule_id,
        type=EventType.APPOINTMENT,
        title=(title or "")[:200] or None,
        start=ZonedDateIn(local_date=start_local),
        end=ZonedDateIn(local_date=end_local),
        time_zone=time_zone,
        resources=[ResourceIn(id=r) for r in resource_ids],
    )
    wanted = rules.new_event(data, schedule, event_id=event_id, now=now, trusted=True)
    # The booking's own instants (a wall-clock time in a DST fold has two).
    wanted.start_utc, wanted.end_utc = start_utc, end_utc
    wanted.start_local, wanted.end_local = start_local, end_local
    wanted.participants_total = participants
    existing = await _locked(uow, event_id)
    if existing is None:
        await _fill_resource_details(uow, [wanted])
        await _insert_events(uow, [wanted], record=False)
        return event_id
    if _same(existing, wanted) and existing.schedule_id == schedule_id:
        return event_id
    wanted.created_date = existing.created_date
    wanted.revision = existing.revision + 1
    wanted.extended_fields = copy.deepcopy(existing.extended_fields)
    wanted.notes = existing.notes
    await _fill_resource_details(uow, [wanted])
    await _save_events(uow, [wanted], record=False)
    return event_id


async def cancel_booking_event(uow: UnitOfWork, booking_id: str) -> None:
    """Cancel the event of a booking (as Calendar's Cancel Event does); nothing when it has
    none or it is cancelled already."""
    await uow.flush()
    existing = await _locked(uow, booking_event_id(booking_id))
    if existing is None or existing.status != CONFIRMED:
        return
    existing.status = CANCELLED
    existing.revision += 1
    existing.updated_date = utcnow()
    await _save_events(uow, [existing], record=False)
