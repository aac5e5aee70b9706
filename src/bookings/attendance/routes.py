"""Attendance API endpoints: every public path alias of every method, and who may call it.

The proto paths are ``/v2/attendance/...`` and ``/v2/bulk/attendance/...``; the gateway
serves them under several prefixes (the SDK uses the first of each list). Everything is for
the business (ADMIN, APP) except Count Attendances, which counts the calling member's own
attendance and is for MEMBER tokens only: anonymous callers get 401 before the body is read,
other identities 403 after it (so a malformed body is a 400 for them, like for everyone).
"""

from __future__ import annotations

from typing import Any

from bookings.attendance import service
from bookings.attendance.schemas import (
    AttendanceResponse,
    BulkDeleteAttendancesRequest,
    BulkDeleteAttendancesResponse,
    BulkSetAttendanceRequest,
    BulkSetAttendanceResponse,
    CountAttendancesRequest,
    CountAttendancesResponse,
    DeleteAttendanceRequest,
    EmptyResponse,
    GetAttendanceRequest,
    QueryAttendanceRequest,
    QueryAttendanceResponse,
    SetAttendanceRequest,
)
from bookings.platform.auth import BACKEND, Role
from bookings.platform.routing import ApiRouter, Call

router = ApiRouter("Attendance")

#: Replacements of the proto prefix ``/v2/attendance`` (canonical first).
single = router.paths(
    "/bookings/bookings-attendance",
    "/_api/bookings-attendance",
    "/_api/bookings-attendance/v2/attendance",
    "/bookings/attendance",
    "/bookings/attendance/v2/attendance",
    "/bookings/v2/attendance",
)
#: Replacements of the proto prefix ``/v2/bulk/attendance`` (canonical first).
bulk = router.paths(
    "/bookings/v2/bulk/attendance",
    "/bookings-attendance/v2/bulk/attendance",
    "/_api/bookings-attendance/v2/bulk/attendance",
    "/bookings/attendance/v2/bulk/attendance",
)


@router.method(
    "GetAttendance",
    "GET",
    single("/{attendanceId}"),
    roles=BACKEND,
    request=GetAttendanceRequest,
    response=AttendanceResponse,
)
async def get_attendance(call: Call, req: GetAttendanceRequest) -> dict[str, Any]:
    """Get an attendance."""
    return {"attendance": await service.get_attendance(call.db, call.site_id, req.attendance_id)}


@router.method(
    "SetAttendance",
    "POST",
    single("/set"),
    roles=BACKEND,
    request=SetAttendanceRequest,
    response=AttendanceResponse,
)
async def set_attendance(call: Call, req: SetAttendanceRequest) -> dict[str, Any]:
    """Create or update the attendance of a booking's session (upsert)."""
    return {"attendance": await service.set_attendance(call.db, call.site_id, req.attendance)}


@router.method(
    "BulkSetAttendance",
    "POST",
    bulk("/set"),
    roles=BACKEND,
    request=BulkSetAttendanceRequest,
    response=BulkSetAttendanceResponse,
)
async def bulk_set_attendance(call: Call, req: BulkSetAttendanceRequest) -> dict[str, Any]:
    """Set up to 8 attendances; per-item failures in the results."""
    items = (
        None if req.attendance_details is None else [d.attendance for d in req.attendance_details]
    )
    return await service.bulk_set_attendance(call.db, call.site_id, items, req.return_full_entity)


@router.method(
    "QueryAttendance",
    "POST",
    single("/query"),
    roles=BACKEND,
    request=QueryAttendanceRequest,
    response=QueryAttendanceResponse,
)
async def query_attendance(call: Call, req: QueryAttendanceRequest) -> dict[str, Any]:
    """Query attendance (cursor paging, default sort id ASC, limit 50)."""
    return await service.query_attendance(call.db, call.services.signer, call.site_id, req.query)


@router.method(
    "CountAttendances",
    "POST",
    single("/count"),
    roles=frozenset({Role.MEMBER}),
    request=CountAttendancesRequest,
    response=CountAttendancesResponse,
)
async def count_attendances(call: Call, req: CountAttendancesRequest) -> dict[str, Any]:
    """Count the calling member's attendance records (MEMBER tokens only)."""
    return {"count": await service.count_attendances(call.db, call.caller, req.filter)}


@router.method(
    "DeleteAttendance",
    "DELETE",
    single("/{attendanceId}"),
    roles=BACKEND,
    request=DeleteAttendanceRequest,
    response=EmptyResponse,
)
async def delete_attendance(call: Call, req: DeleteAttendanceRequest) -> dict[str, Any]:
    """Delete an attendance."""
    await service.delete_attendance(call.db, call.site_id, req.attendance_id)
    return {}


@router.method(
    "BulkDeleteAttendances",
    "POST",
    bulk("/delete"),
    roles=BACKEND,
    request=BulkDeleteAttendancesRequest,
    response=BulkDeleteAttendancesResponse,
)
async def bulk_delete_attendances(call: Call, req: BulkDeleteAttendancesRequest) -> dict[str, Any]:
    """Delete up to 8 attendances; per-item failures in the results."""
    return await service.bulk_delete_attendances(call.db, call.site_id, req.attendance_ids)
