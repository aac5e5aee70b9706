"""The web pages' routes (not API methods): the static files, the landing page, the API docs
(``/docs``, Swagger UI served from here), and the routers of the booking page and the
dashboard. The app mounts them (:func:`mount`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from bookings import __version__
from bookings.identity import service as identity
from bookings.platform.routing import Services
from bookings.web import docs
from bookings.web.booking_page import router as booking_page
from bookings.web.dashboard import api_keys as dashboard_api_keys
from bookings.web.dashboard import approvals as dashboard_approvals
from bookings.web.dashboard import attendance_page as dashboard_attendance
from bookings.web.dashboard import booking_detail as dashboard_booking_detail
from bookings.web.dashboard import bookings_list as dashboard_bookings_list
from bookings.web.dashboard import calendar as dashboard_calendar
from bookings.web.dashboard import calendar_feed as dashboard_calendar_feed
from bookings.web.dashboard import policies_page as dashboard_policies
from bookings.web.dashboard import routes as dashboard_routes
from bookings.web.dashboard import services_page as dashboard_services
from bookings.web.dashboard import settings_page as dashboard_settings
from bookings.web.dashboard import staff_page as dashboard_staff
from bookings.web.dashboard import webhooks_page as dashboard_webhooks
from bookings.web.embed import static_headers
from bookings.web.manage_page import router as manage_router
from bookings.web.templating import STATIC_DIR, STATIC_PREFIX, render

#: How many sites the landing page lists at most.
LANDING_SITES = 50

router = APIRouter(include_in_schema=False)
router.include_router(manage_router)
router.include_router(booking_page)
router.include_router(docs.router)
router.include_router(dashboard_routes.router)
router.include_router(dashboard_bookings_list.router)
router.include_router(dashboard_booking_detail.router)
router.include_router(dashboard_approvals.router)
router.include_router(dashboard_api_keys.router)
router.include_router(dashboard_settings.router)
router.include_router(dashboard_calendar_feed.router)
router.include_router(dashboard_calendar.router)
router.include_router(dashboard_attendance.router)
router.include_router(dashboard_services.router)
router.include_router(dashboard_staff.router)
router.include_router(dashboard_policies.router)
router.include_router(dashboard_webhooks.router)


class CachedStatic(StaticFiles):
    """Static files cached for a year when their addresses carry a hash of their content
    (an hour otherwise: ``embed.js`` is included by other sites at a fixed address)."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers.update(static_headers(path, scope))
        return response


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


@router.get("/")
async def landing(request: Request) -> Response:
    """A small page that says where to go: the booking pages, the dashboard, the API."""
    sites = (await identity.list_sites(services_of(request).db))[:LANDING_SITES]
    context: dict[str, Any] = {"version": __version__, "sites": sites}
    return render("landing.html", context)


def page_routes(pages: APIRouter) -> list[BaseRoute]:
    """The routes of ``pages`` and of the routers included in it, as plain routes."""
    found: list[BaseRoute] = []
    for route in pages.routes:
        inner = getattr(route, "original_router", None)  # FastAPI's included router
        found += page_routes(inner) if isinstance(inner, APIRouter) else [route]
    return found


def mount(app: FastAPI) -> None:
    """Add the pages and the static files to the app. The pages go ahead of the API's routes,
    as plain routes: no API path starts like a page's, and the router then finds a page
    without first trying the ~400 API routes (an API call is found by its own table,
    ``platform/dispatch.py``, which looks at plain routes by their first segments; an included
    router or a mount ahead of them would send every API call through the router's walk)."""
    app.router.routes[:0] = page_routes(router)
    app.mount(STATIC_PREFIX, CachedStatic(directory=STATIC_DIR), name="static")
