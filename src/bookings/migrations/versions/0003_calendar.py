"""Calendar V3: calendar_schedules, calendar_events, calendar_event_resources.

Revision ID: 0003_calendar
Revises: 0002_booking_policies
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from bookings.platform.db import UtcDateTime

revision: str = "0003_calendar"
down_revision: str | None = "0002_booking_policies"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
EVENT_ID = 250


def upgrade() -> None:
    op.create_table(
        "calendar_schedules",
        sa.Column("site_id", sa.String(36), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("external_id", sa.String(100), nullable=True),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("app_id", sa.String(100), nullable=False),
        sa.Column("default_capacity", sa.Integer, nullable=True),
        sa.Column("doc", Json, nullable=False),
        sa.Column("revision", sa.BigInteger, nullable=False),
        sa.Column("created_date", UtcDateTime, nullable=False),
        sa.Column("updated_date", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("site_id", "id", name="pk_calendar_schedules"),
    )
    op.create_index(
        "ix_calendar_schedules_site_external", "calendar_schedules", ["site_id", "external_id"]
    )
    op.create_index(
        "ix_calendar_schedules_site_created", "calendar_schedules", ["site_id", "created_date"]
    )
    op.create_table(
        "calendar_events",
        sa.Column("site_id", sa.String(36), nullable=False),
        sa.Column("id", sa.String(EVENT_ID), nullable=False),
        sa.Column("schedule_id", sa.String(36), nullable=False),
        sa.Column("external_schedule_id", sa.String(100), nullable=True),
        sa.Column("schedule_name", sa.String(200), nullable=True),
        sa.Column("app_id", sa.String(100), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("recurrence_type", sa.String(16), nullable=False),
        sa.Column("recurring_event_id", sa.String(EVENT_ID), nullable=True),
        sa.Column("occurrence_date", sa.Date, nullable=True),
        sa.Column("transparency", sa.String(16), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("start_utc", UtcDateTime, nullable=False),
        sa.Column("end_utc", UtcDateTime, nullable=False),
        sa.Column("until_utc", UtcDateTime, nullable=True),
        sa.Column("series_end_utc", UtcDateTime, nullable=True),
        sa.Column("materialized_until", UtcDateTime, nullable=True),
        sa.Column("location_id", sa.String(100), nullable=True),
        sa.Column("location_type", sa.String(16), nullable=True),
        sa.Column("conferencing_type", sa.String(16), nullable=True),
        sa.Column("total_capacity", sa.Integer, nullable=True),
        sa.Column("participants_total", sa.Integer, nullable=False),
        sa.Column("remaining_capacity", sa.Integer, nullable=True),
        sa.Column("doc", Json, nullable=False),
        sa.Column("revision", sa.BigInteger, nullable=False),
        sa.Column("created_date", UtcDateTime, nullable=False),
        sa.Column("updated_date", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("site_id", "id", name="pk_calendar_events"),
        sa.UniqueConstraint(
            "site_id",
            "recurring_event_id",
            "occurrence_date",
            name="uq_calendar_events_site_id_recurring_event_id_occurrence_date",
        ),
    )
    op.create_index("ix_calendar_events_site_start", "calendar_events", ["site_id", "start_utc"])
    op.create_index(
        "ix_calendar_events_site_schedule_start",
        "calendar_events",
        ["site_id", "schedule_id", "start_utc"],
    )
    op.create_index(
        "ix_calendar_events_site_series_start",
        "calendar_events",
        ["site_id", "recurring_event_id", "start_utc"],
    )
    op.create_index(
        "ix_calendar_events_site_recurrence",
        "calendar_events",
        ["site_id", "recurrence_type", "materialized_until"],
    )
    op.create_table(
        "calendar_event_resources",
        sa.Column("site_id", sa.String(36), nullable=False),
        sa.Column("event_id", sa.String(EVENT_ID), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("resource_id", sa.String(100), nullable=False),
        sa.Column("resource_type", sa.String(100), nullable=True),
        sa.Column("transparency", sa.String(16), nullable=False),
        sa.Column("start_utc", UtcDateTime, nullable=False),
        sa.Column("end_utc", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint(
            "site_id", "event_id", "position", name="pk_calendar_event_resources"
        ),
        sa.ForeignKeyConstraint(
            ["site_id", "event_id"],
            ["calendar_events.site_id", "calendar_events.id"],
            name="fk_calendar_event_resources_site_id_calendar_events",
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_calendar_event_resources_site_resource",
        "calendar_event_resources",
        ["site_id", "resource_id", "start_utc"],
    )


def downgrade() -> None:
    op.drop_table("calendar_event_resources")
    op.drop_table("calendar_events")
    op.drop_table("calendar_schedules")
