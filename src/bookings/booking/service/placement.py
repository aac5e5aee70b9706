"""Whether a booking fits, under its owners' locks: locks of the capacity owners, their
capacity, the recount of holders, the staff member an appointment goes to."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from bookings.availability import service as availability
from bookings.booking import capacity, load, rules, waitlist
from bookings.booking.service import waitlist_store
from bookings.booking.service.targets import (
    Target,
)
from bookings.calendar import service as calendar
from bookings.platform import errors
from bookings.platform.db import (
    SiteScope,
    UnitOfWork,
)
from bookings.staff import service as staff


def _capacity_error(kind: str) -> errors.ApplicationError:
    if kind == rules.CLASS:
        return errors.failed_precondition(
            "SESSION_CAPACITY_EXCEEDED", "The session has no room for that many participants"
        )
    if kind == rules.COURSE:
        return errors.failed_precondition(
            "SCHEDULE_CAPACITY_EXCEEDED", "The course has no room for that many participants"
        )
    return errors.failed_precondition("SLOT_NOT_AVAILABLE", "The slot is not available")


async def _lock_target(uow: UnitOfWork, target: Target, also: Iterable[str] = ()) -> None:
    """Lock the capacity owners of ``target`` (and of a previous placement ``also``)."""
    if target.kind == rules.CLASS:
        if target.locked_capacity is not None and not also:
            return  # locked when its event was read (:func:`_class_target`)
        target.locked_capacity = await calendar.lock_events(uow, [target.event_id or "", *also])
    elif target.kind == rules.COURSE:
        await calendar.lock_schedule(uow, target.schedule_id or "")
    else:
        await staff.lock_resources(uow, [*target.candidates, *also])


async def _owner_capacity(uow: UnitOfWork, target: Target) -> int | None:
    """The capacity of a class event or a course, read after its lock (a class event's by
    the locking statement itself)."""
    if target.kind == rules.CLASS:
        event_id = target.event_id or ""
        if target.locked_capacity is not None:
            if event_id not in target.locked_capacity:
                raise rules.session_not_found(event_id)
            return target.locked_capacity[event_id]
        event = await calendar.get_event(uow, event_id)
        if event is None:
            raise rules.session_not_found(event_id)
        cap = event.get("totalCapacity")
        return int(cap) if isinstance(cap, int) else None
    cap = target.service.default_capacity
    if not isinstance(cap, int):
        schedule = await calendar.get_schedule(uow, target.schedule_id or "")
        cap = (schedule or {}).get("defaultCapacity")
    return int(cap) if isinstance(cap, int) else None


async def _place(
    uow: UnitOfWork, target: Target, participants: int, now: datetime, exclude: str | None
) -> tuple[bool, str | None]:
    """Whether ``participants`` fit at ``target`` now (owners already locked), and for an
    appointment the staff resource that takes it (``None`` when nobody is free)."""
    fits, resource_id, _ = await _placement(uow, target, participants, now, exclude)
    return fits, resource_id


async def _placement(
    uow: UnitOfWork,
    target: Target,
    participants: int,
    now: datetime,
    exclude: str | None,
    settings: availability.SiteSettings | None = None,
) -> tuple[bool, str | None, int | None]:
    """:func:`_place`, and for a class or course the participants that hold it (without
    ``participants``), as recounted. ``settings``: the site's, when already read."""
    if target.kind != rules.APPOINTMENT:
        cap = await _owner_capacity(uow, target)
        owner = target.event_id if target.kind == rules.CLASS else target.schedule_id
        used = await load.occupied(uow, target.kind, owner or "", now, exclude)
        taken = used
        if target.kind == rules.CLASS and waitlist.Policy.of(target.service.booking_policy).enabled:
            # Spots held for the waitlist's running offers are not anyone else's.
            taken += await waitlist_store.held_spots(uow, owner or "", now, exclude)
        return capacity.fits(cap, taken, participants), None, used
    skip = frozenset({exclude}) if exclude else frozenset()
    free = await _appointment_free(uow, target, now, skip, settings)
    return bool(free), (free[0] if free else None), None


async def _appointment_free(
    uow: SiteScope,
    target: Target,
    now: datetime,
    exclude: frozenset[str],
    settings: availability.SiteSettings | None = None,
) -> list[str]:
    """The candidates of an appointment ``target`` (owners locked) that can take it now, in
    the target's order: free by the calendar and the availability check, and no holding
    booking (other than those in ``exclude``) in their way, buffers included."""
    assert target.start_utc is not None and target.end_utc is not None
    span = capacity.busy_span(target.start_utc, target.end_utc, target.buffer)
    check = await availability.check_appointment_slot(
        uow,
        load.HoldingBookings(now),
        target.service_id,
        target.start_utc,
        target.end_utc,
        target.requested,
        exclude=exclude,
        service=dict(target.service.wire),
        settings=settings,
        cached=True,
    )
    free = check.free
    needed = [r for r in target.candidates if r in free]
    # The check has just read the holding bookings under the same locks: when that read
    # covers the free candidates over the span, it need not be repeated.
    held = {} if not needed else check.held.covering(needed, span) if check.held else None
    if held is None:
        held = await load.busy(uow, target.candidates, span[0], span[1], now, exclude)
    return capacity.free_resources(target.candidates, free, held, span)


def _resource_doc(target: Target, resource_id: str | None, names: Mapping[str, Any]) -> None:
    slot = target.entity.get("slot")
    if slot is None or target.kind != rules.APPOINTMENT:
        return
    if resource_id is None:
        slot.pop("resource", None)
        return
    resource: dict[str, Any] = {"id": resource_id}
    member = names.get(resource_id) or {}
    if member.get("name"):
        resource["name"] = member["name"]
    slot["resource"] = resource
