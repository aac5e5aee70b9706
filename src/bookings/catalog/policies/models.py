"""Tables of this slice (registered on the shared metadata).

``booking_policies`` keeps every filterable/sortable wire field as a column and the rest of
the wire document (everything but ``id``, ``revision``, the dates and ``default``) in ``doc``.
``is_default`` is a column only: a partial unique index on ``site_id WHERE is_default`` makes
"at most one default per site" a database fact, and the service keeps "at least one".

``booking_policy_snapshots`` holds one frozen policy per booking.
"""

from __future__ import annotations

import sqlalchemy as sa

from bookings.platform.db import Json, UtcDateTime, metadata, site_id_column

booking_policies = sa.Table(
    "booking_policies",
    metadata,
    site_id_column(),
    sa.Column("id", sa.String(36), nullable=False),
    sa.Column("name", sa.String(400), nullable=True),
    sa.Column("description_enabled", sa.Boolean, nullable=False),
    sa.Column("description", sa.String(2500), nullable=False),
    sa.Column("is_default", sa.Boolean, nullable=False),
    sa.Column("early_enabled", sa.Boolean, nullable=False),
    sa.Column("earliest_booking_minutes", sa.Integer, nullable=False),
    sa.Column("late_enabled", sa.Boolean, nullable=False),
    sa.Column("latest_booking_minutes", sa.Integer, nullable=False),
    sa.Column("book_after_start_enabled", sa.Boolean, nullable=False),
    sa.Column("cancellation_enabled", sa.Boolean, nullable=False),
    sa.Column("cancellation_limited", sa.Boolean, nullable=False),
    sa.Column("latest_cancellation_minutes", sa.Integer, nullable=False),
    sa.Column("reschedule_enabled", sa.Boolean, nullable=False),
    sa.Column("reschedule_limited", sa.Boolean, nullable=False),
    sa.Column("latest_reschedule_minutes", sa.Integer, nullable=False),
    sa.Column("waitlist_enabled", sa.Boolean, nullable=False),
    sa.Column("waitlist_capacity", sa.Integer, nullable=False),
    sa.Column("waitlist_reservation_minutes", sa.Integer, nullable=False),
    sa.Column("participants_enabled", sa.Boolean, nullable=True),
    sa.Column("max_participants_per_booking", sa.Integer, nullable=False),
    sa.Column("resources_enabled", sa.Boolean, nullable=False),
    sa.Column("resources_auto_assign", sa.Boolean, nullable=False),
    sa.Column("intake_form_id", sa.String(36), nullable=True),
    sa.Column("doc", Json, nullable=False),
    sa.Column("revision", sa.BigInteger, nullable=False),
    sa.Column("created_date", UtcDateTime, nullable=False),
    sa.Column("updated_date", UtcDateTime, nullable=False),
    sa.PrimaryKeyConstraint("site_id", "id"),
    sa.Index("ix_booking_policies_site_created", "site_id", "created_date"),
)

#: Exactly one default per site: a second ``is_default`` row of a site is a unique violation.
sa.Index(
    "uq_booking_policies_site_default",
    booking_policies.c.site_id,
    unique=True,
    sqlite_where=booking_policies.c.is_default,
    postgresql_where=booking_policies.c.is_default,
)

booking_policy_snapshots = sa.Table(
    "booking_policy_snapshots",
    metadata,
    site_id_column(),
    sa.Column("id", sa.String(36), nullable=False),
    sa.Column("booking_id", sa.String(36), nullable=False),
    sa.Column("policy", Json, nullable=False),
    sa.Column("created_date", UtcDateTime, nullable=False),
    sa.PrimaryKeyConstraint("site_id", "id"),
    # One snapshot per booking; also the index of List Policy Snapshots By Booking Ids.
    sa.UniqueConstraint("site_id", "booking_id"),
)
