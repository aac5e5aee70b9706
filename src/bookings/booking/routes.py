"""Bookings Writer V2 endpoints: every public path alias of every method, and who may call it."""

from __future__ import annotations

from typing import Any

from bookings.booking import service
from bookings.booking.schemas import (
    AddBookingsToMultiServiceBookingRequest,
    BulkCalculateAllowedActionsRequest,
    BulkCancelBookingsRequest,
    BulkConfirmOrDeclineBookingRequest,
    BulkCreateBookingRequest,
    BulkGetMultiServiceBookingAllowedActionsRequest,
    CancelBookingAnonymouslyRequest,
    CancelBookingRequest,
    CancelMultiServiceBookingAnonymouslyRequest,
    CancelMultiServiceBookingRequest,
    ConfirmBookingRequest,
    ConfirmMultiServiceBookingRequest,
    ConfirmOrDeclineBookingRequest,
    CreateBookingRequest,
    CreateBookingResponse,
    CreateMultiServiceBookingRequest,
    DeclineBookingRequest,
    DeclineMultiServiceBookingRequest,
    GetAnonymousActionTokenForMultiServiceBookingRequest,
    GetAnonymousActionTokenRequest,
    GetBookingAnonymouslyRequest,
    GetMultiServiceBookingAnonymouslyRequest,
    GetServiceAnonymouslyRequest,
    ListDomainEventsRequest,
    MarkBookingAsPendingRequest,
    MarkMultiServiceBookingAsPendingRequest,
    MultiServiceBookingIdRequest,
    RemoveBookingsFromMultiServiceBookingRequest,
    RescheduleBookingAnonymouslyRequest,
    RescheduleBookingRequest,
    RescheduleMultiServiceBookingRequest,
    SetBookingSubmissionIdRequest,
    UpdateExtendedFieldsRequest,
    UpdateNumberOfParticipantsRequest,
)
from bookings.platform.auth import ADMIN_ONLY, ANYONE, BACKEND, MEMBERS_AND_BACKEND
from bookings.platform.routing import ApiRouter, Call

router = ApiRouter("Bookings Writer V2")

single = router.paths("/_api/bookings-service/v2/bookings", "/bookings/v2/bookings")
bulk = router.paths(
    "/bookings/v2/bulk/bookings",
    "/bookings/bookings/v2/bulk/bookings",
    "/_api/bookings-service/v2/bulk/bookings",
)
msb = router.paths(
    "/_api/bookings-service/v2/multi_service_bookings",
    "/bookings/multiServiceBookings/v2/multi_service_bookings",
)
anonymous = router.paths("/v1/anonymous-bookings", "/_api/v1/anonymous-bookings")
anonymous_msb = router.paths("/v1/anonymous-multi-service-bookings")


@router.method(
    "createBooking",
    "POST",
    single(),
    roles=ANYONE,
    request=CreateBookingRequest,
    response=CreateBookingResponse,
)
async def create_booking(call: Call, req: CreateBookingRequest) -> dict[str, Any]:
    """Create Booking."""
    return await service.create_booking(call.db, call.caller, req)


@router.method(
    "bulkCreateBooking", "POST", bulk("/create"), roles=BACKEND, request=BulkCreateBookingRequest
)
async def bulk_create_booking(call: Call, req: BulkCreateBookingRequest) -> dict[str, Any]:
    """Bulk Create Booking."""
    return await service.bulk_create_bookings(call.db, call.caller, req)


@router.method(
    "rescheduleBooking",
    "POST",
    single("/{bookingId}/reschedule"),
    roles=MEMBERS_AND_BACKEND,
    request=RescheduleBookingRequest,
)
async def reschedule_booking(call: Call, req: RescheduleBookingRequest) -> dict[str, Any]:
    """Reschedule Booking."""
    return await service.reschedule_booking(call.db, call.caller, req)


