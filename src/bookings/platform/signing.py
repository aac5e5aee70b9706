"""Tamper-proof tokens (query cursors): HMAC-SHA256 over a JSON payload.

The key comes from ``BOOKINGS_SECRET`` or, when unset, from a random secret created once and
kept in the database, so every server process of one deployment signs alike.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any

import sqlalchemy as sa

from bookings.platform.db import Database, utcnow
from bookings.platform.models import instance_secrets

SIGNING_SECRET = "signing"


class Signer:
    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("signing key too short")
        self._key = key

    def sign(self, payload: Any) -> str:
        body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
        mac = hmac.new(self._key, body, hashlib.sha256).digest()[:16]
        return _b64(mac + body)

    def verify(self, token: str) -> Any:
        """The payload of ``token``; ``ValueError`` if it was not signed here or was altered."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (ValueError, TypeError) as exc:
            raise ValueError("malformed token") from exc
        mac, body = raw[:16], raw[16:]
        expected = hmac.new(self._key, body, hashlib.sha256).digest()[:16]
        if len(mac) != 16 or not hmac.compare_digest(mac, expected):
            raise ValueError("token signature does not match")
        return json.loads(body)

    def mac(self, purpose: str, *parts: str) -> bytes:
        """HMAC-SHA256 of ``parts`` under a key derived for ``purpose`` alone (so a MAC of
        one purpose is never valid for another, nor for a cursor)."""
        key = hmac.new(self._key, b"purpose:" + purpose.encode(), hashlib.sha256).digest()
        return hmac.new(key, "\x00".join(parts).encode(), hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


async def load_signer(db: Database, configured: str | None) -> Signer:
    if configured:
        return Signer(hashlib.sha256(configured.encode()).digest())
    for _attempt in range(3):
        try:
            return Signer(bytes.fromhex(await _stored_secret(db)))
        except sa.exc.IntegrityError:  # another process created it first: read theirs
            continue
    raise RuntimeError("could not load the signing secret")


async def _stored_secret(db: Database) -> str:
    async with db.connect_for_write() as conn:
        value = (
            await conn.execute(
                sa.select(instance_secrets.c.value).where(instance_secrets.c.name == SIGNING_SECRET)
            )
        ).scalar()
        if value is None:
            value = secrets.token_hex(32)
            await conn.execute(
                sa.insert(instance_secrets).values(
                    name=SIGNING_SECRET, value=value, created_date=utcnow()
                )
            )
    return str(value)
