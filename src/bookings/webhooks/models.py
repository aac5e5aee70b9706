"""Tables of the webhooks slice: subscriptions, deliveries (event x subscription, with their
lease) and the log of every attempt."""

from __future__ import annotations

import sqlalchemy as sa

from bookings.platform.db import Json, UtcDateTime, metadata, site_id_column

#: One subscription. ``event_types``: a list of Wix event type names (empty: every type).
#: ``format``: STANDARD (``secret`` = ``whsec_...``) or WIX (an RSA key pair of its own).
webhooks = sa.Table(
    "webhooks",
    metadata,
    site_id_column(),
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
    sa.PrimaryKeyConstraint("site_id", "id"),
)

#: One event to send to one subscription. ``status``: PENDING, DELIVERED, FAILED (the ladder
#: ran out) or CANCELED (the receiver answered 410: its webhook was disabled). A PENDING
#: delivery is due at ``next_attempt_date``; a dispatcher claims it by writing its name in
#: ``lease_owner`` until ``lease_expires`` (a lease that outlives a killed process).
webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    site_id_column(),
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
    sa.PrimaryKeyConstraint("site_id", "id"),
    sa.UniqueConstraint("site_id", "webhook_id", "event_id"),
    sa.Index("ix_webhook_deliveries_site_webhook_created", "site_id", "webhook_id", "created_date"),
    sa.Index("ix_webhook_deliveries_status_next", "status", "next_attempt_date"),
)

#: Every attempt of a delivery: who sent it (``worker``, the lease owner), when, how long it
#: took, the answer's status (none when no answer came: ``error``) and at most 4 KiB of its
#: body.
webhook_attempts = sa.Table(
    "webhook_attempts",
    metadata,
    site_id_column(),
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
    sa.PrimaryKeyConstraint("site_id", "id"),
    sa.Index("ix_webhook_attempts_site_delivery", "site_id", "delivery_id"),
)
