"""Builds the ASGI app: routers, middleware, error handlers. Nothing else."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Coroutine, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from bookings import __version__
from bookings.attendance import routes as attendance_routes
from bookings.availability import routes as availability_routes
from bookings.booking import ports as booking_ports
from bookings.booking import routes as booking_routes
from bookings.booking import waitlist_routes
from bookings.calendar import routes as calendar_routes
from bookings.catalog.policies import routes as policy_routes
from bookings.catalog.services import routes as service_routes
from bookings.config import Settings
from bookings.ecom import providers as ecom_providers
from bookings.ecom import routes as ecom_routes
from bookings.ecom import service as ecom_service
from bookings.feeds import routes as feed_routes
from bookings.identity import credentials, site_properties
from bookings.identity import routes as identity_routes
from bookings.notifications import ports as notification_ports
from bookings.notifications import routes as notification_routes
from bookings.platform import errors, heap
from bookings.platform.dispatch import RouteTable
from bookings.platform.json_encoding import WireJSONResponse
from bookings.platform.leader import run_as_leader
from bookings.platform.metrics import Metrics, MetricsMiddleware, metrics_endpoint
from bookings.platform.middleware import RequestContextMiddleware
from bookings.platform.openapi import merge_request_schemas
from bookings.platform.ratelimit import RateLimiter
from bookings.platform.routing import ApiMethod, ApiRouter, Services, mount
from bookings.reader import routes as reader_routes
from bookings.staff import routes as staff_routes
from bookings.web import routes as web_routes
from bookings.webhooks import ports as webhook_ports
from bookings.webhooks import routes as webhook_routes

ROUTERS = [
    identity_routes.router,
    site_properties.router,
    policy_routes.router,
    service_routes.router,
    staff_routes.router,
    calendar_routes.router,
    availability_routes.router,
    booking_routes.router,
    waitlist_routes.router,
    attendance_routes.router,
    reader_routes.router,
    feed_routes.router,
    ecom_routes.router,
    notification_routes.router,
    webhook_routes.router,
]


def wire_slices() -> None:
    """The one place where slices are plugged into each other's hook points."""
    from bookings.calendar import ports as calendar
    from bookings.catalog.policies import service as policies
    from bookings.catalog.services import service as catalog
    from bookings.ecom import service as ecom
    from bookings.staff import service as staff

    policies.policy_deleted.wire(catalog.reassign_policy)
    booking_ports.booking_left.wire(ecom.on_booking_left)
    calendar.events_changed.wire(catalog.derive_from_sessions)
    calendar.resource_details.wire(staff.event_resource_details)


def api_methods(routers: Sequence[ApiRouter] = ()) -> list[ApiMethod[Any]]:
    return [m for router in [*ROUTERS, *routers] for m in router.methods]


async def start_services(settings: Settings) -> Services:
    """Open the database, migrate it, load the signing key."""
    from bookings import migrations
    from bookings.platform.db import Database
    from bookings.platform.signing import load_signer

    db = Database(settings.database_url, statement_timeout_ms=settings.statement_timeout_ms)
    await migrations.upgrade(db)
    signer = await load_signer(db, settings.secret)
    payments = ecom_providers.provider_of(
        settings,
        fake_secret=signer.mac("fake-pay", "webhook"),
        in_transaction=db.in_transaction,
    )
    return Services(
        db=db,
        settings=settings,
        signer=signer,
        lookup=credentials.lookup,
        payments=payments,
        limiter=RateLimiter(
            settings.rate_limit_visitor_per_minute, settings.rate_limit_api_key_per_minute
        ),
    )


def app_from_env() -> FastAPI:
    """The app of one process of ``bookings serve --workers N`` (settings from the
    environment; its own logging, as the parent's)."""
    from bookings.platform.logs import configure_logging

    settings = Settings.from_env()
    configure_logging(settings.log_json)
    return create_app(settings)


