"""One booking's page (``/dashboard/bookings/{id}``) and its actions: Confirm, Decline and
Cancel, each a POST with the booking's ``revision`` (the Bookings Writer V2 calls, as the
site's ADMIN). A stale revision — someone changed the booking since the page was loaded —
is refused by the writer (409 ``REVISION_MISMATCH``) and the page says so: nothing is
silently overwritten. The pending page's buttons post here too (htmx swaps their row)."""

from __future__ import annotations

from typing import Any

import pydantic
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bookings.booking import service as bookings
from bookings.identity import service as identity
from bookings.platform import errors
from bookings.reader import service as reader
from bookings.web.dashboard.booking_rows import BookingRow, booking_row
from bookings.web.dashboard.bookings_list import GUID
from bookings.web.dashboard.routes import action, dashboard_page, page
from bookings.web.dashboard.session import DashboardSession, safe_next, services_of
from bookings.web.templating import render

router = APIRouter(include_in_schema=False)

STALE = "This booking was changed by someone else. Reload to see it."
#: Which statuses each action accepts (the writer's rules; the page offers only these).
OFFERED = {
    "confirm": frozenset({"CREATED", "PENDING", "WAITING_LIST"}),
    "decline": frozenset({"CREATED", "PENDING", "WAITING_LIST"}),
    "cancel": frozenset({"CREATED", "PENDING", "CONFIRMED", "WAITING_LIST"}),
}
DONE = {"confirm": "Confirmed", "decline": "Declined", "cancel": "Canceled"}


async def find_booking(
    request: Request, session: DashboardSession, booking_id: str
) -> BookingRow | None:
    """The site's booking (through the Reader, as the API shows it), or ``None``."""
    if not GUID.match(booking_id):
        return None
    services = services_of(request)
    found = await reader.query_extended_bookings(
        services.db,
        services.signer,
        session.identity,
        {"filter": {"id": booking_id}, "paging": {"limit": 1}},
        reader.ExtendedParts(),
    )
    if not found["extendedBookings"]:
        return None
    site = await identity.get_site(services.db, session.site_id)
    return booking_row(found["extendedBookings"][0]["booking"], site.time_zone if site else "UTC")


def not_found(session: DashboardSession) -> Response:
    return dashboard_page(
        "dashboard/message.html",
        session,
        {"title": "Booking not found", "message": "There is no such booking on this site."},
        status_code=404,
    )


@router.get("/dashboard/bookings/{booking_id}")
@page
async def booking_page(request: Request, session: DashboardSession) -> Response:
    """Details (in the business zone and the booking's own), status, payment, actions."""
    booking_id = request.path_params["booking_id"]
    row = await find_booking(request, session, booking_id)
    if row is None:
        return not_found(session)
    done = request.query_params.get("done", "")
    context: dict[str, Any] = {
        "row": row,
        "offered": [name for name, sources in OFFERED.items() if row.status in sources],
        "done": DONE.get(done),
    }
    return dashboard_page("dashboard/booking.html", session, context)


async def _call(
    session: DashboardSession, request: Request, what: str, booking_id: str, revision: str
) -> None:
    db = services_of(request).db
    body = {"bookingId": booking_id, "revision": revision}
    if what == "confirm":
        await bookings.confirm_booking(
            db, session.identity, bookings.ConfirmBookingRequest.model_validate(body)
        )
    elif what == "decline":
        await bookings.decline_booking(
            db, session.identity, bookings.DeclineBookingRequest.model_validate(body)
        )
    else:
        await bookings.cancel_booking(
            db, session.identity, bookings.CancelBookingRequest.model_validate(body)
        )


def _outcome(
    request: Request,
    session: DashboardSession,
    fields: dict[str, str],
    booking_id: str,
    message: str,
    ok: bool,
    status_code: int,
) -> Response:
    """The answer of an action: for htmx, the pending row's replacement (200, so it swaps);
    else back to where the form was (after success) or a page saying what went wrong."""
    if request.headers.get("hx-request") == "true":
        return render(
            "dashboard/_action_result.html",
            {"booking_id": booking_id, "message": message, "ok": ok, "session": session},
        )
    if ok:
        back = safe_next(fields.get("next"))
        if back == "/dashboard":
            back = f"/dashboard/bookings/{booking_id}"
        sep = "&" if "?" in back else "?"
        return RedirectResponse(f"{back}{sep}done={fields.get('_what', '')}", status_code=303)
    return dashboard_page(
        "dashboard/action_failed.html",
        session,
        {"message": message, "booking_id": booking_id, "back": safe_next(fields.get("next"))},
        status_code=status_code,
    )


async def booking_action(
    request: Request, session: DashboardSession, fields: dict[str, str], what: str
) -> Response:
    booking_id = request.path_params["booking_id"]
    fields = {**fields, "_what": what}
    if not GUID.match(booking_id):
        return not_found(session)
    revision = fields.get("revision", "").strip()
    try:
        await _call(session, request, what, booking_id, revision)
    except errors.ApplicationError as exc:
        if exc.code == "BOOKING_NOT_FOUND":
            return not_found(session)
        if exc.code == "REVISION_MISMATCH":
            return _outcome(request, session, fields, booking_id, STALE, False, 409)
        text = f"The booking could not be changed: {exc.message}"
        return _outcome(request, session, fields, booking_id, text, False, exc.http_status)
    except (errors.ApiError, pydantic.ValidationError):
        text = "The booking could not be changed: the form was incomplete. Reload and try again."
        return _outcome(request, session, fields, booking_id, text, False, 400)
    message = f"{DONE[what]}."
    return _outcome(request, session, fields, booking_id, message, True, 200)


@router.post("/dashboard/bookings/{booking_id}/confirm")
@action
async def confirm(request: Request, session: DashboardSession, fields: dict[str, str]) -> Response:
    return await booking_action(request, session, fields, "confirm")


@router.post("/dashboard/bookings/{booking_id}/decline")
@action
async def decline(request: Request, session: DashboardSession, fields: dict[str, str]) -> Response:
    return await booking_action(request, session, fields, "decline")


@router.post("/dashboard/bookings/{booking_id}/cancel")
@action
async def cancel(request: Request, session: DashboardSession, fields: dict[str, str]) -> Response:
    return await booking_action(request, session, fields, "cancel")