@router.method(
    "confirmBooking",
    "POST",
    single("/{bookingId}/confirm"),
    roles=BACKEND,
    request=ConfirmBookingRequest,
)
async def confirm_booking(call: Call, req: ConfirmBookingRequest) -> dict[str, Any]:
    """Confirm Booking."""
    return await service.confirm_booking(call.db, call.caller, req)


@router.method(
    "declineBooking",
    "POST",
    single("/{bookingId}/decline"),
    roles=BACKEND,
    request=DeclineBookingRequest,
)
async def decline_booking(call: Call, req: DeclineBookingRequest) -> dict[str, Any]:
    """Decline Booking."""
    return await service.decline_booking(call.db, call.caller, req)


@router.method(
    "cancelBooking",
    "POST",
    single("/{bookingId}/cancel"),
    roles=MEMBERS_AND_BACKEND,
    request=CancelBookingRequest,
)
async def cancel_booking(call: Call, req: CancelBookingRequest) -> dict[str, Any]:
    """Cancel Booking."""
    return await service.cancel_booking(call.db, call.caller, req)


@router.method(
    "bulkCancelBookings",
    "POST",
    bulk("/cancel"),
    roles=BACKEND,
    request=BulkCancelBookingsRequest,
)
async def bulk_cancel_bookings(call: Call, req: BulkCancelBookingsRequest) -> dict[str, Any]:
    """Bulk Cancel Bookings."""
    return await service.bulk_cancel_bookings(call.db, call.caller, req)


@router.method(
    "markBookingAsPending",
    "POST",
    single("/{bookingId}/mark_booking_as_pending"),
    roles=BACKEND,
    request=MarkBookingAsPendingRequest,
)
async def mark_booking_as_pending(call: Call, req: MarkBookingAsPendingRequest) -> dict[str, Any]:
    """Mark Booking As Pending."""
    return await service.mark_booking_as_pending(call.db, call.caller, req)


@router.method(
    "updateNumberOfParticipants",
    "POST",
    single("/{bookingId}/update_number_of_participants"),
    roles=BACKEND,
    request=UpdateNumberOfParticipantsRequest,
)
async def update_number_of_participants(
    call: Call, req: UpdateNumberOfParticipantsRequest
) -> dict[str, Any]:
    """Update Number Of Participants."""
    return await service.update_number_of_participants(call.db, call.caller, req)


@router.method(
    "updateExtendedFields",
    "POST",
    single("/{id}/update_extended_fields"),
    roles=BACKEND,
    request=UpdateExtendedFieldsRequest,
)
async def update_extended_fields(call: Call, req: UpdateExtendedFieldsRequest) -> dict[str, Any]:
    """Update Extended Fields."""
    return await service.update_extended_fields(call.db, call.caller, req)


@router.method(
    "setBookingSubmissionId",
    "POST",
    single("/{bookingId}/set-booking-submission-id"),
    roles=BACKEND,
    request=SetBookingSubmissionIdRequest,
)
async def set_booking_submission_id(
    call: Call, req: SetBookingSubmissionIdRequest
) -> dict[str, Any]:
    """Set Booking Submission Id."""
    return await service.set_booking_submission_id(call.db, call.caller, req)


@router.method(
    "bulkCalculateAllowedActions",
    "POST",
    bulk("/calculate_allowed_actions"),
    roles=BACKEND,
    request=BulkCalculateAllowedActionsRequest,
)
async def bulk_calculate_allowed_actions(
    call: Call, req: BulkCalculateAllowedActionsRequest
) -> dict[str, Any]:
    """Bulk Calculate Allowed Actions."""
    return await service.bulk_calculate_allowed_actions(call.db, call.caller, req)


@router.method(
    "confirmOrDeclineBooking",
    "POST",
    [
        "/bookings/v2/confirmation/{bookingId}:confirmOrDecline",
        "/_api/bookings-confirmator/v2/confirmation/{bookingId}:confirmOrDecline",
    ],
    roles=BACKEND,
    request=ConfirmOrDeclineBookingRequest,
)
async def confirm_or_decline_booking(
    call: Call, req: ConfirmOrDeclineBookingRequest
) -> dict[str, Any]:
    """Confirm Or Decline Booking."""
    return await service.confirm_or_decline_booking(call.db, call.caller, req)


