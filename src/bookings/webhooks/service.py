"""Use cases of the webhooks slice: manage subscriptions, list deliveries, recover failed ones.
The dispatcher (delivery) is :mod:`bookings.webhooks.dispatcher`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bookings.platform import errors
from bookings.platform.db import Database, utcnow
from bookings.platform.wire import format_timestamp, new_id
from bookings.webhooks import safety, standard
from bookings.webhooks.models import webhook_attempts, webhook_deliveries, webhooks
from bookings.webhooks.schemas import DeliveryStatus, WebhookFormat

__all__ = [
    "EVENT_TYPES",
    "DeliveryStatus",
    "WebhookFormat",
    "create_webhook",
    "delete_webhook",
    "list_deliveries",
    "list_webhooks",
    "recover_deliveries",
]

#: A Wix event type name: ``<entity fqdn>_<slug>`` (``wix.bookings.v2.booking_created``).
_EVENT_TYPE = re.compile(r"^wix\.[a-z0-9_]+(\.[a-z0-9_]+)+_[A-Za-z][A-Za-z0-9]*$")


def _types(fqdn: str, *slugs: str) -> tuple[str, ...]:
    return tuple(standard.event_type(fqdn, slug) for slug in slugs)


#: The event types this server sends (``<entity fqdn>_<slug>``, the SDK's names), for a
#: chooser such as the dashboard's; :func:`create_webhook` takes any Wix event type name.
EVENT_TYPES: tuple[str, ...] = (
    *_types(
        "wix.bookings.v2.booking",
        "created",
        "updated",
        "confirmed",
        "declined",
        "canceled",
        "rescheduled",
        "markedAsPending",
        "number_of_participants_updated",
    ),
    *_types("wix.bookings.v1.waitlist_entry", "created", "updated"),
    *_types("wix.bookings.v2.attendance", "created", "updated", "deleted"),
    *_types("wix.bookings.services.v2.service", "created", "updated", "deleted"),
    *_types(
        "wix.bookings.v1.booking_policy",
        "created",
        "updated",
        "deleted",
        "default_booking_policy_set",
    ),
    *_types("wix.bookings.staff.v1.staff_member", "created", "updated", "deleted"),
    *_types("wix.bookings.resources.v2.resource", "created", "updated", "deleted"),
    *_types("wix.calendar.v3.schedule", "created", "updated"),
    *_types("wix.calendar.v3.event", "created", "updated", "deleted"),
    *_types("wix.ecom.v1.checkout", "created", "updated", "completed"),
    *_types(
        "wix.ecom.v1.order",
        "created",
        "updated",
        "approved",
        "payment_status_updated",
        "canceled",
    ),
)


def webhook_not_found(webhook_id: str) -> errors.ApplicationError:
    return errors.not_found(
        "WEBHOOK_NOT_FOUND", f"Webhook {webhook_id} not found", webhookId=webhook_id
    )


def _wire(row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row.id,
        "url": row.url,
        "eventTypes": list(row.event_types),
        "format": row.format,
        "enabled": bool(row.enabled),
        "createdDate": format_timestamp(row.created_date),
    }
    if row.public_key:
        out["publicKey"] = row.public_key
    return out


def _key_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


async def create_webhook(
    db: Database,
    site_id: str,
    url: str,
    event_types: Sequence[str],
    fmt: WebhookFormat = WebhookFormat.STANDARD,
) -> dict[str, Any]:
    """Create a subscription; the answer carries the STANDARD ``secret`` (only here) or the
    WIX ``publicKey``."""
    try:
        await safety.resolve(url)
    except safety.UnsafeUrl as exc:
        raise errors.invalid_field("webhook.url", str(exc), errors.FORMAT) from exc
    types = list(dict.fromkeys(event_types))
    for i, name in enumerate(types):
        if not _EVENT_TYPE.match(name):
            raise errors.invalid_field(
                f"webhook.eventTypes[{i}]",
                "must be a Wix event type such as wix.bookings.v2.booking_created",
                errors.FORMAT,
            )
    secret = private = public = None
    if fmt == WebhookFormat.STANDARD:
        secret = standard.new_secret()
    else:
        private, public = _key_pair()
    now = utcnow()
    row = {
        "id": new_id(),
        "url": url,
        "event_types": types,
        "format": fmt.value,
        "secret": secret,
        "private_key": private,
        "public_key": public,
        "enabled": True,
        "disabled_reason": None,
        "created_date": now,
        "updated_date": now,
    }
    async with db.write(site_id) as uow:
        await uow.insert(webhooks, row)
    out = _wire(_Obj(row))  # the same shape as a stored row
    if secret:
        out["secret"] = secret
    return out


class _Obj:
    def __init__(self, row: dict[str, Any]) -> None:
        self.__dict__.update(row)


async def list_webhooks(db: Database, site_id: str) -> list[dict[str, Any]]:
    async with db.read(site_id) as scope:
        rows = await scope.all(scope.select(webhooks).order_by(webhooks.c.created_date))
    return [_wire(r) for r in rows]


async def delete_webhook(db: Database, site_id: str, webhook_id: str) -> None:
    """Delete a subscription with its deliveries and their attempts."""
    async with db.write(site_id) as uow:
        gone = await uow.conn.execute(uow.delete(webhooks).where(webhooks.c.id == webhook_id))
        if gone.rowcount == 0:
            raise webhook_not_found(webhook_id)
        await uow.conn.execute(
            uow.delete(webhook_attempts).where(webhook_attempts.c.webhook_id == webhook_id)
        )
        await uow.conn.execute(
            uow.delete(webhook_deliveries).where(webhook_deliveries.c.webhook_id == webhook_id)
        )


async def list_deliveries(
    db: Database,
    site_id: str,
    webhook_id: str,
    status: DeliveryStatus | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """The webhook's deliveries, newest first."""
    d = webhook_deliveries
    async with db.read(site_id) as scope:
        if (
            await scope.one_or_none(
                scope.select(webhooks, webhooks.c.id).where(webhooks.c.id == webhook_id)
            )
            is None
        ):
            raise webhook_not_found(webhook_id)
        stmt = scope.select(d).where(d.c.webhook_id == webhook_id)
        if status is not None:
            stmt = stmt.where(d.c.status == status.value)
        rows = await scope.all(stmt.order_by(d.c.created_date.desc(), d.c.id.desc()).limit(limit))
    out = []
    for r in rows:
        item: dict[str, Any] = {
            "id": r.id,
            "eventId": r.event_id,
            "eventType": r.event_type,
            "status": r.status,
            "attempts": r.attempts,
        }
        if r.last_status_code is not None:
            item["lastStatusCode"] = r.last_status_code
        if r.status == DeliveryStatus.PENDING and r.next_attempt_date is not None:
            item["nextAttemptDate"] = format_timestamp(r.next_attempt_date)
        out.append(item)
    return out


