"""Calendar V3 over HTTP: parse, authorize, call the service, serialize. No rules.

Every path is served under ``/calendar/v3/...`` and ``/_api/calendar/v3/...``. Writes need an
ADMIN or APP identity; reads are open to every identity of the site, but the PI fields
(``participants``, ``notes``, ``conferencingDetails``; a schedule's
``defaultConferencingDetails``) are returned only to ADMIN/APP callers asking for
``fields=PI_FIELDS`` (or ``OWN_PI_FIELDS``).
"""

from __future__ import annotations

from typing import Any

from bookings.calendar import service
from bookings.calendar.schemas import (
    BulkCancelEventRequest,
    BulkCreateEventRequest,
    BulkUpdateEventRequest,
    CancelEventRequest,
    CancelScheduleRequest,
    CreateEventRequest,
    CreateScheduleRequest,
    EmptyRequest,
    EventResponse,
    GetEventRequest,
    GetEventsViewResponse,
    GetScheduleRequest,
    ListEventsRequest,
    ListEventsResponse,
    QueryEventsRequest,
    QueryEventsResponse,
    QuerySchedulesRequest,
    QuerySchedulesResponse,
    RequestedFields,
    RestoreEventDefaultsRequest,
    ScheduleResponse,
    SplitRecurringEventRequest,
    SplitRecurringEventResponse,
    UpdateEventRequest,
    UpdateScheduleRequest,
)
from bookings.platform import errors
from bookings.platform.auth import ANYONE, BACKEND
from bookings.platform.routing import ApiRouter, Call

router = ApiRouter("Calendar")

paths = router.paths("/calendar/v3", "/_api/calendar/v3")


def _pi(call: Call, fields: list[RequestedFields] | None) -> bool:
    return call.caller.is_backend and bool(fields)


# ---------------------------------------------------------------- schedules


@router.method(
    "CreateSchedule",
    "POST",
    paths("/schedules"),
    roles=BACKEND,
    request=CreateScheduleRequest,
    response=ScheduleResponse,
)
async def create_schedule(call: Call, req: CreateScheduleRequest) -> dict[str, Any]:
    """Create a schedule."""
    return await service.api_create_schedule(call.db, call.site_id, req)


@router.method(
    "GetSchedule",
    "GET",
    paths("/schedules/{scheduleId}"),
    roles=ANYONE,
    request=GetScheduleRequest,
    response=ScheduleResponse,
)
async def get_schedule(call: Call, req: GetScheduleRequest) -> dict[str, Any]:
    """Get a schedule."""
    return await service.api_get_schedule(
        call.db, call.site_id, req.schedule_id, pi=_pi(call, req.fields)
    )


@router.method(
    "QuerySchedules",
    "POST",
    paths("/schedules/query"),
    roles=ANYONE,
    request=QuerySchedulesRequest,
    response=QuerySchedulesResponse,
)
async def query_schedules(call: Call, req: QuerySchedulesRequest) -> dict[str, Any]:
    """Query schedules (cursor paging, limit 1-100, default 50)."""
    return await service.api_query_schedules(
        call.db, call.services.signer, call.site_id, req.query, pi=_pi(call, req.fields)
    )


@router.method(
    "UpdateSchedule",
    "PATCH",
    paths("/schedules/{schedule.id}"),
    roles=BACKEND,
    request=UpdateScheduleRequest,
    response=ScheduleResponse,
)
async def update_schedule(call: Call, req: UpdateScheduleRequest) -> dict[str, Any]:
    """Update a schedule (needs its current revision); defaults reach future events."""
    return await service.api_update_schedule(call.db, call.site_id, req)


@router.method(
    "CancelSchedule",
    "POST",
    paths("/schedules/{scheduleId}/cancel"),
    roles=BACKEND,
    request=CancelScheduleRequest,
    response=ScheduleResponse,
)
async def cancel_schedule(call: Call, req: CancelScheduleRequest) -> dict[str, Any]:
    """Cancel a schedule (terminal) and its future events."""
    return await service.api_cancel_schedule(call.db, call.site_id, req)


