"""Where a booking sits: the class session, appointment slot or course it is for, with its
service, capacity owner, instants and the slot document."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bookings.booking import rules
from bookings.booking.documents import (
    checked_zone,
    local_text,
    service_location,
)
from bookings.booking.service.common import (
    _require_type,
    _service,
)
from bookings.calendar import service as calendar
from bookings.catalog.services.service import ServiceView
from bookings.platform import errors, zoned
from bookings.platform.db import (
    SiteScope,
    UnitOfWork,
)
from bookings.platform.timezones import zone
from bookings.platform.wire import (
    format_local_datetime,
)

# ---------------------------------------------------------------- the plan of a booking


@dataclass
class Target:
    """Where a booking sits: kind, service, capacity owner, instants and the slot document."""

    kind: str
    service: ServiceView
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
        return self.service.id


async def _class_target(
    scope: SiteScope,
    event_id: str,
    service_id: str | None,
    *,
    lock_in: UnitOfWork | None = None,
) -> Target:
    """The target of a class booking. ``lock_in`` (a unit of work): the event's row is
    locked in it by the statement that reads it, and that is the target's lock
    (:func:`_lock_target` takes no other); only for a use-case that locks nothing else."""
    uow = lock_in
    if uow is not None:
        event = await calendar.get_event_locked(uow, event_id)
    else:
        event = await calendar.get_event(scope, event_id)
    if event is None or event.get("status") == "CANCELLED":
        raise rules.session_not_found(event_id)
    owner = str(event.get("externalScheduleId") or "")
    if service_id and owner and service_id != owner:
        raise errors.failed_precondition(
            "VALIDATION_FAILURE",
            f"Session {event_id} is not a session of service {service_id}",
            eventId=event_id,
        )
    service = await _service(scope, service_id or owner, cached=True)
    _require_type(service, rules.CLASS)
    start, end = calendar.event_interval(event)
    tz = str(event.get("timeZone") or "UTC")
    slot: dict[str, Any] = {
        "serviceId": service.id,
        "scheduleId": event["scheduleId"],
        "eventId": event["id"],
        "startDate": local_text(start, tz),
        "endDate": local_text(end, tz),
        "timezone": tz,
    }
    resources = event.get("resources") or []
    if resources:
        resource: dict[str, Any] = {"id": resources[0]["id"]}
        if resources[0].get("name"):
            resource["name"] = resources[0]["name"]
        slot["resource"] = resource
    location = rules.location_from_event(event.get("location")) or service_location(service)
    if location:
        slot["location"] = location
    entity = {
        "slot": slot,
        "title": event.get("title") or service.name,
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
    service = await _service(scope, service_id, cached=True)
    _require_type(service, rules.APPOINTMENT)
    if end_local <= start_local:
        raise errors.invalid_field(f"{prefix}.endDate", "must be after startDate")
    tz = checked_zone(timezone, site_tz, f"{prefix}.timezone")
    start = zoned.to_utc(start_local, zone(tz))
    end = zoned.to_utc(end_local, zone(tz))
    staff_ids = service.staff_member_ids
    if resource_id is not None and resource_id not in staff_ids:
        raise errors.failed_precondition(
            "SLOT_NOT_AVAILABLE",
            f"Staff resource {resource_id} does not provide service {service_id}",
            resourceId=resource_id,
        )
    slot: dict[str, Any] = {
        "serviceId": service.id,
        "scheduleId": service.schedule_id,
        "startDate": format_local_datetime(start_local),
        "endDate": format_local_datetime(end_local),
        "timezone": tz,
    }
    chosen_location = location or service_location(service)
    if chosen_location:
        slot["location"] = chosen_location
    entity = {"slot": slot, "title": service.name, "tags": [rules.TAGS[rules.APPOINTMENT]]}
    return Target(
        rules.APPOINTMENT,
        service,
        entity,
        schedule_id=slot["scheduleId"],
        candidates=[resource_id] if resource_id else staff_ids,
        requested=resource_id,
        start_utc=start,
        end_utc=end,
        buffer=service.buffer_minutes,
    )


async def _course_target(scope: SiteScope, schedule_id: str) -> Target:
    schedule = await calendar.get_schedule(scope, schedule_id)
    if schedule is None or not schedule.get("externalId"):
        raise calendar.schedule_not_found(schedule_id)
    service = await _service(scope, str(schedule["externalId"]))
    _require_type(service, rules.COURSE)
    tz = str(schedule.get("timeZone") or "UTC")
    first, last = service.first_session_start, service.last_session_end
    booked: dict[str, Any] = {"scheduleId": schedule_id, "serviceId": service.id, "timezone": tz}
    if first is not None:
        booked["firstSessionStart"] = local_text(first, tz)
    if last is not None:
        booked["lastSessionEnd"] = local_text(last, tz)
    location = service_location(service)
    if location:
        booked["location"] = location
    entity = {"schedule": booked, "title": service.name, "tags": [rules.TAGS[rules.COURSE]]}
    return Target(
        rules.COURSE, service, entity, schedule_id=schedule_id, start_utc=first, end_utc=last
    )
