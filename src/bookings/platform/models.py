"""Platform tables: the instance secrets and the outbox of domain events. (Sites, API keys
and access tokens are the identity slice's: :mod:`bookings.identity.models`.)"""

from __future__ import annotations

import sqlalchemy as sa

from bookings.platform.db import Json, UtcDateTime, metadata

instance_secrets = sa.Table(
    "instance_secrets",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.String(200), nullable=False),
    sa.Column("created_date", UtcDateTime, nullable=False),
)

#: The outbox (see :mod:`bookings.platform.events`): one row per domain event, written in the
#: transaction of the change it describes. ``sequence`` counts per entity (1, 2, ...) and is the
#: wire ``entityEventSequence``; ``body`` is the whole domain-event envelope.
domain_events = sa.Table(
    "domain_events",
    metadata,
    sa.Column("site_id", sa.String(36), nullable=False),
    sa.Column("id", sa.String(36), nullable=False),
    sa.Column("entity_fqdn", sa.String(100), nullable=False),
    sa.Column("slug", sa.String(100), nullable=False),
    sa.Column("entity_id", sa.String(100), nullable=False),
    sa.Column("event_time", UtcDateTime, nullable=False),
    sa.Column("sequence", sa.BigInteger, nullable=False),
    sa.Column("body", Json, nullable=False),
    sa.Column("created_date", UtcDateTime, nullable=False),
    sa.PrimaryKeyConstraint("site_id", "id"),
    sa.UniqueConstraint("site_id", "entity_id", "sequence"),
    sa.Index("ix_domain_events_site_created", "site_id", "created_date", "id"),
    #: The notifications consumer reads new events of every site by record time.
    sa.Index("ix_domain_events_created", "created_date"),
)

#: Events not yet fanned out to their consumers (the webhook dispatcher): a row goes in with
#: the event (same statement on PostgreSQL), the dispatcher deletes it in the transaction that
#: creates the event's deliveries. A queue that stays short, so the dispatcher never scans the
#: outbox, and an event committed late (ids and times are taken before the commit) is never
#: skipped, as a cursor over ``created_date`` could.
outbox_pending = sa.Table(
    "outbox_pending",
    metadata,
    sa.Column("site_id", sa.String(36), nullable=False),
    sa.Column("event_id", sa.String(36), nullable=False),
    sa.Column("created_date", UtcDateTime, nullable=False),
    sa.PrimaryKeyConstraint("site_id", "event_id"),
    sa.Index("ix_outbox_pending_created", "created_date"),
)

#: Idempotency records (:mod:`bookings.platform.idempotency`): the answer of a committed write
#: sent with an ``Idempotency-Key``, written in that write's transaction. ``scope`` is the
#: SHA-256 of site, credential and key; the row is replayed until ``expires_at``, then pruned.
idempotency_records = sa.Table(
    "idempotency_records",
    metadata,
    sa.Column("site_id", sa.String(36), nullable=False),
    sa.Column("scope", sa.String(64), nullable=False),
    sa.Column("route", sa.String(300), nullable=False),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("status_code", sa.Integer, nullable=False),
    sa.Column("content_type", sa.String(200), nullable=False),
    sa.Column("body", sa.LargeBinary, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.PrimaryKeyConstraint("site_id", "scope"),
    sa.Index("ix_idempotency_records_expires_at", "expires_at"),
)
