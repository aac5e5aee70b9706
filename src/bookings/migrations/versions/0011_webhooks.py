"""Webhooks: subscriptions, deliveries, the attempt log, and the queue of events not yet
fanned out (``outbox_pending``).

Revision ID: 0011_webhooks
Revises: 0010_waitlist
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from bookings.platform.db import UtcDateTime

revision: str = "0011_webhooks"
down_revision: str | None = "0010_waitlist"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "outbox_pending",
        sa.Column("site_id", sa.String(36), nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("created_date", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("site_id", "event_id", name="pk_outbox_pending"),
    )
    op.create_index("ix_outbox_pending_created", "outbox_pending", ["created_date"])
    op.create_table(
        "webhooks",
        sa.Column("site_id", sa.String(36), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("event_types", Json, nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("secret", sa.String(200), nullable=True),
        sa.Column("private_key", sa.Text, nullable=True),
        sa.Column("public_key", sa.Text, nullable=True),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("disabled_reason", sa.String(200), nullable=True),
        sa.Column("created_date", UtcDateTime, nullable=False),
        sa.Column("updated_date", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("site_id", "id", name="pk_webhooks"),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("site_id", sa.String(36), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("webhook_id", sa.String(36), nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_date", UtcDateTime, nullable=True),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_expires", UtcDateTime, nullable=True),
        sa.Column("last_status_code", sa.Integer, nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("delivered_date", UtcDateTime, nullable=True),
        sa.Column("created_date", UtcDateTime, nullable=False),
        sa.Column("updated_date", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("site_id", "id", name="pk_webhook_deliveries"),
        sa.UniqueConstraint(
            "site_id",
            "webhook_id",
            "event_id",
            name="uq_webhook_deliveries_site_id_webhook_id_event_id",
        ),
    )
    op.create_index(
        "ix_webhook_deliveries_site_webhook_created",
        "webhook_deliveries",
        ["site_id", "webhook_id", "created_date"],
    )
    op.create_index(
        "ix_webhook_deliveries_status_next",
        "webhook_deliveries",
        ["status", "next_attempt_date"],
    )
    op.create_table(
        "webhook_attempts",
        sa.Column("site_id", sa.String(36), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("delivery_id", sa.String(36), nullable=False),
        sa.Column("webhook_id", sa.String(36), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("worker", sa.String(64), nullable=False),
        sa.Column("started_date", UtcDateTime, nullable=False),
        sa.Column("finished_date", UtcDateTime, nullable=False),
        sa.Column("duration_ms", sa.Integer, nullable=False),
        sa.Column("status_code", sa.Integer, nullable=True),
        sa.Column("error", sa.String(500), nullable=True),
        sa.Column("response_excerpt", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("site_id", "id", name="pk_webhook_attempts"),
    )
    op.create_index(
        "ix_webhook_attempts_site_delivery", "webhook_attempts", ["site_id", "delivery_id"]
    )


def downgrade() -> None:
    op.drop_table("webhook_attempts")
    op.drop_table("webhook_deliveries")
    op.drop_table("webhooks")
    op.drop_table("outbox_pending")
