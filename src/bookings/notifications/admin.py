"""The business's view of its notifications: the queued messages (admin API) and the site's
template overrides (see :mod:`bookings.notifications.service`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bookings.notifications import rendering
from bookings.notifications.models import (
    notification_messages,
    notification_templates,
)
from bookings.notifications.service import PENDING, STATUSES
from bookings.platform import errors
from bookings.platform.db import Database, utcnow
from bookings.platform.wire import format_timestamp

# ---------------------------------------------------------------- admin


def message_wire(row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row.id,
        "kind": row.kind,
        "audience": row.audience,
        "channel": row.channel,
        "recipient": row.recipient,
        "subject": row.subject,
        "status": row.status,
        "attempts": int(row.attempts),
        "createdDate": format_timestamp(row.created_date),
    }
    if row.booking_id:
        out["bookingId"] = row.booking_id
    if row.event_id:
        out["eventId"] = row.event_id
    if row.last_error:
        out["lastError"] = row.last_error
    if row.status == PENDING and row.next_attempt_at is not None:
        out["nextAttemptDate"] = format_timestamp(row.next_attempt_at)
    if row.sent_date is not None:
        out["sentDate"] = format_timestamp(row.sent_date)
    return out


async def list_messages(
    db: Database, site_id: str, status: str | None, limit: int = 100
) -> dict[str, Any]:
    """The site's messages, newest first (``status``: only those)."""
    if status is not None and status not in STATUSES:
        raise errors.invalid_field("status", f"one of {', '.join(STATUSES)}")
    t = notification_messages
    async with db.read(site_id) as scope:
        stmt = scope.select(t)
        if status is not None:
            stmt = stmt.where(t.c.status == status)
        stmt = stmt.order_by(t.c.created_date.desc(), t.c.id.desc()).limit(max(1, min(limit, 500)))
        rows = await scope.all(stmt)
    return {"messages": [message_wire(r) for r in rows]}


def _template_wire(name: str, body: str, updated: datetime | None) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "body": body}
    if updated is not None:
        out["updatedDate"] = format_timestamp(updated)
    return out


async def put_template(db: Database, site_id: str, name: str, body: str) -> dict[str, Any]:
    """Save a site template (checked first: 400 when unfit or unsafe)."""
    rendering.check_template(name, body)
    t = notification_templates
    now = utcnow()
    async with db.write(site_id) as uow:
        done = await uow.conn.execute(
            uow.update(t).where(t.c.name == name).values(body=body, updated_date=now)
        )
        if done.rowcount == 0:
            await uow.insert(t, {"name": name, "body": body, "updated_date": now})
    return {"template": _template_wire(name, body, now)}


async def list_templates(db: Database, site_id: str) -> dict[str, Any]:
    """The site's templates (overrides) and the defaults of the four parts."""
    t = notification_templates
    async with db.read(site_id) as scope:
        rows = await scope.all(scope.select(t).order_by(t.c.name))
    return {
        "templates": [_template_wire(r.name, r.body, r.updated_date) for r in rows],
        "defaults": [_template_wire(p, rendering.default_source(p), None) for p in rendering.PARTS],
        "names": rendering.template_names(),
    }


async def delete_template(db: Database, site_id: str, name: str) -> dict[str, Any]:
    t = notification_templates
    async with db.write(site_id) as uow:
        await uow.conn.execute(uow.delete(t).where(t.c.name == name))
    return {}