def background_loops(owned: Services, settings: Settings) -> list[Coroutine[Any, Any, None]]:
    """The periodic work of ``serve``: run by one process of the deployment
    (:func:`bookings.platform.leader.run_as_leader`)."""
    loops: list[Coroutine[Any, Any, None]] = []
    if settings.waitlist_sweep_seconds > 0:
        loops.append(booking_ports.sweep_waitlists(owned.db, settings.waitlist_sweep_seconds))
    if settings.notifications_seconds > 0:
        loops.append(
            notification_ports.run_notifications(
                notification_ports.notifier_of(owned),
                settings.notifications_seconds,
                settings.reminder_scan_seconds,
            )
        )
    if settings.dispatcher:
        config = webhook_ports.dispatcher_config(settings)
        loops.append(webhook_ports.Dispatcher(owned.db, config=config).run())
    if settings.payment_tasks_seconds > 0:
        loops.append(
            ecom_service.run_payment_tasks(owned.db, owned.payments, settings.payment_tasks_seconds)
        )
    return loops


def create_app(
    settings: Settings | None = None,
    services: Services | None = None,
    extra_routers: Sequence[ApiRouter] = (),
    *,
    log_requests: bool = True,
) -> FastAPI:
    """The ASGI app. ``services`` given: use them (tests); else open them on startup.
    ``log_requests=False``: no log line per request (an app used in-process: the demo seeding)."""
    settings = settings or (services.settings if services else Settings.from_env())
    wire_slices()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = None
        if getattr(app.state, "services", None) is None:
            owned = await start_services(settings)
            app.state.services = owned
            heap.settle_after_startup()
        background = None
        if owned is not None:
            background = asyncio.create_task(
                run_as_leader(owned.db, lambda: background_loops(owned, settings))
            )
        try:
            yield
        finally:
            if background is not None:
                background.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await background
            if owned is not None:
                await owned.db.dispose()

    app = FastAPI(
        title="Bookings server",
        version=__version__,
        summary="Wix Bookings V2 compatible REST API",
        lifespan=lifespan,
        docs_url=None,  # served by the web package from local files (web/docs.py)
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.services = services
    if settings.metrics:
        metrics = Metrics()
        metrics.add_probe(
            "bookings_webhook_deliveries",
            "Webhook deliveries by status",
            "status",
            webhook_ports.delivery_counts,
        )
        app.state.metrics, app.state.metrics_token = metrics, settings.metrics_token
        app.add_middleware(MetricsMiddleware, metrics=metrics)
        app.add_api_route("/metrics", metrics_endpoint, methods=["GET"], include_in_schema=False)
    app.add_middleware(
        RequestContextMiddleware,
        log_requests=log_requests,
        timeout_seconds=settings.request_timeout_seconds,
    )
    _add_error_handlers(app)
    mount(app, api_methods(extra_routers))
    app.include_router(ecom_routes.pages)
    web_routes.mount(app)

    @app.get(
        "/healthz",
        tags=["Operations"],
        summary="Liveness and database check",
        openapi_extra={"security": []},  # no credential
        responses={
            503: {
                "description": "The database is unavailable",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/WixError"}}
                },
            }
        },
    )
    async def healthz(request: Request) -> JSONResponse:
        svc: Services = request.app.state.services
        await svc.db.ping()
        return JSONResponse({"status": "ok", "database": svc.db.dialect, "version": __version__})

    _install_openapi(app)
    # Last, when every route is there: the API methods' routes found by a table.
    app.router.middleware_stack = RouteTable(app.router.middleware_stack, app.router.routes)
    return app


def _add_error_handlers(app: FastAPI) -> None:
    async def api_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, errors.ApiError)
        return WireJSONResponse(exc.body(), status_code=exc.http_status)

    async def http_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(exc.status_code, "HTTP_ERROR")
        message = {
            404: "No such API path on this server",
            405: "This HTTP method is not allowed on this path",
        }.get(exc.status_code, str(exc.detail))
        body = errors.ApplicationError(code, message, http_status=exc.status_code).body()
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)

    app.add_exception_handler(errors.ApiError, api_error)
    app.add_exception_handler(StarletteHTTPException, http_error)


def _install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, summary=app.summary, routes=app.routes
        )
        merge_request_schemas(schema, getattr(app.state, "request_schemas", {}))
        schema["components"]["securitySchemes"] = {
            "apiKey": {"type": "apiKey", "in": "header", "name": "Authorization"}
        }
        schema["security"] = [{"apiKey": []}]
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
