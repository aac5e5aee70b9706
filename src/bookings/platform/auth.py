"""Identities, API keys, access tokens and who may call what.

A caller is one of four identities of one site:

* ``ADMIN`` — the business (an admin API key; acts as a Wix user);
* ``APP`` — an application of the business (an app API key);
* ``MEMBER`` — a site member (an access token issued for a member id by an admin);
* ``VISITOR`` — an anonymous site visitor (an access token from ``POST /oauth2/token``).

``Authorization`` carries the raw credential as the Wix SDK sends it (a ``Bearer`` prefix is
accepted too). API keys name their site; the optional ``wix-site-id`` header must agree.
Credentials are stored as SHA-256 hashes: they are long random strings, so a fast hash is
the right tool (nothing to brute-force) and a lookup costs one indexed query.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import sqlalchemy as sa

from bookings.platform import errors
from bookings.platform.db import Database, utcnow
from bookings.platform.models import access_tokens, api_keys, sites


class Role(StrEnum):
    ADMIN = "ADMIN"
    APP = "APP"
    MEMBER = "MEMBER"
    VISITOR = "VISITOR"


#: Who may call an endpoint.
ADMIN_ONLY = frozenset({Role.ADMIN})
BACKEND = frozenset({Role.ADMIN, Role.APP})
MEMBERS_AND_BACKEND = frozenset({Role.ADMIN, Role.APP, Role.MEMBER})
ANYONE = frozenset(Role)

_INITIATOR_FIELD = {
    Role.ADMIN: "wixUserId",
    Role.APP: "appId",
    Role.MEMBER: "memberId",
    Role.VISITOR: "anonymousVisitorId",
}


@dataclass(frozen=True)
class SiteFacts:
    """A site's time zone and settings, as read together with the caller's credential."""

    time_zone: str
    settings: Mapping[str, Any]


@dataclass(frozen=True)
class Identity:
    site_id: str
    role: Role
    #: The wix user id (admin key id), app id (app key id), member id or visitor id.
    subject_id: str
    #: The site's time zone and settings when the credential lookup read them (it does: one
    #: statement for both), so that a use-case needing them reads them no second time.
    site: SiteFacts | None = field(default=None, compare=False)

    @property
    def is_backend(self) -> bool:
        return self.role in BACKEND

    def initiated_by(self) -> dict[str, Any]:
        """The Wix ``IdentificationData`` of this caller."""
        return {_INITIATOR_FIELD[self.role]: self.subject_id}


def hash_secret(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def new_secret(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def credential_from_header(header: str | None) -> str | None:
    if header is None:
        return None
    value = header.strip()
    if value[:7].lower() == "bearer ":
        value = value[7:].strip()
    return value or None


async def authenticate(
    db: Database, authorization: str | None, site_header: str | None
) -> Identity:
    """The caller behind ``Authorization``; 401 when there is none or it is unknown."""
    credential = credential_from_header(authorization)
    if credential is None:
        raise errors.unauthenticated("Missing credentials: send an API key or access token")
    digest = hash_secret(credential)
    identity = await _lookup(db, digest)
    if identity is None:
        raise errors.unauthenticated("Unknown, revoked or expired credentials")
    wanted_site = (site_header or "").strip()
    if wanted_site and wanted_site != identity.site_id:
        raise errors.permission_denied("These credentials do not belong to the requested site")
    return identity


#: The credential lookups of every request, built once (see ``platform/db.py``): a live API
#: key, else an unexpired token, by hash, with its site's time zone and settings. Looked up
#: on every call, never cached, so that a revocation or an expiry takes effect at once.
_SITE_FACTS = (sites.c.time_zone, sites.c.settings)
_KEY_BY_HASH = (
    sa.select(api_keys.c.site_id, api_keys.c.role, api_keys.c.id.label("subject_id"), *_SITE_FACTS)
    .join_from(api_keys, sites, sites.c.site_id == api_keys.c.site_id, isouter=True)
    .where(api_keys.c.key_hash == sa.bindparam("digest"), api_keys.c.revoked_date.is_(None))
)
_TOKEN_BY_HASH = (
    sa.select(
        access_tokens.c.site_id, access_tokens.c.role, access_tokens.c.subject_id, *_SITE_FACTS
    )
    .join_from(access_tokens, sites, sites.c.site_id == access_tokens.c.site_id, isouter=True)
    .where(
        access_tokens.c.token_hash == sa.bindparam("digest"),
        access_tokens.c.expires_date > sa.bindparam("now"),
    )
)


def _identity(row: Any) -> Identity:
    facts = None
    if row.time_zone is not None:
        facts = SiteFacts(str(row.time_zone), dict(row.settings or {}))
    return Identity(row.site_id, Role(row.role), row.subject_id, facts)


async def _lookup(db: Database, digest: str) -> Identity | None:
    async with db.connect_for_lookup() as conn:
        key = (await conn.execute(_KEY_BY_HASH, {"digest": digest})).first()
        if key is not None:
            return _identity(key)
        token = (await conn.execute(_TOKEN_BY_HASH, {"digest": digest, "now": utcnow()})).first()
        if token is not None:
            return _identity(token)
    return None


def require_role(identity: Identity, allowed: frozenset[Role]) -> None:
    if identity.role not in allowed:
        raise errors.permission_denied(f"{identity.role.value} callers may not use this method")
