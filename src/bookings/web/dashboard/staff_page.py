"""The dashboard's staff: ``/dashboard/staff`` (the list and a new staff member) and
``/dashboard/staff/{id}`` (name and e-mail with the ``revision``, working hours, delete).

Everything goes through the Staff slice's use cases as the Staff Members API does: Create,
Update (a stale revision is refused), Delete (the staff member's resource goes, so their
slots go too) and the working hours (:mod:`.staff_hours`).
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bookings.platform import errors
from bookings.staff import service as staff
from bookings.web.dashboard.common import not_found, problems_of
from bookings.web.dashboard.routes import action, dashboard_page, page
from bookings.web.dashboard.session import DashboardSession, services_of
from bookings.web.dashboard.staff_hours import hours_of, save_hours, week_form

router = APIRouter(include_in_schema=False)

GUID = re.compile(r"^[0-9a-fA-F-]{36}$")
SAVED = {
    "created": "Staff member added.",
    "saved": "Staff member saved.",
    "deleted": "Staff member deleted.",
    "hours": "Working hours saved.",
}


def _by_field(problems: list[tuple[str, str]]) -> tuple[dict[str, str], list[str]]:
    by_field: dict[str, str] = {}
    general: list[str] = []
    for name, text in problems:
        key = name.rsplit(".", 1)[-1] if name else ""
        if key in ("name", "email"):
            by_field[key] = text
        else:
            general.append(text)
    return by_field, general


async def _list(
    request: Request,
    session: DashboardSession,
    *,
    new: dict[str, str] | None = None,
    problems: list[tuple[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    async with services_of(request).db.read(session.site_id) as scope:
        members = await staff.list_staff_members(scope)
    by_field, general = _by_field(problems or [])
    context = {
        "members": members,
        "new": new or {"name": "", "email": ""},
        "errors": by_field,
        "general": general,
        "saved": SAVED.get(request.query_params.get("saved", ""), ""),
    }
    return dashboard_page("dashboard/staff.html", session, context, status_code)


@router.get("/dashboard/staff")
@page
async def staff_list(request: Request, session: DashboardSession) -> Response:
    """The site's staff members, and a form to add one."""
    return await _list(request, session)


def _person(fields: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {"name": fields.get("name", "").strip()}
    email = fields.get("email", "").strip()
    if email:
        data["email"] = email
    return data


@router.post("/dashboard/staff")
@action
async def staff_create(
    request: Request, session: DashboardSession, fields: dict[str, str]
) -> Response:
    """Create Staff Member (it works the business hours)."""
    new = {"name": fields.get("name", ""), "email": fields.get("email", "")}
    data = _person(fields)
    if not data["name"]:
        return await _list(
            request, session, new=new, problems=[("name", "A name is needed.")], status_code=422
        )
    try:
        await staff.create_staff_member(services_of(request).db, session.site_id, data)
    except errors.ApiError as exc:
        return await _list(request, session, new=new, problems=problems_of(exc), status_code=422)
    return RedirectResponse("/dashboard/staff?saved=created", status_code=303)


async def _member(request: Request, session: DashboardSession) -> dict[str, Any] | None:
    member_id = request.path_params["member_id"]
    if not GUID.match(member_id):
        return None
    try:
        return await staff.get_staff_member(
            services_of(request).db, session.site_id, member_id, ["RESOURCE_DETAILS"]
        )
    except errors.ApiError:
        return None


async def _edit(
    request: Request,
    session: DashboardSession,
    member: dict[str, Any],
    *,
    typed: dict[str, str] | None = None,
    problems: list[tuple[str, str]] | None = None,
    hours_problems: dict[str, str] | None = None,
    hours: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    by_field, general = _by_field(problems or [])
    context = {
        "member": member,
        "typed": typed
        or {
            "name": member.get("name", ""),
            "email": member.get("email", ""),
            "revision": member.get("revision", ""),
        },
        "errors": by_field,
        "general": general,
        "hours": hours or await hours_of(request, session, member),
        "hours_errors": hours_problems or {},
        "saved": SAVED.get(request.query_params.get("saved", ""), ""),
    }
    return dashboard_page("dashboard/staff_edit.html", session, context, status_code)


@router.get("/dashboard/staff/{member_id}")
@page
async def staff_edit(request: Request, session: DashboardSession) -> Response:
    member = await _member(request, session)
    if member is None:
        return not_found(session, "staff member")
    return await _edit(request, session, member)


@router.post("/dashboard/staff/{member_id}")
@action
async def staff_save(
    request: Request, session: DashboardSession, fields: dict[str, str]
) -> Response:
    """Update Staff Member with the form's revision."""
    member = await _member(request, session)
    if member is None:
        return not_found(session, "staff member")
    typed = {k: fields.get(k, "") for k in ("name", "email", "revision")}
    data = _person(fields)
    data.update(id=member["id"], revision=fields.get("revision", ""))
    if not data["name"]:
        return await _edit(
            request,
            session,
            member,
            typed=typed,
            problems=[("name", "A name is needed.")],
            status_code=422,
        )
    try:
        await staff.update_staff_member(
            services_of(request).db, session.site_id, data, mask=["name", "email"]
        )
    except errors.ApiError as exc:
        if isinstance(exc, errors.ApplicationError) and exc.code == "REVISION_MISMATCH":
            typed["revision"] = str(member.get("revision", ""))
        code = 409 if exc.http_status == 409 else 422
        return await _edit(
            request, session, member, typed=typed, problems=problems_of(exc), status_code=code
        )
    return RedirectResponse(f"/dashboard/staff/{member['id']}?saved=saved", status_code=303)


@router.post("/dashboard/staff/{member_id}/hours")
@action
async def staff_hours(
    request: Request, session: DashboardSession, fields: dict[str, str]
) -> Response:
    """The staff member's working hours: the business hours, or their own week."""
    member = await _member(request, session)
    if member is None:
        return not_found(session, "staff member")
    form, problems = week_form(fields)
    if not problems:
        try:
            await save_hours(request, session, member, form)
        except errors.ApiError as exc:
            problems = {"": "; ".join(t for _, t in problems_of(exc))}
    if problems:
        return await _edit(
            request, session, member, hours=form, hours_problems=problems, status_code=422
        )
    return RedirectResponse(f"/dashboard/staff/{member['id']}?saved=hours", status_code=303)


@router.post("/dashboard/staff/{member_id}/delete")
@action
async def staff_delete(
    request: Request, session: DashboardSession, fields: dict[str, str]
) -> Response:
    """Delete Staff Member: their resource and own schedules go, and with them their slots."""
    member = await _member(request, session)
    if member is None:
        return not_found(session, "staff member")
    await staff.delete_staff_member(services_of(request).db, session.site_id, member["id"])
    return RedirectResponse("/dashboard/staff?saved=deleted", status_code=303)
