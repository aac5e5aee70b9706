"""The dashboard calendar: ``/dashboard/calendar?view=day|week&date=YYYY-MM-DD&staff=ID``.

A day view has one column per staff member (and one for bookings without staff), a week view
one column per day (optionally one staff member's bookings). The grid is built on the server
(:mod:`.calendar_grid`, in the business zone, DST-safe) and rendered as a CSS grid whose
positions are classes (the CSP allows no inline styles). Every view links to the same range
as a list (``/dashboard/bookings?from=…&to=…``). Bookings come from Bookings Reader V2's
service, as the API's Query Extended Bookings reads them, with the session's ADMIN identity.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from bookings.attendance import service as attendance_service
from bookings.booking import service as booking_service
from bookings.identity import service as identity
from bookings.staff import service as staff
from bookings.web.dashboard.calendar_grid import (
    UNASSIGNED,
    ColumnSpec,
    Entry,
    build_grid,
    day_bounds,
    week_days,
)
from bookings.web.dashboard.routes import dashboard_page, page
from bookings.web.dashboard.session import DashboardSession, services_of

router = APIRouter(include_in_schema=False)

#: Statuses the calendar leaves out (the list shows them).
HIDDEN_STATUSES = frozenset({"CANCELED", "DECLINED"})
STATUS_LABELS = {
    "CONFIRMED": "Confirmed",
    "PENDING": "Pending approval",
    "CREATED": "Created",
    "WAITING_LIST": "Waitlist",
    "CANCELED": "Canceled",
    "DECLINED": "Declined",
}
#: Bookings read per page, and at most.
PAGE = 100
MOST = 2000


def parse_date(raw: str | None, zone: ZoneInfo) -> date:
    """``YYYY-MM-DD`` (years 1970 to 2200), or today in the business zone."""
    if raw:
        try:
            found = date.fromisoformat(raw)
        except ValueError:
            pass
        else:
            if 1970 <= found.year <= 2200:
                return found
    return datetime.now(UTC).astimezone(zone).date()


def _iso(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def site_zone(request: Request, session: DashboardSession) -> ZoneInfo:
    site = await identity.get_site(services_of(request).db, session.site_id)
    try:
        return ZoneInfo(site.time_zone if site else "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


async def bookings_between(
    request: Request,
    session: DashboardSession,
    start: datetime,
    end: datetime,
    *,
    attendance: bool = False,
) -> list[dict[str, Any]]:
    """The bookings that overlap ``[start, end)``, by start, as Bookings Reader V2's extended
    bookings (``{"booking": …}``, plus ``"attendance"`` when asked): the booking slice's
    query with the session's identity, at most :data:`MOST`."""
    services = services_of(request)
    found: list[dict[str, Any]] = []
    async with services.db.read(session.site_id) as scope:
        offset = 0
        while len(found) < MOST:
            query = {
                "filter": {"startDate": {"$lt": _iso(end)}, "endDate": {"$gt": _iso(start)}},
                "sort": [{"fieldName": "startDate", "order": "ASC"}],
                "paging": {"limit": PAGE, "offset": offset},
            }
            page_ = await booking_service.query_bookings(
                scope,
                session.identity,
                query,
                signer=services.signer,
                scope_key=f"{session.site_id}:dashboard-calendar",
            )
            found.extend({"booking": b.wire} for b in page_.bookings)
            if len(page_.bookings) < PAGE:
                break
            offset += PAGE
        if attendance:
            ids = [str(item["booking"]["id"]) for item in found]
            records = await attendance_service.extended_attendance(scope, ids)
            for item in found:
                item["attendance"] = records.get(str(item["booking"]["id"]))
    return found


def customer_of(booking: dict[str, Any]) -> str:
    contact = booking.get("contactDetails") or {}
    name = " ".join(p for p in (contact.get("firstName"), contact.get("lastName")) if p)
    return name or contact.get("email") or "Customer"


def entry_of(booking: dict[str, Any]) -> Entry | None:
    """The calendar entry of a wire booking (``None`` without times)."""
    if not booking.get("startDate") or not booking.get("endDate"):
        return None
    entity = booking.get("bookedEntity") or {}
    slot = entity.get("slot") or {}
    resource = slot.get("resource") or {}
    return Entry(
        id=str(booking["id"]),
        start=_instant(booking["startDate"]),
        end=_instant(booking["endDate"]),
        title=str(entity.get("title") or "Booking"),
        customer=customer_of(booking),
        status=str(booking.get("status") or ""),
        staff_id=resource.get("id"),
        staff_name=resource.get("name"),
    )


