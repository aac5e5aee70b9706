"""The dashboard's sign-in and sign-out, and the guard of its pages: :func:`page` wraps a
handler so that it gets the session (or redirects to sign-in), and its POSTs get their
checked form (or a 403 without the CSRF token)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bookings.identity import service as identity
from bookings.web.dashboard.session import (
    CsrfRejected,
    DashboardSession,
    SignInRequired,
    check_csrf,
    csrf_refused,
    current_session,
    end_session,
    safe_next,
    services_of,
    sign_in_redirect,
    start_session,
)
from bookings.web.templating import render

router = APIRouter(include_in_schema=False)

GetHandler = Callable[[Request, DashboardSession], Awaitable[Response]]
PostHandler = Callable[[Request, DashboardSession, dict[str, str]], Awaitable[Response]]


def page(handler: GetHandler) -> Callable[[Request], Awaitable[Response]]:
    """A signed-in GET page."""

    async def guarded(request: Request) -> Response:
        try:
            session = await current_session(request)
        except SignInRequired:
            return sign_in_redirect(request)
        return await handler(request, session)

    return _named(guarded, handler)


def action(handler: PostHandler) -> Callable[[Request], Awaitable[Response]]:
    """A signed-in POST with its CSRF token checked; the handler gets the form fields."""

    async def guarded(request: Request) -> Response:
        try:
            session = await current_session(request)
        except SignInRequired:
            return sign_in_redirect(request)
        try:
            fields = await check_csrf(request, session)
        except CsrfRejected:
            return csrf_refused()
        return await handler(request, session, fields)

    return _named(guarded, handler)


def _named(
    guarded: Callable[[Request], Awaitable[Response]], handler: Callable[..., Any]
) -> Callable[[Request], Awaitable[Response]]:
    """The guard under the handler's name (not ``functools.wraps``: FastAPI would read the
    handler's parameters as the route's)."""
    guarded.__name__ = handler.__name__
    guarded.__doc__ = handler.__doc__
    return guarded


def dashboard_page(
    template: str, session: DashboardSession, context: dict[str, Any], status_code: int = 200
) -> Response:
    """A dashboard page: its template gets the session (for the nav and the CSRF token)."""
    return render(template, {**context, "session": session}, status_code=status_code)


@router.get("/dashboard/login")
async def login_page(request: Request) -> Response:
    return render(
        "dashboard/login.html",
        {"next": safe_next(request.query_params.get("next")), "error": None, "session": None},
    )


@router.post("/dashboard/login")
async def login(request: Request) -> Response:
    form = await request.form()
    fields = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    to = safe_next(fields.get("next"))
    db = services_of(request).db
    signed = None
    if fields.get("api_key"):
        signed = await identity.sign_in_with_key(db, fields["api_key"])
    elif fields.get("email") and fields.get("password"):
        signed = await identity.sign_in_with_password(db, fields["email"], fields["password"])
    if signed is None:
        return render(
            "dashboard/login.html",
            {
                "next": to,
                "error": "That did not work: check the admin API key, or the e-mail and password.",
                "session": None,
                "email": fields.get("email", ""),
            },
            status_code=401,
        )
    return start_session(request, signed, to)


@router.post("/dashboard/logout")
@action
async def logout(request: Request, session: DashboardSession, fields: dict[str, str]) -> Response:
    return end_session()


@router.get("/dashboard")
@page
async def home(request: Request, session: DashboardSession) -> Response:
    return RedirectResponse("/dashboard/bookings", status_code=303)