@router.method(
    "CloneSchedule",
    "POST",
    paths("/schedules/{scheduleId}/clone"),
    roles=BACKEND,
    request=EmptyRequest,
)
async def clone_schedule(call: Call, req: EmptyRequest) -> dict[str, Any]:
    """Clone a schedule (not implemented)."""
    raise errors.not_implemented("Clone Schedule")


@router.method(
    "GetScheduleTimeFrame",
    "GET",
    paths("/schedules/timeframe/{scheduleId}"),
    roles=ANYONE,
    request=EmptyRequest,
)
async def schedule_time_frame(call: Call, req: EmptyRequest) -> dict[str, Any]:
    """A schedule's first and last event (not implemented)."""
    raise errors.not_implemented("Get Schedule Time Frame")


# ---------------------------------------------------------------- events


@router.method(
    "CreateEvent",
    "POST",
    paths("/events"),
    roles=BACKEND,
    request=CreateEventRequest,
    response=EventResponse,
)
async def create_event(call: Call, req: CreateEventRequest) -> dict[str, Any]:
    """Create a one-off event or a recurring (MASTER) event."""
    return await service.api_create_event(call.db, call.site_id, req)


@router.method(
    "BulkCreateEvent",
    "POST",
    paths("/bulk/events/create"),
    roles=BACKEND,
    request=BulkCreateEventRequest,
)
async def bulk_create_events(call: Call, req: BulkCreateEventRequest) -> dict[str, Any]:
    """Create up to 100 events; failures are reported per item."""
    return await service.api_bulk_create_events(call.db, call.site_id, req)


@router.method(
    "GetEventsView",
    "GET",
    paths("/events/view"),
    roles=ANYONE,
    request=EmptyRequest,
    response=GetEventsViewResponse,
)
async def events_view(call: Call, req: EmptyRequest) -> dict[str, Any]:
    """How far ahead recurring events are materialized."""
    return await service.api_events_view(call.db, call.site_id)


@router.method(
    "ListEventsByContactId",
    "GET",
    paths("/events/contactId/{contactId}"),
    roles=BACKEND,
    request=EmptyRequest,
)
async def list_by_contact(call: Call, req: EmptyRequest) -> dict[str, Any]:
    """Events a contact participates in (not implemented)."""
    raise errors.not_implemented("List Events By Contact Id")


@router.method(
    "ListEventsByMemberId",
    "GET",
    paths("/events/memberId/{memberId}"),
    roles=ANYONE,
    request=EmptyRequest,
)
async def list_by_member(call: Call, req: EmptyRequest) -> dict[str, Any]:
    """Events a member participates in (not implemented)."""
    raise errors.not_implemented("List Events By Member Id")


@router.method(
    "GetEvent",
    "GET",
    paths("/events/{eventId}"),
    roles=ANYONE,
    request=GetEventRequest,
    response=EventResponse,
)
async def get_event(call: Call, req: GetEventRequest) -> dict[str, Any]:
    """Get an event."""
    return await service.api_get_event(
        call.db, call.site_id, req.event_id, req.time_zone, pi=_pi(call, req.fields)
    )


@router.method(
    "ListEvents",
    "GET",
    paths("/events"),
    roles=ANYONE,
    request=ListEventsRequest,
    response=ListEventsResponse,
)
async def list_events(call: Call, req: ListEventsRequest) -> dict[str, Any]:
    """Events by id (1-100); unknown ids are left out."""
    return await service.api_list_events(
        call.db, call.site_id, req.event_ids, req.time_zone, pi=_pi(call, req.fields)
    )


@router.method(
    "QueryEvents",
    "POST",
    paths("/events/query"),
    roles=ANYONE,
    request=QueryEventsRequest,
    response=QueryEventsResponse,
)
async def query_events(call: Call, req: QueryEventsRequest) -> dict[str, Any]:
    """Events in a local date window, with filters, sorted by start (cursor paging)."""
    return await service.api_query_events(
        call.db, call.services.signer, call.site_id, req, pi=_pi(call, req.fields)
    )


