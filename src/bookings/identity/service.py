"""Use-cases of sites, API keys and access tokens."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bookings.identity import site_settings
from bookings.identity.dashboard_users import DashboardUser as DashboardUser
from bookings.identity.dashboard_users import SignedIn as SignedIn
from bookings.identity.dashboard_users import create_dashboard_user as create_dashboard_user
from bookings.identity.dashboard_users import sign_in_with_key as sign_in_with_key
from bookings.identity.dashboard_users import sign_in_with_password as sign_in_with_password
from bookings.identity.dashboard_users import still_allowed as still_allowed
from bookings.identity.models import access_tokens, api_keys, sites
from bookings.identity.site_settings import SettingError, SettingView
from bookings.identity.slugs import free_slug, slugify
from bookings.platform import errors
from bookings.platform.auth import Identity, Role, SiteFacts, hash_secret, new_secret
from bookings.platform.db import Database, SiteScope, site_select, utcnow
from bookings.platform.timezones import is_valid_zone

__all__ = ["SettingError", "SettingView"]  # the settings' types, for the dashboard and CLI

#: Refresh tokens outlive access tokens; a visitor session can be resumed for this long.
REFRESH_TOKEN_TTL = timedelta(days=90)


@dataclass(frozen=True)
class Site:
    site_id: str
    name: str
    time_zone: str
    client_id: str
    settings: dict[str, Any]
    #: The booking page's address: ``/book/{slug}``.
    slug: str = ""


@dataclass(frozen=True)
class ApiKey:
    site_id: str
    id: str
    role: Role
    name: str
    key_hint: str
    created_date: datetime
    revoked_date: datetime | None


@dataclass(frozen=True)
class TokenGrant:
    access_token: str
    refresh_token: str
    expires_in: int
    identity: Identity


def _site(row: sa.Row[Any]) -> Site:
    return Site(
        row.site_id,
        row.name,
        row.time_zone,
        row.client_id,
        dict(row.settings or {}),
        row.slug or row.site_id,
    )


def _check_zone(time_zone: str) -> None:
    if not is_valid_zone(time_zone):
        raise errors.invalid_field("timeZone", f"unknown time zone {time_zone!r}", errors.FORMAT)


def _check_guid(value: str, field: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise errors.invalid_field(field, "must be a GUID", errors.FORMAT) from None


async def create_site(
    db: Database, name: str, time_zone: str = "UTC", site_id: str | None = None
) -> Site:
    _check_zone(time_zone)
    site_id = _check_guid(site_id, "siteId") if site_id else str(uuid.uuid4())
    now = utcnow()
    row = {
        "site_id": site_id,
        "name": name,
        "time_zone": time_zone,
        "client_id": str(uuid.uuid4()),
        "settings": {},
        "created_date": now,
        "updated_date": now,
    }
    async with db.connect_for_write() as conn:
        exists = (
            await conn.execute(sa.select(sites.c.site_id).where(sites.c.site_id == site_id))
        ).first()
        if exists:
            raise errors.conflict("SITE_ALREADY_EXISTS", f"Site {site_id} already exists")
        base = slugify(name)
        taken = (
            await conn.execute(
                sa.select(sites.c.slug).where(
                    sa.or_(sites.c.slug == base, sites.c.slug.like(f"{base}-%"))
                )
            )
        ).scalars()
        row["slug"] = free_slug(name, {str(t) for t in taken})
        await conn.execute(sa.insert(sites).values(**row))
    return Site(site_id, name, time_zone, str(row["client_id"]), {}, str(row["slug"]))


async def site_by_slug(db: Database, slug: str) -> Site | None:
    """The site of a booking page's address (its slug, or its id)."""
    async with db.connect_for_read() as conn:
        row = (
            await conn.execute(
                sa.select(sites).where(sa.or_(sites.c.slug == slug, sites.c.site_id == slug))
            )
        ).first()
    return _site(row) if row else None


_FACTS = site_select(sites, sites.c.time_zone, sites.c.settings)


def site_not_found(site_id: str) -> errors.ApplicationError:
    """404 ``SITE_NOT_FOUND``, the same body wherever a site is looked up."""
    return errors.not_found("SITE_NOT_FOUND", f"Site {site_id} not found", siteId=site_id)


async def site_facts(scope: SiteScope, caller: Identity | None = None) -> SiteFacts:
    """The scope's site time zone and settings: as ``caller``'s credential lookup read them
    (no statement), else read now (UTC and no settings for a site that is gone)."""
    if caller is not None and caller.site is not None and caller.site_id == scope.site_id:
        return caller.site
    row = (await scope.run(_FACTS)).first()
    if row is None:
        return SiteFacts("UTC", {})
    return SiteFacts(str(row.time_zone or "UTC"), dict(row.settings or {}))


async def site_time_zone(scope: SiteScope) -> str:
    """The time zone of the scope's site (inside the caller's transaction)."""
    zone_name = await scope.scalar(scope.select(sites, sites.c.time_zone))
    return str(zone_name) if zone_name else "UTC"


