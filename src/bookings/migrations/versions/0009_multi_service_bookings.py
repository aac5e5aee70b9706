"""Multi-service bookings: the package table and the children's link to it.

Revision ID: 0009_multi_service_bookings
Revises: 0008_reader
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bookings.platform.db import UtcDateTime

revision: str = "0009_multi_service_bookings"
down_revision: str | None = "0008_reader"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "multi_service_bookings",
        sa.Column("site_id", sa.String(36), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("created_date", UtcDateTime, nullable=False),
        sa.Column("updated_date", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("site_id", "id", name="pk_multi_service_bookings"),
    )
    with op.batch_alter_table("bookings") as batch:
        batch.add_column(sa.Column("multi_service_booking_id", sa.String(36), nullable=True))
    op.create_index(
        "ix_bookings_site_multi_service", "bookings", ["site_id", "multi_service_booking_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_bookings_site_multi_service", table_name="bookings")
    with op.batch_alter_table("bookings") as batch:
        batch.drop_column("multi_service_booking_id")
    op.drop_table("multi_service_bookings")
