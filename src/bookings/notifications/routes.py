"""Admin API of notifications (our extension, docs/api/notifications.md): the queue's
messages, and the site's templates."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from bookings.notifications import admin
from bookings.platform.auth import ADMIN_ONLY
from bookings.platform.routing import ApiRouter, Call
from bookings.platform.wire import WireModel

router = ApiRouter("Notifications")
BASE = "/_api/bookings-server/v1/notifications"


class ListMessagesRequest(WireModel):
    status: str | None = None
    limit: int | None = Field(default=None, ge=1, le=500)


class TemplateIn(WireModel):
    body: str


class PutTemplateRequest(WireModel):
    name: str
    template: TemplateIn


class TemplateNameRequest(WireModel):
    name: str


class EmptyRequest(WireModel):
    pass


@router.method(
    "listNotificationMessages",
    "GET",
    [f"{BASE}/messages"],
    roles=ADMIN_ONLY,
    request=ListMessagesRequest,
)
async def list_messages(call: Call, req: ListMessagesRequest) -> dict[str, Any]:
    """The site's e-mails and SMS, newest first; ``status``: PENDING, SENT, FAILED or CANCELED."""
    return await admin.list_messages(call.db, call.site_id, req.status, req.limit or 100)


@router.method(
    "listNotificationTemplates",
    "GET",
    [f"{BASE}/templates"],
    roles=ADMIN_ONLY,
    request=EmptyRequest,
)
async def list_templates(call: Call, req: EmptyRequest) -> dict[str, Any]:
    """The site's template overrides, the defaults, and the names that can be overridden."""
    return await admin.list_templates(call.db, call.site_id)


@router.method(
    "putNotificationTemplate",
    "PUT",
    [f"{BASE}/templates/{{name}}"],
    roles=ADMIN_ONLY,
    request=PutTemplateRequest,
)
async def put_template(call: Call, req: PutTemplateRequest) -> dict[str, Any]:
    """Set a site template (checked in the sandbox first: 400 when unfit or unsafe)."""
    return await admin.put_template(call.db, call.site_id, req.name, req.template.body)


@router.method(
    "deleteNotificationTemplate",
    "DELETE",
    [f"{BASE}/templates/{{name}}"],
    roles=ADMIN_ONLY,
    request=TemplateNameRequest,
)
async def delete_template(call: Call, req: TemplateNameRequest) -> dict[str, Any]:
    """Remove a site template: the default applies again."""
    return await admin.delete_template(call.db, call.site_id, req.name)
