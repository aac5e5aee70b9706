"""The STANDARD format (Standard Webhooks 1.0): secrets, the body and the three headers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    """A fresh secret: ``whsec_`` and the base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def body(event: dict[str, Any]) -> bytes:
    """``{"type", "timestamp", "data"}`` of a stored domain event, the same bytes on every
    attempt (compact JSON of the envelope as stored)."""
    message = {
        "type": event_type(event["entityFqdn"], event["slug"]),
        "timestamp": event["eventTime"],
        "data": event,
    }
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode()


def event_type(entity_fqdn: str, slug: str) -> str:
    """The Wix name of an event: ``wix.bookings.v2.booking`` + ``created`` ->
    ``wix.bookings.v2.booking_created`` (action slugs keep their spelling)."""
    return f"{entity_fqdn}_{slug}"


def sign(secret: str, msg_id: str, timestamp: int, payload: bytes) -> str:
    """``v1,<base64 HMAC-SHA256>`` of ``id.timestamp.body``, keyed by the secret's bytes."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{msg_id}.{timestamp}.".encode() + payload
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, msg_id: str, timestamp: int, payload: bytes) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, msg_id, timestamp, payload),
    }
