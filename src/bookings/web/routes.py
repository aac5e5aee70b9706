"""The web pages' routes (not API methods): the static files, the landing page, the API docs
(``/docs``, Swagger UI served from here), and the routers of the booking page and the
dashboard. The app mounts them (:func:`mount`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from starlette.requests import Request
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from bookings import __version__
from bookings.identity import service as identity
from bookings.platform.routing import Services
from bookings.web import docs
from bookings.web.dashboard import api_keys as dashboard_api_keys
from bookings.web.dashboard import approvals as dashboard_approvals
from bookings.web.dashboard import booking_detail as dashboard_booking_detail
from bookings.web.dashboard import bookings_list as dashboard_bookings_list
from bookings.web.dashboard import routes as dashboard_routes
from bookings.web.dashboard import settings_page as dashboard_settings
from bookings.web.templating import STATIC_DIR, STATIC_PREFIX, render

#: How many sites the landing page lists at most.
LANDING_SITES = 50

router = APIRouter(include_in_schema=False)


class CachedStatic(StaticFiles):
    """Static files cached for a year: their addresses carry a hash of their content."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
            response.headers["X-Content-Type-Options"] = "nosniff"
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


def mount(app: FastAPI) -> None:
    """Add the pages and the static files to the app."""
    app.mount(STATIC_PREFIX, CachedStatic(directory=STATIC_DIR), name="static")
    app.include_router(router)
    app.include_router(dashboard_routes.router)
    app.include_router(dashboard_bookings_list.router)
    app.include_router(dashboard_booking_detail.router)
    app.include_router(dashboard_approvals.router)
    app.include_router(dashboard_api_keys.router)
    app.include_router(dashboard_settings.router)
    app.include_router(docs.router)
