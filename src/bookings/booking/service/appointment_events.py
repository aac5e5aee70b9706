"""The calendar event of an appointment booking (spec D.6; writer rule 10: its ``eventId`` is
set when it is confirmed).

While an appointment booking holds its slot (CONFIRMED or PENDING) it has an APPOINTMENT
event on its service's schedule: its staff member in ``resources[]`` (OPAQUE), its instants
and time zone, the service's name as title, its participants. The event's id is
``booking-<bookingId>`` (:func:`bookings.calendar.service.booking_event_id`): known before
the event is written, so ``bookedEntity.slot.eventId`` (and the ``event_id`` column) go in
with the booking's own write. A cancel or decline cancels the event; a reschedule (and a
confirm that picks another staff member) moves it. A booking still CREATED has no event, so a
create's hot path writes nothing here.

What a booking holds is counted from the bookings (``booking/load.py``); the calendar leaves
these events out of busy time, so nothing is counted twice.

Lock order (``docs/locking.md``): the event row is written after the booking's row (its
insert, or its ``UPDATE ... WHERE revision``), under the staff locks the write already holds.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bookings.booking import rules
from bookings.booking.service.common import _service
from bookings.booking.state import Status
from bookings.calendar import service as calendar
from bookings.catalog.services.service import ServiceView
from bookings.platform.db import UnitOfWork

#: The statuses in which an appointment booking has a live event.
HOLDING = frozenset({Status.CONFIRMED, Status.PENDING})
#: The statuses that end it.
ENDED = frozenset({Status.CANCELED, Status.DECLINED})


def _stamp(doc: dict[str, Any], values: dict[str, Any], event_id: str) -> None:
    slot = (doc.get("bookedEntity") or {}).get("slot")
    if isinstance(slot, dict):
        slot["eventId"] = event_id
    values["event_id"] = event_id


async def _put(
    uow: UnitOfWork,
    booking_id: str,
    doc: dict[str, Any],
    service: ServiceView,
    schedule_id: str | None,
    span: tuple[datetime | None, datetime | None],
    resource_id: str | None,
    participants: int,
) -> None:
    start, end = span
    if not schedule_id or start is None or end is None:
        return
    slot = (doc.get("bookedEntity") or {}).get("slot") or {}
    await calendar.put_booking_event(
        uow,
        booking_id,
        schedule_id=schedule_id,
        title=service.name,
        start_utc=start,
        end_utc=end,
        time_zone=slot.get("timezone"),
        resource_ids=[resource_id] if resource_id else [],
        participants=participants,
    )


async def on_create(uow: UnitOfWork, values: dict[str, Any], service: ServiceView) -> None:
    """A new booking's event, when it is created CONFIRMED (``values``: its row, stamped)."""
    if values["kind"] != rules.APPOINTMENT or Status(values["status"]) not in HOLDING:
        return
    _stamp(values["doc"], values, calendar.booking_event_id(values["id"]))
    await _put(
        uow,
        values["id"],
        values["doc"],
        service,
        values["schedule_id"],
        (values["start_utc"], values["end_utc"]),
        values["resource_id"],
        values["participants"],
    )


def before_change(
    row: sa.Row[Any], status: Status, doc: dict[str, Any], values: dict[str, Any]
) -> None:
    """Stamp the event id on a change (new ``status``, ``doc`` and row ``values``) that leaves
    the booking holding (a reschedule replaces the slot document, a confirm gives it its
    event)."""
    if row.kind == rules.APPOINTMENT and status in HOLDING:
        _stamp(doc, values, calendar.booking_event_id(row.id))


async def after_change(
    uow: UnitOfWork, row: sa.Row[Any], status: Status, doc: dict[str, Any], new: dict[str, Any]
) -> None:
    """Write the event of a changed booking (after its ``UPDATE ... WHERE revision``):
    create or move it while the booking holds, cancel it when the booking ends."""
    if row.kind != rules.APPOINTMENT:
        return
    if status in ENDED:
        if row.event_id:
            await calendar.cancel_booking_event(uow, row.id)
        return
    if status not in HOLDING:
        return
    placed = (
        new.get("start_utc", row.start_utc),
        new.get("end_utc", row.end_utc),
        new.get("resource_id", row.resource_id),
        new.get("participants", row.participants),
    )
    current = (row.start_utc, row.end_utc, row.resource_id, row.participants)
    if Status(row.status) in HOLDING and row.event_id and placed == current:
        return  # nothing the event shows has changed
    service = await _service(uow, row.service_id)
    start, end, resource_id, participants = placed
    await _put(uow, row.id, doc, service, row.schedule_id, (start, end), resource_id, participants)
