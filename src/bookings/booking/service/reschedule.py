"""Reschedule Booking: a booking moves to another slot or session, recounted at its new place."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bookings.booking import capacity, rules, selections, state
from bookings.booking.documents import (
    apply_notification,
    flags_doc,
)
from bookings.booking.schemas import (
    BookedAddOn,
    ParticipantChoices,
    ParticipantNotification,
    RescheduleBookingRequest,
)
from bookings.booking.service.changes import policy_snapshot
from bookings.booking.service.common import (
    _site,
    refuse_multi_service_child,
)
from bookings.booking.service.mutation import (
    Change,
    _mutate,
)
from bookings.booking.service.placement import (
    _capacity_error,
    _place,
    _resource_doc,
)
from bookings.booking.service.targets import (
    Target,
    _appointment_target,
    _class_target,
)
from bookings.booking.state import Status
from bookings.calendar import service as calendar
from bookings.platform import errors
from bookings.platform.auth import Identity, Role
from bookings.platform.db import (
    Database,
    UnitOfWork,
)
from bookings.platform.wire import (
    format_timestamp,
    to_wire,
)
from bookings.staff import service as staff


async def reschedule_booking(
    db: Database,
    caller: Identity,
    req: RescheduleBookingRequest,
    *,
    customer_refusal: Callable[[], errors.ApiError] | None = None,
) -> dict[str, Any]:
    """``customer_refusal``: the caller acts as the customer (anonymous actions): the
    booking's policies apply as to a member, and this is the reschedule policy's refusal."""
    as_customer = customer_refusal is not None or caller.role == Role.MEMBER
    flags = flags_doc(req.flow_control_settings)
    rules.authorize_flags(caller.role, flags, "flowControlSettings")
    slot = req.slot
    if slot is None:
        raise errors.invalid_field("slot", "is required", errors.REQUIRED_FIELD)
    if req.total_participants is not None and req.participants_choices is not None:
        raise errors.invalid_field(
            "participantsChoices",
            "cannot be sent together with totalParticipants",
            errors.ONE_OF_ALIGNMENT,
        )
    skip = bool(flags.get("skipAvailabilityValidation"))

    async def apply(uow: UnitOfWork, row: sa.Row[Any], now: datetime) -> Change:
        refuse_multi_service_child(row)
        status = Status(row.status)
        if status == Status.WAITING_LIST:
            raise errors.failed_precondition(
                "INVALID_BOOKING_STATUS",
                f"Booking {row.id} is on a waitlist: leave it, or book the offered spot",
                bookingId=row.id,
                status=status.value,
            )
        new_status = state.reschedule(
            status,
            skip_business_confirmation=bool(flags.get("skipBusinessConfirmation")),
            booking_id=row.id,
        )
        if row.kind == rules.COURSE:
            raise errors.failed_precondition(
                "VALIDATION_FAILURE", "A course booking cannot be rescheduled", bookingId=row.id
            )
        if as_customer:
            snapshot = await policy_snapshot(uow, row.id)
            if not rules.may_reschedule(snapshot, row.start_utc, now):
                if customer_refusal is not None:
                    raise customer_refusal()
                raise rules.policy_violation(
                    "The booking's reschedule policy does not allow rescheduling it now",
                    policy="reschedulePolicy",
                )
        participants = row.participants
        if req.participants_choices is not None:
            participants = rules.total_of(req.participants_choices)
        elif req.total_participants is not None:
            participants = req.total_participants
        if row.kind == rules.CLASS:
            event_id = slot.event_id or slot.session_id
            if not event_id:
                raise errors.invalid_field("slot.eventId", "is required", errors.REQUIRED_FIELD)
            target = await _class_target(uow, event_id, row.service_id)
            if target.schedule_id != row.schedule_id:
                raise errors.failed_precondition(
                    "VALIDATION_FAILURE",
                    "A class booking moves only to another session of the same class",
                    eventId=event_id,
                )
            await calendar.lock_events(uow, [event_id, row.event_id or ""])
        else:
            if slot.start_date is None or slot.end_date is None:
                field_name = "slot.startDate" if slot.start_date is None else "slot.endDate"
                raise errors.invalid_field(field_name, "is required", errors.REQUIRED_FIELD)
            site_tz, _ = await _site(uow, caller)
            service_id = slot.service_id or row.service_id
            if service_id != row.service_id:
                raise errors.failed_precondition(
                    "VALIDATION_FAILURE", "A booking cannot move to another service"
                )
            target = await _appointment_target(
                uow,
                site_tz,
                service_id=service_id,
                start_local=slot.start_date,
                end_local=slot.end_date,
                timezone=slot.timezone or (row.doc["bookedEntity"]["slot"].get("timezone")),
                resource_id=slot.resource.id if slot.resource and slot.resource.id else None,
                location=to_wire(slot.location) if slot.location else None,
                prefix="slot",
            )
            if target.requested is None and row.resource_id in target.candidates:
                target.candidates.remove(row.resource_id)
                target.candidates.insert(0, row.resource_id)
            await staff.lock_resources(uow, target.candidates)
        if as_customer:
            rules.check_booking_policy(target.service.wire, target.start_utc, participants, now)
        fits, resource_id = await _place(uow, target, participants, now, row.id)
        double = False
        if not fits:
            if not skip:
                raise _capacity_error(row.kind)
            double = True
            resource_id = target.requested or row.resource_id
        if row.kind == rules.APPOINTMENT:
            names = await staff.staff_by_resource_ids(uow, [resource_id] if resource_id else [])
            _resource_doc(target, resource_id, names)
        return moved_change(
            row,
            target,
            resource_id,
            double,
            participants,
            new_status,
            Move(
                req.total_participants,
                req.participants_choices,
                req.booked_add_ons,
                req.participant_notification,
                flags,
            ),
            now,
        )

    booking = await _mutate(db, caller, req.booking_id, req.revision, apply)
    return {"booking": booking}


@dataclass(frozen=True)
class Move:
    """What a reschedule asks besides the new slot."""

    total_participants: int | None
    participants_choices: ParticipantChoices | None
    booked_add_ons: list[BookedAddOn] | None
    notification: ParticipantNotification | None
    flags: dict[str, Any]


def moved_change(
    row: sa.Row[Any],
    target: Target,
    resource_id: str | None,
    double: bool,
    participants: int,
    new_status: Status,
    move: Move,
    now: datetime,
) -> Change:
    """The change of a booking moved to ``target`` (placed: ``resource_id`` chosen)."""
    status = Status(row.status)
    doc = copy.deepcopy(row.doc)
    previous_entity = copy.deepcopy(doc.get("bookedEntity"))
    if row.kind == rules.APPOINTMENT:
        doc["autoAssigned"] = target.requested is None
    doc["bookedEntity"] = target.entity
    extra: dict[str, Any] = {}
    if "participantsChoices" in doc:
        extra["previousParticipantsChoices"] = doc["participantsChoices"]
    else:
        extra["previousTotalParticipants"] = doc.get("totalParticipants", row.participants)
    if move.participants_choices is not None:
        doc.pop("totalParticipants", None)
        doc["participantsChoices"] = to_wire(move.participants_choices)
    elif move.total_participants is not None:
        doc.pop("participantsChoices", None)
        doc["totalParticipants"] = move.total_participants
    previous_add_ons = selections.of_move(
        target.service, doc, move.booked_add_ons, move.participants_choices, move.flags
    )
    if previous_add_ons is not None:
        extra["previousBookedAddOns"] = previous_add_ons
    note = apply_notification(doc, move.notification)
    if note is not None:
        extra["participantNotification"] = note
    if move.flags:
        extra["flowControlSettings"] = move.flags
    extra["previousStatus"] = row.status
    extra["previousBookedEntity"] = previous_entity
    if row.start_utc is not None:
        extra["previousStartDate"] = format_timestamp(row.start_utc)
    if row.end_utc is not None:
        extra["previousEndDate"] = format_timestamp(row.end_utc)
    busy_end = None
    if target.kind == rules.APPOINTMENT and target.end_utc is not None:
        busy_end = capacity.busy_span(target.start_utc or now, target.end_utc, target.buffer)[1]
    values: dict[str, Any] = {
        "event_id": target.event_id,
        "resource_id": resource_id if row.kind == rules.APPOINTMENT else None,
        "start_utc": target.start_utc,
        "end_utc": target.end_utc,
        "busy_end_utc": busy_end,
        "participants": participants,
    }
    if new_status != status:
        values["hold_until"] = None
    return Change(
        new_status,
        row.payment_status,
        doc,
        double,
        values,
        [("rescheduled", "action", extra)],
        touched_events=[target.event_id] if target.event_id else [],
    )
