"""The bookings list (``/dashboard/bookings``) and its CSV export (``/dashboard/bookings.csv``).

The view lives in the query string — ``tab``, ``status``, ``staff``, ``service``, ``from``,
``to`` (dates in the business zone), ``customer`` (an e-mail or a contact id) and ``cursor``
— and maps 1:1 onto a Bookings Reader V2 query (:func:`reader_filter`): the rows and the count
are what ``POST /_api/bookings-reader/v2/extended-bookings/query`` and ``.../count`` answer for
that filter, which the page shows. Paging is by the Reader's cursors (next / previous)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from bookings.catalog.services import service as catalog
from bookings.identity import service as identity
from bookings.platform import errors
from bookings.platform.db import utcnow
from bookings.platform.wire import format_timestamp
from bookings.reader import service as reader
from bookings.staff import service as staff
from bookings.web.dashboard.booking_rows import STATUS_LABELS, BookingRow, booking_row, zone_of
from bookings.web.dashboard.routes import dashboard_page, page
from bookings.web.dashboard.session import DashboardSession, services_of
from bookings.web.templating import security_headers

router = APIRouter(include_in_schema=False)

#: Rows per page (the Reader's cursor paging limit).
PAGE_SIZE = 25
#: Rows of one CSV export at most (pages of the Reader's maximum).
CSV_MAX_ROWS = 5000
CSV_PAGE = 100

LIVE = ["CREATED", "PENDING", "CONFIRMED", "WAITING_LIST"]
#: The tabs: (key, label, status condition, time condition, sort order of startDate).
TABS: dict[str, tuple[str, Any, str | None, str]] = {
    "upcoming": ("Upcoming", {"$in": ["CREATED", "PENDING", "CONFIRMED"]}, "future", "ASC"),
    "pending": ("Pending", "PENDING", None, "ASC"),
    "past": ("Past", {"$in": LIVE}, "past", "DESC"),
    "canceled": ("Canceled", {"$in": ["CANCELED", "DECLINED"]}, None, "DESC"),
    "waitlist": ("Waitlist", "WAITING_LIST", None, "ASC"),
    "all": ("All", None, None, "DESC"),
}
CUSTOMER_HINT = (
    "Search by the customer's e-mail or contact id: the Bookings Reader matches those exactly "
    "and has no name search."
)
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

CSV_COLUMNS = [
    "id",
    "status",
    "paymentStatus",
    "start",
    "end",
    "timeZone",
    "service",
    "staff",
    "customer",
    "email",
    "phone",
    "participants",
    "revision",
]


@dataclass(frozen=True)
class ListParams:
    """The list's view, as the query string gives it (``problems``: what could not be used)."""

    tab: str = "upcoming"
    status: str = ""
    staff: str = ""
    service: str = ""
    date_from: date | None = None
    date_to: date | None = None
    customer: str = ""
    cursor: str = ""
    problems: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, query: Mapping[str, str]) -> ListParams:
        problems: list[tuple[str, str]] = []
        # A link with filters and no tab (the calendar's "view as list") means every status.
        filtered = any(
            query.get(k) for k in ("status", "staff", "service", "from", "to", "customer")
        )
        tab = query.get("tab") or ("all" if filtered else "upcoming")
        if tab not in TABS:
            problems.append(("tab", "Unknown tab."))
            tab = "upcoming"
        status = query.get("status", "").strip()
        if status and status not in STATUS_LABELS:
            problems.append(("status", "Unknown status."))
            status = ""
        ids = {}
        for name in ("staff", "service"):
            value = query.get(name, "").strip()
            if value and not GUID.match(value):
                problems.append((name, "Choose one from the list."))
                value = ""
            ids[name] = value
        dates: dict[str, date | None] = {}
        for name in ("from", "to"):
            raw = query.get(name, "").strip()
            dates[name] = None
            if raw:
                try:
                    dates[name] = date.fromisoformat(raw)
                except ValueError:
                    problems.append((name, "Use a date like 2026-12-31."))
        customer = query.get("customer", "").strip()[:250]
        if customer and "@" not in customer and not GUID.match(customer):
            problems.append(("customer", CUSTOMER_HINT))
            customer = ""
        return cls(
            tab=tab,
            status=status,
            staff=ids["staff"],
            service=ids["service"],
            date_from=dates["from"],
            date_to=dates["to"],
            customer=customer,
            cursor=query.get("cursor", "").strip(),
            problems=tuple(problems),
        )

    @property
    def active_filters(self) -> int:
        """How many filters beside the tab are on."""
        chosen = (self.status, self.staff, self.service, self.date_from, self.date_to)
        return sum(1 for v in (*chosen, self.customer) if v)

    def query_string(self, **changes: Any) -> str:
        """This view's query string (without the cursor unless given)."""
        cursor = str(changes.pop("cursor", ""))
        view = replace(self, **changes)
        pairs = {
            "tab": view.tab,
            "status": view.status,
            "staff": view.staff,
            "service": view.service,
            "from": view.date_from.isoformat() if view.date_from else "",
            "to": view.date_to.isoformat() if view.date_to else "",
            "customer": view.customer,
            "cursor": cursor,
        }
        return urlencode({k: v for k, v in pairs.items() if v})


