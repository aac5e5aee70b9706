"""Site settings (``/dashboard/settings``): one form with every setting a business may change
(``identity.service.site_settings_view``: value, default, what is allowed), saved through
``identity.service.update_site_settings`` — all or nothing: a wrong value is said next to its
field, and nothing is stored. Only the fields that were changed are sent; an empty field
resets its setting to the default."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bookings.identity import service as identity
from bookings.platform import errors
from bookings.web.dashboard.routes import action, dashboard_page, page
from bookings.web.dashboard.session import DashboardSession, services_of

router = APIRouter(include_in_schema=False)

#: Settings shown as a yes/no choice.
BOOLEAN_TYPE = "true/false"


async def _views(request: Request, session: DashboardSession) -> list[identity.SettingView]:
    site = await identity.get_site(services_of(request).db, session.site_id)
    return identity.site_settings_view(site) if site else []


def _page(
    session: DashboardSession,
    views: list[identity.SettingView],
    *,
    given: dict[str, str] | None = None,
    problems: dict[str, str] | None = None,
    saved: bool = False,
    status_code: int = 200,
) -> Response:
    fields: list[dict[str, Any]] = [
        {
            "key": v.key,
            "value": (given or {}).get(v.key, v.text),
            "default": v.default_text,
            "description": v.description,
            "allowed": v.allowed,
            "boolean": v.type == BOOLEAN_TYPE,
            "problem": (problems or {}).get(v.key, ""),
        }
        for v in views
    ]
    context = {"fields": fields, "problems": problems or {}, "saved": saved}
    return dashboard_page("dashboard/settings.html", session, context, status_code)


@router.get("/dashboard/settings")
@page
async def settings(request: Request, session: DashboardSession) -> Response:
    views = await _views(request, session)
    return _page(session, views, saved=request.query_params.get("saved") == "1")


@router.post("/dashboard/settings")
@action
async def save_settings(
    request: Request, session: DashboardSession, fields: dict[str, str]
) -> Response:
    """Store the changed settings (all or none)."""
    views = await _views(request, session)
    given = {v.key: fields[v.key].strip() for v in views if v.key in fields}
    changes = {key: value for key, value in given.items() if value != _current(views, key)}
    if changes:
        try:
            await identity.update_site_settings(services_of(request).db, session.site_id, changes)
        except errors.InvalidRequest as exc:
            problems = {v.field: v.description for v in exc.violations}
            return _page(session, views, given=given, problems=problems, status_code=400)
    return RedirectResponse("/dashboard/settings?saved=1", status_code=303)


def _current(views: list[identity.SettingView], key: str) -> str:
    return next((v.text for v in views if v.key == key), "")
