"""The dashboard's attendance page: ``/dashboard/attendance?date=YYYY-MM-DD``.

The day's appointments and class sessions that have begun (past or ongoing), in the business
zone, each with its bookings; staff mark a booking Attended or No-show (and, for a group
booking, how many came) through the Attendance slice's Set Attendance use case, or a whole
class session at once through Bulk Set Attendance. What is saved is what the Attendance API
and the Reader's ``attendance`` part return. Course bookings (attendance per course session)
are left to the API for now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bookings.attendance import service as attendance
from bookings.platform import errors
from bookings.web.dashboard.calendar import (
    HIDDEN_STATUSES,
    STATUS_LABELS,
    bookings_between,
    customer_of,
    parse_date,
    site_zone,
)
from bookings.web.dashboard.calendar_grid import day_bounds
from bookings.web.dashboard.common import problems_of
from bookings.web.dashboard.routes import action, dashboard_page, page
from bookings.web.dashboard.session import DashboardSession, services_of

router = APIRouter(include_in_schema=False)

ATTENDANCE_LABELS = {"ATTENDED": "Attended", "NOT_ATTENDED": "No-show", "NOT_SET": "Not marked"}
MAX_ATTENDEES = 1000


@dataclass
class Line:
    """A booking of a session, with its recorded attendance."""

    booking_id: str
    customer: str
    participants: int
    status: str
    attendance: str
    attendees: int | None
    event_id: str | None

    @property
    def group(self) -> bool:
        return self.participants > 1


@dataclass
class Sitting:
    """An appointment or a class session of the day."""

    key: str
    title: str
    start: datetime
    end: datetime
    staff: str | None
    kind: str
    lines: list[Line] = field(default_factory=list)


def _kind(booking: dict[str, Any]) -> str:
    slot = (booking.get("bookedEntity") or {}).get("slot") or {}
    if slot.get("eventId"):
        return "CLASS"
    if (booking.get("bookedEntity") or {}).get("schedule"):
        return "COURSE"
    return "APPOINTMENT"


def sittings_of(
    items: list[dict[str, Any]], zone: ZoneInfo, now: datetime
) -> tuple[list[Sitting], int]:
    """The day's begun sittings (by start) and how many have not begun yet."""
    sittings: dict[str, Sitting] = {}
    later = 0
    for item in items:
        booking = item["booking"]
        kind = _kind(booking)
        if booking.get("status") in HIDDEN_STATUSES or kind == "COURSE":
            continue
        start = datetime.fromisoformat(booking["startDate"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(booking["endDate"].replace("Z", "+00:00"))
        if start > now:
            later += 1
            continue
        entity = booking.get("bookedEntity") or {}
        slot = entity.get("slot") or {}
        event_id = slot.get("eventId")
        key = f"e-{event_id}" if event_id else f"b-{booking['id']}"
        sitting = sittings.setdefault(
            key,
            Sitting(
                key,
                str(entity.get("title") or "Booking"),
                start.astimezone(zone),
                end.astimezone(zone),
                (slot.get("resource") or {}).get("name"),
                kind,
            ),
        )
        recorded = item.get("attendance") or {}
        sitting.lines.append(
            Line(
                booking_id=str(booking["id"]),
                customer=customer_of(booking),
                participants=int(booking.get("totalParticipants") or 1),
                status=str(booking.get("status") or ""),
                attendance=str(recorded.get("status") or "NOT_SET"),
                attendees=recorded.get("numberOfAttendees"),
                event_id=event_id,
            )
        )
    return sorted(sittings.values(), key=lambda s: (s.start, s.key)), later


async def _render(
    request: Request,
    session: DashboardSession,
    day: date,
    *,
    problems: dict[str, str] | None = None,
    done: str = "",
    status_code: int = 200,
) -> Response:
    zone = await site_zone(request, session)
    start, end = day_bounds(day, zone)
    items = await bookings_between(request, session, start, end, attendance=True)
    now = datetime.now(UTC)
    sittings, later = sittings_of(items, zone, now)
    context = {
        "day": day,
        "zone": zone.key,
        "sittings": sittings,
        "later": later,
        "problems": problems or {},
        "done": done,
        "labels": ATTENDANCE_LABELS,
        "status_labels": STATUS_LABELS,
        "prev_day": day - timedelta(days=1),
        "next_day": day + timedelta(days=1),
        "today": now.astimezone(zone).date(),
    }
    return dashboard_page("dashboard/attendance.html", session, context, status_code)


@router.get("/dashboard/attendance")
@page
async def attendance_page(request: Request, session: DashboardSession) -> Response:
    """The day's begun sessions and appointments, with their bookings' attendance."""
    zone = await site_zone(request, session)
    saved = request.query_params.get("saved", "")
    done = f"Saved ({saved} booking{'' if saved == '1' else 's'})." if saved.isdigit() else ""
    day = parse_date(request.query_params.get("date"), zone)
    return await _render(request, session, day, done=done)


def _attendees(raw: str | None) -> int | None:
    if raw is None or raw.strip() == "":
        return None
    value = int(raw)
    if not 0 <= value <= MAX_ATTENDEES:
        raise ValueError(raw)
    return value


@router.post("/dashboard/attendance")
@action
async def mark_attendance(
    request: Request, session: DashboardSession, fields: dict[str, str]
) -> Response:
    """Set one booking's attendance, or (several ``booking`` ids, comma-separated) every
    booking of a class session through Bulk Set Attendance, 8 at a time."""
    zone = await site_zone(request, session)
    day = parse_date(fields.get("date"), zone)
    ids = [i for i in fields.get("booking", "").split(",") if i]
    key = ids[0] if len(ids) == 1 else ""

    async def refused(text: str, status_code: int = 422) -> Response:
        return await _render(request, session, day, problems={key: text}, status_code=status_code)

    status = fields.get("status", "")
    if status not in ("ATTENDED", "NOT_ATTENDED") or not ids:
        return await refused("Choose Attended or No-show.")
    try:
        attendees = _attendees(fields.get("attendees"))
    except ValueError:
        return await refused(
            f"The number of attendees is a whole number from 0 to {MAX_ATTENDEES}."
        )
    event_id = fields.get("event") or None
    db = services_of(request).db
    try:
        items = [
            attendance.AttendanceIn.model_validate(
                {
                    "bookingId": booking_id,
                    "eventId": event_id,
                    "status": status,
                    "numberOfAttendees": attendees,
                }
            )
            for booking_id in ids
        ]
        if len(items) == 1:
            await attendance.set_attendance(db, session.site_id, items[0])
        for at in range(0, len(items) if len(items) > 1 else 0, BULK):
            result = await attendance.bulk_set_attendance(
                db, session.site_id, items[at : at + BULK], False
            )
            failed = [r for r in result["results"] if not r["itemMetadata"]["success"]]
            if failed:
                return await refused(str(failed[0]["itemMetadata"]["error"]["description"]))
    except errors.ApiError as exc:
        text = "; ".join(t for _, t in problems_of(exc))
        return await refused(text, exc.http_status if exc.http_status in (404, 409) else 422)
    except ValueError:
        return await refused("There is no such booking on this site.", 404)
    saved = "1" if len(ids) == 1 else str(len(ids))
    return RedirectResponse(
        f"/dashboard/attendance?date={day.isoformat()}&saved={saved}", status_code=303
    )


#: Bulk Set Attendance takes at most 8 items.
BULK = 8
