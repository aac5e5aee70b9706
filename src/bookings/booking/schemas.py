"""Wire models of Bookings Writer V2 requests (camelCase; responses are built as dicts by
:mod:`bookings.booking.service`, since the booking document is stored as wire JSON)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import ConfigDict, Field

from bookings.booking.contacts import ContactDetails
from bookings.booking.state import Status
from bookings.platform.wire import (
    Guid,
    Int64,
    LocalDateTime,
    PositiveInt64,
    Timestamp,
    WireModel,
)

EventId = Annotated[str, Field(min_length=1, max_length=250)]


class PaymentStatus(StrEnum):
    UNDEFINED = "UNDEFINED"
    NOT_PAID = "NOT_PAID"
    PAID = "PAID"
    PARTIALLY_PAID = "PARTIALLY_PAID"
    REFUNDED = "REFUNDED"
    EXEMPT = "EXEMPT"
    FAILED = "FAILED"


class SelectedPaymentOption(StrEnum):
    UNDEFINED = "UNDEFINED"
    OFFLINE = "OFFLINE"
    ONLINE = "ONLINE"
    MEMBERSHIP = "MEMBERSHIP"
    MEMBERSHIP_OFFLINE = "MEMBERSHIP_OFFLINE"


class LocationType(StrEnum):
    UNDEFINED = "UNDEFINED"
    OWNER_BUSINESS = "OWNER_BUSINESS"
    OWNER_CUSTOM = "OWNER_CUSTOM"
    CUSTOM = "CUSTOM"


class Location(WireModel):
    id: str | None = None
    name: str | None = None
    formatted_address: str | None = None
    formatted_address_translated: str | None = None
    location_type: LocationType | None = None


class BookedResource(WireModel):
    id: Guid | None = None
    name: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=500)
    schedule_id: Guid | None = None


class BookedSlot(WireModel):
    session_id: str | None = None
    service_id: Guid | None = None
    schedule_id: Guid | None = None
    event_id: EventId | None = None
    start_date: LocalDateTime | None = None
    end_date: LocalDateTime | None = None
    timezone: str | None = None
    resource: BookedResource | None = None
    location: Location | None = None
    resource_selections: list[dict[str, Any]] | None = Field(default=None, max_length=3)
    all_day: bool | None = None


class BookedSchedule(WireModel):
    schedule_id: Guid | None = None
    service_id: Guid | None = None
    timezone: str | None = None


class BookedEntity(WireModel):
    slot: BookedSlot | None = None
    schedule: BookedSchedule | None = None
    title: str | None = None
    tags: list[str] | None = None


class ServiceChoices(WireModel):
    number_of_participants: int | None = Field(default=None, ge=1)
    choices: list[dict[str, Any]] | None = Field(default=None, max_length=5)


class ParticipantChoices(WireModel):
    service_choices: list[ServiceChoices] = Field(min_length=1, max_length=20)


class ParticipantNotification(WireModel):
    notify_participants: bool | None = None
    message: str | None = None
    metadata: dict[str, str] | None = None


class CustomFormField(WireModel):
    id: str
    value: str | None = None
    label: str | None = None
    value_type: str | None = None


class BookedAddOn(WireModel):
    id: Guid | None = None
    group_id: Guid | None = None
    quantity: int | None = Field(default=None, ge=1, le=1000)


class BookingIn(WireModel):
    """A booking as a client sends it on create (read-only fields are ignored)."""

    total_participants: int | None = Field(default=None, ge=1)
    number_of_participants: int | None = Field(default=None, ge=1)
    participants_choices: ParticipantChoices | None = None
    booked_entity: BookedEntity | None = None
    contact_details: ContactDetails | None = None
    additional_fields: list[CustomFormField] | None = None
    status: Status | None = None
    selected_payment_option: SelectedPaymentOption | None = None
    external_user_id: str | None = None
    extended_fields: dict[str, Any] | None = None
    multi_service_booking_info: dict[str, Any] | None = None
    form_submission_id: Guid | None = None
    booked_add_ons: list[BookedAddOn] | None = Field(default=None, max_length=21)
    deposit_selected: bool | None = None
    booking_source: dict[str, Any] | None = None


class CreateFlowControl(WireModel):
    skip_availability_validation: bool | None = None
    skip_business_confirmation: bool | None = None
    skip_selected_payment_option_validation: bool | None = None
    skip_add_on_validation: bool | None = None
    allow_add_on_changes: bool | None = None


class CreateBookingRequest(WireModel):
    booking: BookingIn | None = None
    participant_notification: ParticipantNotification | None = None
    send_sms_reminder: bool | None = None
    flow_control_settings: CreateFlowControl | None = None
    form_submission: dict[str, Any] | None = None


class BookingOut(WireModel):
    """A booking as the server answers it: the fields every booking has; the others (as the
    request gave them, or filled in) are documented by the request's ``BookingIn``."""

    model_config = ConfigDict(extra="allow")  # merged with WireModel's

    id: Guid
    status: Status
    payment_status: PaymentStatus
    revision: Int64
    created_date: Timestamp
    updated_date: Timestamp
    start_date: Timestamp | None = None
    end_date: Timestamp | None = None


