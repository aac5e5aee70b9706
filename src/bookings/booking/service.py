"""Bookings Writer V2 use-cases: one function per API method, each owning its transaction.

**Never overbooked.** Every write that consumes capacity (create, confirm or mark-as-pending
of a booking that holds nothing, Confirm Or Decline, reschedule, more participants) runs in
one unit of work that (1) locks the capacity owners in sorted id order — the staff resource
rows of an appointment (:func:`bookings.staff.service.lock_resources`), the event row of a
class session (:func:`bookings.calendar.service.lock_events`), the schedule row of a course
(:func:`bookings.calendar.service.lock_schedule`); (2) recomputes occupancy from the
``bookings`` table (and, for appointments, the calendar through
:func:`bookings.availability.service.check_appointment_slot`); (3) writes the booking, bumps
``revision``, records the domain event in the outbox; then commits. Life-cycle calls update
with ``WHERE revision = :given``: of two calls with one revision exactly one wins, the other
gets 409 ``REVISION_MISMATCH``. Every write that touches a class or course locks its owner
first, so owner-then-booking is the only lock order (no deadlocks).

Which bookings hold capacity: :mod:`bookings.booking.capacity`. The hold of CREATED bookings
is the site setting ``createdBookingHoldMinutes`` (``sites.settings``, default 15).

Occupancy is counted by :mod:`bookings.booking.load`, which is also what the slot lists count
(the availability check takes it as an argument).
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bookings.availability import service as availability
from bookings.booking import capacity, load, rules, search, state
from bookings.booking.models import booking_values as _values
from bookings.booking.models import bookings as _b
from bookings.booking.schemas import (
    BulkCalculateAllowedActionsRequest,
    BulkCancelBookingsRequest,
    BulkConfirmOrDeclineBookingRequest,
    BulkCreateBookingRequest,
    CancelBookingRequest,
    ConfirmBookingRequest,
    ConfirmOrDeclineBookingRequest,
    CreateBookingRequest,
    DeclineBookingRequest,
    MarkBookingAsPendingRequest,
    ParticipantNotification,
    PaymentStatus,
    RescheduleBookingRequest,
    SetBookingSubmissionIdRequest,
    UpdateExtendedFieldsRequest,
    UpdateNumberOfParticipantsRequest,
)
from bookings.booking.state import Status
from bookings.calendar import service as calendar
from bookings.catalog.policies import service as policies
from bookings.catalog.services import service as catalog
from bookings.identity import service as identity
from bookings.platform import errors, events, query, zoned
from bookings.platform.auth import Identity, Role
from bookings.platform.bulk import BulkResults
from bookings.platform.constants import BOOKINGS_APP_ID
from bookings.platform.db import (
    Database,
    SiteScope,
    UnitOfWork,
    utcnow,
)
from bookings.platform.signing import Signer
from bookings.platform.timezones import zone
from bookings.platform.wire import (
    WireModel,
    format_local_datetime,
    format_timestamp,
    new_id,
    parse_timestamp,
    to_wire,
)
from bookings.staff import service as staff

ENTITY_FQDN = "wix.bookings.v2.booking"
#: Stored in the document, never shown on the wire.
HIDDEN = ("flowControlSettings", "autoAssigned")

# ---------------------------------------------------------------- reading helpers


async def _site(scope: SiteScope, caller: Identity) -> tuple[str, dict[str, Any]]:
    """The site's time zone and settings (the identity slice's: no statement when the
    caller's credential lookup read them)."""
    facts = await identity.site_facts(scope, caller)
    return facts.time_zone, dict(facts.settings)


def booking_not_found(booking_id: str) -> errors.ApplicationError:
    return errors.not_found(
        "BOOKING_NOT_FOUND", f"Booking {booking_id} not found", bookingId=booking_id
    )


async def _row(scope: SiteScope, booking_id: str) -> sa.Row[Any] | None:
    return await scope.one_or_none(scope.select(_b).where(_b.c.id == booking_id))


async def _require(scope: SiteScope, booking_id: str, caller: Identity) -> sa.Row[Any]:
    """The booking; a MEMBER sees only bookings they created (others: 404)."""
    row = await _row(scope, booking_id)
    if row is None or (caller.role == Role.MEMBER and row.member_id != caller.subject_id):
        raise booking_not_found(booking_id)
    return row


def _copy_json(value: Any) -> Any:
    """A copy of a JSON tree (what ``copy.deepcopy`` does to it, a few times faster: a page
    of the Reader copies a hundred documents)."""
    if isinstance(value, dict):
        return {k: _copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy_json(v) for v in value]
    return value


def booking_wire(row: sa.Row[Any] | Mapping[str, Any]) -> dict[str, Any]:
    """The wire Booking of a row, or of the values of a row as they were inserted."""
    r: Mapping[Any, Any] = row._mapping if isinstance(row, sa.Row) else row
    doc = {k: _copy_json(v) for k, v in (r["doc"] or {}).items() if k not in HIDDEN}
    out: dict[str, Any] = {"id": r["id"], **doc}
    out["status"] = r["status"]
    out["paymentStatus"] = r["payment_status"]
    out["revision"] = str(r["revision"])
    out["createdDate"] = format_timestamp(r["created_date"])
    out["updatedDate"] = format_timestamp(r["updated_date"])
    if r["start_utc"] is not None:
        out["startDate"] = format_timestamp(r["start_utc"])
    if r["end_utc"] is not None:
        out["endDate"] = format_timestamp(r["end_utc"])
    if r["double_booked"]:
        out["doubleBooked"] = True
    return out


# ---------------------------------------------------------------- the plan of a booking


def _buffer_minutes(service: Mapping[str, Any]) -> int:
    value = ((service.get("schedule") or {}).get("availabilityConstraints") or {}).get(
        "timeBetweenSessions"
    )
    return value if isinstance(value, int) and value > 0 else 0


