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
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bookings.platform import errors
from bookings.platform.db import Database


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
    #: The site's catalog version (:mod:`bookings.platform.site_cache`).
    catalog_version: int | None = None


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
    def catalog_version(self) -> int | None:
        """The site's catalog version as the credential lookup read it (``None``: not read)."""
        return self.site.catalog_version if self.site is not None else None

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


#: Finds the live credential with this SHA-256 digest: ``lookup(db, digest) -> Identity |
#: None``. The identity slice owns the credentials (``bookings.identity.credentials``); the
#: app passes its lookup in (``Services.lookup``).
CredentialLookup = Callable[[Database, str], Awaitable[Identity | None]]


async def authenticate(
    db: Database, lookup: CredentialLookup, authorization: str | None, site_header: str | None
) -> Identity:
    """The caller behind ``Authorization``; 401 when there is none or it is unknown."""
    credential = credential_from_header(authorization)
    if credential is None:
        raise errors.unauthenticated("Missing credentials: send an API key or access token")
    digest = hash_secret(credential)
    identity = await lookup(db, digest)
    if identity is None:
        raise errors.unauthenticated("Unknown, revoked or expired credentials")
    wanted_site = (site_header or "").strip()
    if wanted_site and wanted_site != identity.site_id:
        raise errors.permission_denied("These credentials do not belong to the requested site")
    return identity


def require_role(identity: Identity, allowed: frozenset[Role]) -> None:
    if identity.role not in allowed:
        raise errors.permission_denied(f"{identity.role.value} callers may not use this method")