async def site_currency(scope: SiteScope) -> str:
    """The site's currency (ISO 4217): the ``currency`` site setting, ``USD`` by default."""
    settings = await scope.scalar(scope.select(sites, sites.c.settings))
    return str((settings or {}).get("currency") or "USD")


async def get_site(db: Database, site_id: str) -> Site | None:
    async with db.connect_for_read() as conn:
        row = (await conn.execute(sa.select(sites).where(sites.c.site_id == site_id))).first()
    return _site(row) if row else None


async def list_sites(db: Database) -> list[Site]:
    async with db.connect_for_read() as conn:
        rows = (await conn.execute(sa.select(sites).order_by(sites.c.created_date))).all()
    return [_site(r) for r in rows]


def site_settings_view(site: Site) -> list[SettingView]:
    """Every setting of the site a business may change (``identity.site_settings``), with its
    value (the default when unset), default and description: the dashboard's settings page
    and ``bookings sites settings`` list these."""
    columns = {"name": site.name, "timeZone": site.time_zone}
    return site_settings.views(columns, site.settings)


def _settings_invalid(wrong: list[SettingError]) -> errors.InvalidRequest:
    return errors.InvalidRequest(
        [errors.FieldViolation(e.key, e.message, errors.FORMAT) for e in wrong],
        message="; ".join(str(e) for e in wrong),
    )


async def update_site_settings(db: Database, site_id: str, changes: dict[str, Any]) -> Site:
    """Change some of the site's settings: ``changes`` maps a key of
    ``identity.site_settings.SETTINGS`` to a value, typed or as text (``None`` or ``""``:
    back to the default). Every value is checked first: one wrong value (or unknown key)
    stores nothing and raises a 400 ``InvalidRequest`` naming each key and what it allows."""
    values, wrong = site_settings.check_changes(changes)
    if wrong:
        raise _settings_invalid(wrong)
    async with db.connect_for_write() as conn:
        row = (
            await conn.execute(sa.select(sites).where(sites.c.site_id == site_id).with_for_update())
        ).first()
        if row is None:
            raise site_not_found(site_id)
        update: dict[str, Any] = {
            column: values[key] for key, column in site_settings.COLUMNS.items() if key in values
        }
        update["settings"] = site_settings.merged(dict(row.settings or {}), values)
        update["updated_date"] = utcnow()
        await conn.execute(sa.update(sites).where(sites.c.site_id == site_id).values(**update))
        row = (await conn.execute(sa.select(sites).where(sites.c.site_id == site_id))).one()
    return _site(row)


async def create_api_key(
    db: Database, site_id: str, role: Role, name: str = "", plaintext: str | None = None
) -> tuple[ApiKey, str]:
    """A new API key of ``role`` for the site; returns the key and its only plaintext copy."""
    if role not in (Role.ADMIN, Role.APP):
        raise errors.invalid_field(
            "role", "API keys are ADMIN or APP keys", errors.INVALID_ENUM_VALUE
        )
    plaintext = plaintext or new_secret("bk")
    now = utcnow()
    key = ApiKey(
        site_id,
        str(uuid.uuid4()),
        role,
        name or f"{role.value.lower()} key",
        plaintext[-4:],
        now,
        None,
    )
    async with db.connect_for_write() as conn:
        if (
            await conn.execute(sa.select(sites.c.site_id).where(sites.c.site_id == site_id))
        ).first() is None:
            raise site_not_found(site_id)
        clash = (
            await conn.execute(
                sa.select(api_keys.c.site_id).where(api_keys.c.key_hash == hash_secret(plaintext))
            )
        ).first()
        if clash is not None:
            raise errors.conflict("API_KEY_ALREADY_EXISTS", "This key is already registered")
        await conn.execute(
            sa.insert(api_keys).values(
                site_id=site_id,
                id=key.id,
                role=role.value,
                name=key.name,
                key_hash=hash_secret(plaintext),
                key_hint=key.key_hint,
                created_date=now,
            )
        )
    return key, plaintext


async def ensure_site_with_admin_key(
    db: Database, site_id: str, plaintext_key: str, time_zone: str = "UTC", name: str = "Site"
) -> tuple[Site, bool]:
    """The automation hook: this site exists and accepts this ADMIN key. Idempotent.

    Returns the site and whether it was created now.
    """
    site_id = _check_guid(site_id, "BOOKINGS_SITE_ID")
    created = False
    site = await get_site(db, site_id)
    if site is None:
        try:
            site = await create_site(db, name, time_zone, site_id)
            created = True
        except errors.ApplicationError as exc:
            if exc.code != "SITE_ALREADY_EXISTS":  # lost a race with another process: fine
                raise
            site = await get_site(db, site_id)
            assert site is not None
    digest = hash_secret(plaintext_key)
    async with db.connect_for_read() as conn:
        row = (
            await conn.execute(
                sa.select(api_keys.c.site_id, api_keys.c.role, api_keys.c.revoked_date).where(
                    api_keys.c.key_hash == digest
                )
            )
        ).first()
    if row is None:
        try:
            await create_api_key(db, site_id, Role.ADMIN, "automation admin key", plaintext_key)
        except errors.ApplicationError as exc:
            if exc.code != "API_KEY_ALREADY_EXISTS":
                raise
    elif row.site_id != site_id or row.role != Role.ADMIN.value:
        raise errors.conflict(
            "API_KEY_ALREADY_EXISTS",
            "BOOKINGS_ADMIN_API_KEY is already registered for another site or role",
        )
    elif row.revoked_date is not None:
        raise errors.failed_precondition(
            "API_KEY_REVOKED", "BOOKINGS_ADMIN_API_KEY was revoked; choose another key"
        )
    return site, created