def _service_location(service: Mapping[str, Any]) -> dict[str, Any] | None:
    locations = service.get("locations") or []
    if not locations:
        return None
    loc = locations[0]
    kind = loc.get("type")
    if kind == "BUSINESS":
        business = loc.get("business") or {}
        out: dict[str, Any] = {"locationType": "OWNER_BUSINESS"}
        if business.get("id"):
            out["id"] = business["id"]
        if business.get("name"):
            out["name"] = business["name"]
        return out
    if kind == "CUSTOM":
        address = (loc.get("custom") or {}).get("address") or {}
        out = {"locationType": "OWNER_CUSTOM"}
        text = address.get("formattedAddress") or address.get("addressLine")
        if text:
            out["formattedAddress"] = text
        return out
    if kind == "CUSTOMER":
        return {"locationType": "CUSTOM"}
    return None


def _zone_of(name: str | None, fallback: str, field_path: str) -> str:
    chosen = name or fallback
    try:
        zone(chosen)
    except KeyError:
        raise errors.ApplicationError(
            "INVALID_TIME_ZONE",
            f"{chosen!r} is not a known time zone",
            http_status=400,
            data={"field": field_path},
        ) from None
    return chosen


def _local(instant: datetime, tz: str) -> str:
    return format_local_datetime(zoned.to_local(instant, zone(tz)))


async def _service(scope: SiteScope, service_id: str) -> dict[str, Any]:
    return dict((await catalog.require_service(scope, service_id)).wire)


def _require_type(service: Mapping[str, Any], kind: str) -> None:
    if service.get("type") != kind:
        raise errors.failed_precondition(
            "VALIDATION_FAILURE",
            f"Service {service.get('id')} is a {service.get('type')} service, not {kind}",
            serviceId=service.get("id"),
        )


@dataclass
class Target:
    """Where a booking sits: kind, service, capacity owner, instants and the slot document."""

    kind: str
    service: dict[str, Any]
    entity: dict[str, Any]
    schedule_id: str | None = None
    event_id: str | None = None
    #: Appointment: the staff resources to try, in order; ``requested`` when the client chose.
    candidates: list[str] = field(default_factory=list)
    requested: str | None = None
    start_utc: datetime | None = None
    end_utc: datetime | None = None
    buffer: int = 0
    #: Class: ``totalCapacity`` by event id, as read by the statement that locked the events
    #: (:func:`_lock_target`, or :func:`_class_target` reading the event); ``None`` until
    #: they are locked.
    locked_capacity: dict[str, int | None] | None = None

    @property
    def service_id(self) -> str:
        return str(self.service["id"])


async def _class_target(
    scope: SiteScope, event_id: str, service_id: str | None, *, lock: bool = False
) -> Target:
    """The target of a class booking. ``lock`` (``scope`` a unit of work): the event's row is
    locked by the statement that reads it, and that is the target's lock
    (:func:`_lock_target` takes no other); only for a use-case that locks nothing else."""
    uow = scope if lock and isinstance(scope, UnitOfWork) else None
    if uow is not None:
        event = await calendar.get_event_locked(uow, event_id)
    else:
        event = await calendar.get_event(scope, event_id)
    if event is None or event.get("status") == "CANCELLED":
        raise errors.not_found(
            "SESSION_NOT_FOUND", f"Session {event_id} not found", eventId=event_id
        )
    owner = str(event.get("externalScheduleId") or "")
    if service_id and owner and service_id != owner:
        raise errors.failed_precondition(
            "VALIDATION_FAILURE",
            f"Session {event_id} is not a session of service {service_id}",
            eventId=event_id,
        )
    service = await _service(scope, service_id or owner)
    _require_type(service, rules.CLASS)
    start, end = calendar.event_interval(event)
    tz = str(event.get("timeZone") or "UTC")
    slot: dict[str, Any] = {
        "serviceId": service["id"],
        "scheduleId": event["scheduleId"],
        "eventId": event["id"],
        "startDate": _local(start, tz),
        "endDate": _local(end, tz),
        "timezone": tz,
    }
    resources = event.get("resources") or []
    if resources:
        resource: dict[str, Any] = {"id": resources[0]["id"]}
        if resources[0].get("name"):
            resource["name"] = resources[0]["name"]
        slot["resource"] = resource
    location = rules.location_from_event(event.get("location")) or _service_location(service)
    if location:
        slot["location"] = location
    entity = {
        "slot": slot,
        "title": event.get("title") or service.get("name"),
        "tags": [rules.TAGS[rules.CLASS]],
    }
    target = Target(
        rules.CLASS,
        service,
        entity,
        schedule_id=str(event["scheduleId"]),
        event_id=str(event["id"]),
        start_utc=start,
        end_utc=end,
    )
    if uow is not None:
        cap = event.get("totalCapacity")
        target.locked_capacity = {target.event_id or "": cap if isinstance(cap, int) else None}
    return target


async def _appointment_target(
    scope: SiteScope,
    site_tz: str,
    *,
    service_id: str,
    start_local: datetime,
    end_local: datetime,
    timezone: str | None,
    resource_id: str | None,
    location: dict[str, Any] | None,
    prefix: str,
) -> Target:
    service = await _service(scope, service_id)
    _require_type(service, rules.APPOINTMENT)
    if end_local <= start_local:
        raise errors.invalid_field(f"{prefix}.endDate", "must be after startDate")
    tz = _zone_of(timezone, site_tz, f"{prefix}.timezone")
    start = zoned.to_utc(start_local, zone(tz))
    end = zoned.to_utc(end_local, zone(tz))
    staff_ids = [str(s) for s in service.get("staffMemberIds") or []]
    if resource_id is not None and resource_id not in staff_ids:
        raise errors.failed_precondition(
            "SLOT_NOT_AVAILABLE",
            f"Staff resource {resource_id} does not provide service {service_id}",
            resourceId=resource_id,
        )
    slot: dict[str, Any] = {
        "serviceId": service["id"],
        "scheduleId": (service.get("schedule") or {}).get("id"),
        "startDate": format_local_datetime(start_local),
        "endDate": format_local_datetime(end_local),
        "timezone": tz,
    }
    chosen_location = location or _service_location(service)
    if chosen_location:
        slot["location"] = chosen_location
    entity = {"slot": slot, "title": service.get("name"), "tags": [rules.TAGS[rules.APPOINTMENT]]}
    return Target(
        rules.APPOINTMENT,
        service,
        entity,
        schedule_id=slot["scheduleId"],
        candidates=[resource_id] if resource_id else staff_ids,
        requested=resource_id,
        start_utc=start,
        end_utc=end,
        buffer=_buffer_minutes(service),
    )