def _midnight(day: date, zone_name: str) -> str:
    return format_timestamp(datetime.combine(day, time(0), zone_of(zone_name)))


def reader_filter(params: ListParams, now: datetime, zone_name: str) -> dict[str, Any]:
    """The Bookings Reader V2 ``query.filter`` of the view: the tab's status (or the chosen
    status) and time, the staff member (``bookedEntity.item.slot.resource.id``), the service
    (``bookedEntity.item.slot.serviceId``), the start's date range (whole days of the business
    zone) and the customer (``contactDetails.email`` with an ``@``, else
    ``contactDetails.contactId``)."""
    _label, status, when, _order = TABS[params.tab]
    out: dict[str, Any] = {}
    if params.status:
        out["status"] = params.status
    elif status is not None:
        out["status"] = status
    if params.staff:
        out["bookedEntity.item.slot.resource.id"] = params.staff
    if params.service:
        out["bookedEntity.item.slot.serviceId"] = params.service
    start: dict[str, str] = {}
    if when == "future":
        start["$gte"] = format_timestamp(now)
    elif when == "past":
        start["$lt"] = format_timestamp(now)
    if params.date_from:
        start["$gte"] = max(start.get("$gte", ""), _midnight(params.date_from, zone_name))
    if params.date_to:
        end = _midnight(params.date_to + timedelta(days=1), zone_name)
        start["$lt"] = min(start.get("$lt", end), end)
    if start:
        out["startDate"] = start
    if params.customer:
        key = "contactDetails.email" if "@" in params.customer else "contactDetails.contactId"
        out[key] = params.customer
    return out


def reader_query(params: ListParams, now: datetime, zone_name: str, limit: int) -> dict[str, Any]:
    """The Reader query of one page: the cursor alone (it carries the query), else the filter,
    the tab's sort and the first page's limit."""
    if params.cursor:
        return {"cursorPaging": {"cursor": params.cursor, "limit": limit}}
    order = TABS[params.tab][3]
    return {
        "filter": reader_filter(params, now, zone_name),
        "sort": [{"fieldName": "startDate", "order": order}],
        "cursorPaging": {"limit": limit},
    }


async def _zone(request: Request, session: DashboardSession) -> str:
    site = await identity.get_site(services_of(request).db, session.site_id)
    return site.time_zone if site else "UTC"


async def _choices(request: Request, session: DashboardSession) -> dict[str, Any]:
    """The staff members and services of the site (the filters' options)."""
    services = services_of(request)
    async with services.db.read(session.site_id) as scope:
        members = await staff.list_staff_members(scope)
    found = await catalog.query_services(
        services.db, services.signer, session.site_id, {"paging": {"limit": 100}}
    )
    return {
        "staff_options": [(str(m["resourceId"]), str(m.get("name") or "")) for m in members],
        "service_options": [
            (str(s["id"]), str(s.get("name") or "")) for s in found.get("services", [])
        ],
    }