@dataclass(frozen=True)
class CalendarView:
    view: str
    day: date
    staff: str

    def days(self) -> list[date]:
        return [self.day] if self.view == "day" else week_days(self.day)

    def shifted(self, sign: int) -> date:
        return self.day + timedelta(days=sign * (1 if self.view == "day" else 7))

    def url(self, **changes: Any) -> str:
        values = {"view": self.view, "date": self.day.isoformat(), "staff": self.staff}
        values.update(
            {k: (v.isoformat() if isinstance(v, date) else v) for k, v in changes.items()}
        )
        return "/dashboard/calendar?" + urlencode({k: v for k, v in values.items() if v})


@dataclass(frozen=True)
class Loaded:
    """What a calendar view shows: its entries and columns, in the business zone."""

    view: CalendarView
    zone: ZoneInfo
    days: list[date]
    names: dict[str, str]
    entries: list[Entry]
    columns: list[ColumnSpec]


async def load_view(request: Request, session: DashboardSession) -> Loaded:
    """The view the query string asks for, with its bookings and columns."""
    zone = await site_zone(request, session)
    params = request.query_params
    view = CalendarView(
        view="week" if params.get("view") == "week" else "day",
        day=parse_date(params.get("date"), zone),
        staff=params.get("staff", "").strip()[:64],
    )
    days = view.days()
    start, _ = day_bounds(days[0], zone)
    _, end = day_bounds(days[-1], zone)
    services = services_of(request)
    async with services.db.read(session.site_id) as scope:
        members = await staff.list_staff_members(scope)
    names = {str(m["resourceId"]): str(m["name"]) for m in members if m.get("resourceId")}
    entries = [
        e
        for b in await bookings_between(request, session, start, end)
        if (e := entry_of(b["booking"])) is not None and e.status not in HIDDEN_STATUSES
    ]
    if view.view == "day":
        columns = [ColumnSpec(rid, name, view.day, rid) for rid, name in names.items()]
        if any(e.staff_id is None or e.staff_id not in names for e in entries):
            columns.append(ColumnSpec(UNASSIGNED, "No staff member", view.day, UNASSIGNED))
            entries = [e if e.staff_id in names else _unassigned(e) for e in entries]
    else:
        if view.staff:
            entries = [e for e in entries if e.staff_id == view.staff]
        columns = [ColumnSpec(d.isoformat(), _day_label(d), d) for d in days]
    return Loaded(view, zone, days, names, entries, columns)


@router.get("/dashboard/calendar")
@page
async def calendar_page(request: Request, session: DashboardSession) -> Response:
    """The calendar: a day per staff member, or a week of days."""
    loaded = await load_view(request, session)
    view, zone, days, names = loaded.view, loaded.zone, loaded.days, loaded.names
    entries, columns = loaded.entries, loaded.columns
    grid = build_grid(entries, zone, columns)
    today = datetime.now(UTC).astimezone(zone).date()
    list_query = {"from": days[0].isoformat(), "to": days[-1].isoformat()}
    if view.view == "week" and view.staff:
        list_query["staff"] = view.staff
    context = {
        "view": view,
        "grid": grid,
        "zone": zone.key,
        "staff_options": sorted(names.items(), key=lambda kv: kv[1]),
        "title": _title(view, days),
        "prev_url": view.url(date=view.shifted(-1)),
        "next_url": view.url(date=view.shifted(1)),
        "today_url": view.url(date=today),
        "day_url": view.url(view="day"),
        "week_url": view.url(view="week"),
        "list_url": "/dashboard/bookings?" + urlencode(list_query),
        "status_labels": STATUS_LABELS,
        "feed_url": (
            None
            if any(c.hours != 24 for c in grid.columns) or not grid.columns
            else view.url().replace("/dashboard/calendar?", "/dashboard/calendar.json?", 1)
        ),
        "odd_days": list({c.spec.day: c for c in grid.columns if c.hours != 24}.values()),
        "count": sum(len(c.placed) for c in grid.columns),
        "day_label": _day_label,
    }
    return dashboard_page("dashboard/calendar.html", session, context)


def _unassigned(entry: Entry) -> Entry:
    return Entry(
        entry.id, entry.start, entry.end, entry.title, entry.customer, entry.status, None, None
    )


def _day_label(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def _title(view: CalendarView, days: list[date]) -> str:
    if view.view == "day":
        return f"{days[0]:%A} {days[0].day} {days[0]:%B %Y}"
    return f"Week of {days[0].day} {days[0]:%B %Y}"
