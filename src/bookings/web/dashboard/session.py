"""Dashboard sessions: signing in (an admin API key, or a dashboard user's e-mail and
password), the session cookie, and the CSRF token of every form.

* The cookie ``bk_dashboard`` holds the signed session (site, who, how, its CSRF token, when
  it began); it is ``HttpOnly``, ``SameSite=Strict``, limited to ``/dashboard``, ``Secure``
  when the server's public URL is https, and lives 12 hours. Every request re-checks that the
  key is not revoked and the user not disabled.
* Every POST carries the session's CSRF token, as the form field ``csrf`` or the header
  ``X-CSRF-Token`` (htmx sends it from the ``hx-headers`` of the page's body); a POST
  without it is refused (403 page).
* Pages are never framed (``frame-ancestors 'none'``, the templating default).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bookings.identity import service as identity
from bookings.platform.auth import Identity, Role
from bookings.platform.routing import Services
from bookings.web.templating import render

COOKIE = "bk_dashboard"
MAX_AGE_SECONDS = 12 * 3600
PATH = "/dashboard"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True)
class DashboardSession:
    """A signed-in person: the identity they act as (the site's ADMIN), how they signed in
    (``key`` / ``user``), a label to show, and the session's CSRF token."""

    identity: Identity
    kind: str
    label: str
    csrf: str

    @property
    def site_id(self) -> str:
        return self.identity.site_id


class SignInRequired(Exception):
    """No valid session: the page redirects to the sign-in page."""


class CsrfRejected(Exception):
    """A POST without the session's CSRF token."""


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def _serializer(services: Services) -> URLSafeTimedSerializer:
    secret = services.signer.mac("dashboard", "session")
    return URLSafeTimedSerializer(secret, salt="bookings.dashboard")


def start_session(request: Request, signed: identity.SignedIn, to: str) -> Response:
    """Set the session cookie for who signed in, and go to ``to``."""
    services = services_of(request)
    body = {
        "site": signed.identity.site_id,
        "sub": signed.identity.subject_id,
        "kind": signed.kind,
        "label": signed.label,
        "csrf": secrets.token_urlsafe(24),
    }
    response = RedirectResponse(to, status_code=303)
    response.set_cookie(
        COOKIE,
        _serializer(services).dumps(body),
        max_age=MAX_AGE_SECONDS,
        path=PATH,
        httponly=True,
        samesite="strict",
        secure=services.settings.public_url.startswith("https://"),
    )
    return response


def end_session(to: str = "/dashboard/login") -> Response:
    response = RedirectResponse(to, status_code=303)
    response.delete_cookie(COOKIE, path=PATH)
    return response


async def current_session(request: Request) -> DashboardSession:
    """The request's session (:class:`SignInRequired` when there is none, it expired, or its
    key or user lost the right)."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        raise SignInRequired()
    services = services_of(request)
    try:
        body: dict[str, Any] = _serializer(services).loads(raw, max_age=MAX_AGE_SECONDS)
    except BadSignature:
        raise SignInRequired() from None
    site_id, subject, kind = str(body["site"]), str(body["sub"]), str(body["kind"])
    if not await identity.still_allowed(services.db, site_id, kind, subject):
        raise SignInRequired()
    return DashboardSession(
        Identity(site_id, Role.ADMIN, subject), kind, str(body["label"]), str(body["csrf"])
    )


async def check_csrf(request: Request, session: DashboardSession) -> dict[str, str]:
    """The POST's form fields, once its CSRF token is the session's (:class:`CsrfRejected`)."""
    form = await request.form()
    fields = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    given = fields.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    if not hmac.compare_digest(given.encode(), session.csrf.encode()):
        raise CsrfRejected()
    return fields


def sign_in_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/dashboard/login?next={quote(target, safe='')}", status_code=303)


def csrf_refused() -> Response:
    return render(
        "dashboard/message.html",
        {
            "title": "Form expired",
            "message": "This form was not sent from a page of your current session. "
            "Reload the page and try again.",
            "session": None,
        },
        status_code=403,
    )


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a dashboard path only (no open redirect)."""
    if value and value.startswith("/dashboard") and not value.startswith("//"):
        return value
    return "/dashboard"
