"""The dashboard's booking policies: ``/dashboard/policies`` (the list) and
``/dashboard/policies/{id}`` (edit the main fields).

The form's fields are named by their wire paths (``cancellationPolicy.enabled``…). A save
builds the policy's edited top-level objects from the current ones plus the form, and calls
the Policies slice's Update Booking Policy use case with the form's ``revision`` and a field
mask of those objects, as the API does; the slice's validation errors come back by path and
are shown next to their fields, a stale revision as "changed by someone else, reload".
"""

from __future__ import annotations

import copy
import re
from typing import Any

from fastapi import APIRouter
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bookings.catalog.policies import service as policies
from bookings.platform import errors
from bookings.web.dashboard.common import not_found, problems_of
from bookings.web.dashboard.routes import action, dashboard_page, page
from bookings.web.dashboard.session import DashboardSession, services_of

router = APIRouter(include_in_schema=False)

GUID = re.compile(r"^[0-9a-fA-F-]{36}$")
PREFIX = "bookingPolicy."
FLAGS = (
    "limitEarlyBookingPolicy.enabled",
    "limitLateBookingPolicy.enabled",
    "cancellationPolicy.enabled",
    "cancellationPolicy.limitLatestCancellation",
    "reschedulePolicy.enabled",
    "reschedulePolicy.limitLatestReschedule",
    "cancellationFeePolicy.enabled",
    "saveCreditCardPolicy.enabled",
    "customPolicyDescription.enabled",
)
#: Free text, by path.
TEXTS = ("customPolicyDescription.description",)
NUMBERS = (
    "limitEarlyBookingPolicy.earliestBookingInMinutes",
    "limitLateBookingPolicy.latestBookingInMinutes",
    "cancellationPolicy.latestCancellationInMinutes",
    "reschedulePolicy.latestRescheduleInMinutes",
    "participantsPolicy.maxParticipantsPerBooking",
)
WINDOWS = "cancellationFeePolicy.cancellationWindows"
#: The top-level objects the form edits (the update's field mask).
EDITED = (
    "name",
    "limitEarlyBookingPolicy",
    "limitLateBookingPolicy",
    "cancellationPolicy",
    "reschedulePolicy",
    "participantsPolicy",
    "cancellationFeePolicy",
    "saveCreditCardPolicy",
    "customPolicyDescription",
)


def field_id(path: str) -> str:
    """An HTML id of a wire path."""
    return re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-")


def _get(doc: dict[str, Any], path: str) -> Any:
    top, _, rest = path.partition(".")
    return (doc.get(top) or {}).get(rest) if rest else doc.get(top)


def values_of(policy: dict[str, Any]) -> dict[str, str]:
    """The form's values (by wire path) of a wire policy."""
    out = {"name": str(policy.get("name") or ""), "revision": str(policy.get("revision") or "")}
    for path in FLAGS:
        out[path] = "on" if _get(policy, path) else ""
    for path in TEXTS:
        out[path] = str(_get(policy, path) or "")
    for path in NUMBERS:
        value = _get(policy, path)
        out[path] = "" if value is None else str(value)
    windows = (policy.get("cancellationFeePolicy") or {}).get("cancellationWindows") or []
    for index in range(2):
        window = windows[index] if index < len(windows) else {}
        base = f"{WINDOWS}[{index}]"
        out[f"{base}.startInMinutes"] = str(window.get("startInMinutes") or "")
        out[f"{base}.percentage"] = str(window.get("percentage") or "")
        out[f"{base}.amount"] = str((window.get("amount") or {}).get("value") or "")
    return out


