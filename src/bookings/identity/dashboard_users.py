"""Who may sign in to a site's dashboard: its admin API keys, and dashboard users (an e-mail
and a password, made with ``bookings dashboard-users create``). Both act as the site's ADMIN.
A session is re-checked on every request (:func:`still_allowed`): a revoked key or a disabled
user is signed out at once."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from pwdlib import PasswordHash

from bookings.identity import credentials
from bookings.identity.models import api_keys, dashboard_users, sites
from bookings.platform import errors
from bookings.platform.auth import Identity, Role, hash_secret
from bookings.platform.db import Database, utcnow

MIN_PASSWORD = 10
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_HASHER = PasswordHash.recommended()
#: Verified when no user has the e-mail, so that a wrong e-mail takes as long as a wrong
#: password (no user enumeration by timing).
_DUMMY_HASH = _HASHER.hash("not a password of anyone")


@dataclass(frozen=True)
class DashboardUser:
    site_id: str
    id: str
    email: str


@dataclass(frozen=True)
class SignedIn:
    """Who signed in: the identity they act as, and by what (``key`` or ``user``)."""

    identity: Identity
    kind: str
    label: str


async def create_dashboard_user(
    db: Database, site_id: str, email: str, password: str
) -> DashboardUser:
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise errors.invalid_field("email", "must be an e-mail address", errors.FORMAT)
    if len(password) < MIN_PASSWORD:
        raise errors.invalid_field("password", f"must have at least {MIN_PASSWORD} characters")
    user = DashboardUser(site_id, str(uuid.uuid4()), email)
    async with db.connect_for_write() as conn:
        site = (
            await conn.execute(sa.select(sites.c.site_id).where(sites.c.site_id == site_id))
        ).first()
        if site is None:
            raise errors.not_found("SITE_NOT_FOUND", f"Site {site_id} not found")
        taken = (
            await conn.execute(
                sa.select(dashboard_users.c.id).where(dashboard_users.c.email == email)
            )
        ).first()
        if taken is not None:
            raise errors.conflict("DASHBOARD_USER_EXISTS", f"{email} already has a dashboard user")
        await conn.execute(
            sa.insert(dashboard_users).values(
                site_id=site_id,
                id=user.id,
                email=email,
                password_hash=_HASHER.hash(password),
                created_date=utcnow(),
                disabled_date=None,
            )
        )
    return user


async def sign_in_with_key(db: Database, key: str) -> SignedIn | None:
    """An admin API key's sign-in (``None``: not a live admin key)."""
    found = await credentials.lookup(db, hash_secret(key.strip()))
    if found is None or found.role is not Role.ADMIN:
        return None
    return SignedIn(found, "key", f"API key …{key.strip()[-4:]}")


async def sign_in_with_password(db: Database, email: str, password: str) -> SignedIn | None:
    """A dashboard user's sign-in (``None``: unknown e-mail, wrong password, or disabled)."""
    async with db.connect_for_read() as conn:
        row = (
            await conn.execute(
                sa.select(dashboard_users).where(dashboard_users.c.email == email.strip().lower())
            )
        ).first()
    if row is None:
        _HASHER.verify(password, _DUMMY_HASH)
        return None
    if not _HASHER.verify(password, row.password_hash) or row.disabled_date is not None:
        return None
    return SignedIn(Identity(row.site_id, Role.ADMIN, row.id), "user", row.email)


async def still_allowed(db: Database, site_id: str, kind: str, subject_id: str) -> bool:
    """Whether a session's key is not revoked, or its user not disabled."""
    async with db.connect_for_read() as conn:
        if kind == "key":
            row = (
                await conn.execute(
                    sa.select(api_keys.c.revoked_date, api_keys.c.role)
                    .where(api_keys.c.site_id == site_id)
                    .where(api_keys.c.id == subject_id)
                )
            ).first()
            return row is not None and row.revoked_date is None and row.role == Role.ADMIN.value
        row = (
            await conn.execute(
                sa.select(dashboard_users.c.disabled_date)
                .where(dashboard_users.c.site_id == site_id)
                .where(dashboard_users.c.id == subject_id)
            )
        ).first()
        return row is not None and row.disabled_date is None
