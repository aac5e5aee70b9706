"""Reschedule Multi Service Booking: every child moves, back to back, in one unit of work.

Every child is named with its revision and its new slot. The new chain must be back to back
at one location; its staff are assigned by the chain rule of the slot lists
(:func:`bookings.availability.service.assign_chain`) with the package's own bookings not
counted (they move), under one sorted lock of every staff member involved.
"""

from __future__ import annotations

from typing import Any

from bookings.availability import service as availability
from bookings.booking import packages, rules, state
from bookings.booking.documents import flags_doc
from bookings.booking.schemas import RescheduleBookingInfo, RescheduleMultiServiceBookingRequest
from bookings.booking.service.changes import policy_snapshot
from bookings.booking.service.common import _site
from bookings.booking.service.multi_common import answer, lock_package, touch
from bookings.booking.service.mutation import _write_change
from bookings.booking.service.placement import (
    _appointment_free,
    _capacity_error,
    _resource_doc,
)
from bookings.booking.service.reschedule import Move, moved_change
from bookings.booking.service.targets import Target, _appointment_target
from bookings.booking.state import Status
from bookings.platform import errors, zoned
from bookings.platform.auth import Identity, Role
from bookings.platform.db import Database, utcnow
from bookings.platform.wire import to_wire
from bookings.staff import service as staff


def _slot_of(info: RescheduleBookingInfo, i: int) -> None:
    prefix = f"rescheduleBookingsInfo[{i}]"
    slot = info.slot
    if slot is None:
        raise errors.invalid_field(f"{prefix}.slot", "is required", errors.REQUIRED_FIELD)
    for name, value in (("startDate", slot.start_date), ("endDate", slot.end_date)):
        if value is None:
            raise errors.invalid_field(
                f"{prefix}.slot.{name}", "is required", errors.REQUIRED_FIELD
            )
    if info.total_participants is not None and info.participants_choices is not None:
        raise errors.invalid_field(
            f"{prefix}.participantsChoices",
            "cannot be sent together with totalParticipants",
            errors.ONE_OF_ALIGNMENT,
        )


def _participants(current: int, info: RescheduleBookingInfo) -> int:
    if info.participants_choices is not None:
        return rules.total_of(info.participants_choices)
    return info.total_participants if info.total_participants is not None else current


async def reschedule_multi_service_booking(
    db: Database, caller: Identity, req: RescheduleMultiServiceBookingRequest
) -> dict[str, Any]:
    flags = flags_doc(req.flow_control_settings)
    rules.authorize_flags(caller.role, flags, "flowControlSettings")
    infos = req.reschedule_bookings_info or []
    for i, info in enumerate(infos):
        _slot_of(info, i)
    as_customer = caller.role == Role.MEMBER and not flags.get("ignoreReschedulePolicy")
    skip = bool(flags.get("skipAvailabilityValidation"))
    package_id = req.multi_service_booking_id
    async with db.write(caller.site_id) as uow:
        rows = await lock_package(uow, package_id, caller)
        packages.check_infos(
            {r.id: r.revision for r in rows},
            [(i.booking_id, i.revision) for i in infos],
            "rescheduleBookingsInfo",
        )
        by_id = {r.id: r for r in rows}
        site_tz, settings = await _site(uow, caller)
        now = utcnow()
        moves: list[tuple[Any, Target, RescheduleBookingInfo]] = []
        for i, info in enumerate(infos):
            row = by_id[info.booking_id or ""]
            state.check(state.Action.RESCHEDULE, Status(row.status), row.id)
            slot = info.slot
            assert slot is not None and slot.start_date is not None and slot.end_date is not None
            if slot.service_id and slot.service_id != row.service_id:
                raise errors.failed_precondition(
                    "VALIDATION_FAILURE", "A booking cannot move to another service"
                )
            target = await _appointment_target(
                uow,
                site_tz,
                service_id=row.service_id,
                start_local=slot.start_date,
                end_local=slot.end_date,
                timezone=slot.timezone or row.doc["bookedEntity"]["slot"].get("timezone"),
                resource_id=slot.resource.id if slot.resource and slot.resource.id else None,
                location=to_wire(slot.location) if slot.location else None,
                prefix=f"rescheduleBookingsInfo[{i}].slot",
            )
            if target.requested is None and row.resource_id in target.candidates:
                target.candidates.remove(row.resource_id)
                target.candidates.insert(0, row.resource_id)
            moves.append((row, target, info))
        moves.sort(key=lambda m: (m[1].start_utc, m[0].id))
        packages.check_chain(
            [(t.start_utc, t.end_utc, t.entity["slot"].get("location")) for _, t, _ in moves]
        )
        await staff.lock_resources(
            uow,
            {r for _, t, _ in moves for r in t.candidates}
            | {r.resource_id for r in rows if r.resource_id},
        )
        site = availability.site_settings_of(site_tz, settings)
        own = frozenset(by_id)
        links: list[availability.Link] = []
        for row, target, info in moves:
            participants = _participants(row.participants, info)
            if as_customer:
                snapshot = await policy_snapshot(uow, row.id)
                if not rules.may_reschedule(snapshot, row.start_utc, now):
                    raise rules.policy_violation(
                        "The booking's reschedule policy does not allow rescheduling it now",
                        policy="reschedulePolicy",
                        bookingId=row.id,
                    )
                rules.check_booking_policy(target.service.wire, target.start_utc, participants, now)
            assert target.start_utc is not None and target.end_utc is not None
            free = await _appointment_free(uow, target, now, own, site)
            links.append(
                availability.Link(
                    zoned.to_seconds(target.start_utc),
                    zoned.to_seconds(target.end_utc),
                    target.buffer * 60,
                    tuple(free),
                )
            )
        chosen = availability.assign_chain(links)
        doubled = [False] * len(moves)
        if chosen is None:
            if not skip:
                raise _capacity_error(rules.APPOINTMENT)
            chosen = [t.requested or row.resource_id for row, t, _ in moves]
            doubled = [r not in link.free for r, link in zip(chosen, links, strict=True)]
        names = await staff.staff_by_resource_ids(uow, [r for r in chosen if r])
        bookings = []
        for (row, target, info), resource_id, double in zip(moves, chosen, doubled, strict=True):
            new_status = state.reschedule(
                Status(row.status),
                skip_business_confirmation=bool(flags.get("skipBusinessConfirmation")),
                booking_id=row.id,
            )
            _resource_doc(target, resource_id, names)
            participants = _participants(row.participants, info)
            move = Move(
                info.total_participants,
                info.participants_choices,
                info.booked_add_ons,
                req.participant_notification,
                flags,
            )
            change = moved_change(
                row, target, resource_id, double, participants, new_status, move, now
            )
            bookings.append(await _write_change(uow, caller, row, change, now))
        await touch(uow, package_id, now)
    return answer(package_id, bookings, req.return_full_entity)
