"""Tables of the staff slice: Resources V2 and the Staff Members built on them.

``resources`` keeps every filterable/sortable wire field of a Resource V2 as a column (type,
working-hours schedule, events schedule, location flags) and the rest of the wire document
(``locationOptions``, ``extendedFields``) in ``doc``. The business location ids a resource is
limited to live in ``resource_business_locations`` (one row per id, in order) so that
``$hasSome``/``$hasAll`` filters run in SQL.

``staff_members`` holds one row per staff member; ``resource_id`` names its Resource (of the
staff resource type), which carries the staff member's schedules. ``doc`` keeps ``mainMedia``,
``tags`` and ``extendedFields``.
"""

from __future__ import annotations

import sqlalchemy as sa

from bookings.platform.db import Json, UtcDateTime, metadata, site_id_column

resources = sa.Table(
    "resources",
    metadata,
    site_id_column(),
    sa.Column("id", sa.String(36), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("type_id", sa.String(36), nullable=True),
    sa.Column("working_hours_schedule_id", sa.String(36), nullable=True),
    sa.Column("working_hours_shared", sa.Boolean, nullable=True),
    sa.Column("events_schedule_id", sa.String(36), nullable=False),
    sa.Column("available_in_all_locations", sa.Boolean, nullable=True),
    sa.Column("available_in_business_locations", sa.Boolean, nullable=True),
    sa.Column("doc", Json, nullable=False),
    sa.Column("revision", sa.BigInteger, nullable=False),
    sa.Column("created_date", UtcDateTime, nullable=False),
    sa.Column("updated_date", UtcDateTime, nullable=False),
    sa.PrimaryKeyConstraint("site_id", "id"),
    sa.Index("ix_resources_site_created", "site_id", "created_date"),
    sa.Index("ix_resources_site_type", "site_id", "type_id"),
    sa.Index("ix_resources_site_events_schedule", "site_id", "events_schedule_id"),
    sa.Index("ix_resources_site_working_hours", "site_id", "working_hours_schedule_id"),
)

resource_business_locations = sa.Table(
    "resource_business_locations",
    metadata,
    site_id_column(),
    sa.Column("resource_id", sa.String(36), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("value", sa.String(36), nullable=False),
    sa.PrimaryKeyConstraint("site_id", "resource_id", "position"),
    sa.ForeignKeyConstraint(
        ["site_id", "resource_id"], ["resources.site_id", "resources.id"], ondelete="CASCADE"
    ),
    sa.Index("ix_resource_business_locations_site_value", "site_id", "value"),
)

staff_members = sa.Table(
    "staff_members",
    metadata,
    site_id_column(),
    sa.Column("id", sa.String(36), nullable=False),
    sa.Column("resource_id", sa.String(36), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("email", sa.String(320), nullable=True),
    sa.Column("phone", sa.String(64), nullable=True),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("service_provider", sa.Boolean, nullable=False),
    sa.Column("uses_default_working_hours", sa.Boolean, nullable=False),
    sa.Column("wix_user_id", sa.String(36), nullable=True),
    sa.Column("contact_id", sa.String(36), nullable=True),
    sa.Column("doc", Json, nullable=False),
    sa.Column("revision", sa.BigInteger, nullable=False),
    sa.Column("created_date", UtcDateTime, nullable=False),
    sa.Column("updated_date", UtcDateTime, nullable=False),
    sa.PrimaryKeyConstraint("site_id", "id"),
    sa.UniqueConstraint("site_id", "resource_id"),
    sa.ForeignKeyConstraint(["site_id", "resource_id"], ["resources.site_id", "resources.id"]),
    sa.Index("ix_staff_members_site_created", "site_id", "created_date"),
)