@router.method(
    "UpdateEvent",
    "PATCH",
    paths("/events/{event.id}"),
    roles=BACKEND,
    request=UpdateEventRequest,
    response=EventResponse,
)
async def update_event(call: Call, req: UpdateEventRequest) -> dict[str, Any]:
    """Update an event (needs its current revision); an INSTANCE becomes an EXCEPTION."""
    return await service.api_update_event(call.db, call.site_id, req)


@router.method(
    "BulkUpdateEvent",
    "POST",
    paths("/bulk/events/update"),
    roles=BACKEND,
    request=BulkUpdateEventRequest,
)
async def bulk_update_events(call: Call, req: BulkUpdateEventRequest) -> dict[str, Any]:
    """Update up to 50 events; failures are reported per item."""
    return await service.api_bulk_update_events(call.db, call.site_id, req)


@router.method(
    "RestoreEventDefaults",
    "POST",
    paths("/events/{eventId}/restore-defaults"),
    roles=BACKEND,
    request=RestoreEventDefaultsRequest,
    response=EventResponse,
)
async def restore_event_defaults(call: Call, req: RestoreEventDefaultsRequest) -> dict[str, Any]:
    """Inherit the given fields again from the schedule (or the MASTER)."""
    return await service.api_restore_event_defaults(call.db, call.site_id, req)


@router.method(
    "SplitRecurringEvent",
    "POST",
    paths("/events/{recurringEventId}/split"),
    roles=BACKEND,
    request=SplitRecurringEventRequest,
    response=SplitRecurringEventResponse,
)
async def split_recurring_event(call: Call, req: SplitRecurringEventRequest) -> dict[str, Any]:
    """Split a recurring series in two at a future local date."""
    return await service.api_split_recurring_event(call.db, call.site_id, req)


@router.method(
    "CancelEvent",
    "POST",
    paths("/events/{eventId}/cancel"),
    roles=BACKEND,
    request=CancelEventRequest,
    response=EventResponse,
)
async def cancel_event(call: Call, req: CancelEventRequest) -> dict[str, Any]:
    """Cancel an event (an INSTANCE: that occurrence; a MASTER: the rest of the series)."""
    return await service.api_cancel_event(call.db, call.site_id, req.event_id, req.time_zone)


@router.method(
    "BulkCancelEvent",
    "POST",
    paths("/bulk/events/cancel"),
    roles=BACKEND,
    request=BulkCancelEventRequest,
)
async def bulk_cancel_events(call: Call, req: BulkCancelEventRequest) -> dict[str, Any]:
    """Cancel up to 100 events; failures are reported per item."""
    return await service.api_bulk_cancel_events(call.db, call.site_id, req)


# ---------------------------------------------------------------- participations (not ours)


def _participations(suffix: str) -> list[str]:
    return paths("/participations" + suffix)


@router.method(
    "CreateParticipation", "POST", _participations(""), roles=BACKEND, request=EmptyRequest
)
@router.method(
    "GetParticipation",
    "GET",
    _participations("/{participationId}"),
    roles=BACKEND,
    request=EmptyRequest,
)
@router.method(
    "UpdateParticipation",
    "PATCH",
    _participations("/{participation.id}"),
    roles=BACKEND,
    request=EmptyRequest,
)
@router.method(
    "DeleteParticipation",
    "DELETE",
    _participations("/{participationId}"),
    roles=BACKEND,
    request=EmptyRequest,
)
@router.method(
    "QueryParticipations",
    "POST",
    _participations("/query"),
    roles=BACKEND,
    request=EmptyRequest,
)
async def participations(call: Call, req: EmptyRequest) -> dict[str, Any]:
    """Calendar V3 Participations (not implemented: bookings keep their own records)."""
    raise errors.not_implemented("Calendar Participations")