class CreateBookingResponse(WireModel):
    booking: BookingOut


class BulkCreateBookingRequest(WireModel):
    create_bookings_info: list[CreateBookingRequest] = Field(min_length=1, max_length=40)
    return_full_entity: bool | None = None


class V2Slot(WireModel):
    session_id: str | None = None
    service_id: Guid | None = None
    schedule_id: Guid | None = None
    start_date: LocalDateTime | None = None
    end_date: LocalDateTime | None = None
    timezone: str | None = None
    resource: BookedResource | None = None
    location: Location | None = None
    event_id: EventId | None = None
    resource_selections: list[dict[str, Any]] | None = None
    all_day: bool | None = None


class RescheduleFlowControl(WireModel):
    ignore_reschedule_policy: bool | None = None
    skip_availability_validation: bool | None = None
    skip_business_confirmation: bool | None = None
    allow_add_on_changes: bool | None = None


class RescheduleBookingRequest(WireModel):
    booking_id: Guid
    slot: V2Slot | None = None
    revision: Int64 | None = None
    participant_notification: ParticipantNotification | None = None
    flow_control_settings: RescheduleFlowControl | None = None
    total_participants: int | None = Field(default=None, ge=1)
    participants_choices: ParticipantChoices | None = None
    booked_add_ons: list[BookedAddOn] | None = Field(default=None, max_length=21)


class ConfirmFlowControl(WireModel):
    check_availability_validation: bool | None = None


class ConfirmBookingRequest(WireModel):
    booking_id: Guid
    revision: Int64 | None = None
    participant_notification: ParticipantNotification | None = None
    send_sms_reminder: bool | None = None
    payment_status: PaymentStatus | None = None
    double_booked: bool | None = None
    flow_control_settings: ConfirmFlowControl | None = None


class DeclineFlowControl(WireModel):
    with_refund: bool | None = None


class DeclineBookingRequest(WireModel):
    booking_id: Guid
    revision: PositiveInt64 | None = None
    participant_notification: ParticipantNotification | None = None
    payment_status: PaymentStatus | None = None
    double_booked: bool | None = None
    flow_control_settings: DeclineFlowControl | None = None


class CancelFlowControl(WireModel):
    ignore_cancellation_policy: bool | None = None
    with_refund: bool | None = None
    waive_cancellation_fee: bool | None = None


class CancelBookingRequest(WireModel):
    booking_id: Guid
    revision: Int64 | None = None
    participant_notification: ParticipantNotification | None = None
    flow_control_settings: CancelFlowControl | None = None
    waive_charges: bool | None = None


class CancelBookingInfo(WireModel):
    booking_id: Guid | None = None
    revision: Int64 | None = None
    participant_notification: ParticipantNotification | None = None
    flow_control_settings: CancelFlowControl | None = None
    waive_charges: bool | None = None