async def list_api_keys(db: Database, site_id: str) -> list[ApiKey]:
    async with db.connect_for_read() as conn:
        rows = (
            await conn.execute(
                sa.select(api_keys)
                .where(api_keys.c.site_id == site_id)
                .order_by(api_keys.c.created_date)
            )
        ).all()
    return [
        ApiKey(r.site_id, r.id, Role(r.role), r.name, r.key_hint, r.created_date, r.revoked_date)
        for r in rows
    ]


async def revoke_api_key(db: Database, key_id: str) -> ApiKey:
    """Revoke a key by its id (or by its plaintext); it stops working at once."""
    async with db.connect_for_write() as conn:
        row = (
            await conn.execute(
                sa.select(api_keys).where(
                    sa.or_(api_keys.c.id == key_id, api_keys.c.key_hash == hash_secret(key_id))
                )
            )
        ).first()
        if row is None:
            raise errors.not_found("API_KEY_NOT_FOUND", f"API key {key_id} not found")
        revoked = row.revoked_date or utcnow()
        await conn.execute(
            sa.update(api_keys)
            .where(api_keys.c.site_id == row.site_id, api_keys.c.id == row.id)
            .values(revoked_date=revoked)
        )
    return ApiKey(
        row.site_id, row.id, Role(row.role), row.name, row.key_hint, row.created_date, revoked
    )


async def _site_by_client_id(db: Database, client_id: str) -> Site | None:
    async with db.connect_for_read() as conn:
        row = (
            await conn.execute(
                sa.select(sites).where(
                    sa.or_(sites.c.client_id == client_id, sites.c.site_id == client_id)
                )
            )
        ).first()
    return _site(row) if row else None


async def _issue(db: Database, site_id: str, role: Role, subject_id: str, ttl: int) -> TokenGrant:
    access, refresh = new_secret("bkv" if role is Role.VISITOR else "bkm"), new_secret("bkr")
    now = utcnow()
    async with db.connect_for_write() as conn:
        await conn.execute(
            sa.insert(access_tokens).values(
                site_id=site_id,
                id=str(uuid.uuid4()),
                role=role.value,
                subject_id=subject_id,
                token_hash=hash_secret(access),
                refresh_hash=hash_secret(refresh),
                expires_date=now + timedelta(seconds=ttl),
                refresh_expires_date=now + REFRESH_TOKEN_TTL,
                created_date=now,
            )
        )
        # Housekeeping: tokens whose refresh window closed can never be used again.
        await conn.execute(
            sa.delete(access_tokens).where(
                access_tokens.c.site_id == site_id, access_tokens.c.refresh_expires_date < now
            )
        )
    return TokenGrant(access, refresh, ttl, Identity(site_id, role, subject_id))


async def issue_visitor_token(db: Database, client_id: str, ttl: int) -> TokenGrant:
    """``grantType: anonymous``: a new anonymous visitor of the site behind ``client_id``."""
    site = await _site_by_client_id(db, client_id.strip())
    if site is None:
        raise errors.invalid_field("clientId", "is not the client id of any site on this server")
    return await _issue(db, site.site_id, Role.VISITOR, str(uuid.uuid4()), ttl)


async def issue_member_token(
    db: Database, caller: Identity, member_id: str, ttl: int
) -> TokenGrant:
    """A token acting as site member ``member_id``; only the site's admin may ask for it."""
    if caller.role is not Role.ADMIN:
        raise errors.permission_denied("Only an ADMIN key may issue member tokens")
    member_id = _check_guid(member_id, "memberId")
    return await _issue(db, caller.site_id, Role.MEMBER, member_id, ttl)


async def refresh_access_token(db: Database, refresh_token: str, ttl: int) -> TokenGrant:
    """``grantType: refresh_token``: a new access token for the same visitor or member."""
    async with db.connect_for_read() as conn:
        row = (
            await conn.execute(
                sa.select(access_tokens).where(
                    access_tokens.c.refresh_hash == hash_secret(refresh_token.strip()),
                    access_tokens.c.refresh_expires_date > utcnow(),
                )
            )
        ).first()
    if row is None:
        raise errors.ApplicationError(
            "INVALID_REFRESH_TOKEN", "Unknown or expired refresh token", http_status=400
        )
    return await _issue(db, row.site_id, Role(row.role), row.subject_id, ttl)
