"""Wire models of the Attendance API (``wix.bookings.v2.attendance``).

Requests are validated here (types, lengths, required fields: a 400 naming the field);
the rules of the spec live in ``rules.py``. Responses are built as dicts by the service; the
response models below describe them for the OpenAPI document.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

from bookings.attendance.rules import AttendanceStatus
from bookings.platform import errors
from bookings.platform.query.requests import CountRequest, QueryRequest
from bookings.platform.wire import Guid, Timestamp, WireModel

#: Largest ``numberOfAttendees`` (an int32 on the wire).
MAX_ATTENDEES = 2**31 - 1
#: Items of Bulk Set / Bulk Delete.
MAX_BULK = 8


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise PydanticCustomError(errors.FORMAT, "must be an integer")
    return value


Attendees = Annotated[int, Field(ge=0, le=MAX_ATTENDEES), BeforeValidator(_not_bool)]
EventId = Annotated[str, Field(max_length=250)]


class ParticipantNotification(WireModel):
    """Accepted and checked; this server sends no notifications (see docs/api/attendance.md)."""

    notify_participants: bool | None = None
    message: str | None = Field(default=None, min_length=1, max_length=5000)


class AttendanceIn(WireModel):
    """An attendance as clients send it to Set (``id`` and the dates are read-only)."""

    id: str | None = None
    booking_id: Guid
    session_id: EventId | None = None
    event_id: EventId | None = None
    status: AttendanceStatus
    number_of_attendees: Attendees | None = None


class GetAttendanceRequest(WireModel):
    attendance_id: Guid


class SetAttendanceRequest(WireModel):
    attendance: AttendanceIn
    participant_notification: ParticipantNotification | None = None


class AttendanceDetails(WireModel):
    attendance: AttendanceIn
    participant_notification: ParticipantNotification | None = None


class BulkSetAttendanceRequest(WireModel):
    attendance_details: list[AttendanceDetails] | None = Field(default=None, max_length=MAX_BULK)
    return_full_entity: bool = False


class QueryAttendanceRequest(QueryRequest):
    pass


class CountAttendancesRequest(CountRequest):
    pass


class DeleteAttendanceRequest(WireModel):
    attendance_id: Guid


class BulkDeleteAttendancesRequest(WireModel):
    attendance_ids: list[Guid] = Field(min_length=1, max_length=MAX_BULK)


# ---------------------------------------------------------------- responses (OpenAPI)


class Attendance(WireModel):
    id: str
    booking_id: str
    session_id: str | None = None
    event_id: str | None = None
    status: AttendanceStatus
    number_of_attendees: int
    updated_date: Timestamp
    status_updated_date: Timestamp


class AttendanceResponse(WireModel):
    attendance: Attendance


class Cursors(WireModel):
    next: str | None = None
    prev: str | None = None


class CursorPagingMetadata(WireModel):
    count: int
    cursors: Cursors
    has_next: bool


class QueryAttendanceResponse(WireModel):
    attendances: list[Attendance]
    paging_metadata: CursorPagingMetadata


class CountAttendancesResponse(WireModel):
    count: int


class ApplicationErrorOut(WireModel):
    code: str
    description: str
    data: dict[str, Any]


class ItemMetadata(WireModel):
    id: str | None = None
    original_index: int
    success: bool
    error: ApplicationErrorOut | None = None


class BulkActionMetadata(WireModel):
    total_successes: int
    total_failures: int
    undetailed_failures: int


class BulkSetResult(WireModel):
    item_metadata: ItemMetadata
    item: Attendance | None = None


class BulkSetAttendanceResponse(WireModel):
    results: list[BulkSetResult]
    bulk_action_metadata: BulkActionMetadata


class BulkDeleteResult(WireModel):
    item_metadata: ItemMetadata


class BulkDeleteAttendancesResponse(WireModel):
    results: list[BulkDeleteResult]
    bulk_action_metadata: BulkActionMetadata


class EmptyResponse(WireModel):
    pass