class BookingsToCancel(WireModel):
    bookings_info: list[CancelBookingInfo] = Field(min_length=1, max_length=100)


class BulkCancelBookingsRequest(WireModel):
    bookings: BookingsToCancel | None = None
    recurring_cancellation: dict[str, Any] | None = None
    return_full_entity: bool | None = None


class MarkPendingFlowControl(WireModel):
    check_availability_validation: bool | None = None
    skip_pending_approval_service_validation: bool | None = None


class MarkBookingAsPendingRequest(WireModel):
    booking_id: Guid
    revision: Int64 | None = None
    participant_notification: ParticipantNotification | None = None
    send_sms_reminder: bool | None = None
    payment_status: PaymentStatus | None = None
    double_booked: bool | None = None
    flow_control_settings: MarkPendingFlowControl | None = None


class ConfirmOrDeclineBookingRequest(WireModel):
    booking_id: Guid
    payment_status: PaymentStatus | None = None


class ConfirmOrDeclineDetails(WireModel):
    booking_id: Guid
    payment_status: PaymentStatus | None = None


class BulkConfirmOrDeclineBookingRequest(WireModel):
    details: list[ConfirmOrDeclineDetails] = Field(min_length=1, max_length=300)
    return_entity: bool | None = None


class UpdateNumberOfParticipantsRequest(WireModel):
    booking_id: Guid
    revision: Int64 | None = None
    total_participants: int | None = Field(default=None, ge=1)
    number_of_participants: int | None = Field(default=None, ge=1)
    participants_choices: ParticipantChoices | None = None


class UpdateExtendedFieldsRequest(WireModel):
    id: Guid
    namespace: str | None = Field(default=None, min_length=1, max_length=164)
    namespace_data: dict[str, Any] | None = None


class SetBookingSubmissionIdRequest(WireModel):
    booking_id: Guid
    submission_id: Guid | None = None


class BulkCalculateAllowedActionsRequest(WireModel):
    booking_ids: list[Guid] = Field(min_length=1, max_length=100)


class ListDomainEventsRequest(WireModel):
    entity_id: str | None = None
    entity_fqdn: str | None = None
    after_sequence: Int64 | None = None
    cursor: str | None = None
    limit: int | None = Field(default=None, ge=1, le=1000)


class GetAnonymousActionTokenRequest(WireModel):
    booking_id: str


class GetBookingAnonymouslyRequest(WireModel):
    token: str
    fields: list[str] | None = Field(default=None, max_length=1)


class CancelBookingAnonymouslyRequest(WireModel):
    token: str
    revision: Int64 | None = None


class GetServiceAnonymouslyRequest(WireModel):
    token: str
    fields: list[str] | None = Field(default=None, max_length=5)


class RescheduleBookingAnonymouslyRequest(WireModel):
    token: str
    slot: V2Slot | None = None
    revision: Int64 | None = None


# ---------------------------------------------------------------- multi-service bookings


class MultiServiceBookingType(StrEnum):
    SEQUENTIAL_BOOKINGS = "SEQUENTIAL_BOOKINGS"
    SEPARATE_BOOKINGS = "SEPARATE_BOOKINGS"
    PARALLEL_BOOKINGS = "PARALLEL_BOOKINGS"


class BookingInfo(WireModel):
    """A child booking of a status call: its id, revision and the payment status to set."""

    booking_id: Guid | None = None
    revision: Int64 | None = None
    payment_status: PaymentStatus | None = None


class BookingIdAndRevision(WireModel):
    booking_id: Guid | None = None
    revision: Int64 | None = None


class CreateMultiServiceBookingRequest(WireModel):
    bookings: list[BookingIn] | None = Field(default=None, max_length=40)
    participant_notification: ParticipantNotification | None = None
    send_sms_reminder: bool | None = None
    flow_control_settings: CreateFlowControl | None = None
    return_full_entity: bool | None = None
    multi_service_booking_type: MultiServiceBookingType | None = None
    form_submission: dict[str, Any] | None = None


