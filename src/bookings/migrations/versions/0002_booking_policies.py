"""booking_policies and booking_policy_snapshots.

Revision ID: 0002_booking_policies
Revises: 0001_platform
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from bookings.platform.db import UtcDateTime

revision: str = "0002_booking_policies"
down_revision: str | None = "0001_platform"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _flag(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.Boolean, nullable=nullable)


def _minutes(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.Integer, nullable=False)


def upgrade() -> None:
    op.create_table(
        "booking_policies",
        sa.Column("site_id", sa.String(36), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(400), nullable=True),
        _flag("description_enabled"),
        sa.Column("description", sa.String(2500), nullable=False),
        _flag("is_default"),
        _flag("early_enabled"),
        _minutes("earliest_booking_minutes"),
        _flag("late_enabled"),
        _minutes("latest_booking_minutes"),
        _flag("book_after_start_enabled"),
        _flag("cancellation_enabled"),
        _flag("cancellation_limited"),
        _minutes("latest_cancellation_minutes"),
        _flag("reschedule_enabled"),
        _flag("reschedule_limited"),
        _minutes("latest_reschedule_minutes"),
        _flag("waitlist_enabled"),
        _minutes("waitlist_capacity"),
        _minutes("waitlist_reservation_minutes"),
        _flag("participants_enabled", nullable=True),
        _minutes("max_participants_per_booking"),
        _flag("resources_enabled"),
        _flag("resources_auto_assign"),
        sa.Column("intake_form_id", sa.String(36), nullable=True),
        sa.Column("doc", Json, nullable=False),
        sa.Column("revision", sa.BigInteger, nullable=False),
        sa.Column("created_date", UtcDateTime, nullable=False),
        sa.Column("updated_date", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("site_id", "id", name="pk_booking_policies"),
    )
    op.create_index(
        "ix_booking_policies_site_created", "booking_policies", ["site_id", "created_date"]
    )
    op.create_index(
        "uq_booking_policies_site_default",
        "booking_policies",
        ["site_id"],
        unique=True,
        sqlite_where=sa.text("is_default"),
        postgresql_where=sa.text("is_default"),
    )
    op.create_table(
        "booking_policy_snapshots",
        sa.Column("site_id", sa.String(36), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("booking_id", sa.String(36), nullable=False),
        sa.Column("policy", Json, nullable=False),
        sa.Column("created_date", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("site_id", "id", name="pk_booking_policy_snapshots"),
        sa.UniqueConstraint(
            "site_id", "booking_id", name="uq_booking_policy_snapshots_site_id_booking_id"
        ),
    )


def downgrade() -> None:
    op.drop_table("booking_policy_snapshots")
    op.drop_index("uq_booking_policies_site_default", table_name="booking_policies")
    op.drop_index("ix_booking_policies_site_created", table_name="booking_policies")
    op.drop_table("booking_policies")