async def _course_target(scope: SiteScope, schedule_id: str) -> Target:
    schedule = await calendar.get_schedule(scope, schedule_id)
    if schedule is None or not schedule.get("externalId"):
        raise errors.not_found(
            "SCHEDULE_NOT_FOUND", f"Schedule {schedule_id} not found", scheduleId=schedule_id
        )
    service = await _service(scope, str(schedule["externalId"]))
    _require_type(service, rules.COURSE)
    tz = str(schedule.get("timeZone") or "UTC")
    info = service.get("schedule") or {}
    first = parse_timestamp(info["firstSessionStart"]) if info.get("firstSessionStart") else None
    last = parse_timestamp(info["lastSessionEnd"]) if info.get("lastSessionEnd") else None
    booked: dict[str, Any] = {"scheduleId": schedule_id, "serviceId": service["id"], "timezone": tz}
    if first is not None:
        booked["firstSessionStart"] = _local(first, tz)
    if last is not None:
        booked["lastSessionEnd"] = _local(last, tz)
    location = _service_location(service)
    if location:
        booked["location"] = location
    entity = {"schedule": booked, "title": service.get("name"), "tags": [rules.TAGS[rules.COURSE]]}
    return Target(
        rules.COURSE, service, entity, schedule_id=schedule_id, start_utc=first, end_utc=last
    )


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
                raise errors.not_found("SESSION_NOT_FOUND", f"Session {target.event_id} not found")
            return target.locked_capacity[event_id]
        event = await calendar.get_event(uow, event_id)
        if event is None:
            raise errors.not_found("SESSION_NOT_FOUND", f"Session {target.event_id} not found")
        cap = event.get("totalCapacity")
        return int(cap) if isinstance(cap, int) else None
    cap = target.service.get("defaultCapacity")
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
        return capacity.fits(cap, used, participants), None, used
    assert target.start_utc is not None and target.end_utc is not None
    span = capacity.busy_span(target.start_utc, target.end_utc, target.buffer)
    skip = frozenset({exclude}) if exclude else frozenset()
    check = await availability.check_appointment_slot(
        uow,
        load.HoldingBookings(now),
        target.service_id,
        target.start_utc,
        target.end_utc,
        target.requested,
        exclude=skip,
        service=target.service,
        settings=settings,
    )
    free = check.free
    needed = [r for r in target.candidates if r in free]
    # The check has just read the holding bookings under the same locks: when that read
    # covers the free candidates over the span, it need not be repeated.
    held = {} if not needed else check.held.covering(needed, span) if check.held else None
    if held is None:
        held = await load.busy(uow, target.candidates, span[0], span[1], now, skip)
    chosen = capacity.pick_resource(target.candidates, free, held, span)
    return chosen is not None, chosen, None


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


# ---------------------------------------------------------------- create


def _flags(model: WireModel | None) -> dict[str, Any]:
    return to_wire(model) if model is not None else {}


def _notification(model: ParticipantNotification | None) -> dict[str, Any] | None:
    return to_wire(model) if model is not None else None


def _prefixed(exc: errors.InvalidRequest, prefix: str) -> errors.InvalidRequest:
    return errors.InvalidRequest(
        [
            errors.FieldViolation(
                f"{prefix}.{v.field}", v.description, v.violated_rule, v.rule_name, v.data
            )
            for v in exc.violations
        ]
    )


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
    return kind, participants