async def recover_deliveries(
    db: Database, site_id: str, webhook_id: str, since: datetime, now: datetime | None = None
) -> int:
    """Send again every FAILED (or CANCELED) delivery of the webhook made since ``since``:
    each starts the ladder anew, due at once. A webhook disabled by a 410 is enabled again
    (recovering says the receiver is back). Answers how many were requeued."""
    d = webhook_deliveries
    now = now or utcnow()
    async with db.write(site_id) as uow:
        found = await uow.one_or_none(
            uow.select(webhooks, webhooks.c.id).where(webhooks.c.id == webhook_id)
        )
        if found is None:
            raise webhook_not_found(webhook_id)
        await uow.conn.execute(
            uow.update(webhooks)
            .where(webhooks.c.id == webhook_id)
            .values(enabled=True, disabled_reason=None, updated_date=now)
        )
        done = await uow.conn.execute(
            uow.update(d)
            .where(
                d.c.webhook_id == webhook_id,
                d.c.status.in_([DeliveryStatus.FAILED.value, DeliveryStatus.CANCELED.value]),
                d.c.created_date >= since,
            )
            .values(
                status=DeliveryStatus.PENDING.value,
                attempts=0,
                next_attempt_date=now,
                lease_owner=None,
                lease_expires=None,
                updated_date=now,
            )
        )
    return int(done.rowcount)
