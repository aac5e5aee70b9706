"""The dashboard's services: ``/dashboard/services`` (the list) and
``/dashboard/services/{id}`` (edit the basic fields).

Edits go through the Services slice's Update Service use case with the ``revision`` the form
was rendered with, as the API's PATCH does: a stale revision is refused ("changed by someone
else, reload"), the slice's validation errors are shown next to the form. The fields: name,
description, session duration and buffer (appointments), a fixed price, online booking on or
off, manual approval. (The slots' split interval is a site setting,
``slotsSplitInterval``, not a service field: the settings page edits it.)
"""

from __future__ import annotations

import copy
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bookings.catalog.services import service as services_service
from bookings.platform import errors
from bookings.web.dashboard.common import not_found, problems_of
from bookings.web.dashboard.routes import action, dashboard_page, page
from bookings.web.dashboard.session import DashboardSession, services_of

router = APIRouter(include_in_schema=False)

GUID = re.compile(r"^[0-9a-fA-F-]{36}$")
MAX_MINUTES = 24 * 60
PRICE = re.compile(r"^\d{1,9}(\.\d{1,2})?$")


def _duration(svc: dict[str, Any]) -> int | None:
    ac = (svc.get("schedule") or {}).get("availabilityConstraints") or {}
    durations = ac.get("sessionDurations") or []
    return int(durations[0]) if durations else None


def _buffer(svc: dict[str, Any]) -> int:
    ac = (svc.get("schedule") or {}).get("availabilityConstraints") or {}
    return int(ac.get("timeBetweenSessions") or 0)


def _price(svc: dict[str, Any]) -> str | None:
    payment = svc.get("payment") or {}
    if payment.get("rateType") != "FIXED":
        return None
    return str(((payment.get("fixed") or {}).get("price") or {}).get("value") or "")


def row_of(svc: dict[str, Any]) -> dict[str, Any]:
    """What the list and the form show of a wire service."""
    payment = svc.get("payment") or {}
    online = svc.get("onlineBooking") or {}
    currency = ((payment.get("fixed") or {}).get("price") or {}).get("currency", "")
    return {
        "id": svc["id"],
        "revision": svc.get("revision", ""),
        "name": svc.get("name", ""),
        "description": svc.get("description", ""),
        "type": svc.get("type", ""),
        "duration": _duration(svc),
        "buffer": _buffer(svc),
        "price": _price(svc),
        "currency": currency,
        "rate": payment.get("rateType", ""),
        "online": bool(online.get("enabled")),
        "manual": bool(online.get("requireManualApproval")),
    }


@router.get("/dashboard/services")
@page
async def services_list(request: Request, session: DashboardSession) -> Response:
    """Every service of the site, by name."""
    services = services_of(request)
    found = await services_service.query_services(
        services.db,
        services.signer,
        session.site_id,
        {"paging": {"limit": 100}, "sort": [{"fieldName": "name", "order": "ASC"}]},
    )
    rows = [row_of(s) for s in found["services"]]
    saved = request.query_params.get("saved", "")
    return dashboard_page("dashboard/services.html", session, {"rows": rows, "saved": saved})


async def _load(request: Request, session: DashboardSession, service_id: str) -> Any:
    if not GUID.match(service_id):
        return None
    try:
        return await services_service.get_service(
            services_of(request).db, session.site_id, service_id
        )
    except errors.ApiError:
        return None


def _form(
    session: DashboardSession,
    row: dict[str, Any],
    problems: list[tuple[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    by_field: dict[str, str] = {}
    general: list[str] = []
    for name, text in problems or []:
        key = name.rsplit(".", 1)[-1] if name else ""
        if key in ("name", "description", "duration", "buffer", "price"):
            by_field[key] = text
        else:
            general.append(f"{name}: {text}" if name else text)
    context = {"row": row, "errors": by_field, "general": general}
    return dashboard_page("dashboard/service_edit.html", session, context, status_code)


@router.get("/dashboard/services/{service_id}")
@page
async def service_edit(request: Request, session: DashboardSession) -> Response:
    svc = await _load(request, session, request.path_params["service_id"])
    if svc is None:
        return not_found(session, "service")
    return _form(session, row_of(svc))


def _minutes(raw: str, field: str, low: int, problems: list[tuple[str, str]]) -> int | None:
    try:
        value = int(raw)
    except ValueError:
        problems.append((field, f"A whole number of minutes from {low} to {MAX_MINUTES}."))
        return None
    if not low <= value <= MAX_MINUTES:
        problems.append((field, f"A whole number of minutes from {low} to {MAX_MINUTES}."))
        return None
    return value


def patch_of(
    svc: dict[str, Any], fields: dict[str, str]
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The Update Service body of the form (top-level fields replace the current ones, so
    the nested ones are copied and changed), and the form's own problems."""
    problems: list[tuple[str, str]] = []
    name = fields.get("name", "").strip()
    if not name:
        problems.append(("name", "A service needs a name."))
    patch: dict[str, Any] = {
        "id": svc["id"],
        "revision": fields.get("revision", ""),
        "name": name,
        "description": fields.get("description", "").strip(),
    }
    online = copy.deepcopy(svc.get("onlineBooking") or {})
    online["enabled"] = fields.get("online") == "on"
    online["requireManualApproval"] = fields.get("manual") == "on"
    patch["onlineBooking"] = online
    if svc.get("type") == "APPOINTMENT":
        duration = _minutes(fields.get("duration", ""), "duration", 5, problems)
        buffer = _minutes(fields.get("buffer", "0"), "buffer", 0, problems)
        schedule = copy.deepcopy(svc.get("schedule") or {})
        ac = schedule.setdefault("availabilityConstraints", {})
        if duration is not None:
            ac["sessionDurations"] = [duration]
            ac.pop("durations", None)
        if buffer is not None:
            ac["timeBetweenSessions"] = buffer
        patch["schedule"] = schedule
    if _price(svc) is not None:
        raw = fields.get("price", "").strip()
        payment = copy.deepcopy(svc["payment"])
        try:
            if not PRICE.match(raw):
                raise InvalidOperation(raw)
            payment["fixed"]["price"]["value"] = str(Decimal(raw).quantize(Decimal("0.01")))
        except (InvalidOperation, KeyError, TypeError):
            problems.append(("price", "A price like 45 or 45.50."))
        patch["payment"] = payment
    return patch, problems


@router.post("/dashboard/services/{service_id}")
@action
async def service_save(
    request: Request, session: DashboardSession, fields: dict[str, str]
) -> Response:
    """Update Service with the form's revision."""
    svc = await _load(request, session, request.path_params["service_id"])
    if svc is None:
        return not_found(session, "service")
    patch, problems = patch_of(svc, fields)
    typed = {**row_of(svc), **{k: fields.get(k, "") for k in ("name", "description")}}
    typed.update({k: fields[k] for k in ("duration", "buffer", "price") if k in fields})
    typed["online"] = fields.get("online") == "on"
    typed["manual"] = fields.get("manual") == "on"
    typed["revision"] = fields.get("revision", "")
    if problems:
        return _form(session, typed, problems, 422)
    try:
        await services_service.update_service(services_of(request).db, session.site_id, patch)
    except errors.ApiError as exc:
        if getattr(exc, "code", "") == "REVISION_MISMATCH":
            typed["revision"] = svc.get("revision", "")
        return _form(session, typed, problems_of(exc), 409 if exc.http_status == 409 else 422)
    return RedirectResponse("/dashboard/services?saved=1", status_code=303)