def _identity_doc(caller: Identity, contact_id: str | None) -> dict[str, Any]:
    out = caller.initiated_by()
    if contact_id:
        out["contactId"] = contact_id
    return out


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
    scope: SiteScope, caller: Identity, req: CreateBookingRequest, now: datetime
) -> Planned:
    """Everything a create needs before its write: target, participants, document, flags."""
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
    flags = _flags(req.flow_control_settings)
    rules.authorize_flags(caller.role, flags, "flowControlSettings")
    rules.authorize_status(caller.role, booking.status)
    site_tz, settings = await _site(scope, caller)
    entity = booking.booked_entity
    if kind == rules.CLASS:
        slot = entity.slot
        assert slot is not None
        # In the write's transaction (PostgreSQL: see Database.read_then_write) the event
        # is locked as it is read: a create locks nothing else.
        target = await _class_target(
            scope, str(slot.event_id or slot.session_id), slot.service_id, lock=True
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
        rules.check_booking_policy(target.service, target.start_utc, participants, now)
    if not flags.get("skipSelectedPaymentOptionValidation"):
        rules.check_payment_option(target.service, booking.selected_payment_option)
    doc: dict[str, Any] = {}
    if booking.participants_choices is not None:
        doc["participantsChoices"] = to_wire(booking.participants_choices)
    else:
        doc["totalParticipants"] = participants
    doc["bookedEntity"] = target.entity
    for key, value in (
        ("contactDetails", booking.contact_details),
        ("additionalFields", [to_wire(f) for f in booking.additional_fields or []] or None),
        ("externalUserId", booking.external_user_id),
        ("extendedFields", booking.extended_fields),
        ("formSubmissionId", booking.form_submission_id),
        ("bookedAddOns", [to_wire(a) for a in booking.booked_add_ons or []] or None),
        ("depositSelected", booking.deposit_selected),
        ("bookingSource", booking.booking_source),
    ):
        if value is not None:
            doc[key] = value
    if booking.selected_payment_option is not None:
        doc["selectedPaymentOption"] = booking.selected_payment_option.value
    contact_id = (booking.contact_details or {}).get("contactId")
    doc["createdBy"] = _identity_doc(caller, contact_id if isinstance(contact_id, str) else None)
    doc["formId"] = (target.service.get("form") or {}).get("id") or (
        "00000000-0000-0000-0000-000000000000"
    )
    app_id = target.service.get("appId") or BOOKINGS_APP_ID
    doc["appId"] = app_id
    doc["createdByAppId"] = caller.subject_id if caller.role == Role.APP else app_id
    notification = _notification(req.participant_notification)
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
    target, participants, doc, flags = (
        planned.target,
        planned.participants,
        planned.doc,
        planned.flags,
    )
    booking_id = new_id()
    hold = capacity.hold_minutes(planned.settings)
    await _lock_target(uow, target)
    site = None
    if target.kind == rules.APPOINTMENT:
        site = availability.site_settings_of(planned.site_tz, planned.settings)
    fits, resource_id, used = await _placement(uow, target, participants, now, None, site)
    double_booked = False
    if not fits:
        if not flags.get("skipAvailabilityValidation"):
            raise _capacity_error(target.kind)
        double_booked = True
        resource_id = target.requested
    if target.kind == rules.APPOINTMENT:
        names = await staff.staff_by_resource_ids(uow, [resource_id] if resource_id else [])
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
        "doc": doc,
        "revision": 1,
        "created_date": now,
        "updated_date": now,
    }
    if used is not None:
        # The recount under the lock, plus this booking when it holds: what a recount now
        # would find (every writer of the event's bookings holds its lock).
        held = participants if capacity.holds(status, hold_until, now) else 0
        await _sync_participants(uow, target.kind, target.event_id, now, used + held)
    # The rows of the new booking, none read back: they go in together with the commit
    # (UnitOfWork.add).
    uow.add(_b, values)
    await _index_arrays(uow, booking_id, doc, None)
    policy = target.service.get("bookingPolicy") or {}
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
            _action_body(
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


async def _index_arrays(
    uow: UnitOfWork,
    booking_id: str,
    doc: Mapping[str, Any],
    previous: Mapping[str, Any] | None,
) -> None:
    """Keep the ``booking_values`` rows of a booking in step with its document (rewritten only
    when its array values changed). A new booking's (no ``previous``) go in with the commit
    (UnitOfWork.add)."""
    rows = search.value_rows(booking_id, doc)
    if previous is None:
        uow.add(_values, *rows)
        return
    if search.indexed_arrays(previous) == search.indexed_arrays(doc):
        return
    await uow.conn.execute(uow.delete(_values).where(_values.c.booking_id == booking_id))
    if rows:
        await uow.insert(_values, *rows)


async def _sync_participants(
    uow: UnitOfWork, kind: str, event_id: str | None, now: datetime, total: int | None = None
) -> None:
    """Keep the calendar's ``remainingCapacity`` of a class event in step. ``total``: the
    event's holding participants, when the caller has just counted them under its lock."""
    if kind == rules.CLASS and event_id:
        if total is None:
            total = await load.occupied(uow, rules.CLASS, event_id, now, None)
        await calendar.set_participants_total(uow, event_id, total)


async def _record(
    uow: UnitOfWork,
    booking_id: str,
    slug: str,
    kind: events.EventKind,
    payload: dict[str, Any],
    sequence: int | None = None,
    later: bool = False,
) -> None:
    await events.record(
        uow,
        entity_fqdn=ENTITY_FQDN,
        slug=slug,
        entity_id=booking_id,
        kind=kind,
        payload=payload,
        sequence=sequence,
        later=later,
    )


def _action_body(
    wire: dict[str, Any],
    caller: Identity,
    doc: Mapping[str, Any],
    *,
    previous_status: str | None,
    previous_payment: str | None,
    send_sms: bool | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"booking": wire}
    if doc.get("participantNotification") is not None:
        body["participantNotification"] = doc["participantNotification"]
    if send_sms is not None:
        body["sendSmsReminder"] = send_sms
    if wire.get("doubleBooked"):
        body["doubleBooked"] = True
    body["initiatedBy"] = caller.initiated_by()
    if previous_status is not None:
        body["previousStatus"] = previous_status
    if previous_payment is not None:
        body["previousPaymentStatus"] = previous_payment
    body.update(extra or {})
    return body


async def create_booking(
    db: Database, caller: Identity, req: CreateBookingRequest
) -> dict[str, Any]:
    now = utcnow()

    async def plan(scope: SiteScope) -> Planned:
        return await _plan(scope, caller, req, now)

    async def write(uow: UnitOfWork, planned: Planned) -> dict[str, Any]:
        assert req.booking is not None
        return await _insert(uow, caller, planned, state.initial(req.booking.status), now)

    return {"booking": await db.read_then_write(caller.site_id, plan, write)}


async def bulk_create_bookings(
    db: Database, caller: Identity, req: BulkCreateBookingRequest
) -> dict[str, Any]:
    """Missing required fields anywhere fail the whole call; everything else per item."""
    for i, info in enumerate(req.create_bookings_info):
        try:
            _check_shape(caller, info)
        except errors.InvalidRequest as exc:
            raise _prefixed(exc, f"createBookingsInfo[{i}]") from None
    results = BulkResults(return_entity=bool(req.return_full_entity))
    for i, info in enumerate(req.create_bookings_info):
        try:
            created = await create_booking(db, caller, info)
        except errors.ApiError as exc:
            results.failed(i, None, exc)
        else:
            booking = created["booking"]
            results.ok(i, booking["id"], booking)
    return results.to_wire()


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


Apply = Callable[[UnitOfWork, sa.Row[Any], datetime], Awaitable[Change]]


def _target_of(row: sa.Row[Any], service: dict[str, Any]) -> Target:
    """The current placement of a booking, as a :class:`Target`."""
    doc = row.doc or {}
    entity = copy.deepcopy(doc.get("bookedEntity") or {})
    auto = bool(doc.get("autoAssigned"))
    candidates: list[str] = []
    if row.kind == rules.APPOINTMENT:
        staff_ids = [str(s) for s in service.get("staffMemberIds") or []]
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
        buffer=_buffer_minutes(service),
    )


