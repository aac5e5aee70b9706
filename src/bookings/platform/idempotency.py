"""Idempotency keys on writes: the pure part (issue 15 groundwork).

A client may send ``Idempotency-Key`` (or ``X-Idempotency-Key``) on any POST, PATCH or DELETE,
bare (``abc-123``, as Stripe clients do) or as a Structured-Field string (``"abc-123"``, as the
IETF draft writes it). A key is 1 to 255 printable ASCII characters. Requests are "the same"
when their method, route template, path parameters and body (as canonical JSON: sorted keys,
no spaces) are: :func:`fingerprint` is the SHA-256 of those. A key is scoped to the site and
the credential that sent it (:func:`scope_key`), so two callers of one site never collide.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import orjson

from bookings.platform import errors

HEADERS = ("idempotency-key", "x-idempotency-key")
MAX_LENGTH = 255
#: Methods that take a key; others ignore it.
WRITES = frozenset({"POST", "PATCH", "PUT", "DELETE"})


def parse_key(headers: Mapping[str, str]) -> str | None:
    """The request's idempotency key (``None``: none sent); 400 naming the header when it is
    malformed."""
    for name in HEADERS:
        raw = headers.get(name)
        if raw is None:
            continue
        value = raw.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        if not 1 <= len(value) <= MAX_LENGTH or not all(32 <= ord(c) < 127 for c in value):
            raise errors.invalid_field(
                f"header:{name}",
                f"must be 1 to {MAX_LENGTH} printable ASCII characters",
                errors.FORMAT,
            )
        return value
    return None


def fingerprint(method: str, route: str, path_params: Mapping[str, Any], body: Any) -> str:
    """What makes two requests with one key the same request."""
    canonical = orjson.dumps(
        {"method": method.upper(), "route": route, "path": dict(path_params), "body": body},
        option=orjson.OPT_SORT_KEYS,
    )
    return hashlib.sha256(canonical).hexdigest()


def scope_key(site_id: str, credential_id: str, key: str) -> str:
    """The record's key: one site, one credential, one client key."""
    return hashlib.sha256(f"{site_id}\x00{credential_id}\x00{key}".encode()).hexdigest()


def reused(route: str) -> errors.ApplicationError:
    """422: the key was used with another request."""
    return errors.ApplicationError(
        "IDEMPOTENCY_KEY_REUSED",
        f"This Idempotency-Key was used with another request (now {route}): send a new key",
        http_status=422,
    )


def in_flight() -> errors.ApplicationError:
    """409: the first request with this key has not finished."""
    return errors.ApplicationError(
        "IDEMPOTENCY_KEY_IN_USE",
        "A request with this Idempotency-Key is still running: retry in a moment",
        http_status=409,
    )
