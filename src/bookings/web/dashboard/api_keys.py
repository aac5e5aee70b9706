"""The site's API keys (``/dashboard/api-keys``): the list (role, name, the key's last four
characters, created, revoked), a new key (ADMIN or APP; its plaintext is shown once, never
stored), and revoking one after a confirm step. Revoking the key this session signed in with
ends the session: the next request re-checks the key (:mod:`.session`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bookings.identity import service as identity
from bookings.platform import errors
from bookings.platform.auth import Role
from bookings.web.dashboard.booking_rows import local_text, zone_of
from bookings.web.dashboard.routes import action, dashboard_page, page
from bookings.web.dashboard.session import DashboardSession, end_session, services_of

router = APIRouter(include_in_schema=False)

ROLES = {"admin": Role.ADMIN, "app": Role.APP}
MAX_NAME = 100


async def _keys(request: Request, session: DashboardSession) -> tuple[list[dict[str, Any]], str]:
    """The site's keys, newest first, with their times in the business zone."""
    db = services_of(request).db
    site = await identity.get_site(db, session.site_id)
    zone_name = site.time_zone if site else "UTC"
    zone = zone_of(zone_name)
    keys = await identity.list_api_keys(db, session.site_id)
    rows = [
        {
            "id": k.id,
            "role": k.role.value,
            "name": k.name,
            "hint": k.key_hint,
            "created": local_text(k.created_date, zone),
            "revoked": local_text(k.revoked_date, zone) if k.revoked_date else "",
            "mine": session.kind == "key" and session.identity.subject_id == k.id,
        }
        for k in reversed(keys)
    ]
    return rows, zone_name


async def _page(
    request: Request,
    session: DashboardSession,
    *,
    created: dict[str, str] | None = None,
    problems: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    rows, zone = await _keys(request, session)
    context = {
        "keys": rows,
        "zone": zone,
        "created": created,
        "problems": problems or {},
        "form": form or {"role": "app", "name": ""},
        "revoked": request.query_params.get("revoked") == "1",
    }
    return dashboard_page("dashboard/api_keys.html", session, context, status_code)


@router.get("/dashboard/api-keys")
@page
async def api_keys(request: Request, session: DashboardSession) -> Response:
    return await _page(request, session)


@router.post("/dashboard/api-keys")
@action
async def create_key(
    request: Request, session: DashboardSession, fields: dict[str, str]
) -> Response:
    """A new key; the answer (not a redirect) shows its plaintext, this once."""
    role = fields.get("role", "").strip().lower()
    name = fields.get("name", "").strip()
    problems = {}
    if role not in ROLES:
        problems["role"] = "Choose admin or app."
    if len(name) > MAX_NAME:
        problems["name"] = f"At most {MAX_NAME} characters."
    if problems:
        form = {"role": role, "name": name}
        return await _page(request, session, problems=problems, form=form, status_code=400)
    key, plaintext = await identity.create_api_key(
        services_of(request).db, session.site_id, ROLES[role], name
    )
    created = {"plaintext": plaintext, "name": key.name, "role": key.role.value}
    return await _page(request, session, created=created)


async def _site_key(request: Request, session: DashboardSession) -> dict[str, Any] | None:
    """The key of the path, when it is one of this site's."""
    key_id = request.path_params["key_id"]
    rows, _ = await _keys(request, session)
    return next((k for k in rows if k["id"] == key_id), None)


def _no_key(session: DashboardSession) -> Response:
    return dashboard_page(
        "dashboard/message.html",
        session,
        {"title": "Key not found", "message": "This site has no such API key."},
        status_code=404,
    )


@router.get("/dashboard/api-keys/{key_id}/revoke")
@page
async def revoke_step(request: Request, session: DashboardSession) -> Response:
    """The confirm step of a revocation."""
    key = await _site_key(request, session)
    if key is None:
        return _no_key(session)
    return dashboard_page("dashboard/api_key_revoke.html", session, {"key": key})


@router.post("/dashboard/api-keys/{key_id}/revoke")
@action
async def revoke(request: Request, session: DashboardSession, fields: dict[str, str]) -> Response:
    key = await _site_key(request, session)
    if key is None:
        return _no_key(session)
    try:
        await identity.revoke_api_key(services_of(request).db, str(key["id"]))
    except errors.ApplicationError:
        return _no_key(session)
    if key["mine"]:  # this session's key: it no longer signs anyone in
        return end_session()
    return RedirectResponse("/dashboard/api-keys?revoked=1", status_code=303)
