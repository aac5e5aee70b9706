"""Request messages of Time Slots V2 and the legacy Availability Calendar.

Responses are built as plain wire dicts by :mod:`bookings.availability.present` (every field
the spec shows, unset ones omitted).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field

from bookings.platform.wire import Guid, LocalDateTime, WireModel

STAFF_RESOURCE_TYPE_ID = "1cd44cf8-756f-41c3-bd90-3e2ffcaf1155"


class LocationType(StrEnum):
    BUSINESS = "BUSINESS"
    CUSTOM = "CUSTOM"
    CUSTOMER = "CUSTOMER"


class SlotLocation(WireModel):
    id: Guid | None = None
    name: str | None = None
    formatted_address: str | None = None
    location_type: LocationType | None = None


class CursorPaging(WireModel):
    limit: int | None = Field(None, ge=1, le=1000)
    cursor: str | None = Field(None, max_length=16000)


class ResourceTypeFilter(WireModel):
    resource_type_id: Guid | None = None
    resource_ids: list[Guid] | None = Field(None, max_length=135)


class ViolationsFilter(WireModel):
    too_early_to_book: bool | None = None
    too_late_to_book: bool | None = None
    book_online_disabled: bool | None = None


class RequestedGender(StrEnum):
    ANY_MALE = "ANY_MALE"
    ANY_FEMALE = "ANY_FEMALE"


class RequestedGenderValue(WireModel):
    gender: RequestedGender | None = None


class CustomerChoices(WireModel):
    duration_in_minutes: int | None = Field(None, ge=1, le=57600)
    add_on_ids: list[Guid] | None = Field(None, max_length=21)
    duration_choice_id: Guid | None = None
    requested_gender: RequestedGenderValue | None = None


class ListAvailabilityTimeSlotsRequest(WireModel):
    service_id: Guid | None = None
    from_local_date: LocalDateTime | None = None
    to_local_date: LocalDateTime | None = None
    time_zone: str | None = Field(None, min_length=1, max_length=150)
    locations: list[SlotLocation] | None = Field(None, max_length=5)
    include_resource_type_ids: list[Guid] | None = Field(None, max_length=100)
    bookable: bool | None = None
    booking_policy_violations: ViolationsFilter | None = None
    time_slots_per_day: int | None = Field(None, ge=1, le=1000)
    cursor_paging: CursorPaging | None = None
    customer_choices: CustomerChoices | None = None
    resource_types: list[ResourceTypeFilter] | None = Field(None, max_length=8)


class GetAvailabilityTimeSlotRequest(WireModel):
    service_id: Guid
    local_start_date: LocalDateTime
    local_end_date: LocalDateTime
    time_zone: str | None = Field(None, min_length=1, max_length=150)
    location: SlotLocation | None = None
    include_resource_type_ids: list[Guid] | None = Field(None, max_length=100)
    resource_types: list[ResourceTypeFilter] | None = Field(None, max_length=8)
    customer_choices: CustomerChoices | None = None


class ListAvailabilityTimeSlotEndOptionsRequest(WireModel):
    service_id: Guid | None = None
    local_start_date: LocalDateTime | None = None
    max_local_end_date: LocalDateTime | None = None
    time_zone: str | None = Field(None, min_length=1, max_length=150)
    location: SlotLocation | None = None
    resource_types: list[ResourceTypeFilter] | None = Field(None, max_length=8)


class ListEventTimeSlotsRequest(WireModel):
    from_local_date: LocalDateTime | None = None
    to_local_date: LocalDateTime | None = None
    time_zone: str | None = Field(None, min_length=1, max_length=100)
    service_ids: list[Guid] | None = Field(None, max_length=100)
    include_non_bookable: bool | None = None
    min_bookable_capacity: int | None = Field(None, ge=1, le=1000)
    event_filter: dict[str, Any] | None = None
    max_slots_per_day: int | None = Field(None, ge=1, le=1000)
    cursor_paging: CursorPaging | None = None
    booking_policy_violations: ViolationsFilter | None = None


class GetEventTimeSlotRequest(WireModel):
    event_id: str = Field(min_length=1, max_length=250)
    time_zone: str | None = Field(None, min_length=1, max_length=100)


#: Services of one multi-service slot: at least 2, at most 8 (the booking side's limit; the
#: SDK's types allow 40, other Wix pages say 8).
MIN_CHAIN_SERVICES = 2
MAX_CHAIN_SERVICES = 8


class MultiServiceItem(WireModel):
    service_id: Guid
    include_resource_type_ids: list[Guid] | None = Field(None, max_length=100)
    customer_choices: CustomerChoices | None = None
    resource_types: list[ResourceTypeFilter] | None = Field(None, max_length=8)


class ListMultiServiceTimeSlotsRequest(WireModel):
    services: list[MultiServiceItem] | None = Field(
        None, min_length=MIN_CHAIN_SERVICES, max_length=MAX_CHAIN_SERVICES
    )
    from_local_date: LocalDateTime | None = None
    to_local_date: LocalDateTime | None = None
    time_zone: str | None = Field(None, min_length=1, max_length=150)
    location: SlotLocation | None = None
    bookable: bool | None = None
    booking_policy_violations: ViolationsFilter | None = None
    time_slots_per_day: int | None = Field(None, ge=1, le=1000)
    cursor_paging: CursorPaging | None = None


class GetMultiServiceTimeSlotRequest(WireModel):
    services: list[MultiServiceItem] = Field(
        min_length=MIN_CHAIN_SERVICES, max_length=MAX_CHAIN_SERVICES
    )
    local_start_date: LocalDateTime
    local_end_date: LocalDateTime
    time_zone: str | None = Field(None, min_length=1, max_length=150)
    location: SlotLocation


class SortOrder(StrEnum):
    ASC = "ASC"
    DESC = "DESC"


class LegacySort(WireModel):
    field_name: str | None = Field(None, max_length=512)
    order: SortOrder | None = None


class LegacyQuery(WireModel):
    filter: dict[str, Any] | None = None
    sort: list[LegacySort] | None = Field(None, max_length=10)


class QueryAvailabilityRequest(WireModel):
    query: LegacyQuery
    timezone: str | None = Field(None, min_length=1, max_length=150)
    slots_per_day: int | None = Field(None, ge=1, le=1000)
