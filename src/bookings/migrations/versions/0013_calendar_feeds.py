"""Calendar feeds: one row per site or staff member feed (the random half of its token).

Revision ID: 0013_calendar_feeds
Revises: 0012_notifications
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bookings.platform.db import UtcDateTime

revision: str = "0013_calendar_feeds"
down_revision: str | None = "0012_notifications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_feeds",
        sa.Column("site_id", sa.String(36), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("lookup_id", sa.String(32), nullable=False),
        sa.Column("created_date", UtcDateTime, nullable=False),
        sa.Column("updated_date", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("site_id", "id", name="pk_calendar_feeds"),
        sa.UniqueConstraint("lookup_id", name="uq_calendar_feeds_lookup_id"),
    )


def downgrade() -> None:
    op.drop_table("calendar_feeds")