@router.method(
    "bulkConfirmOrDeclineBooking",
    "POST",
    [
        "/bookings/v2/bulk/bookings/confirmOrDecline",
        "/_api/bookings-confirmator/v2/bulk/bookings/confirmOrDecline",
        "/bookings/bookings/v2/bulk/bookings/confirmOrDecline",
    ],
    roles=BACKEND,
    request=BulkConfirmOrDeclineBookingRequest,
)
async def bulk_confirm_or_decline_booking(
    call: Call, req: BulkConfirmOrDeclineBookingRequest
) -> dict[str, Any]:
    """Bulk Confirm Or Decline Booking."""
    return await service.bulk_confirm_or_decline_booking(call.db, call.caller, req)


@router.method(
    "listDomainEvents",
    "GET",
    ["/_api/bookings-server/v1/domain-events"],
    roles=ADMIN_ONLY,
    request=ListDomainEventsRequest,
)
async def list_domain_events(call: Call, req: ListDomainEventsRequest) -> dict[str, Any]:
    """List the outbox's booking domain events (our extension)."""
    return await service.list_domain_events(
        call.db,
        call.services.signer,
        call.site_id,
        entity_id=req.entity_id,
        after_sequence=req.after_sequence,
        cursor=req.cursor,
        limit=req.limit or 100,
        entity_fqdn=req.entity_fqdn,
    )


# ---------------------------------------------------------------- anonymous actions


@router.method(
    "getAnonymousActionToken",
    "GET",
    anonymous("/{bookingId}/token"),
    roles=BACKEND,
    request=GetAnonymousActionTokenRequest,
)
async def get_anonymous_action_token(
    call: Call, req: GetAnonymousActionTokenRequest
) -> dict[str, Any]:
    """Get the action token of a booking (a capability for the customer's link)."""
    return await service.get_anonymous_action_token(
        call.db, call.services.signer, call.caller, req.booking_id
    )


@router.method(
    "getBookingAnonymously",
    "GET",
    anonymous("/{token}"),
    roles=None,
    statuses=[401],
    request=GetBookingAnonymouslyRequest,
)
async def get_booking_anonymously(call: Call, req: GetBookingAnonymouslyRequest) -> dict[str, Any]:
    """Get a booking with its action token, and what its customer may do with it."""
    return await service.get_booking_anonymously(call.db, call.services.signer, req.token)


@router.method(
    "cancelBookingAnonymously",
    "POST",
    anonymous("/{token}/cancel"),
    roles=None,
    statuses=[401],
    request=CancelBookingAnonymouslyRequest,
)
async def cancel_booking_anonymously(
    call: Call, req: CancelBookingAnonymouslyRequest
) -> dict[str, Any]:
    """Cancel a booking with its action token, within its cancellation policy."""
    return await service.cancel_booking_anonymously(
        call.db, call.services.signer, req.token, req.revision
    )


@router.method(
    "rescheduleBookingAnonymously",
    "POST",
    anonymous("/{token}/reschedule"),
    roles=None,
    statuses=[401],
    request=RescheduleBookingAnonymouslyRequest,
)
async def reschedule_booking_anonymously(
    call: Call, req: RescheduleBookingAnonymouslyRequest
) -> dict[str, Any]:
    """Reschedule a booking with its action token, within its policies."""
    return await service.reschedule_booking_anonymously(
        call.db, call.services.signer, req.token, req.slot, req.revision
    )


