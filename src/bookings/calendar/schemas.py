"""Wire models and constants of Calendar V3 (schedules and events).

Request models validate input (every problem is a 400 naming the field); read-only fields
(``timeZone``/``utcDate`` inside a ZonedDate, ``status``, ``recurrenceType``, ...) are not
declared on input models, so they are ignored when sent. Response models describe the output
for the OpenAPI document; the service renders responses itself (``documents.event_wire``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field

from bookings.platform.constants import BOOKINGS_APP_ID as BOOKINGS_APP_ID
from bookings.platform.wire import Int64, LocalDateTime, WireModel

#: ``externalId`` of the site's business schedule (default working hours).
BUSINESS_SCHEDULE_EXTERNAL_ID = "4e0579a5-491e-4e70-a872-d097eed6e520"
BUSINESS_SCHEDULE_NAME = "business"


class ScheduleStatus(StrEnum):
    ACTIVE = "ACTIVE"
    CANCELLED = "CANCELLED"


class EventType(StrEnum):
    DEFAULT = "DEFAULT"
    WORKING_HOURS = "WORKING_HOURS"
    APPOINTMENT = "APPOINTMENT"
    CLASS = "CLASS"
    COURSE = "COURSE"


class EventStatus(StrEnum):
    CONFIRMED = "CONFIRMED"
    CANCELLED = "CANCELLED"


class RecurrenceType(StrEnum):
    NONE = "NONE"
    MASTER = "MASTER"
    INSTANCE = "INSTANCE"
    EXCEPTION = "EXCEPTION"


class Transparency(StrEnum):
    OPAQUE = "OPAQUE"
    TRANSPARENT = "TRANSPARENT"


class LocationType(StrEnum):
    BUSINESS = "BUSINESS"
    CUSTOMER = "CUSTOMER"
    CUSTOM = "CUSTOM"


class Frequency(StrEnum):
    WEEKLY = "WEEKLY"


class Day(StrEnum):
    MONDAY = "MONDAY"
    TUESDAY = "TUESDAY"
    WEDNESDAY = "WEDNESDAY"
    THURSDAY = "THURSDAY"
    FRIDAY = "FRIDAY"
    SATURDAY = "SATURDAY"
    SUNDAY = "SUNDAY"


class PermissionRole(StrEnum):
    WRITER = "WRITER"
    COMMENTER = "COMMENTER"


class ConferencingType(StrEnum):
    ZOOM = "ZOOM"
    CUSTOM = "CUSTOM"


class InheritedField(StrEnum):
    """Values of ``inheritedFields`` (also the ``fields`` of Restore Event Defaults)."""

    TITLE = "TITLE"
    TIME_ZONE = "TIME_ZONE"
    TIME = "TIME"
    LOCATION = "LOCATION"
    RESOURCES = "RESOURCES"
    CAPACITY = "CAPACITY"
    PARTICIPANTS = "PARTICIPANTS"
    CONFERENCING_DETAILS = "CONFERENCING_DETAILS"


class RequestedFields(StrEnum):
    PI_FIELDS = "PI_FIELDS"
    OWN_PI_FIELDS = "OWN_PI_FIELDS"


# ---------------------------------------------------------------- input


class ZonedDateIn(WireModel):
    """``{localDate}``; ``timeZone`` and ``utcDate`` are computed by the server."""

    local_date: LocalDateTime


class LocationIn(WireModel):
    id: str | None = Field(None, max_length=100)
    type: LocationType
    name: str | None = Field(None, min_length=1, max_length=150)
    address: str | None = Field(None, max_length=1000)


class ResourceIn(WireModel):
    id: str = Field(min_length=1, max_length=100)
    #: Read-only on the public API (dropped there); kept when another slice passes them.
    name: str | None = Field(None, max_length=200)
    type: str | None = Field(None, max_length=100)
    transparency: Transparency | None = None
    permission_role: PermissionRole | None = None


class ConferencingDetailsIn(WireModel):
    type: ConferencingType | None = None
    host_url: str | None = Field(None, max_length=2000)
    guest_url: str | None = Field(None, max_length=2000)
    password: str | None = Field(None, max_length=100)
    external_id: str | None = Field(None, max_length=150)


class RecurrenceRuleIn(WireModel):
    frequency: Frequency | None = None
    interval: int | None = Field(None, ge=1, le=4)
    days: list[Day] = Field(min_length=1, max_length=1)
    until: ZonedDateIn | None = None


class EventIn(WireModel):
    id: str | None = None
    schedule_id: str | None = Field(None, max_length=100)
    type: EventType | None = None
    title: str | None = Field(None, min_length=1, max_length=200)
    start: ZonedDateIn | None = None
    end: ZonedDateIn | None = None
    time_zone: str | None = Field(None, max_length=64)
    recurrence_rule: RecurrenceRuleIn | None = None
    transparency: Transparency | None = None
    location: LocationIn | None = None
    resources: list[ResourceIn] | None = Field(None, max_length=100)
    total_capacity: int | None = Field(None, ge=0, le=1_000_000)
    notes: str | None = Field(None, max_length=5000)
    conferencing_details: ConferencingDetailsIn | None = None
    extended_fields: dict[str, Any] | None = None
    revision: Int64 | None = None


class ScheduleIn(WireModel):
    id: str | None = None
    external_id: str | None = Field(None, max_length=100)
    name: str | None = Field(None, min_length=1, max_length=200)
    time_zone: str | None = Field(None, max_length=64)
    default_title: str | None = Field(None, min_length=1, max_length=200)
    default_location: LocationIn | None = None
    default_capacity: int | None = Field(None, ge=0, le=1_000_000)
    default_conferencing_details: ConferencingDetailsIn | None = None
    app_id: str | None = Field(None, max_length=100)
    extended_fields: dict[str, Any] | None = None
    revision: Int64 | None = None


class ParticipantNotification(WireModel):
    notify_participants: bool | None = None
    message: str | None = None


# ---------------------------------------------------------------- requests


class CreateScheduleRequest(WireModel):
    schedule: ScheduleIn
    idempotency_key: str | None = None


class GetScheduleRequest(WireModel):
    schedule_id: str
    fields: list[RequestedFields] | None = None


class QuerySchedulesRequest(WireModel):
    query: dict[str, Any] | None = None
    fields: list[RequestedFields] | None = None


class UpdateScheduleRequest(WireModel):
    schedule: ScheduleIn
    participant_notification: ParticipantNotification | None = None


class CancelScheduleRequest(WireModel):
    schedule_id: str
    preserve_future_events_with_participants: bool = False
    participant_notification: ParticipantNotification | None = None


class CreateEventRequest(WireModel):
    event: EventIn
    time_zone: str | None = None
    idempotency_key: str | None = None


class BulkEventItem(WireModel):
    #: Validated per item, so that one bad item fails alone.
    event: dict[str, Any]


class BulkCreateEventRequest(WireModel):
    events: list[BulkEventItem] = Field(min_length=1, max_length=100)
    return_entity: bool = False
    time_zone: str | None = None


class BulkUpdateEventRequest(WireModel):
    events: list[BulkEventItem] = Field(min_length=1, max_length=50)
    return_entity: bool = False
    time_zone: str | None = None
    participant_notification: ParticipantNotification | None = None


class GetEventRequest(WireModel):
    event_id: str
    time_zone: str | None = None
    fields: list[RequestedFields] | None = None


class ListEventsRequest(WireModel):
    event_ids: list[str] = Field(min_length=1, max_length=100)
    time_zone: str | None = None
    fields: list[RequestedFields] | None = None


class QueryEventsRequest(WireModel):
    from_local_date: LocalDateTime | None = None
    to_local_date: LocalDateTime | None = None
    time_zone: str | None = None
    query: dict[str, Any] | None = None
    recurrence_type: list[RecurrenceType] | None = Field(None, max_length=5)
    fields: list[RequestedFields] | None = Field(None, max_length=1)


class UpdateEventRequest(WireModel):
    event: EventIn
    participant_notification: ParticipantNotification | None = None
    time_zone: str | None = None


class RestoreEventDefaultsRequest(WireModel):
    event_id: str
    fields: list[InheritedField] = Field(min_length=1)
    participant_notification: ParticipantNotification | None = None
    time_zone: str | None = None


class SplitRecurringEventRequest(WireModel):
    recurring_event_id: str
    split_local_date: LocalDateTime
    time_zone: str | None = None


class CancelEventRequest(WireModel):
    event_id: str
    participant_notification: ParticipantNotification | None = None
    time_zone: str | None = None


class BulkCancelEventRequest(WireModel):
    event_ids: list[str] = Field(min_length=1, max_length=100)
    return_entity: bool = False
    participant_notification: ParticipantNotification | None = None
    time_zone: str | None = None


class EmptyRequest(WireModel):
    pass


# ---------------------------------------------------------------- responses (OpenAPI)


class ZonedDate(WireModel):
    local_date: str
    time_zone: str | None = None
    utc_date: str | None = None


class Location(WireModel):
    id: str | None = None
    type: LocationType
    name: str | None = None
    address: str | None = None


class Resource(WireModel):
    id: str
    name: str | None = None
    type: str | None = None
    transparency: Transparency
    permission_role: PermissionRole | None = None


class ConferencingDetails(WireModel):
    type: ConferencingType | None = None
    host_url: str | None = None
    guest_url: str | None = None
    password: str | None = None
    external_id: str | None = None


class RecurrenceRule(WireModel):
    frequency: Frequency
    interval: int
    days: list[Day]
    until: ZonedDate | None = None
    adjusted_until: ZonedDate | None = None


class Participants(WireModel):
    total: int
    participant_list: list[dict[str, Any]] = Field(default_factory=list, alias="list")
    has_more: bool = False


class Event(WireModel):
    id: str
    schedule_id: str
    external_schedule_id: str | None = None
    schedule_name: str | None = None
    type: EventType
    status: EventStatus
    title: str | None = None
    start: ZonedDate
    end: ZonedDate
    adjusted_start: ZonedDate
    adjusted_end: ZonedDate
    time_zone: str
    recurrence_type: RecurrenceType
    recurrence_rule: RecurrenceRule | None = None
    recurring_event_id: str | None = None
    transparency: Transparency
    location: Location | None = None
    resources: list[Resource] = []
    total_capacity: int | None = None
    remaining_capacity: int | None = None
    participants: Participants | None = None
    notes: str | None = None
    conferencing_details: ConferencingDetails | None = None
    inherited_fields: list[InheritedField] = []
    app_id: str
    extended_fields: dict[str, Any] | None = None
    revision: Int64
    created_date: str
    updated_date: str


class Schedule(WireModel):
    id: str
    external_id: str | None = None
    name: str | None = None
    status: ScheduleStatus
    time_zone: str
    default_title: str | None = None
    default_location: Location | None = None
    default_capacity: int | None = None
    default_conferencing_details: ConferencingDetails | None = None
    app_id: str
    extended_fields: dict[str, Any] | None = None
    revision: Int64
    created_date: str
    updated_date: str


class PagingMetadata(WireModel):
    count: int
    cursors: dict[str, str] = {}
    has_next: bool = False


class ScheduleResponse(WireModel):
    schedule: Schedule


class QuerySchedulesResponse(WireModel):
    schedules: list[Schedule]
    paging_metadata: PagingMetadata


class EventResponse(WireModel):
    event: Event


class ListEventsResponse(WireModel):
    events: list[Event]


class QueryEventsResponse(WireModel):
    events: list[Event]
    paging_metadata: PagingMetadata


class SplitRecurringEventResponse(WireModel):
    updated_recurring_event_ending_before_split: Event
    new_recurring_event_starting_from_split: Event


class EventsView(WireModel):
    end_date: str
    future_duration_in_days: int


class GetEventsViewResponse(WireModel):
    events_view: EventsView
