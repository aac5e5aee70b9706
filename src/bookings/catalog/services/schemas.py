"""Wire models of Services V2 (``wix.bookings.services.v2.service``).

Fields the server validates or derives are modelled; documents it only stores and returns
(media, SEO data, extended fields, add-ons...) pass through as JSON objects.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field

from bookings.platform.query.requests import CountRequest, QueryRequest
from bookings.platform.wire import (
    FieldMask,
    Guid,
    Int64,
    Timestamp,
    WireModel,
)

#: The booking form every service uses unless it names another.
DEFAULT_FORM_ID = "00000000-0000-0000-0000-000000000000"


class ServiceType(StrEnum):
    APPOINTMENT = "APPOINTMENT"
    CLASS = "CLASS"
    COURSE = "COURSE"


class RateType(StrEnum):
    FIXED = "FIXED"
    CUSTOM = "CUSTOM"
    VARIED = "VARIED"
    NO_FEE = "NO_FEE"
    SUBSCRIPTION = "SUBSCRIPTION"


class AddOnPaymentOption(StrEnum):
    UNKNOWN_ADD_ON_PAYMENT_OPTIONS = "UNKNOWN_ADD_ON_PAYMENT_OPTIONS"
    ONLINE = "ONLINE"
    IN_PERSON = "IN_PERSON"


class LocationType(StrEnum):
    UNKNOWN_LOCATION_TYPE = "UNKNOWN_LOCATION_TYPE"
    CUSTOM = "CUSTOM"
    BUSINESS = "BUSINESS"
    CUSTOMER = "CUSTOMER"


class ConditionalField(StrEnum):
    UNKNOWN_REQUESTED_FIELD = "UNKNOWN_REQUESTED_FIELD"
    STAFF_MEMBER_DETAILS = "STAFF_MEMBER_DETAILS"
    RESOURCE_TYPE_DETAILS = "RESOURCE_TYPE_DETAILS"
    DISCOUNT_INFO_DETAILS = "DISCOUNT_INFO_DETAILS"
    RESOURCE_DETAILS = "RESOURCE_DETAILS"
    STAFF_WORKING_HOURS_LOCATIONS = "STAFF_WORKING_HOURS_LOCATIONS"


class Money(WireModel):
    value: str | None = None
    currency: str | None = None
    formatted_value: str | None = Field(default=None, max_length=50)


class FixedPayment(WireModel):
    price: Money | None = None
    deposit: Money | None = None
    full_upfront_payment_allowed: bool | None = None


class CustomPayment(WireModel):
    description: str | None = Field(default=None, max_length=50)


class VariedPayment(WireModel):
    default_price: Money | None = None
    deposit: Money | None = None
    min_price: Money | None = None
    max_price: Money | None = None
    full_upfront_payment_allowed: bool | None = None


class SubscriptionPayment(WireModel):
    amount_per_billing_cycle: Money | None = None
    frequency: str | None = None
    total_payments: int | None = Field(default=None, ge=2)
    first_charge_date: str | None = None
    recurring_start_date: Timestamp | None = None


class PaymentOptions(WireModel):
    online: bool | None = None
    in_person: bool | None = None
    deposit: bool | None = None
    pricing_plan: bool | None = None


class Payment(WireModel):
    rate_type: RateType | None = None
    fixed: FixedPayment | None = None
    custom: CustomPayment | None = None
    varied: VariedPayment | None = None
    subscription: SubscriptionPayment | None = None
    options: PaymentOptions | None = None
    pricing_plan_ids: list[str] | None = None
    add_on_option: AddOnPaymentOption | None = None


class OnlineBooking(WireModel):
    enabled: bool | None = None
    require_manual_approval: bool | None = None
    allow_multiple_requests: bool | None = None


class BusinessLocation(WireModel):
    id: Guid | None = None
    name: str | None = None
    default: bool | None = None
    address: dict[str, Any] | None = None


class CustomLocation(WireModel):
    id: Guid | None = None
    address: dict[str, Any] | None = None


class Location(WireModel):
    id: Guid | None = None
    type: LocationType | None = None
    business: BusinessLocation | None = None
    custom: CustomLocation | None = None
    calculated_address: dict[str, Any] | None = None


class Duration(WireModel):
    minutes: int


class AvailabilityConstraints(WireModel):
    durations: list[Duration] | None = None
    session_durations: list[int] | None = Field(default=None, max_length=50)
    time_between_sessions: int | None = Field(default=None, ge=0, le=720)
    duration_range: dict[str, Any] | None = None


class ServiceSchedule(WireModel):
    id: str | None = None
    first_session_start: Timestamp | None = None
    last_session_end: Timestamp | None = None
    availability_constraints: AvailabilityConstraints | None = None


class Category(WireModel):
    id: Guid | None = None
    name: str | None = None
    sort_order: int | None = None


class Form(WireModel):
    id: Guid | None = None


class PolicyRef(WireModel):
    """``service.bookingPolicy`` on input: only ``id`` is writable."""

    id: Guid | None = None


class Slug(WireModel):
    name: str
    custom: bool | None = None
    created_date: Timestamp | None = None


class Service(WireModel):
    """A service as clients send it (create / update)."""

    id: Guid | None = None
    app_id: Guid | None = None
    type: ServiceType | None = None
    sort_order: int | None = None
    name: str | None = Field(default=None, max_length=400)
    description: str | None = Field(default=None, max_length=7000)
    tag_line: str | None = Field(default=None, max_length=6000)
    default_capacity: int | None = None
    media: dict[str, Any] | None = None
    hidden: bool | None = None
    category: Category | None = None
    form: Form | None = None
    payment: Payment | None = None
    online_booking: OnlineBooking | None = None
    conferencing: dict[str, Any] | None = None
    locations: list[Location] | None = Field(default=None, max_length=500)
    booking_policy: PolicyRef | None = None
    schedule: ServiceSchedule | None = None
    staff_member_ids: list[Guid] | None = Field(default=None, max_length=220)
    service_resources: list[dict[str, Any]] | None = Field(default=None, max_length=8)
    extended_fields: dict[str, Any] | None = None
    seo_data: dict[str, Any] | None = None
    revision: Int64 | None = None
    taxable_address: dict[str, Any] | None = None
    primary_resource_type: Guid | None = None


# ---------------------------------------------------------------- requests


class CreateServiceRequest(WireModel):
    service: Service


class BulkCreateServicesRequest(WireModel):
    services: list[Service] = Field(min_length=1, max_length=100)
    return_entity: bool = False


class GetServiceRequest(WireModel):
    service_id: str
    conditional_fields: list[ConditionalField] | None = Field(default=None, max_length=5)


class UpdateServiceRequest(WireModel):
    service: Service


class MaskedService(WireModel):
    service: Service
    mask: FieldMask | None = None


class BulkUpdateServicesRequest(WireModel):
    services: list[MaskedService] = Field(min_length=1, max_length=100)
    return_entity: bool = False


class ParticipantNotification(WireModel):
    notify_participants: bool | None = None
    message: str | None = Field(default=None, max_length=2000)


class DeleteServiceRequest(WireModel):
    service_id: str
    preserve_future_sessions_with_participants: bool = False
    participant_notification: ParticipantNotification | None = None


class BulkDeleteServicesRequest(WireModel):
    ids: list[str] = Field(min_length=1, max_length=100)
    preserve_future_sessions_with_participants: bool = False
    participant_notification: ParticipantNotification | None = None


class QueryServicesRequest(QueryRequest):
    conditional_fields: list[ConditionalField] | None = Field(default=None, max_length=5)


class CountServicesRequest(CountRequest):
    pass


class SetServiceLocationsRequest(WireModel):
    service_id: str
    locations: list[Location] = Field(max_length=100)
    removed_location_sessions_action: dict[str, Any] | None = None
    participant_notification: ParticipantNotification | None = None


class SetCustomSlugRequest(WireModel):
    service_id: str
    slug: str | None = Field(default=None, max_length=500)


class ValidateSlugRequest(WireModel):
    service_id: str | None = None
    slug: str | None = Field(default=None, max_length=500)


class CloneServiceRequest(WireModel):
    source_service_id: str


class QueryPoliciesRequest(WireModel):
    query: dict[str, Any] | None = None


# ---------------------------------------------------------------- add-on groups


class AddOnGroup(WireModel):
    """An add-on group as clients send it (``id`` is the server's on create)."""

    id: Guid | None = None
    name: str | None = Field(default=None, max_length=100)
    max_number_of_add_ons: int | None = None
    add_on_ids: list[Guid] | None = Field(default=None, max_length=7)
    prompt: str | None = Field(default=None, max_length=200)


class CreateAddOnGroupRequest(WireModel):
    add_on_group: AddOnGroup
    service_id: Guid


class DeleteAddOnGroupRequest(WireModel):
    add_on_group_id: Guid
    service_id: Guid


class UpdateAddOnGroupRequest(WireModel):
    add_on_group: AddOnGroup
    service_id: Guid
    mask: FieldMask | None = None


class ListAddOnGroupsByServiceIdRequest(WireModel):
    service_id: Guid
    group_ids: list[Guid] | None = Field(default=None, max_length=3)


class SetAddOnsForGroupRequest(WireModel):
    service_id: Guid
    group_id: Guid
    add_on_ids: list[Guid] = Field(min_length=1, max_length=7)
