"""Attendance API: one row per booking and session.

Revision ID: 0007_attendance
Revises: 0006_bookings
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bookings.platform.db import UtcDateTime

revision: str = "0007_attendance"
down_revision: str | None = "0006_bookings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attendances",
        sa.Column("site_id", sa.String(36), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("booking_id", sa.String(36), nullable=False),
        sa.Column("session_key", sa.String(250), nullable=False),
        sa.Column("event_id", sa.String(250), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("number_of_attendees", sa.Integer, nullable=False),
        sa.Column("service_id", sa.String(36), nullable=False),
        sa.Column("member_id", sa.String(36), nullable=True),
        sa.Column("created_date", UtcDateTime, nullable=False),
        sa.Column("updated_date", UtcDateTime, nullable=False),
        sa.Column("status_updated_date", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("site_id", "id", name="pk_attendances"),
        sa.UniqueConstraint(
            "site_id",
            "booking_id",
            "session_key",
            name="uq_attendances_site_id_booking_id_session_key",
        ),
    )
    op.create_index("ix_attendances_site_event", "attendances", ["site_id", "event_id"])
    op.create_index("ix_attendances_site_status", "attendances", ["site_id", "status"])
    op.create_index(
        "ix_attendances_site_attendees", "attendances", ["site_id", "number_of_attendees"]
    )
    op.create_index(
        "ix_attendances_site_member_service", "attendances", ["site_id", "member_id", "service_id"]
    )


def downgrade() -> None:
    op.drop_table("attendances")
