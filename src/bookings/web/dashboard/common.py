"""What the dashboard's pages share: the message of an API error shown next to a form, and
the 404 page of a record the signed-in site does not have."""

from __future__ import annotations

from starlette.responses import Response

from bookings.platform import errors
from bookings.web.dashboard.routes import dashboard_page
from bookings.web.dashboard.session import DashboardSession

STALE = "This was changed by someone else since you opened it. Reload the page and try again."


def problems_of(exc: errors.ApiError) -> list[tuple[str, str]]:
    """``(field, text)`` of each problem an API error reports (``""``: the whole form)."""
    if isinstance(exc, errors.InvalidRequest):
        return [(v.field, v.description) for v in exc.violations]
    if isinstance(exc, errors.ApplicationError) and exc.code == "REVISION_MISMATCH":
        return [("", STALE)]
    return [("", exc.message)]


def not_found(session: DashboardSession, what: str) -> Response:
    return dashboard_page(
        "dashboard/message.html",
        session,
        {"title": "Not found", "message": f"There is no such {what} on this site."},
        status_code=404,
    )
