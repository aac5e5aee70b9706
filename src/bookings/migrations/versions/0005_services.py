"""Services V2 tables.

Revision ID: 0005_services
Revises: 0004_staff_resources
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from bookings.platform.db import UtcDateTime

revision: str = "0005_services"
down_revision: str | None = "0004_staff_resources"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
ARRAYS = {"service_staff": 36, "service_business_locations": 36, "service_slugs": 500}


def upgrade() -> None:
    op.create_table(
        "services",
        sa.Column("site_id", sa.String(36), nullable=False),
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
        sa.PrimaryKeyConstraint("site_id", "id", name="pk_services"),
        sa.UniqueConstraint("site_id", "main_slug", name="uq_services_site_id_main_slug"),
    )
    op.create_index("ix_services_site_created", "services", ["site_id", "created_date"])
    op.create_index("ix_services_site_policy", "services", ["site_id", "booking_policy_id"])
    op.create_index("ix_services_site_schedule", "services", ["site_id", "schedule_id"])
    op.create_index("ix_services_site_type", "services", ["site_id", "type"])
    for name, length in ARRAYS.items():
        op.create_table(
            name,
            sa.Column("site_id", sa.String(36), nullable=False),
            sa.Column("service_id", sa.String(36), nullable=False),
            sa.Column("position", sa.Integer, nullable=False),
            sa.Column("value", sa.String(length), nullable=False),
            sa.PrimaryKeyConstraint("site_id", "service_id", "position", name=f"pk_{name}"),
            sa.ForeignKeyConstraint(
                ["site_id", "service_id"],
                ["services.site_id", "services.id"],
                name=f"fk_{name}_site_id_services",
                ondelete="CASCADE",
            ),
        )
        op.create_index(f"ix_{name}_site_value", name, ["site_id", "value"])


def downgrade() -> None:
    for name in ARRAYS:
        op.drop_table(name)
    op.drop_table("services")
