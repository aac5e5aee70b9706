"""The body of a webhook in Wix's own format: a compact RS256 JWT, as Wix sends webhooks.

Wix POSTs the JWT as the whole request body. Its header is ``{"kid", "alg": "RS256"}`` and
its claims are ``{"data", "iat", "exp"}``, where ``data`` is a JSON *string* of::

    {"eventType": "wix.bookings.v2.booking_created",      # entityFqdn + "_" + slug
     "instanceId": "<the site's app-instance id>",
     "identity": "<JSON string {identityType, appId|wixUserId|memberId|anonymousVisitorId}>",
     "data": "<JSON string of the domain event envelope>",
     "accountInfo": {"accountId", "siteId"}}

so a receiver made with the official SDK (``@wix/sdk`` ``AppStrategy({appId, publicKey})`` and
``client.webhooks.process(body)``) verifies the signature with the public key and calls its
``onBookingCreated``-style handlers. The SDK checks no issuer or audience on webhooks; ``jose``
enforces ``exp``.

A self-hosted server has no Wix app installation or account, so the ids Wix would put there
are derived from the site id, the same for every event of the site: ``instanceId`` =
:func:`instance_id`, ``accountInfo.accountId`` = :func:`account_id` (name-based UUIDs in the
Bookings app id's namespace). ``kid`` is :func:`key_id` of the signing key. The ``identity``
is who caused the event: ``initiatedBy`` of an action event's body, else the ``createdBy`` of
a created entity, else ``UNKNOWN``.

Pure: no I/O, no clock unless ``now`` is left out. Documented in docs/api/webhooks-wix-format.md.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import time
import uuid
from collections.abc import Mapping
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bookings.platform.constants import BOOKINGS_APP_ID

#: How long a signed body stays valid (``exp - iat``), seconds. A delivery is signed afresh
#: for every attempt, so one hour is plenty.
LIFETIME = 3600

#: ``identityType`` of each IdentificationData field, as Wix names them.
_IDENTITY_TYPES = {
    "appId": "APP",
    "wixUserId": "WIX_USER",
    "memberId": "MEMBER",
    "anonymousVisitorId": "ANONYMOUS_VISITOR",
}

_NAMESPACE = uuid.UUID(BOOKINGS_APP_ID)


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def event_type(event: Mapping[str, Any]) -> str:
    """The Wix event type of a domain event: ``<entityFqdn>_<slug>``
    (``wix.bookings.v2.booking_created``, ``wix.bookings.v2.booking_markedAsPending``)."""
    return f"{event['entityFqdn']}_{event['slug']}"


def instance_id(site_id: str) -> str:
    """The site's app-instance id (``instanceId`` of every webhook of the site)."""
    return str(uuid.uuid5(_NAMESPACE, f"instance:{site_id}"))


def account_id(site_id: str) -> str:
    """The site's account id (``accountInfo.accountId``)."""
    return str(uuid.uuid5(_NAMESPACE, f"account:{site_id}"))


def identity(event: Mapping[str, Any]) -> dict[str, str]:
    """Who caused the event, as Wix's webhook identity ``{identityType, <id field>}``."""
    initiator: Any = None
    action = event.get("actionEvent")
    if isinstance(action, Mapping):
        body = action.get("body")
        if isinstance(body, Mapping):
            initiator = body.get("initiatedBy")
    created = event.get("createdEvent")
    if initiator is None and isinstance(created, Mapping):
        entity = created.get("entity")
        if isinstance(entity, Mapping):
            initiator = entity.get("createdBy")
    if isinstance(initiator, Mapping):
        for field, kind in _IDENTITY_TYPES.items():
            value = initiator.get(field)
            if isinstance(value, str) and value:
                return {"identityType": kind, field: value}
    return {"identityType": "UNKNOWN"}


def key_id(public_pem: str) -> str:
    """The ``kid`` of a key pair: a UUID made of the SHA-256 of its public key (DER)."""
    key = serialization.load_pem_public_key(public_pem.encode("ascii"))
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return str(uuid.UUID(bytes=hashlib.sha256(der).digest()[:16]))


def public_pem_of(private_pem: str) -> str:
    """The public key (SPKI PEM, what Wix's dashboard shows as the app's public key)."""
    key = serialization.load_pem_private_key(private_pem.encode("ascii"), password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


@functools.lru_cache(maxsize=64)
def _signing_key_id(private_pem: str) -> str:
    return key_id(public_pem_of(private_pem))


def generate_key_pair() -> tuple[str, str]:
    """A fresh RSA-2048 signing key: ``(private PKCS#8 PEM, public SPKI PEM)``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )
    return private, public


def wix_data(event: Mapping[str, Any], site_id: str) -> dict[str, Any]:
    """The object whose JSON string is the JWT's ``data`` claim."""
    return {
        "eventType": event_type(event),
        "instanceId": instance_id(site_id),
        "identity": _compact(identity(event)),
        "data": _compact(event),
        "accountInfo": {"accountId": account_id(site_id), "siteId": site_id},
    }


def wix_body(
    event: dict[str, Any],
    site_id: str,
    private_pem: str,
    *,
    now: int | None = None,
    lifetime: int = LIFETIME,
) -> str:
    """The webhook body Wix would POST for ``event`` (a stored domain-event envelope of
    ``site_id``): a compact JWT signed RS256 with ``private_pem``. ``now``: ``iat`` in epoch
    seconds (default: the clock); ``exp`` is ``now + lifetime``."""
    issued = int(time.time()) if now is None else now
    claims = {
        "data": _compact(wix_data(event, site_id)),
        "iat": issued,
        "exp": issued + lifetime,
    }
    headers = {"kid": _signing_key_id(private_pem), "alg": "RS256", "typ": None}
    return jwt.encode(claims, private_pem, algorithm="RS256", headers=headers, sort_headers=False)


def decode_header(body: str) -> dict[str, Any]:
    """The JOSE header of a body of :func:`wix_body` (unverified; for tests and tools)."""
    part = body.split(".", 1)[0]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return decoded
