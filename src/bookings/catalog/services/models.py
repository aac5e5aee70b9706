"""Tables of the services slice.

``services`` keeps every filterable field of the wire object as an indexed column and the
whole stored wire document in ``doc``. Array fields that are filtered on live in child tables
(one row per element, in order): staff (resource) ids, business location ids, slugs.
"""

from __future__ import annotations

import sqlalchemy as sa

from bookings.platform.db import Json, UtcDateTime, metadata, site_id_column

services = sa.Table(
    "services",
    metadata,
    site_id_column(),
    sa.Column("id", sa.String(36), nullable=False),
    sa.Column("app_id", sa.String(36), nullable=True),
    sa.Column("type", sa.String(16), nullable=False),
    sa.Column("name", sa.String(400), nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("tag_line", sa.Text, nullable=True),
    sa.Column("hidden", sa.Boolean, nullable=True),
    sa.Column("category_id", sa.String(36), nullable=True),
    sa.Column("form_id", sa.String(36), nullable=True),
    sa.Column("main_slug", sa.String(500), nullable=False),
    sa.Column("online_booking_enabled", sa.Boolean, nullable=True),
    sa.Column("payment_online", sa.Boolean, nullable=True),
    sa.Column("payment_in_person", sa.Boolean, nullable=True),
    sa.Column("payment_pricing_plan", sa.Boolean, nullable=True),
    sa.Column("booking_policy_id", sa.String(36), nullable=False),
    sa.Column("schedule_id", sa.String(36), nullable=False),
    sa.Column("first_session_start", UtcDateTime, nullable=True),
    sa.Column("last_session_end", UtcDateTime, nullable=True),
    sa.Column("doc", Json, nullable=False),
    sa.Column("revision", sa.BigInteger, nullable=False),
    sa.Column("created_date", UtcDateTime, nullable=False),
    sa.Column("updated_date", UtcDateTime, nullable=False),
    sa.PrimaryKeyConstraint("site_id", "id"),
    sa.UniqueConstraint("site_id", "main_slug"),
    sa.Index("ix_services_site_created", "site_id", "created_date"),
    sa.Index("ix_services_site_policy", "site_id", "booking_policy_id"),
    sa.Index("ix_services_site_schedule", "site_id", "schedule_id"),
    sa.Index("ix_services_site_type", "site_id", "type"),
)


def _array_table(name: str, length: int) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        site_id_column(),
        sa.Column("service_id", sa.String(36), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("value", sa.String(length), nullable=False),
        sa.PrimaryKeyConstraint("site_id", "service_id", "position"),
        sa.ForeignKeyConstraint(
            ["site_id", "service_id"], ["services.site_id", "services.id"], ondelete="CASCADE"
        ),
        sa.Index(f"ix_{name}_site_value", "site_id", "value"),
    )


service_staff = _array_table("service_staff", 36)
service_business_locations = _array_table("service_business_locations", 36)
service_slugs = _array_table("service_slugs", 500)