@router.method(
    "getServiceAnonymously",
    "GET",
    anonymous("/{token}/service"),
    roles=None,
    statuses=[401],
    request=GetServiceAnonymouslyRequest,
)
async def get_service_anonymously(call: Call, req: GetServiceAnonymouslyRequest) -> dict[str, Any]:
    """Get the service of a booking with the booking's action token."""
    return await service.get_service_anonymously(
        call.db, call.services.signer, req.token, list(req.fields or [])
    )


# ---------------------------------------------------------------- multi-service bookings


@router.method(
    "createMultiServiceBooking",
    "POST",
    msb(),
    roles=ANYONE,
    request=CreateMultiServiceBookingRequest,
)
async def create_multi_service_booking(
    call: Call, req: CreateMultiServiceBookingRequest
) -> dict[str, Any]:
    """Create Multi Service Booking: 2 to 8 appointments back to back, whole or not at all."""
    return await service.create_multi_service_booking(call.db, call.caller, req)


@router.method(
    "rescheduleMultiServiceBooking",
    "POST",
    msb("/{multiServiceBookingId}/reschedule"),
    roles=MEMBERS_AND_BACKEND,
    request=RescheduleMultiServiceBookingRequest,
)
async def reschedule_multi_service_booking(
    call: Call, req: RescheduleMultiServiceBookingRequest
) -> dict[str, Any]:
    """Reschedule Multi Service Booking: every child moves, or none."""
    return await service.reschedule_multi_service_booking(call.db, call.caller, req)


@router.method(
    "getMultiServiceBookingAvailability",
    "POST",
    msb("/{multiServiceBookingId}/get_availability"),
    roles=BACKEND,
    request=MultiServiceBookingIdRequest,
)
async def get_multi_service_booking_availability(
    call: Call, req: MultiServiceBookingIdRequest
) -> dict[str, Any]:
    """Get Multi Service Booking Availability."""
    return await service.get_multi_service_booking_availability(
        call.db, call.caller, req.multi_service_booking_id
    )


@router.method(
    "cancelMultiServiceBooking",
    "POST",
    msb("/{multiServiceBookingId}/cancel"),
    roles=MEMBERS_AND_BACKEND,
    request=CancelMultiServiceBookingRequest,
)
async def cancel_multi_service_booking(
    call: Call, req: CancelMultiServiceBookingRequest
) -> dict[str, Any]:
    """Cancel Multi Service Booking: every live child."""
    return await service.cancel_multi_service_booking(call.db, call.caller, req)


@router.method(
    "markMultiServiceBookingAsPending",
    "POST",
    msb("/{multiServiceBookingId}/mark_as_pending"),
    roles=BACKEND,
    request=MarkMultiServiceBookingAsPendingRequest,
)
async def mark_multi_service_booking_as_pending(
    call: Call, req: MarkMultiServiceBookingAsPendingRequest
) -> dict[str, Any]:
    """Mark Multi Service Booking As Pending."""
    return await service.mark_multi_service_booking_as_pending(call.db, call.caller, req)


@router.method(
    "confirmMultiServiceBooking",
    "POST",
    msb("/{multiServiceBookingId}/confirm"),
    roles=BACKEND,
    request=ConfirmMultiServiceBookingRequest,
)
async def confirm_multi_service_booking(
    call: Call, req: ConfirmMultiServiceBookingRequest
) -> dict[str, Any]:
    """Confirm Multi Service Booking."""
    return await service.confirm_multi_service_booking(call.db, call.caller, req)


@router.method(
    "declineMultiServiceBooking",
    "POST",
    msb("/{multiServiceBookingId}/decline"),
    roles=BACKEND,
    request=DeclineMultiServiceBookingRequest,
)
async def decline_multi_service_booking(
    call: Call, req: DeclineMultiServiceBookingRequest
) -> dict[str, Any]:
    """Decline Multi Service Booking."""
    return await service.decline_multi_service_booking(call.db, call.caller, req)


