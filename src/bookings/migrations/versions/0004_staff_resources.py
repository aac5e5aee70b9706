"""Resources V2 and Staff Members tables.

Revision ID: 0004_staff_resources
Revises: 0003_calendar
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from bookings.platform.db import UtcDateTime

revision: str = "0004_staff_resources"
down_revision: str | None = "0003_calendar"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "resources",
        sa.Column("site_id", sa.String(36), nullable=False),
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
        sa.PrimaryKeyConstraint("site_id", "id", name="pk_resources"),
    )
    op.create_index("ix_resources_site_created", "resources", ["site_id", "created_date"])
    op.create_index("ix_resources_site_type", "resources", ["site_id", "type_id"])
    op.create_index(
        "ix_resources_site_events_schedule", "resources", ["site_id", "events_schedule_id"]
    )
    op.create_index(
        "ix_resources_site_working_hours", "resources", ["site_id", "working_hours_schedule_id"]
    )
    op.create_table(
        "resource_business_locations",
        sa.Column("site_id", sa.String(36), nullable=False),
        sa.Column("resource_id", sa.String(36), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("value", sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint(
            "site_id", "resource_id", "position", name="pk_resource_business_locations"
        ),
        sa.ForeignKeyConstraint(
            ["site_id", "resource_id"],
            ["resources.site_id", "resources.id"],
            name="fk_resource_business_locations_site_id_resources",
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_resource_business_locations_site_value",
        "resource_business_locations",
        ["site_id", "value"],
    )
    op.create_table(
        "staff_members",
        sa.Column("site_id", sa.String(36), nullable=False),
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
        sa.PrimaryKeyConstraint("site_id", "id", name="pk_staff_members"),
        sa.UniqueConstraint("site_id", "resource_id", name="uq_staff_members_site_id_resource_id"),
        sa.ForeignKeyConstraint(
            ["site_id", "resource_id"],
            ["resources.site_id", "resources.id"],
            name="fk_staff_members_site_id_resources",
        ),
    )
    op.create_index("ix_staff_members_site_created", "staff_members", ["site_id", "created_date"])


def downgrade() -> None:
    op.drop_table("staff_members")
    op.drop_table("resource_business_locations")
    op.drop_index("ix_resources_site_working_hours", table_name="resources")
    op.drop_index("ix_resources_site_events_schedule", table_name="resources")
    op.drop_index("ix_resources_site_type", table_name="resources")
    op.drop_index("ix_resources_site_created", table_name="resources")
    op.drop_table("resources")