class RescheduleBookingInfo(WireModel):
    booking_id: Guid | None = None
    slot: V2Slot | None = None
    revision: Int64 | None = None
    total_participants: int | None = Field(default=None, ge=1)
    participants_choices: ParticipantChoices | None = None
    booked_add_ons: list[BookedAddOn] | None = Field(default=None, max_length=21)


class RescheduleMultiServiceBookingRequest(WireModel):
    multi_service_booking_id: Guid
    reschedule_bookings_info: list[RescheduleBookingInfo] | None = Field(
        default=None, max_length=40
    )
    participant_notification: ParticipantNotification | None = None
    flow_control_settings: RescheduleFlowControl | None = None
    return_full_entity: bool | None = None


class MultiServiceBookingIdRequest(WireModel):
    """Get, Get Availability: only the id."""

    multi_service_booking_id: Guid


class CancelMultiServiceBookingRequest(WireModel):
    multi_service_booking_id: Guid
    participant_notification: ParticipantNotification | None = None
    flow_control_settings: CancelFlowControl | None = None
    return_full_entity: bool | None = None
    waive_charges: bool | None = None


class MarkMultiServiceBookingAsPendingRequest(WireModel):
    multi_service_booking_id: Guid
    mark_as_pending_bookings_info: list[BookingInfo] | None = Field(default=None, max_length=40)
    participant_notification: ParticipantNotification | None = None
    send_sms_reminder: bool | None = None
    double_booked: bool | None = None
    return_full_entity: bool | None = None
    flow_control_settings: MarkPendingFlowControl | None = None


class ConfirmMultiServiceBookingRequest(WireModel):
    multi_service_booking_id: Guid
    confirm_bookings_info: list[BookingInfo] | None = Field(default=None, max_length=40)
    participant_notification: ParticipantNotification | None = None
    send_sms_reminder: bool | None = None
    double_booked: bool | None = None
    return_full_entity: bool | None = None
    flow_control_settings: ConfirmFlowControl | None = None


class DeclineMultiServiceBookingRequest(WireModel):
    multi_service_booking_id: Guid
    decline_bookings_info: list[BookingInfo] | None = Field(default=None, max_length=40)
    participant_notification: ParticipantNotification | None = None
    double_booked: bool | None = None
    return_full_entity: bool | None = None
    flow_control_settings: DeclineFlowControl | None = None


class AddBookingsToMultiServiceBookingRequest(WireModel):
    multi_service_booking_id: Guid | None = None
    bookings: list[BookingIdAndRevision] | None = Field(default=None, max_length=40)
    return_full_entity: bool | None = None


class RemoveBookingsFromMultiServiceBookingRequest(WireModel):
    multi_service_booking_id: Guid | None = None
    bookings: list[BookingIdAndRevision] | None = Field(default=None, max_length=40)
    return_full_entity: bool | None = None


class BulkGetMultiServiceBookingAllowedActionsRequest(WireModel):
    multi_service_booking_ids: list[Guid] = Field(min_length=1, max_length=50)


class GetAnonymousActionTokenForMultiServiceBookingRequest(WireModel):
    multi_service_booking_id: str


class GetMultiServiceBookingAnonymouslyRequest(WireModel):
    token: str
    fields: list[str] | None = Field(default=None, max_length=1)


class CancelMultiServiceBookingAnonymouslyRequest(WireModel):
    token: str


# ---------------------------------------------------------------- waitlist (our pinned shape)


class RegisterToWaitlistRequest(WireModel):
    booking: BookingIn | None = None


class WaitlistBookingRequest(WireModel):
    """Leave Waitlist, Book From Waitlist."""

    booking_id: Guid | None = None
    revision: Int64 | None = None


class ListWaitlistRequest(WireModel):
    event_id: str | None = Field(default=None, min_length=1, max_length=250)
