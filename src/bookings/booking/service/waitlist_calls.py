"""The Waitlist API of class sessions: Register To Waitlist, Leave Waitlist, Book From
Waitlist, List Waitlisted Entities (rules: :mod:`bookings.booking.waitlist`; entries:
:mod:`.waitlist_store`). Every call locks the session's event row first, as every other
write of the session's bookings does."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bookings.booking import rules, waitlist
from bookings.booking.schemas import (
    CreateBookingRequest,
    ListWaitlistRequest,
    RegisterToWaitlistRequest,
    WaitlistBookingRequest,
)
from bookings.booking.service import waitlist_store
from bookings.booking.service.changes import StatusAsk, cancel_change, confirm_change
from bookings.booking.service.common import _service
from bookings.booking.service.create import _plan, _write_new
from bookings.booking.service.mutation import Change, _mutate, settle_waitlist
from bookings.booking.service.placement import _placement
from bookings.booking.state import Status
from bookings.booking.waitlist import Policy
from bookings.calendar import service as calendar
from bookings.catalog.services import service as catalog
from bookings.platform import errors
from bookings.platform.auth import Identity, Role
from bookings.platform.constants import BOOKINGS_APP_ID
from bookings.platform.db import Database, UnitOfWork, utcnow


async def register_to_waitlist(
    db: Database, caller: Identity, req: RegisterToWaitlistRequest
) -> dict[str, Any]:
    """A WAITING_LIST booking of a full class session, and its entry at the end of the line."""
    booking = req.booking
    if booking is None:
        raise errors.invalid_field("booking", "is required", errors.REQUIRED_FIELD)
    if rules.kind_of(booking) != rules.CLASS:
        raise errors.failed_precondition(
            "VALIDATION_FAILURE", "Only class sessions have a waitlist (book with eventId)"
        )
    now = utcnow()
    async with db.write(caller.site_id) as uow:
        planned = await _plan(uow, caller, CreateBookingRequest(booking=booking), now, uow)
        target = planned.target
        event_id = target.event_id or ""
        policy = Policy.of(target.service.booking_policy)
        if not policy.enabled:
            raise waitlist.not_enabled(event_id)
        await settle_waitlist(uow, caller, event_id, now)
        fits, _, used = await _placement(uow, target, planned.participants, now, None)
        if fits:
            raise waitlist.has_room(event_id)
        entries = await waitlist_store.active_entries(uow, event_id)
        if waitlist.active_count(entries) >= policy.capacity:
            raise waitlist.full(event_id, policy.capacity)
        wire = await _write_new(uow, caller, planned, Status.WAITING_LIST, now, None, False, used)
        entry = await waitlist_store.register(uow, event_id, wire["id"], planned.participants, now)
    return {"booking": wire, "entry": waitlist.entry_wire(entry, event_id)}


def _required(req: WaitlistBookingRequest) -> str:
    if not req.booking_id:
        raise errors.invalid_field("bookingId", "is required", errors.REQUIRED_FIELD)
    return req.booking_id


async def leave_waitlist(
    db: Database, caller: Identity, req: WaitlistBookingRequest
) -> dict[str, Any]:
    """The registration ends and its booking is canceled; a spot it was offered goes on to
    the next in line."""

    async def apply(uow: UnitOfWork, row: sa.Row[Any], now: datetime) -> Change:
        if row.status != Status.WAITING_LIST.value:
            raise waitlist.not_registered(row.id)
        flags = {"ignoreCancellationPolicy": True}
        return await cancel_change(uow, caller, row, now, None, flags)

    return {"booking": await _mutate(db, caller, _required(req), req.revision, apply)}


async def book_from_waitlist(
    db: Database, caller: Identity, req: WaitlistBookingRequest
) -> dict[str, Any]:
    """The registrant takes the spot offered to them (or one open to everyone): CONFIRMED, or
    PENDING when the service needs the business's approval."""

    async def apply(uow: UnitOfWork, row: sa.Row[Any], now: datetime) -> Change:
        if row.status != Status.WAITING_LIST.value:
            raise waitlist.not_registered(row.id)
        await calendar.lock_events(uow, [row.event_id or ""])
        found = await waitlist_store.entry_of_booking(uow, row.id)
        if found is None or found[0].status not in waitlist.ACTIVE:
            raise waitlist.not_registered(row.id)
        entry = found[0]
        if entry.status == waitlist.SUGGESTING and not waitlist.is_held(entry, now):
            raise errors.failed_precondition(
                "WAITLIST_OFFER_EXPIRED",
                f"The spot offered to booking {row.id} was held until "
                f"{entry.expires_at}: it has gone to the next in line",
                bookingId=row.id,
            )
        strict = StatusAsk(flags={"checkAvailabilityValidation": True})
        change = await confirm_change(uow, caller, row, now, strict)
        service = await _service(uow, row.service_id)
        if service.requires_manual_approval:
            change.status = Status.PENDING
            change.outbox = [("markedAsPending", *change.outbox[0][1:])]
        return change

    return {"booking": await _mutate(db, caller, _required(req), req.revision, apply)}


async def list_waitlist(db: Database, caller: Identity, req: ListWaitlistRequest) -> dict[str, Any]:
    if not req.event_id:
        raise errors.invalid_field("eventId", "is required", errors.REQUIRED_FIELD)
    event_id = req.event_id
    async with db.read(caller.site_id) as scope:
        event = await calendar.get_event(scope, event_id)
        if event is None:
            raise rules.session_not_found(event_id)
        owner = str(event.get("externalScheduleId") or "")
        service = (await catalog.get_service_views(scope, [owner])).get(owner) if owner else None
        policy = Policy.of(service.booking_policy if service else {})
        entries = await waitlist_store.listed_entries(scope, event_id)
    return {
        "entries": [waitlist.entry_wire(e, event_id) for e in entries],
        "configuration": policy.configuration(),
    }


async def settle_due_waitlists(db: Database) -> int:
    """End every offer that ran out, on every site, and offer its spot to the next in line
    (the sweeper's pass; also run at startup, so no offer outlives a restart unnoticed).
    Answers how many sessions were settled."""
    now = utcnow()
    async with db.connect_for_read() as conn:
        due = await waitlist_store.due_sessions(conn, now)
    for site_id, event_id in due:
        system = Identity(site_id, Role.APP, BOOKINGS_APP_ID)
        async with db.write(site_id) as uow:
            await calendar.lock_events(uow, [event_id])
            await settle_waitlist(uow, system, event_id, now)
    return len(due)
