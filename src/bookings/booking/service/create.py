"""Create Booking and Bulk Create Booking: shape checks, the plan of a booking, its insert."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bookings.availability import service as availability
from bookings.booking import capacity, contacts, rules, search, selections, state, waitlist
from bookings.booking.documents import (
    action_body,
    booking_wire,
    flags_doc,
    identity_doc,
    notification_doc,
    package_of,
    prefixed,
)
from bookings.booking.models import bookings as _b
from bookings.booking.schemas import (
    BulkCreateBookingRequest,
    CreateBookingRequest,
    PaymentStatus,
)
from bookings.booking.service import appointment_events
from bookings.booking.service.common import (
    _index_arrays,
    _record,
    _site,
    _sync_participants,
)
from bookings.booking.service.mutation import settle_waitlist
from bookings.booking.service.placement import (
    _capacity_error,
    _lock_target,
    _placement,
    _resource_doc,
)
from bookings.booking.service.targets import (
    Target,
    _appointment_target,
    _class_target,
    _course_target,
)
from bookings.booking.state import Status
from bookings.catalog.policies import service as policies
from bookings.platform import errors
from bookings.platform.auth import Identity, Role
from bookings.platform.bulk import bulk_each
from bookings.platform.constants import BOOKINGS_APP_ID
from bookings.platform.db import (
    Database,
    SiteScope,
    UnitOfWork,
    utcnow,
)
from bookings.platform.wire import (
    new_id,
    to_wire,
)
from bookings.staff import service as staff

# ---------------------------------------------------------------- create


def _check_shape(caller: Identity, req: CreateBookingRequest) -> tuple[str, int]:
    """Request-level validation of a create (no I/O): kind and participants."""
    booking = req.booking
    if booking is None:
        raise errors.invalid_field("booking", "is required", errors.REQUIRED_FIELD)
    kind = rules.kind_of(booking)
    participants = rules.participants_of(
        booking.total_participants,
        booking.number_of_participants,
        booking.participants_choices,
        "booking.",
    )
    if booking.additional_fields is not None:
        for i, item in enumerate(booking.additional_fields):
            if not item.id:
                raise errors.invalid_field(
                    f"booking.additionalFields[{i}].id", "is required", errors.REQUIRED_FIELD
                )
    contacts.contact_of(booking.contact_details, req.form_submission)  # its 400s
    return kind, participants


@dataclass
class Planned:
    """Everything a create needs before its write (:func:`_plan`)."""

    target: Target
    participants: int
    doc: dict[str, Any]
    flags: dict[str, Any]
    #: The site's ``time_zone`` and ``settings``, read once per create.
    site_tz: str
    settings: dict[str, Any]


async def _plan(
    scope: SiteScope,
    caller: Identity,
    req: CreateBookingRequest,
    now: datetime,
    write: UnitOfWork | None,
) -> Planned:
    """Everything a create needs before its write: target, participants, document, flags.
    ``write``: the write's unit of work when the plan runs inside it (PostgreSQL: see
    ``Database.read_then_write``)."""
    kind, participants = _check_shape(caller, req)
    booking = req.booking
    assert booking is not None and booking.booked_entity is not None
    if booking.multi_service_booking_info:
        raise errors.ApplicationError(
            "CAN_NOT_CREATE_BOOKING_WITH_MULTI_SERVICE_BOOKING_INFO",
            "A booking cannot be created with multiServiceBookingInfo: use Create Multi "
            "Service Booking",
            http_status=400,
        )
    flags = flags_doc(req.flow_control_settings)
    rules.authorize_flags(caller.role, flags, "flowControlSettings")
    rules.authorize_status(caller.role, booking.status)
    contact = contacts.contact_of(booking.contact_details, req.form_submission)
    contacts.require_contact(contact, req.form_submission, caller.role)
    site_tz, settings = await _site(scope, caller)
    entity = booking.booked_entity
    if kind == rules.CLASS:
        slot = entity.slot
        assert slot is not None
        # Inside the write's transaction the event is locked as it is read: a create locks
        # nothing else (else the write locks it, _lock_target).
        target = await _class_target(
            scope, str(slot.event_id or slot.session_id), slot.service_id, lock_in=write
        )
    elif kind == rules.COURSE:
        assert entity.schedule is not None and entity.schedule.schedule_id is not None
        target = await _course_target(scope, entity.schedule.schedule_id)
    else:
        slot = entity.slot
        assert slot is not None and slot.start_date is not None and slot.end_date is not None
        if flags.get("skipAvailabilityValidation") and not (slot.resource and slot.resource.id):
            raise errors.failed_precondition(
                "CAN_NOT_SKIP_AVAILABILITY_VALIDATION_IF_RESOURCE_NOT_PROVIDED",
                "skipAvailabilityValidation needs bookedEntity.slot.resource.id",
            )
        target = await _appointment_target(
            scope,
            site_tz,
            service_id=str(slot.service_id),
            start_local=slot.start_date,
            end_local=slot.end_date,
            timezone=slot.timezone,
            resource_id=slot.resource.id if slot.resource else None,
            location=to_wire(slot.location) if slot.location else None,
            prefix="booking.bookedEntity.slot",
        )
    if not flags.get("skipAvailabilityValidation"):
        rules.check_booking_policy(target.service.wire, target.start_utc, participants, now)
    if not flags.get("skipSelectedPaymentOptionValidation"):
        rules.check_payment_option(target.service.wire, booking.selected_payment_option)
    booked_add_ons = selections.of_create(target.service, booking, flags)
    doc: dict[str, Any] = {}
    if booking.participants_choices is not None:
        doc["participantsChoices"] = to_wire(booking.participants_choices)
    else:
        doc["totalParticipants"] = participants
    doc["bookedEntity"] = target.entity
    for key, value in (
        ("contactDetails", contact),
        ("additionalFields", [to_wire(f) for f in booking.additional_fields or []] or None),
        ("externalUserId", booking.external_user_id),
        ("extendedFields", booking.extended_fields),
        ("formSubmissionId", booking.form_submission_id),
        ("bookedAddOns", booked_add_ons),
        ("depositSelected", booking.deposit_selected),
        ("bookingSource", booking.booking_source),
        ("formSubmission", req.form_submission),
    ):
        if value is not None:
            doc[key] = value
    if booking.selected_payment_option is not None:
        doc["selectedPaymentOption"] = booking.selected_payment_option.value
    contact_id = (contact or {}).get("contactId")
    doc["createdBy"] = identity_doc(caller, contact_id if isinstance(contact_id, str) else None)
    doc["formId"] = target.service.form_id or ("00000000-0000-0000-0000-000000000000")
    app_id = target.service.app_id or BOOKINGS_APP_ID
    doc["appId"] = app_id
    doc["createdByAppId"] = caller.subject_id if caller.role == Role.APP else app_id
    notification = notification_doc(req.participant_notification)
    if notification is not None:
        doc["participantNotification"] = notification
    doc["sendSmsReminder"] = True if req.send_sms_reminder is None else req.send_sms_reminder
    if flags:
        doc["flowControlSettings"] = flags
    doc["autoAssigned"] = target.kind == rules.APPOINTMENT and target.requested is None
    return Planned(target, participants, doc, flags, site_tz, settings)


async def _insert(
    uow: UnitOfWork, caller: Identity, planned: Planned, status: Status, now: datetime
) -> dict[str, Any]:
    """The write of a create: lock, recount, insert, snapshot, outbox."""
    target = planned.target
    await _lock_target(uow, target)
    if target.kind == rules.CLASS and waitlist.Policy.of(target.service.booking_policy).enabled:
        await settle_waitlist(uow, caller, target.event_id or "", now)
    site = None
    if target.kind == rules.APPOINTMENT:
        site = availability.site_settings_of(planned.site_tz, planned.settings)
    fits, resource_id, used = await _placement(uow, target, planned.participants, now, None, site)
    double_booked = False
    if not fits:
        if not planned.flags.get("skipAvailabilityValidation"):
            raise _capacity_error(target.kind)
        double_booked = True
        resource_id = target.requested
    return await _write_new(uow, caller, planned, status, now, resource_id, double_booked, used)


async def _write_new(
    uow: UnitOfWork,
    caller: Identity,
    planned: Planned,
    status: Status,
    now: datetime,
    resource_id: str | None,
    double_booked: bool,
    used: int | None,
    *,
    booking_id: str | None = None,
) -> dict[str, Any]:
    """Insert a placed booking (owners locked, ``resource_id`` chosen, ``used`` the class or
    course recount), its derived rows, policy snapshot and first events."""
    target, participants, doc = planned.target, planned.participants, planned.doc
    booking_id = booking_id or new_id()
    hold = capacity.hold_minutes(planned.settings)
    if target.kind == rules.APPOINTMENT:
        names = await staff.staff_by_resource_ids(
            uow, [resource_id] if resource_id else [], cached=True
        )
        _resource_doc(target, resource_id, names)
    busy_end = None
    if target.kind == rules.APPOINTMENT and target.end_utc is not None:
        busy_end = capacity.busy_span(target.start_utc or now, target.end_utc, target.buffer)[1]
    member_id = caller.subject_id if caller.role == Role.MEMBER else None
    hold_until = capacity.hold_until(now, hold) if status == Status.CREATED and hold else None
    values: dict[str, Any] = {
        "id": booking_id,
        "kind": target.kind,
        "status": status.value,
        "payment_status": PaymentStatus.UNDEFINED.value,
        "service_id": target.service_id,
        "schedule_id": target.schedule_id,
        "event_id": target.event_id,
        "resource_id": resource_id,
        "start_utc": target.start_utc,
        "end_utc": target.end_utc,
        "busy_end_utc": busy_end,
        "participants": participants,
        "hold_until": hold_until,
        "double_booked": double_booked,
        "member_id": member_id,
        **search.indexed_columns(doc),
        "multi_service_booking_id": package_of(doc),
        "doc": doc,
        "revision": 1,
        "created_date": now,
        "updated_date": now,
    }
    await appointment_events.on_create(uow, values, target.service)
    if used is not None:
        # The recount under the lock, plus this booking when it holds: what a recount now
        # would find (every writer of the event's bookings holds its lock).
        held = participants if capacity.holds(status, hold_until, now) else 0
        locked_and_read = target.locked_capacity is not None
        await _sync_participants(
            uow, target.kind, target.event_id, now, used + held, later=locked_and_read
        )
    # The rows of the new booking, none read back: they go in together with the commit
    # (UnitOfWork.insert_deferred).
    uow.insert_deferred(_b, values)
    await _index_arrays(uow, booking_id, doc, None)
    policy = target.service.booking_policy
    if policy.get("id"):
        await policies.take_snapshot(uow, booking_id, str(policy["id"]), policy, fresh=True)
    # The booking as inserted (its row, re-read, would say the same), its first events.
    wire = booking_wire(values)
    await _record(uow, booking_id, "created", "created", wire, sequence=1, later=True)
    if status == Status.CONFIRMED:
        await _record(
            uow,
            booking_id,
            "confirmed",
            "action",
            action_body(
                wire,
                caller,
                doc,
                previous_status=None,
                previous_payment=None,
                send_sms=True,
            ),
            sequence=2,
            later=True,
        )
    return wire


async def create_booking(
    db: Database, caller: Identity, req: CreateBookingRequest
) -> dict[str, Any]:
    now = utcnow()

    async def plan(scope: SiteScope, same: UnitOfWork | None) -> Planned:
        return await _plan(scope, caller, req, now, same)

    async def write(uow: UnitOfWork, planned: Planned) -> dict[str, Any]:
        assert req.booking is not None
        return await _insert(uow, caller, planned, state.initial(req.booking.status), now)

    # The plan may take the process's copies of the catalog at the version the caller's
    # credential read (platform/site_cache.py): a create changes no catalog.
    booking = await db.read_then_write(
        caller.site_id, plan, write, catalog_version=caller.catalog_version
    )
    return {"booking": booking}


async def bulk_create_bookings(
    db: Database, caller: Identity, req: BulkCreateBookingRequest
) -> dict[str, Any]:
    """Missing required fields anywhere fail the whole call; everything else per item."""
    for i, info in enumerate(req.create_bookings_info):
        try:
            _check_shape(caller, info)
        except errors.InvalidRequest as exc:
            raise prefixed(exc, f"createBookingsInfo[{i}]") from None

    async def create(_index: int, info: CreateBookingRequest) -> dict[str, Any]:
        booking: dict[str, Any] = (await create_booking(db, caller, info))["booking"]
        return booking

    return await bulk_each(
        req.create_bookings_info, create, return_entity=bool(req.return_full_entity)
    )