async def _lock_owner(uow: UnitOfWork, row: sa.Row[Any], service: dict[str, Any]) -> Target:
    target = _target_of(row, service)
    await _lock_target(uow, target)
    return target


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
        values = {
            "status": change.status.value,
            "payment_status": change.payment_status,
            "doc": change.doc,
            "double_booked": change.double_booked,
            "revision": row.revision + 1,
            "updated_date": now,
            **search.indexed_columns(change.doc),
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
        for event_id in dict.fromkeys([row.event_id, *change.touched_events]):
            if event_id and row.kind == rules.CLASS:
                await _sync_participants(uow, rules.CLASS, event_id, now)
        fresh = await _row(uow, booking_id)
        assert fresh is not None
        wire = booking_wire(fresh)
        for slug, kind, extra in change.outbox:
            if kind == "action":
                payload = {"booking": wire, **extra, "initiatedBy": caller.initiated_by()}
                if wire.get("doubleBooked") and slug in (
                    "confirmed",
                    "declined",
                    "markedAsPending",
                ):
                    payload["doubleBooked"] = True
            else:
                payload = wire
            await _record(uow, booking_id, slug, kind, payload)
    return wire


def _apply_notification(
    doc: dict[str, Any], notification: ParticipantNotification | None
) -> dict[str, Any] | None:
    value = _notification(notification)
    if value is not None:
        doc["participantNotification"] = value
    return value


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


async def confirm_booking(
    db: Database, caller: Identity, req: ConfirmBookingRequest
) -> dict[str, Any]:
    flags = _flags(req.flow_control_settings)
    rules.authorize_flags(caller.role, flags, "flowControlSettings")
    check = bool(flags.get("checkAvailabilityValidation"))

    async def apply(uow: UnitOfWork, row: sa.Row[Any], now: datetime) -> Change:
        status = Status(row.status)
        new = state.confirm(status, row.id)
        service = await _service(uow, row.service_id)
        target = await _lock_owner(uow, row, service)
        fits, resource_id = await _fits_now(uow, row, target, now)
        double = bool(row.double_booked)
        values: dict[str, Any] = {"hold_until": None}
        if not fits:
            if check or caller.role != Role.ADMIN:
                raise _no_open_spots(row.id)
            double = True
        elif resource_id is not None and resource_id != row.resource_id:
            values["resource_id"] = resource_id
        if check and req.double_booked is not None:
            double = req.double_booked
        doc = copy.deepcopy(row.doc)
        if "resource_id" in values:
            target.entity = doc.get("bookedEntity") or {}
            names = await staff.staff_by_resource_ids(uow, [resource_id or ""])
            _resource_doc(target, resource_id, names)
            doc["bookedEntity"] = target.entity
        notification = _apply_notification(doc, req.participant_notification)
        sms = req.send_sms_reminder
        payment = req.payment_status.value if req.payment_status else row.payment_status
        extra: dict[str, Any] = {
            "previousStatus": row.status,
            "previousPaymentStatus": row.payment_status,
        }
        if notification is not None:
            extra["participantNotification"] = notification
        if sms is not None:
            extra["sendSmsReminder"] = sms
        return Change(new, payment, doc, double, values, [("confirmed", "action", extra)])

    booking = await _mutate(db, caller, req.booking_id, req.revision, apply)
    return {"booking": booking}


async def decline_booking(
    db: Database, caller: Identity, req: DeclineBookingRequest
) -> dict[str, Any]:
    flags = _flags(req.flow_control_settings)
    rules.authorize_flags(caller.role, flags, "flowControlSettings")

    async def apply(uow: UnitOfWork, row: sa.Row[Any], now: datetime) -> Change:
        new = state.decline(Status(row.status), row.id)
        if row.kind != rules.APPOINTMENT:
            await _lock_owner(uow, row, {})
        doc = copy.deepcopy(row.doc)
        notification = _apply_notification(doc, req.participant_notification)
        payment = req.payment_status.value if req.payment_status else row.payment_status
        extra: dict[str, Any] = {
            "previousStatus": row.status,
            "previousPaymentStatus": row.payment_status,
        }
        if notification is not None:
            extra["participantNotification"] = notification
        if flags:
            extra["flowControlSettings"] = flags
        double = bool(row.double_booked)
        return Change(
            new, payment, doc, double, {"hold_until": None}, [("declined", "action", extra)]
        )

    booking = await _mutate(db, caller, req.booking_id, req.revision, apply)
    return {"booking": booking}


async def _cancel(
    db: Database,
    caller: Identity,
    booking_id: str,
    revision: int | None,
    notification: ParticipantNotification | None,
    flags: dict[str, Any],
    prefix: str = "flowControlSettings",
) -> dict[str, Any]:
    rules.authorize_flags(caller.role, flags, prefix)

    async def apply(uow: UnitOfWork, row: sa.Row[Any], now: datetime) -> Change:
        new = state.cancel(Status(row.status), row.id)
        if caller.role == Role.MEMBER and not flags.get("ignoreCancellationPolicy"):
            snapshot = await _snapshot(uow, row.id)
            if not rules.may_cancel(snapshot, row.start_utc, now):
                raise rules.policy_violation(
                    "The booking's cancellation policy does not allow cancelling it now",
                    policy="cancellationPolicy",
                )
        if row.kind != rules.APPOINTMENT:
            await _lock_owner(uow, row, {})
        doc = copy.deepcopy(row.doc)
        doc["canceledDate"] = format_timestamp(now)
        note = _apply_notification(doc, notification)
        extra: dict[str, Any] = {"previousStatus": row.status}
        if note is not None:
            extra["participantNotification"] = note
        if flags:
            extra["flowControlSettings"] = flags
        return Change(
            new,
            row.payment_status,
            doc,
            bool(row.double_booked),
            {"hold_until": None},
            [("canceled", "action", extra)],
        )

    return await _mutate(db, caller, booking_id, revision, apply)


async def _snapshot(scope: SiteScope, booking_id: str) -> dict[str, Any]:
    found = await policies.list_snapshots(scope, [booking_id])
    return dict(found[0].get("policy") or {}) if found else {}


async def cancel_booking(
    db: Database, caller: Identity, req: CancelBookingRequest
) -> dict[str, Any]:
    booking = await _cancel(
        db,
        caller,
        req.booking_id,
        req.revision,
        req.participant_notification,
        _flags(req.flow_control_settings),
    )
    return {"booking": booking}


async def bulk_cancel_bookings(
    db: Database, caller: Identity, req: BulkCancelBookingsRequest
) -> dict[str, Any]:
    if req.bookings is not None and req.recurring_cancellation is not None:
        raise errors.invalid_field(
            "recurringCancellation",
            "cannot be sent together with bookings",
            errors.ONE_OF_ALIGNMENT,
        )
    if req.recurring_cancellation is not None:
        raise errors.not_found(
            "RECURRING_GROUP_NOT_FOUND",
            "No recurring booking group found: this server has no recurring bookings",
        )
    if req.bookings is None:
        raise errors.ApplicationError(
            "MISSING_CANCELLATION_INFO",
            "Send bookings.bookingsInfo or recurringCancellation",
            http_status=400,
        )
    infos = req.bookings.bookings_info
    ids = [i.booking_id for i in infos if i.booking_id]
    if len(ids) != len(set(ids)):
        raise errors.ApplicationError(
            "DUPLICATE_BOOKING_IDS", "A booking id is listed more than once", http_status=400
        )
    results = BulkResults(return_entity=bool(req.return_full_entity))
    for i, info in enumerate(infos):
        try:
            if not info.booking_id:
                raise errors.invalid_field(
                    f"bookings.bookingsInfo[{i}].bookingId", "is required", errors.REQUIRED_FIELD
                )
            if info.revision is None:
                raise errors.revision_required(f"bookings.bookingsInfo[{i}].revision")
            booking = await _cancel(
                db,
                caller,
                info.booking_id,
                info.revision,
                info.participant_notification,
                _flags(info.flow_control_settings),
                f"bookings.bookingsInfo[{i}].flowControlSettings",
            )
        except errors.ApiError as exc:
            results.failed(i, info.booking_id, exc)
        else:
            results.ok(i, booking["id"], booking)
    return results.to_wire()


async def mark_booking_as_pending(
    db: Database, caller: Identity, req: MarkBookingAsPendingRequest
) -> dict[str, Any]:
    flags = _flags(req.flow_control_settings)
    rules.authorize_flags(caller.role, flags, "flowControlSettings")
    check = bool(flags.get("checkAvailabilityValidation"))

    async def apply(uow: UnitOfWork, row: sa.Row[Any], now: datetime) -> Change:
        new = state.mark_as_pending(Status(row.status), row.id)
        service = await _service(uow, row.service_id)
        approval = bool((service.get("onlineBooking") or {}).get("requireManualApproval"))
        if not approval and not flags.get("skipPendingApprovalServiceValidation"):
            raise errors.failed_precondition(
                "NOT_PENDING_APPROVAL_SERVICE",
                f"Service {row.service_id} does not require manual approval",
                serviceId=row.service_id,
            )
        target = await _lock_owner(uow, row, service)
        fits, resource_id = await _fits_now(uow, row, target, now)
        double = bool(row.double_booked)
        values: dict[str, Any] = {"hold_until": None}
        if not fits:
            if caller.role != Role.ADMIN:
                raise _no_open_spots(row.id)
            double = True
        elif resource_id is not None and resource_id != row.resource_id:
            values["resource_id"] = resource_id
        if check and req.double_booked is not None:
            double = double or req.double_booked
        doc = copy.deepcopy(row.doc)
        if "resource_id" in values:
            target.entity = doc.get("bookedEntity") or {}
            names = await staff.staff_by_resource_ids(uow, [resource_id or ""])
            _resource_doc(target, resource_id, names)
            doc["bookedEntity"] = target.entity
        notification = _apply_notification(doc, req.participant_notification)
        payment = req.payment_status.value if req.payment_status else row.payment_status
        extra: dict[str, Any] = {
            "previousStatus": row.status,
            "previousPaymentStatus": row.payment_status,
        }
        if notification is not None:
            extra["participantNotification"] = notification
        if req.send_sms_reminder is not None:
            extra["sendSmsReminder"] = req.send_sms_reminder
        return Change(new, payment, doc, double, values, [("markedAsPending", "action", extra)])

    booking = await _mutate(db, caller, req.booking_id, req.revision, apply)
    return {"booking": booking}


async def _confirm_or_decline(
    db: Database, caller: Identity, booking_id: str, payment_status: PaymentStatus | None
) -> dict[str, Any]:
    async def apply(uow: UnitOfWork, row: sa.Row[Any], now: datetime) -> Change:
        status = Status(row.status)
        state.check(state.Action.CONFIRM_OR_DECLINE, status, row.id)
        service = await _service(uow, row.service_id)
        target = await _lock_owner(uow, row, service)
        created_flags = (row.doc or {}).get("flowControlSettings") or {}
        conflict = False
        values: dict[str, Any] = {"hold_until": None}
        if not created_flags.get("skipAvailabilityValidation"):
            fits, resource_id = await _fits_now(uow, row, target, now)
            conflict = not fits
            if fits and resource_id is not None and resource_id != row.resource_id:
                values["resource_id"] = resource_id
        payment = payment_status.value if payment_status else row.payment_status
        approval = bool((service.get("onlineBooking") or {}).get("requireManualApproval"))
        needs_approval = approval and not created_flags.get("skipBusinessConfirmation")
        new = state.confirm_or_decline(
            status,
            conflict=conflict,
            unpaid=PaymentStatus(payment) in rules.UNPAID,
            needs_approval=needs_approval,
            booking_id=row.id,
        )
        double = bool(row.double_booked) or (conflict and new != Status.DECLINED)
        doc = copy.deepcopy(row.doc)
        if "resource_id" in values and new != Status.DECLINED:
            target.entity = doc.get("bookedEntity") or {}
            rid = values["resource_id"]
            _resource_doc(target, rid, await staff.staff_by_resource_ids(uow, [rid]))
            doc["bookedEntity"] = target.entity
        else:
            values.pop("resource_id", None)
        extra: dict[str, Any] = {
            "previousStatus": row.status,
            "previousPaymentStatus": row.payment_status,
        }
        slug = {
            Status.CONFIRMED: "confirmed",
            Status.PENDING: "markedAsPending",
            Status.DECLINED: "declined",
        }[new]
        outbox: list[tuple[str, events.EventKind, dict[str, Any]]] = [(slug, "action", extra)]
        if new == status:
            outbox = [("updated", "updated", {})]
        return Change(new, payment, doc, double, values, outbox)

    return await _mutate(db, caller, booking_id, None, apply, revision_required=False)


async def confirm_or_decline_booking(
    db: Database, caller: Identity, req: ConfirmOrDeclineBookingRequest
) -> dict[str, Any]:
    booking = await _confirm_or_decline(db, caller, req.booking_id, req.payment_status)
    return {"booking": booking}


async def bulk_confirm_or_decline_booking(
    db: Database, caller: Identity, req: BulkConfirmOrDeclineBookingRequest
) -> dict[str, Any]:
    ids = [d.booking_id for d in req.details]
    if len(ids) != len(set(ids)):
        raise errors.failed_precondition(
            "DUPLICATED_BOOKINGS", "A booking id is listed more than once"
        )
    results = BulkResults(return_entity=bool(req.return_entity))
    for i, detail in enumerate(req.details):
        try:
            booking = await _confirm_or_decline(
                db, caller, detail.booking_id, detail.payment_status
            )
        except errors.ApiError as exc:
            results.failed(i, detail.booking_id, exc)
        else:
            results.ok(i, booking["id"], booking)
    return results.to_wire()


async def update_number_of_participants(
    db: Database, caller: Identity, req: UpdateNumberOfParticipantsRequest
) -> dict[str, Any]:
    wanted = rules.participants_of(
        req.total_participants, req.number_of_participants, req.participants_choices, ""
    )

    async def apply(uow: UnitOfWork, row: sa.Row[Any], now: datetime) -> Change:
        state.check(state.Action.UPDATE_PARTICIPANTS, Status(row.status), row.id)
        if row.kind == rules.APPOINTMENT:
            raise errors.failed_precondition(
                "VALIDATION_FAILURE",
                "The number of participants of an appointment cannot be changed",
                bookingId=row.id,
            )
        service = await _service(uow, row.service_id)
        target = await _lock_owner(uow, row, service)
        holding = capacity.holds(Status(row.status), row.hold_until, now)
        if holding and wanted > row.participants:
            cap = await _owner_capacity(uow, target)
            owner = row.event_id if row.kind == rules.CLASS else row.schedule_id
            used = await load.occupied(uow, row.kind, owner or "", now, row.id)
            if not capacity.fits(cap, used, wanted):
                raise _capacity_error(row.kind)
        doc = copy.deepcopy(row.doc)
        extra: dict[str, Any] = {}
        if "participantsChoices" in doc:
            extra["previousParticipantsChoices"] = doc["participantsChoices"]
        else:
            extra["previousTotalParticipants"] = doc.get("totalParticipants", row.participants)
        doc.pop("participantsChoices", None)
        doc.pop("totalParticipants", None)
        if req.participants_choices is not None:
            doc["participantsChoices"] = to_wire(req.participants_choices)
        else:
            doc["totalParticipants"] = wanted
        return Change(
            Status(row.status),
            row.payment_status,
            doc,
            bool(row.double_booked),
            {"participants": wanted},
            [("number_of_participants_updated", "action", extra)],
        )

    booking = await _mutate(db, caller, req.booking_id, req.revision, apply)
    return {"booking": booking}


async def reschedule_booking(
    db: Database, caller: Identity, req: RescheduleBookingRequest
) -> dict[str, Any]:
    flags = _flags(req.flow_control_settings)
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
        status = Status(row.status)
        new_status = state.reschedule(
            status,
            skip_business_confirmation=bool(flags.get("skipBusinessConfirmation")),
            booking_id=row.id,
        )
        if row.kind == rules.COURSE:
            raise errors.failed_precondition(
                "VALIDATION_FAILURE", "A course booking cannot be rescheduled", bookingId=row.id
            )
        if caller.role == Role.MEMBER:
            snapshot = await _snapshot(uow, row.id)
            if not rules.may_reschedule(snapshot, row.start_utc, now):
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
        if caller.role == Role.MEMBER:
            rules.check_booking_policy(target.service, target.start_utc, participants, now)
        fits, resource_id = await _place(uow, target, participants, now, row.id)
        double = False
        if not fits:
            if not skip:
                raise _capacity_error(row.kind)
            double = True
            resource_id = target.requested or row.resource_id
        doc = copy.deepcopy(row.doc)
        previous_entity = copy.deepcopy(doc.get("bookedEntity"))
        if row.kind == rules.APPOINTMENT:
            names = await staff.staff_by_resource_ids(uow, [resource_id] if resource_id else [])
            _resource_doc(target, resource_id, names)
            doc["autoAssigned"] = target.requested is None
        doc["bookedEntity"] = target.entity
        extra: dict[str, Any] = {}
        if "participantsChoices" in doc:
            extra["previousParticipantsChoices"] = doc["participantsChoices"]
        else:
            extra["previousTotalParticipants"] = doc.get("totalParticipants", row.participants)
        if req.participants_choices is not None:
            doc.pop("totalParticipants", None)
            doc["participantsChoices"] = to_wire(req.participants_choices)
        elif req.total_participants is not None:
            doc.pop("participantsChoices", None)
            doc["totalParticipants"] = req.total_participants
        if req.booked_add_ons is not None:
            doc["bookedAddOns"] = [to_wire(a) for a in req.booked_add_ons]
        note = _apply_notification(doc, req.participant_notification)
        if note is not None:
            extra["participantNotification"] = note
        if flags:
            extra["flowControlSettings"] = flags
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

    booking = await _mutate(db, caller, req.booking_id, req.revision, apply)
    return {"booking": booking}


async def update_extended_fields(
    db: Database, caller: Identity, req: UpdateExtendedFieldsRequest
) -> dict[str, Any]:
    if req.namespace is None:
        raise errors.invalid_field("namespace", "is required", errors.REQUIRED_FIELD)
    if req.namespace_data is None:
        raise errors.invalid_field("namespaceData", "is required", errors.REQUIRED_FIELD)
    namespace, data = req.namespace, req.namespace_data

    async def apply(uow: UnitOfWork, row: sa.Row[Any], now: datetime) -> Change:
        doc = copy.deepcopy(row.doc)
        extended = doc.setdefault("extendedFields", {})
        extended.setdefault("namespaces", {})[namespace] = data
        return Change(
            Status(row.status),
            row.payment_status,
            doc,
            bool(row.double_booked),
            outbox=[("updated", "updated", {})],
        )

    await _mutate(db, caller, req.id, None, apply, revision_required=False)
    return {"namespace": namespace, "namespaceData": data}


async def set_booking_submission_id(
    db: Database, caller: Identity, req: SetBookingSubmissionIdRequest
) -> dict[str, Any]:
    if req.submission_id is None:
        raise errors.invalid_field("submissionId", "is required", errors.REQUIRED_FIELD)
    submission = req.submission_id

    async def apply(uow: UnitOfWork, row: sa.Row[Any], now: datetime) -> Change:
        doc = copy.deepcopy(row.doc)
        doc["formSubmissionId"] = submission
        return Change(
            Status(row.status),
            row.payment_status,
            doc,
            bool(row.double_booked),
            outbox=[("updated", "updated", {})],
        )

    booking = await _mutate(db, caller, req.booking_id, None, apply, revision_required=False)
    return {"booking": booking}


async def bulk_calculate_allowed_actions(
    db: Database, caller: Identity, req: BulkCalculateAllowedActionsRequest
) -> dict[str, Any]:
    results = BulkResults(return_entity=True)
    async with db.read(caller.site_id) as scope:
        ids = list(dict.fromkeys(req.booking_ids))
        rows = {r.id: r for r in await scope.all(scope.select(_b).where(_b.c.id.in_(ids)))}
        actions = await allowed_actions_of(scope, list(rows.values()), utcnow())
    for i, booking_id in enumerate(req.booking_ids):
        if booking_id not in rows:
            results.failed(i, booking_id, booking_not_found(booking_id))
        else:
            results.ok(i, booking_id, actions[booking_id])
    return results.to_wire()


# ---------------------------------------------------------------- reading (Bookings Reader V2)


def visible_to(caller: Identity) -> sa.ColumnElement[bool]:
    """The bookings a caller may read: the site's for the business (ADMIN, APP), a member's
    or visitor's own otherwise."""
    if caller.role == Role.MEMBER:
        return _b.c.member_id == caller.subject_id
    if caller.role == Role.VISITOR:
        return _b.c.created_by_visitor_id == caller.subject_id
    return sa.true()


async def query_bookings(
    scope: SiteScope,
    caller: Identity,
    query_: Mapping[str, Any],
    *,
    signer: Signer,
    scope_key: str,
    where: sa.ColumnElement[bool] | None = None,
) -> tuple[list[sa.Row[Any]], dict[str, Any]]:
    """A page of the booking rows ``caller`` may read that match a Reader V2 query (and
    ``where``), with its ``pagingMetadata``."""
    stmt = scope.select(_b).where(visible_to(caller))
    if where is not None:
        stmt = stmt.where(where)
    page = await query.run_query(
        scope, search.QUERY_SPEC, stmt, query_, signer=signer, scope_key=scope_key
    )
    return page.rows, page.paging_metadata


async def of_session(scope: SiteScope, session_id: str) -> sa.ColumnElement[bool]:
    """The bookings of one session: class bookings of that event and course bookings of the
    course it belongs to."""
    event = await calendar.get_event(scope, session_id)
    condition = _b.c.event_id == session_id
    if event is not None and event.get("scheduleId"):
        course = sa.and_(_b.c.kind == rules.COURSE, _b.c.schedule_id == str(event["scheduleId"]))
        condition = sa.or_(condition, course)
    return condition


async def count_bookings(scope: SiteScope, caller: Identity, filter_: Any) -> int:
    stmt = scope.select(_b, _b.c.id).where(visible_to(caller))
    return await query.count(scope, search.QUERY_SPEC, stmt, filter_ or {})


async def policy_snapshots(scope: SiteScope, booking_ids: Sequence[str]) -> dict[str, Any]:
    """The policy of each booking's snapshot (bookings without one are absent)."""
    return {
        s["bookingId"]: dict(s.get("policy") or {})
        for s in await policies.list_snapshots(scope, booking_ids)
    }


async def allowed_actions_of(
    scope: SiteScope, rows: Sequence[sa.Row[Any]], now: datetime
) -> dict[str, dict[str, bool]]:
    """``{cancel, reschedule}`` of each booking row, from its policy snapshot, at ``now``."""
    snapshots = await policy_snapshots(scope, [r.id for r in rows])
    return {
        r.id: rules.allowed_actions(
            Status(r.status), r.kind, snapshots.get(r.id, {}), r.start_utc, now
        )
        for r in rows
    }


async def list_domain_events(
    db: Database,
    signer: Signer,
    site_id: str,
    *,
    entity_id: str | None,
    after_sequence: int | None,
    cursor: str | None,
    limit: int,
) -> dict[str, Any]:
    after = None
    if cursor:
        after = events.decode_cursor(signer, site_id, cursor)
        if after is None:
            raise errors.invalid_field("cursor", "is not a cursor of this endpoint", errors.FORMAT)
    async with db.read(site_id) as scope:
        found, next_cursor = await events.list_events(
            scope,
            entity_id=entity_id,
            entity_fqdn=ENTITY_FQDN,
            after_sequence=after_sequence,
            after=after,
            limit=limit,
            signer=signer,
        )
    out: dict[str, Any] = {"events": found}
    if next_cursor and entity_id is None:
        out["nextCursor"] = next_cursor
    return out


# ---------------------------------------------------------------- reading (Attendance API)


@dataclass(frozen=True)
class BookingRef:
    """What the attendance slice needs to know of a booking: its kind (APPOINTMENT, CLASS,
    COURSE), service, class session (``event_id``), course schedule (``schedule_id``) and the
    member who booked it (``None`` unless a MEMBER created it)."""

    id: str
    kind: str
    service_id: str
    event_id: str | None
    schedule_id: str | None
    member_id: str | None


async def booking_ref(scope: SiteScope, booking_id: str) -> BookingRef | None:
    """The :class:`BookingRef` of a booking of the scope's site, or ``None`` when unknown."""
    row = await scope.one_or_none(
        scope.select(
            _b, _b.c.id, _b.c.kind, _b.c.service_id, _b.c.event_id, _b.c.schedule_id, _b.c.member_id
        ).where(_b.c.id == booking_id)
    )
    if row is None:
        return None
    return BookingRef(
        id=row.id,
        kind=row.kind,
        service_id=row.service_id,
        event_id=row.event_id,
        schedule_id=row.schedule_id,
        member_id=row.member_id,
    )