def _problem_texts(params: ListParams) -> dict[str, str]:
    return dict(params.problems)


@router.get("/dashboard/bookings")
@page
async def bookings_list(request: Request, session: DashboardSession) -> Response:
    """The bookings of the site, by tab and filters, a page at a time."""
    services = services_of(request)
    params = ListParams.of(dict(request.query_params))
    zone = await _zone(request, session)
    now = utcnow()
    filter_ = reader_filter(params, now, zone)
    error = None
    rows: list[BookingRow] = []
    cursors: dict[str, Any] = {}
    total = 0
    status_code = 200
    try:
        found = await reader.query_extended_bookings(
            services.db,
            services.signer,
            session.identity,
            reader_query(params, now, zone, PAGE_SIZE),
            reader.ExtendedParts(),
        )
        rows = [booking_row(e["booking"], zone) for e in found["extendedBookings"]]
        cursors = dict(found["pagingMetadata"].get("cursors") or {})
        counted = await reader.count_extended_bookings(services.db, session.identity, filter_)
        total = int(counted["count"])
    except errors.ApiError as exc:
        error = f"The bookings could not be read: {exc.message}"
        status_code = 400
    context = {
        "params": params,
        "tabs": [(key, tab[0]) for key, tab in TABS.items()],
        "statuses": list(STATUS_LABELS.items()),
        "rows": rows,
        "total": total,
        "zone": zone,
        "error": error,
        "problems": _problem_texts(params),
        "reader_filter": json.dumps(filter_, indent=1, sort_keys=True),
        "next_url": (
            f"/dashboard/bookings?{params.query_string(cursor=cursors['next'])}"
            if cursors.get("next")
            else None
        ),
        "prev_url": (
            f"/dashboard/bookings?{params.query_string(cursor=cursors['prev'])}"
            if cursors.get("prev")
            else None
        ),
        "csv_url": f"/dashboard/bookings.csv?{params.query_string()}",
        **(await _choices(request, session)),
    }
    return dashboard_page("dashboard/bookings.html", session, context, status_code)


def csv_text(rows: list[BookingRow]) -> str:
    """The rows as CSV: a header row, then one line per booking (times in the business zone,
    ISO 8601 with their offset)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        zone = zone_of(row.zone)
        writer.writerow(
            [
                row.id,
                row.status,
                row.payment_status,
                row.start.astimezone(zone).isoformat() if row.start else "",
                row.end.astimezone(zone).isoformat() if row.end else "",
                row.zone,
                row.service,
                row.staff,
                row.customer,
                row.email,
                row.phone,
                row.participants,
                row.revision,
            ]
        )
    return out.getvalue()


@router.get("/dashboard/bookings.csv")
@page
async def bookings_csv(request: Request, session: DashboardSession) -> Response:
    """The view's bookings (every page, from its first) as a CSV file."""
    services = services_of(request)
    params = replace(ListParams.of(dict(request.query_params)), cursor="")
    zone = await _zone(request, session)
    now = utcnow()
    rows: list[BookingRow] = []
    q = reader_query(params, now, zone, CSV_PAGE)
    try:
        while len(rows) < CSV_MAX_ROWS:
            found = await reader.query_extended_bookings(
                services.db, services.signer, session.identity, q, reader.ExtendedParts()
            )
            rows += [booking_row(e["booking"], zone) for e in found["extendedBookings"]]
            cursor = (found["pagingMetadata"].get("cursors") or {}).get("next")
            if not cursor:
                break
            q = {"cursorPaging": {"cursor": cursor, "limit": CSV_PAGE}}
    except errors.ApiError as exc:
        return Response(f"The bookings could not be read: {exc.message}\n", status_code=400)
    name = f"bookings-{params.tab}-{now.astimezone(zone_of(zone)):%Y%m%d-%H%M}.csv"
    headers = {
        **security_headers(),
        "Content-Disposition": f'attachment; filename="{name}"',
    }
    return Response(csv_text(rows), media_type="text/csv; charset=utf-8", headers=headers)
