"""The calendar's JSON feed for the EventCalendar enhancement:
``/dashboard/calendar.json?view=…&date=…&staff=…`` (same parameters as the page).

It gives EventCalendar *floating* local times computed here in the business zone
(``YYYY-MM-DDTHH:MM:SS``, no offset), the columns as resources (day view) and the rows'
window. Floating wall times cannot tell the two passes of a repeated hour apart, so for a
range with a DST change the feed says ``exact: false`` and the page keeps its server grid
(which is exact); the page only asks for the feed when the range has none.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bookings.web.dashboard.calendar import STATUS_LABELS, load_view
from bookings.web.dashboard.calendar_grid import UNASSIGNED, Entry, build_grid
from bookings.web.dashboard.routes import page
from bookings.web.dashboard.session import DashboardSession

router = APIRouter(include_in_schema=False)


def floating(instant: datetime, zone: ZoneInfo) -> str:
    """The wall time of ``instant`` in ``zone``, without an offset."""
    return instant.astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S")


def event_of(entry: Entry, zone: ZoneInfo, resource: str | None) -> dict[str, Any]:
    status = STATUS_LABELS.get(entry.status, entry.status)
    event: dict[str, Any] = {
        "id": entry.id,
        "start": floating(entry.start, zone),
        "end": floating(entry.end, zone),
        "title": f"{entry.title}, {entry.customer} ({status})",
        "classNames": [f"st-{entry.status}"],
    }
    if resource is not None:
        event["resourceIds"] = [resource]
    return event


@router.get("/dashboard/calendar.json")
@page
async def calendar_feed(request: Request, session: DashboardSession) -> Response:
    """The view's bookings for EventCalendar (see the module docstring)."""
    loaded = await load_view(request, session)
    grid = build_grid(loaded.entries, loaded.zone, loaded.columns)
    day_view = loaded.view.view == "day"
    first = grid.rows[0].minutes if grid.rows else 0
    last = grid.rows[-1].minutes + 15 if grid.rows else 24 * 60
    body = {
        "exact": all(c.hours == 24 for c in grid.columns),
        "zone": loaded.zone.key,
        "view": "resourceTimeGridDay" if day_view else "timeGridWeek",
        "date": loaded.view.day.isoformat(),
        "slotMinTime": f"{first // 60:02d}:00",
        "slotMaxTime": f"{-(-last // 60):02d}:00",
        "resources": (
            [{"id": c.spec.key, "title": c.spec.label} for c in grid.columns] if day_view else []
        ),
        "events": [
            event_of(e, loaded.zone, (e.staff_id or UNASSIGNED) if day_view else None)
            for e in loaded.entries
        ],
    }
    return JSONResponse(
        body, headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
    )
