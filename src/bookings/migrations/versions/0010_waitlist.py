"""The waitlist of class sessions: one row per registration.

Revision ID: 0010_waitlist
Revises: 0009_multi_service_bookings
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bookings.platform.db import UtcDateTime

revision: str = "0010_waitlist"
down_revision: str | None = "0009_multi_service_bookings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "waitlist_entries",
        sa.Column("site_id", sa.String(36), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("event_id", sa.String(250), nullable=False),
        sa.Column("booking_id", sa.String(36), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("participants", sa.Integer, nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=True),
        sa.Column("created_date", UtcDateTime, nullable=False),
        sa.Column("updated_date", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("site_id", "id", name="pk_waitlist_entries"),
    )
    op.create_index(
        "ix_waitlist_entries_site_event",
        "waitlist_entries",
        ["site_id", "event_id", "created_date"],
    )
    op.create_index(
        "ix_waitlist_entries_site_booking", "waitlist_entries", ["site_id", "booking_id"]
    )
    op.create_index(
        "ix_waitlist_entries_status_expires", "waitlist_entries", ["status", "expires_at"]
    )


def downgrade() -> None:
    op.drop_table("waitlist_entries")
