"""The wire documents of schedules and events, built from their state (pure: no I/O)."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from bookings.calendar.recurrence import (
    WEEKDAYS,
)
from bookings.calendar.rules import (
    EventState,
    ScheduleState,
    ordered,
)
from bookings.platform import zoned
from bookings.platform.wire import format_local_datetime, format_timestamp


def zoned_wire(local: datetime, time_zone: str, utc: datetime) -> dict[str, Any]:
    return {
        "localDate": format_local_datetime(local),
        "timeZone": time_zone,
        "utcDate": format_timestamp(utc),
    }


def adjusted_wire(utc: datetime, time_zone: str) -> dict[str, Any]:
    return {
        "localDate": format_local_datetime(zoned.to_local(utc, zoned.zone(time_zone))),
        "timeZone": time_zone,
    }


def rule_wire(event: EventState, time_zone: str) -> dict[str, Any]:
    rule = event.rule
    assert rule is not None
    out: dict[str, Any] = {
        "frequency": "WEEKLY",
        "interval": rule.interval,
        "days": [WEEKDAYS[rule.weekday]],
    }
    if rule.until is not None and event.until_utc is not None:
        out["until"] = zoned_wire(rule.until, event.time_zone, event.until_utc)
        out["adjustedUntil"] = adjusted_wire(event.until_utc, time_zone)
    return out


def event_wire(event: EventState, *, time_zone: str, pi: bool) -> dict[str, Any]:
    """The wire form of ``event``; ``adjusted*`` in ``time_zone``; PI fields only if ``pi``."""
    out: dict[str, Any] = {
        "id": event.id,
        "scheduleId": event.schedule_id,
        "externalScheduleId": event.external_schedule_id,
        "scheduleName": event.schedule_name,
        "type": event.type,
        "status": event.status,
        "title": event.title,
        "start": zoned_wire(event.start_local, event.time_zone, event.start_utc),
        "end": zoned_wire(event.end_local, event.time_zone, event.end_utc),
        "adjustedStart": adjusted_wire(event.start_utc, time_zone),
        "adjustedEnd": adjusted_wire(event.end_utc, time_zone),
        "timeZone": event.time_zone,
        "recurrenceType": event.recurrence_type,
        "recurrenceRule": rule_wire(event, time_zone) if event.rule is not None else None,
        "recurringEventId": event.recurring_event_id,
        "transparency": event.transparency,
        "location": copy.deepcopy(event.location),
        "resources": copy.deepcopy(event.resources),
        "totalCapacity": event.total_capacity,
        "remainingCapacity": event.remaining_capacity,
        "inheritedFields": ordered(event.inherited),
        "appId": event.app_id,
        "extendedFields": copy.deepcopy(event.extended_fields),
        "revision": str(event.revision),
        "createdDate": format_timestamp(event.created_date),
        "updatedDate": format_timestamp(event.updated_date),
    }
    if pi:
        out["participants"] = {"total": event.participants_total, "hasMore": False}
        out["notes"] = event.notes
        out["conferencingDetails"] = copy.deepcopy(event.conferencing_details)
    return {k: v for k, v in out.items() if v is not None}


def schedule_wire(schedule: ScheduleState, *, pi: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": schedule.id,
        "externalId": schedule.external_id,
        "name": schedule.name,
        "status": schedule.status,
        "timeZone": schedule.time_zone,
        "defaultTitle": schedule.default_title,
        "defaultLocation": copy.deepcopy(schedule.default_location),
        "defaultCapacity": schedule.default_capacity,
        "appId": schedule.app_id,
        "extendedFields": copy.deepcopy(schedule.extended_fields),
        "revision": str(schedule.revision),
        "createdDate": format_timestamp(schedule.created_date),
        "updatedDate": format_timestamp(schedule.updated_date),
    }
    if pi:
        out["defaultConferencingDetails"] = copy.deepcopy(schedule.default_conferencing_details)
    return {k: v for k, v in out.items() if v is not None}