def policy_of(
    current: dict[str, Any], fields: dict[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The edited policy (wire form) and the form's own problems by path."""
    problems: dict[str, str] = {}
    doc: dict[str, Any] = {"id": current["id"], "revision": fields.get("revision", "")}
    for top in EDITED[1:]:
        doc[top] = copy.deepcopy(current.get(top) or {})
    doc["name"] = fields.get("name", "").strip()
    if not doc["name"]:
        problems["name"] = "A policy needs a name."
    for path in FLAGS:
        top, _, rest = path.partition(".")
        doc[top][rest] = fields.get(path) == "on"
    for path in TEXTS:
        top, _, rest = path.partition(".")
        doc[top][rest] = fields.get(path, "").strip()
    for path in NUMBERS:
        top, _, rest = path.partition(".")
        raw = fields.get(path, "").strip()
        if not raw.isdigit():
            problems[path] = "A whole number."
            continue
        doc[top][rest] = int(raw)
    windows = []
    for index in range(2):
        base = f"{WINDOWS}[{index}]"
        start = fields.get(f"{base}.startInMinutes", "").strip()
        percentage = fields.get(f"{base}.percentage", "").strip()
        amount = fields.get(f"{base}.amount", "").strip()
        if not (start or percentage or amount):
            continue
        window: dict[str, Any] = {}
        if start:
            if not start.isdigit():
                problems[f"{base}.startInMinutes"] = "A whole number of minutes."
            else:
                window["startInMinutes"] = int(start)
        if percentage:
            window["percentage"] = percentage
        if amount:
            window["amount"] = {"value": amount}
        windows.append(window)
    doc["cancellationFeePolicy"]["cancellationWindows"] = windows
    return doc, problems


def _path_of(field: str) -> str:
    path = field.removeprefix(PREFIX)
    return re.sub(r"\.value$", "", path.replace(".amount.value", ".amount"))


@router.get("/dashboard/policies")
@page
async def policies_list(request: Request, session: DashboardSession) -> Response:
    services = services_of(request)
    found = await policies.query_policies(
        services.db, services.signer, session.site_id, {"cursorPaging": {"limit": 100}}
    )
    context = {"policies": found["bookingPolicies"], "saved": request.query_params.get("saved")}
    return dashboard_page("dashboard/policies.html", session, context)


async def _policy(request: Request, session: DashboardSession) -> dict[str, Any] | None:
    policy_id = request.path_params["policy_id"]
    if not GUID.match(policy_id):
        return None
    try:
        return await policies.get_policy(services_of(request).db, session.site_id, policy_id)
    except errors.ApiError:
        return None


def _form(
    session: DashboardSession,
    policy: dict[str, Any],
    values: dict[str, str],
    problems: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    problems = problems or {}
    known = set(values)
    general = [t if not p else f"{p}: {t}" for p, t in problems.items() if p not in known]
    context = {
        "policy": policy,
        "v": values,
        "errors": problems,
        "general": general,
        "field_id": field_id,
        "windows": WINDOWS,
    }
    return dashboard_page("dashboard/policy_edit.html", session, context, status_code)


@router.get("/dashboard/policies/{policy_id}")
@page
async def policy_edit(request: Request, session: DashboardSession) -> Response:
    policy = await _policy(request, session)
    if policy is None:
        return not_found(session, "booking policy")
    return _form(session, policy, values_of(policy))


@router.post("/dashboard/policies/{policy_id}")
@action
async def policy_save(
    request: Request, session: DashboardSession, fields: dict[str, str]
) -> Response:
    """Update Booking Policy with the form's revision and the edited objects as the mask."""
    policy = await _policy(request, session)
    if policy is None:
        return not_found(session, "booking policy")
    typed = {**values_of(policy), **{k: v for k, v in fields.items() if k != "csrf"}}
    for path in FLAGS:
        typed[path] = "on" if fields.get(path) == "on" else ""
    doc, problems = policy_of(policy, fields)
    if problems:
        return _form(session, policy, typed, problems, 422)
    try:
        given = policies.BookingPolicy.model_validate(doc)
        await policies.update_policy(services_of(request).db, session.site_id, given, list(EDITED))
    except ValidationError as exc:
        found = {
            ".".join(str(p) for p in e["loc"]).replace(".0.", "[0].").replace(".1.", "[1]."): str(
                e["msg"]
            )
            for e in exc.errors()
        }
        return _form(session, policy, typed, found, 422)
    except errors.ApiError as exc:
        if isinstance(exc, errors.ApplicationError) and exc.code == "REVISION_MISMATCH":
            typed["revision"] = str(policy.get("revision", ""))
        found = {_path_of(f): t for f, t in problems_of(exc)}
        return _form(session, policy, typed, found, 409 if exc.http_status == 409 else 422)
    return RedirectResponse("/dashboard/policies?saved=1", status_code=303)