@router.method(
    "addBookingsToMultiServiceBooking",
    "POST",
    msb("/add_bookings_to_multi_service_booking"),
    roles=BACKEND,
    request=AddBookingsToMultiServiceBookingRequest,
)
async def add_bookings_to_multi_service_booking(
    call: Call, req: AddBookingsToMultiServiceBookingRequest
) -> dict[str, Any]:
    """Add Bookings To Multi Service Booking."""
    return await service.add_bookings_to_multi_service_booking(call.db, call.caller, req)


@router.method(
    "removeBookingsFromMultiServiceBooking",
    "POST",
    msb("/remove_bookings_from_multi_service_booking"),
    roles=BACKEND,
    request=RemoveBookingsFromMultiServiceBookingRequest,
)
async def remove_bookings_from_multi_service_booking(
    call: Call, req: RemoveBookingsFromMultiServiceBookingRequest
) -> dict[str, Any]:
    """Remove Bookings From Multi Service Booking."""
    return await service.remove_bookings_from_multi_service_booking(call.db, call.caller, req)


@router.method(
    "getMultiServiceBooking",
    "GET",
    msb("/{multiServiceBookingId}"),
    roles=BACKEND,
    request=MultiServiceBookingIdRequest,
)
async def get_multi_service_booking(
    call: Call, req: MultiServiceBookingIdRequest
) -> dict[str, Any]:
    """Get Multi Service Booking."""
    return await service.get_multi_service_booking(
        call.db, call.caller, req.multi_service_booking_id
    )


@router.method(
    "bulkGetMultiServiceBookingAllowedActions",
    "POST",
    [
        "/bookings/multiServiceBookings/v2/bulk/multi_service_bookings/get_allowed_actions",
        "/_api/bookings-service/v2/bulk/multi_service_bookings/get_allowed_actions",
    ],
    roles=BACKEND,
    request=BulkGetMultiServiceBookingAllowedActionsRequest,
)
async def bulk_get_multi_service_booking_allowed_actions(
    call: Call, req: BulkGetMultiServiceBookingAllowedActionsRequest
) -> dict[str, Any]:
    """Bulk Get Multi Service Booking Allowed Actions."""
    return await service.bulk_get_multi_service_booking_allowed_actions(call.db, call.caller, req)


# ---------------------------------------------------------------- anonymous multi-service


@router.method(
    "getAnonymousActionTokenForMultiServiceBooking",
    "GET",
    anonymous_msb("/{multiServiceBookingId}/token"),
    roles=BACKEND,
    request=GetAnonymousActionTokenForMultiServiceBookingRequest,
)
async def get_anonymous_action_token_for_multi_service_booking(
    call: Call, req: GetAnonymousActionTokenForMultiServiceBookingRequest
) -> dict[str, Any]:
    """Get the action token of a multi-service booking."""
    return await service.get_anonymous_action_token_for_multi_service_booking(
        call.db, call.services.signer, call.caller, req.multi_service_booking_id
    )


@router.method(
    "getMultiServiceBookingAnonymously",
    "GET",
    anonymous_msb("/{token}"),
    roles=None,
    statuses=[401],
    request=GetMultiServiceBookingAnonymouslyRequest,
)
async def get_multi_service_booking_anonymously(
    call: Call, req: GetMultiServiceBookingAnonymouslyRequest
) -> dict[str, Any]:
    """Get a multi-service booking with its action token."""
    return await service.get_multi_service_booking_anonymously(
        call.db, call.services.signer, req.token
    )


@router.method(
    "cancelMultiServiceBookingAnonymously",
    "POST",
    anonymous_msb("/{token}/cancel"),
    roles=None,
    statuses=[401],
    request=CancelMultiServiceBookingAnonymouslyRequest,
)
async def cancel_multi_service_booking_anonymously(
    call: Call, req: CancelMultiServiceBookingAnonymouslyRequest
) -> dict[str, Any]:
    """Cancel a multi-service booking with its action token, within its children's policies."""
    return await service.cancel_multi_service_booking_anonymously(
        call.db, call.services.signer, req.token
    )
