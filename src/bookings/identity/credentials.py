"""Who is calling: the live API key or access token behind a credential digest.

Looked up on every call, never cached, so that a revocation or an expiry takes effect at once.
The lookup also reads the caller's site time zone, settings and catalog version (one statement
for all), so a use-case that needs them reads them no second time (:attr:`Identity.site`), and
the process's copies of the catalog are checked at no cost (:mod:`bookings.platform.site_cache`).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from bookings.identity.models import access_tokens, api_keys, sites
from bookings.platform import auth
from bookings.platform.auth import Identity, Role, SiteFacts
from bookings.platform.db import Database, utcnow

#: Built once (see ``platform/db.py``): a live API key, else an unexpired token, by hash, with
#: its site's time zone and settings.
_SITE_FACTS = (sites.c.time_zone, sites.c.settings, sites.c.catalog_version)
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
        facts = SiteFacts(str(row.time_zone), dict(row.settings or {}), row.catalog_version)
    return Identity(row.site_id, Role(row.role), row.subject_id, facts)


async def lookup(db: Database, digest: str) -> Identity | None:
    """The identity of the live credential whose SHA-256 is ``digest`` (the app's
    :data:`bookings.platform.auth.CredentialLookup`)."""
    async with db.connect_for_lookup() as conn:
        key = (await conn.execute(_KEY_BY_HASH, {"digest": digest})).first()
        if key is not None:
            return _identity(key)
        token = (await conn.execute(_TOKEN_BY_HASH, {"digest": digest, "now": utcnow()})).first()
        if token is not None:
            return _identity(token)
    return None


async def authenticate(
    db: Database, authorization: str | None, site_header: str | None = None
) -> Identity:
    """The caller behind an ``Authorization`` value (401 when unknown, 403 for another site)."""
    return await auth.authenticate(db, lookup, authorization, site_header)
