"""The site's webhook subscriptions (``/dashboard/webhooks``): the list (URL, event types,
format, state), a new subscription (URL, event types chosen from
``webhooks.service.EVENT_TYPES``, none: every type; STANDARD or WIX format; a STANDARD
subscription's signing secret is shown once), deleting one after a confirm step, and a
subscription's recent deliveries (status, attempts, last status code). Everything goes
through the webhooks slice's use cases; their errors (an unsafe URL refused by the SSRF
check, say) are said next to the field."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bookings.identity import service as identity
from bookings.platform import errors
from bookings.platform.wire import parse_timestamp
from bookings.web.dashboard.booking_rows import local_text, zone_of
from bookings.web.dashboard.common import not_found
from bookings.web.dashboard.routes import action, dashboard_page, page
from bookings.web.dashboard.session import DashboardSession, services_of
from bookings.webhooks import service as webhooks

router = APIRouter(include_in_schema=False)

#: The longest URL the slice stores.
MAX_URL = 2048
#: How many deliveries the deliveries page shows (newest first).
DELIVERIES_SHOWN = 50
FORMATS = [f.value for f in webhooks.WebhookFormat]


async def _zone(request: Request, session: DashboardSession) -> str:
    site = await identity.get_site(services_of(request).db, session.site_id)
    return site.time_zone if site else "UTC"


async def _hooks(request: Request, session: DashboardSession) -> tuple[list[dict[str, Any]], str]:
    """The site's subscriptions, oldest first, with their creation time in the business
    zone."""
    zone_name = await _zone(request, session)
    zone = zone_of(zone_name)
    rows = [
        {
            "id": h["id"],
            "url": h["url"],
            "event_types": h["eventTypes"],
            "format": h["format"],
            "enabled": h["enabled"],
            "created": local_text(parse_timestamp(h["createdDate"]), zone),
        }
        for h in await webhooks.list_webhooks(services_of(request).db, session.site_id)
    ]
    return rows, zone_name


async def _page(
    request: Request,
    session: DashboardSession,
    *,
    created: dict[str, Any] | None = None,
    problems: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    rows, zone = await _hooks(request, session)
    context = {
        "hooks": rows,
        "zone": zone,
        "created": created,
        "problems": problems or {},
        "form": form or {"url": "", "event_types": [], "format": FORMATS[0]},
        "event_types": webhooks.EVENT_TYPES,
        "formats": FORMATS,
        "deleted": request.query_params.get("deleted") == "1",
    }
    return dashboard_page("dashboard/webhooks.html", session, context, status_code)


@router.get("/dashboard/webhooks")
@page
async def webhooks_list(request: Request, session: DashboardSession) -> Response:
    return await _page(request, session)


def _field_of(path: str) -> str:
    """The form field of a use case's violation (``webhook.url`` -> ``url``)."""
    if path.startswith("webhook.eventTypes"):
        return "event_types"
    if path == "webhook.format":
        return "format"
    return "url"


@router.post("/dashboard/webhooks")
@action
async def create_webhook(
    request: Request, session: DashboardSession, fields: dict[str, str]
) -> Response:
    """A new subscription; the answer (not a redirect) shows its secret, this once."""
    form_data = await request.form()
    chosen = [str(v) for v in form_data.getlist("event_types") if isinstance(v, str)]
    url = fields.get("url", "").strip()
    fmt = fields.get("format", FORMATS[0]).strip().upper()
    form = {"url": url, "event_types": chosen, "format": fmt}
    problems: dict[str, str] = {}
    if not url:
        problems["url"] = "Enter the address that receives the events."
    elif len(url) > MAX_URL:
        problems["url"] = f"At most {MAX_URL} characters."
    unknown = [t for t in chosen if t not in webhooks.EVENT_TYPES]
    if unknown:
        problems["event_types"] = f"Not an event type this server sends: {', '.join(unknown)}."
    if fmt not in FORMATS:
        problems["format"] = f"Choose {' or '.join(FORMATS)}."
    if not problems:
        try:
            hook = await webhooks.create_webhook(
                services_of(request).db,
                session.site_id,
                url,
                chosen,
                webhooks.WebhookFormat(fmt),
            )
        except errors.InvalidRequest as exc:
            for v in exc.violations:
                problems.setdefault(_field_of(v.field), f"This address {v.description}.")
        else:
            created = {
                "url": hook["url"],
                "format": hook["format"],
                "secret": hook.get("secret", ""),
                "public_key": hook.get("publicKey", ""),
            }
            return await _page(request, session, created=created)
    return await _page(request, session, problems=problems, form=form, status_code=400)


async def _site_hook(request: Request, session: DashboardSession) -> dict[str, Any] | None:
    """The subscription of the path, when it is one of this site's."""
    webhook_id = request.path_params["webhook_id"]
    rows, _ = await _hooks(request, session)
    return next((h for h in rows if h["id"] == webhook_id), None)


@router.get("/dashboard/webhooks/{webhook_id}/delete")
@page
async def delete_step(request: Request, session: DashboardSession) -> Response:
    """The confirm step of a deletion."""
    hook = await _site_hook(request, session)
    if hook is None:
        return not_found(session, "webhook")
    return dashboard_page("dashboard/webhook_delete.html", session, {"hook": hook})


@router.post("/dashboard/webhooks/{webhook_id}/delete")
@action
async def delete_webhook(
    request: Request, session: DashboardSession, fields: dict[str, str]
) -> Response:
    try:
        await webhooks.delete_webhook(
            services_of(request).db, session.site_id, request.path_params["webhook_id"]
        )
    except errors.ApplicationError:
        return not_found(session, "webhook")
    return RedirectResponse("/dashboard/webhooks?deleted=1", status_code=303)


@router.get("/dashboard/webhooks/{webhook_id}/deliveries")
@page
async def deliveries(request: Request, session: DashboardSession) -> Response:
    """The subscription's latest deliveries, newest first."""
    hook = await _site_hook(request, session)
    if hook is None:
        return not_found(session, "webhook")
    try:
        found = await webhooks.list_deliveries(
            services_of(request).db, session.site_id, hook["id"], limit=DELIVERIES_SHOWN
        )
    except errors.ApplicationError:
        return not_found(session, "webhook")
    zone_name = await _zone(request, session)
    zone = zone_of(zone_name)
    rows = [
        {
            "id": d["id"],
            "event_type": d["eventType"],
            "event_id": d["eventId"],
            "status": d["status"],
            "attempts": d["attempts"],
            "last_status_code": d.get("lastStatusCode"),
            "next_attempt": (
                local_text(parse_timestamp(d["nextAttemptDate"]), zone)
                if d.get("nextAttemptDate")
                else ""
            ),
        }
        for d in found
    ]
    context = {"hook": hook, "deliveries": rows, "zone": zone_name, "shown": DELIVERIES_SHOWN}
    return dashboard_page("dashboard/webhook_deliveries.html", session, context)
