"""Tables of the bookings slice.

``bookings`` — one row per booking. What capacity checks filter on is a real column: the
``kind`` (APPOINTMENT / CLASS / COURSE), the capacity owner (``resource_id`` of an
appointment's staff resource, ``event_id`` of a class session, ``schedule_id`` of a course),
the instants (``busy_end_utc`` = end + the service's buffer, what the booking blocks of its
resource), ``participants``, ``status`` and ``hold_until`` (a CREATED booking holds capacity
until then). The rest of the wire document is ``doc``.
"""

from __future__ import annotations

import sqlalchemy as sa

from bookings.platform.db import Json, UtcDateTime, metadata, site_id_column

bookings = sa.Table(
    "bookings",
    metadata,
    site_id_column(),
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
    sa.PrimaryKeyConstraint("site_id", "id"),
    sa.Index("ix_bookings_site_event", "site_id", "event_id"),
    sa.Index("ix_bookings_site_resource_start", "site_id", "resource_id", "start_utc"),
    sa.Index("ix_bookings_site_schedule", "site_id", "schedule_id"),
    sa.Index("ix_bookings_site_created", "site_id", "created_date"),
)
