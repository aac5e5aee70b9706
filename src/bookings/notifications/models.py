"""Tables of the notifications slice: the mail queue, the consumer's marks, site templates.

``notification_messages`` is the durable queue: one row per e-mail or SMS, rendered when it is
queued (subject, bodies, calendar invite), sent later by :func:`.service.send_due`.
``dedup_key`` (unique per site) makes queueing idempotent: ``<eventId>:<audience>`` for an
outbox event, ``reminder:<bookingId>:<offset>:<start>:<channel>`` for a reminder.

``notification_seen`` marks the outbox events the consumer has handled;
``notification_cursor`` (one row, not a tenant table) is the floor below which the consumer
no longer looks (see :mod:`.service`).
"""

from __future__ import annotations

import sqlalchemy as sa

from bookings.platform.db import UtcDateTime, metadata, site_id_column

notification_messages = sa.Table(
    "notification_messages",
    metadata,
    site_id_column(),
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
    sa.PrimaryKeyConstraint("site_id", "id"),
    sa.UniqueConstraint("site_id", "dedup_key"),
    sa.Index("ix_notification_messages_status_next", "status", "next_attempt_at"),
    sa.Index("ix_notification_messages_site_status", "site_id", "status", "created_date"),
)

notification_seen = sa.Table(
    "notification_seen",
    metadata,
    site_id_column(),
    sa.Column("event_id", sa.String(36), nullable=False),
    sa.Column("event_created", UtcDateTime, nullable=False),
    sa.PrimaryKeyConstraint("site_id", "event_id"),
    sa.Index("ix_notification_seen_created", "event_created"),
)

notification_cursor = sa.Table(
    "notification_cursor",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("floor", UtcDateTime, nullable=False),
    sa.Column("updated_date", UtcDateTime, nullable=False),
)

notification_templates = sa.Table(
    "notification_templates",
    metadata,
    site_id_column(),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("updated_date", UtcDateTime, nullable=False),
    sa.PrimaryKeyConstraint("site_id", "name"),
)
