"""Notifications: the mail queue, the outbox consumer's marks and cursor, site templates.

Revision ID: 0012_notifications
Revises: 0011_webhooks
Create Date: 2026-12-10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bookings.platform.db import UtcDateTime

revision: str = "0012_notifications"
down_revision: str | None = "0011_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notification_messages",
        sa.Column("site_id", sa.String(36), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("dedup_key", sa.String(250), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("audience", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("booking_id", sa.String(36), nullable=True),
        sa.Column("event_id", sa.String(36), nullable=True),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("text_body", sa.Text, nullable=False),
        sa.Column("html_body", sa.Text, nullable=True),
        sa.Column("ics", sa.Text, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", UtcDateTime, nullable=True),
        sa.Column("lease_expires_at", UtcDateTime, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created_date", UtcDateTime, nullable=False),
        sa.Column("sent_date", UtcDateTime, nullable=True),
        sa.Column("updated_date", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("site_id", "id", name="pk_notification_messages"),
        sa.UniqueConstraint(
            "site_id", "dedup_key", name="uq_notification_messages_site_id_dedup_key"
        ),
    )
    op.create_index(
        "ix_notification_messages_status_next",
        "notification_messages",
        ["status", "next_attempt_at"],
    )
    op.create_index(
        "ix_notification_messages_site_status",
        "notification_messages",
        ["site_id", "status", "created_date"],
    )
    op.create_table(
        "notification_seen",
        sa.Column("site_id", sa.String(36), nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("event_created", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("site_id", "event_id", name="pk_notification_seen"),
    )
    op.create_index("ix_notification_seen_created", "notification_seen", ["event_created"])
    op.create_table(
        "notification_cursor",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("floor", UtcDateTime, nullable=False),
        sa.Column("updated_date", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_notification_cursor"),
    )
    op.create_table(
        "notification_templates",
        sa.Column("site_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("updated_date", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("site_id", "name", name="pk_notification_templates"),
    )
    op.create_index("ix_domain_events_created", "domain_events", ["created_date"])


def downgrade() -> None:
    op.drop_index("ix_domain_events_created", table_name="domain_events")
    op.drop_table("notification_templates")
    op.drop_table("notification_cursor")
    op.drop_index("ix_notification_seen_created", table_name="notification_seen")
    op.drop_table("notification_seen")
    op.drop_index("ix_notification_messages_site_status", table_name="notification_messages")
    op.drop_index("ix_notification_messages_status_next", table_name="notification_messages")
    op.drop_table("notification_messages")
