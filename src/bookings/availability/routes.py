"""Time Slots V2 and the legacy Availability Calendar: every public path alias.

Slots count the bookings that hold capacity as the writer counts them: the booking slice's
:func:`bookings.booking.ports.holding_bookings`, passed to every use case."""

from __future__ import annotations

from typing import Any

from bookings.availability import service
from bookings.availability.schemas import (
    GetAvailabilityTimeSlotRequest,
    GetEventTimeSlotRequest,
    GetMultiServiceTimeSlotRequest,
    ListAvailabilityTimeSlotEndOptionsRequest,
    ListAvailabilityTimeSlotsRequest,
    ListEventTimeSlotsRequest,
    ListMultiServiceTimeSlotsRequest,
    QueryAvailabilityRequest,
)
from bookings.booking.ports import holding_bookings
from bookings.platform import auth, errors
from bookings.platform.routing import ApiRouter, Call

router = ApiRouter("Time Slots V2")

_paths = router.paths("/_api/service-availability/v2", "/service-availability/v2")


@router.method(
    "ListAvailabilityTimeSlots",
    "POST",
    _paths("/time-slots"),
    roles=auth.ANYONE,
    request=ListAvailabilityTimeSlotsRequest,
)
async def list_availability_time_slots(
    call: Call, req: ListAvailabilityTimeSlotsRequest
) -> dict[str, Any]:
    """List appointment time slots of a service"""
    return await service.list_availability_time_slots(
        call.db, holding_bookings(), call.services.signer, call.site_id, req
    )


@router.method(
    "GetAvailabilityTimeSlot",
    "POST",
    _paths("/time-slots/get"),
    roles=auth.ANYONE,
    request=GetAvailabilityTimeSlotRequest,
)
async def get_availability_time_slot(
    call: Call, req: GetAvailabilityTimeSlotRequest
) -> dict[str, Any]:
    """Get one appointment time slot with all its free resources"""
    return await service.get_availability_time_slot(call.db, holding_bookings(), call.site_id, req)


@router.method(
    "ListAvailabilityTimeSlotEndOptions",
    "POST",
    _paths("/time-slots/end-options"),
    roles=auth.ANYONE,
    request=ListAvailabilityTimeSlotEndOptionsRequest,
)
async def list_end_options(
    call: Call, req: ListAvailabilityTimeSlotEndOptionsRequest
) -> dict[str, Any]:
    """List end options of a duration-range slot (not implemented)"""
    raise errors.not_implemented("ListAvailabilityTimeSlotEndOptions")


@router.method(
    "ListEventTimeSlots",
    "POST",
    _paths("/time-slots/event"),
    roles=auth.ANYONE,
    request=ListEventTimeSlotsRequest,
)
async def list_event_time_slots(call: Call, req: ListEventTimeSlotsRequest) -> dict[str, Any]:
    """List class and course session time slots"""
    return await service.list_event_time_slots(
        call.db, holding_bookings(), call.services.signer, call.site_id, req
    )


@router.method(
    "GetEventTimeSlot",
    "GET",
    _paths("/time-slots/event/{eventId}"),
    roles=auth.ANYONE,
    request=GetEventTimeSlotRequest,
)
async def get_event_time_slot(call: Call, req: GetEventTimeSlotRequest) -> dict[str, Any]:
    """Get the time slot of one class or course session"""
    return await service.get_event_time_slot(call.db, holding_bookings(), call.site_id, req)


@router.method(
    "ListMultiServiceAvailabilityTimeSlots",
    "POST",
    _paths("/multi-service-time-slots"),
    roles=auth.ANYONE,
    request=ListMultiServiceTimeSlotsRequest,
)
async def list_multi_service(call: Call, req: ListMultiServiceTimeSlotsRequest) -> dict[str, Any]:
    """List back-to-back slots of several appointment services"""
    return await service.list_multi_service_time_slots(
        call.db, holding_bookings(), call.services.signer, call.site_id, req
    )


@router.method(
    "GetMultiServiceAvailabilityTimeSlot",
    "POST",
    _paths("/multi-service-time-slots/get"),
    roles=auth.ANYONE,
    request=GetMultiServiceTimeSlotRequest,
)
async def get_multi_service(call: Call, req: GetMultiServiceTimeSlotRequest) -> dict[str, Any]:
    """Get one back-to-back slot of several appointment services with all their free staff"""
    return await service.get_multi_service_time_slot(call.db, holding_bookings(), call.site_id, req)


@router.method(
    "QueryAvailability",
    "POST",
    [
        "/availability-calendar/v1/availability/query",
        "/_api/availability-calendar/v1/availability/query",
        "/bookings/availability-calendar/v1/availability/query",
        "/bookings/v1/availability/query",
    ],
    roles=auth.ANYONE,
    request=QueryAvailabilityRequest,
)
async def query_availability(call: Call, req: QueryAvailabilityRequest) -> dict[str, Any]:
    """Availability Calendar (legacy): query slots"""
    return await service.query_availability(call.db, holding_bookings(), call.site_id, req)
