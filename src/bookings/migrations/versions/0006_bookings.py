"""Bookings Writer V2 tables and the domain-event outbox.

Revision ID: 0006_bookings
Revises: 0005_services
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from bookings.platform.db import UtcDateTime

revision: str = "0006_bookings"
down_revision: str | None = "0005_services"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "domain_events",
        sa.Column("site_id", sa.String(36), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("entity_fqdn", sa.String(100), nullable=False),
        sa.Column("slug", sa.String(100), nullable=False),
        sa.Column("entity_id", sa.String(100), nullable=False),
        sa.Column("event_time", UtcDateTime, nullable=False),
        sa.Column("sequence", sa.BigInteger, nullable=False),
        sa.Column("body", Json, nullable=False),
        sa.Column("created_date", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("site_id", "id", name="pk_domain_events"),
        sa.UniqueConstraint(
            "site_id", "entity_id", "sequence", name="uq_domain_events_site_id_entity_id_sequence"
        ),
    )
    op.create_index(
        "ix_domain_events_site_created", "domain_events", ["site_id", "created_date", "id"]
    )
    op.create_table(
        "bookings",
        sa.Column("site_id", sa.String(36), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("payment_status", sa.String(16), nullable=False),
        sa.Column("service_id", sa.String(36), nullable=False),
        sa.Column("schedule_id", sa.String(36), nullable=True),
        sa.Column("event_id", sa.String(250), nullable=True),
        sa.Column("resource_id", sa.String(36), nullable=True),
        sa.Column("start_utc", UtcDateTime, nullable=True),
        sa.Column("end_utc", UtcDateTime, nullable=True),
        sa.Column("busy_end_utc", UtcDateTime, nullable=True),
        sa.Column("participants", sa.Integer, nullable=False),
        sa.Column("hold_until", UtcDateTime, nullable=True),
        sa.Column("double_booked", sa.Boolean, nullable=False),
        sa.Column("member_id", sa.String(36), nullable=True),
        sa.Column("doc", Json, nullable=False),
        sa.Column("revision", sa.BigInteger, nullable=False),
        sa.Column("created_date", UtcDateTime, nullable=False),
        sa.Column("updated_date", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("site_id", "id", name="pk_bookings"),
    )
    op.create_index("ix_bookings_site_event", "bookings", ["site_id", "event_id"])
    op.create_index(
        "ix_bookings_site_resource_start", "bookings", ["site_id", "resource_id", "start_utc"]
    )
    op.create_index("ix_bookings_site_schedule", "bookings", ["site_id", "schedule_id"])
    op.create_index("ix_bookings_site_created", "bookings", ["site_id", "created_date"])


def downgrade() -> None:
    op.drop_table("bookings")
    op.drop_table("domain_events")
