"""Tables of the identity slice: sites (tenants), API keys and access tokens.

``api_keys`` and ``access_tokens`` are looked up by the hash of the credential before the site
is known, so they carry a global unique index on that hash besides their ``(site_id, id)``
primary key. In a distributed (Citus) setup they are reference tables. Other slices never read
these tables: they ask :mod:`bookings.identity.service` (the site's time zone, settings,
currency) or get the caller's :class:`bookings.platform.auth.Identity`.
"""

from __future__ import annotations

import sqlalchemy as sa

from bookings.platform.db import Json, UtcDateTime, metadata

sites = sa.Table(
    "sites",
    metadata,
    sa.Column("site_id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("time_zone", sa.String(64), nullable=False),
    sa.Column("client_id", sa.String(36), nullable=False, unique=True),
    sa.Column("settings", Json, nullable=False),
    sa.Column("created_date", UtcDateTime, nullable=False),
    sa.Column("updated_date", UtcDateTime, nullable=False),
    #: The booking page's address: ``/book/{slug}`` (unique; made from the name).
    sa.Column("slug", sa.String(64), nullable=True),
    #: Moved on by every change of a service, policy, resource or staff member of the site
    #: (triggers, migration 0019): what a process read of those is good while it stays.
    sa.Column("catalog_version", sa.BigInteger, nullable=False, server_default="0"),
    sa.Index("uq_sites_slug", "slug", unique=True),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column(
        "site_id", sa.String(36), sa.ForeignKey("sites.site_id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("id", sa.String(36), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("key_hint", sa.String(16), nullable=False),
    sa.Column("created_date", UtcDateTime, nullable=False),
    sa.Column("revoked_date", UtcDateTime, nullable=True),
    sa.PrimaryKeyConstraint("site_id", "id"),
)

access_tokens = sa.Table(
    "access_tokens",
    metadata,
    sa.Column(
        "site_id", sa.String(36), sa.ForeignKey("sites.site_id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("id", sa.String(36), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("subject_id", sa.String(36), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("refresh_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("expires_date", UtcDateTime, nullable=False),
    sa.Column("refresh_expires_date", UtcDateTime, nullable=False),
    sa.Column("created_date", UtcDateTime, nullable=False),
    sa.PrimaryKeyConstraint("site_id", "id"),
)

#: People who sign in to a site's dashboard with an e-mail (unique across sites) and a
#: password (an Argon2 hash); they act as the site's ADMIN.
dashboard_users = sa.Table(
    "dashboard_users",
    metadata,
    sa.Column("site_id", sa.String(36), nullable=False),
    sa.Column("id", sa.String(36), nullable=False),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("created_date", UtcDateTime, nullable=False),
    sa.Column("disabled_date", UtcDateTime, nullable=True),
    sa.PrimaryKeyConstraint("site_id", "id"),
    sa.UniqueConstraint("email", name="uq_dashboard_users_email"),
)
