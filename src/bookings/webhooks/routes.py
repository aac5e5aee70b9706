"""The webhooks admin API (our extension; the site's ADMIN credentials)."""

from __future__ import annotations

from typing import Any

from bookings.platform.auth import ADMIN_ONLY
from bookings.platform.routing import ApiRouter, Call
from bookings.webhooks import service
from bookings.webhooks.schemas import (
    CreateWebhookRequest,
    ListDeliveriesRequest,
    ListWebhooksRequest,
    RecoverRequest,
    WebhookIdRequest,
)

router = ApiRouter("Webhooks")

BASE = "/_api/bookings-server/v1/webhooks"


@router.method("createWebhook", "POST", [BASE], roles=ADMIN_ONLY, request=CreateWebhookRequest)
async def create_webhook(call: Call, req: CreateWebhookRequest) -> dict[str, Any]:
    """Create a webhook subscription (the STANDARD secret is shown only in this answer)."""
    hook = req.webhook
    return {
        "webhook": await service.create_webhook(
            call.db, call.site_id, hook.url, hook.event_types, hook.format
        )
    }


@router.method("listWebhooks", "GET", [BASE], roles=ADMIN_ONLY, request=ListWebhooksRequest)
async def list_webhooks(call: Call, req: ListWebhooksRequest) -> dict[str, Any]:
    """List the site's webhook subscriptions."""
    return {"webhooks": await service.list_webhooks(call.db, call.site_id)}


@router.method(
    "listWebhookDeliveries",
    "GET",
    [f"{BASE}/{{id}}/deliveries"],
    roles=ADMIN_ONLY,
    request=ListDeliveriesRequest,
)
async def list_deliveries(call: Call, req: ListDeliveriesRequest) -> dict[str, Any]:
    """List a webhook's deliveries, newest first."""
    found = await service.list_deliveries(
        call.db, call.site_id, req.id, req.status, req.limit or 100
    )
    return {"deliveries": found}


@router.method(
    "recoverWebhookDeliveries",
    "POST",
    [f"{BASE}/{{id}}/recover"],
    roles=ADMIN_ONLY,
    request=RecoverRequest,
)
async def recover(call: Call, req: RecoverRequest) -> dict[str, Any]:
    """Send again every FAILED delivery of a webhook since an instant."""
    count = await service.recover_deliveries(call.db, call.site_id, req.id, req.since)
    return {"requeued": count}


@router.method(
    "deleteWebhook", "DELETE", [f"{BASE}/{{id}}"], roles=ADMIN_ONLY, request=WebhookIdRequest
)
async def delete_webhook(call: Call, req: WebhookIdRequest) -> dict[str, Any]:
    """Delete a webhook subscription (and its deliveries)."""
    await service.delete_webhook(call.db, call.site_id, req.id)
    return {}
