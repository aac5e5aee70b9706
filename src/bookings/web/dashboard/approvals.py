"""Pending approvals (``/dashboard/pending``): the site's PENDING bookings, soonest first,
each with Confirm and Decline (POST forms with the booking's ``revision``, sent to the
booking's actions of :mod:`.booking_detail`; with JavaScript, htmx swaps the row for the
outcome — "Confirmed.", or the stale-revision message)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from bookings.identity import service as identity
from bookings.platform import errors
from bookings.reader import service as reader
from bookings.web.dashboard.booking_detail import DONE
from bookings.web.dashboard.booking_rows import booking_row
from bookings.web.dashboard.routes import dashboard_page, page
from bookings.web.dashboard.session import DashboardSession, services_of

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
#: The Reader filter of the page.
PENDING_FILTER = {"status": "PENDING"}


@router.get("/dashboard/pending")
@page
async def pending(request: Request, session: DashboardSession) -> Response:
    """The bookings that wait for the business's approval."""
    services = services_of(request)
    site = await identity.get_site(services.db, session.site_id)
    zone = site.time_zone if site else "UTC"
    cursor = request.query_params.get("cursor", "")
    q = (
        {"cursorPaging": {"cursor": cursor, "limit": PAGE_SIZE}}
        if cursor
        else {
            "filter": PENDING_FILTER,
            "sort": [{"fieldName": "startDate", "order": "ASC"}],
            "cursorPaging": {"limit": PAGE_SIZE},
        }
    )
    error = None
    rows = []
    cursors: dict[str, str] = {}
    try:
        found = await reader.query_extended_bookings(
            services.db, services.signer, session.identity, q, reader.ExtendedParts()
        )
        rows = [booking_row(e["booking"], zone) for e in found["extendedBookings"]]
        cursors = dict(found["pagingMetadata"].get("cursors") or {})
    except errors.ApiError as exc:
        error = f"The bookings could not be read: {exc.message}"
    context = {
        "rows": rows,
        "zone": zone,
        "error": error,
        "done": DONE.get(request.query_params.get("done", "")),
        "next_url": f"/dashboard/pending?cursor={quote(cursors['next'])}"
        if cursors.get("next")
        else None,
        "prev_url": f"/dashboard/pending?cursor={quote(cursors['prev'])}"
        if cursors.get("prev")
        else None,
    }
    return dashboard_page("dashboard/pending.html", session, context, 400 if error else 200)
