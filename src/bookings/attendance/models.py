"""Tables of the attendance slice.

``attendances`` — one row per (booking, session): the upsert key is ``(site_id, booking_id,
session_key)`` where ``session_key`` is the calendar event id of the session, or ``""`` for an
appointment booking (appointments have no calendar event in this server, so their single
attendance is keyed by the booking alone). ``event_id`` is the same event id as a nullable
column (NULL for appointments): it is what the wire ``eventId``/``sessionId`` filters and
sorts on.

``service_id`` and ``member_id`` are copied from the booking on every Set (neither changes
during a booking's life): Count Attendances filters on ``serviceId`` and counts the calling
member's records without reaching into the bookings slice's tables.

Every wire field is a column, so there is no ``doc``.
"""

from __future__ import annotations

import sqlalchemy as sa

from bookings.platform.db import UtcDateTime, metadata, site_id_column

attendances = sa.Table(
    "attendances",
    metadata,
    site_id_column(),
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
    sa.PrimaryKeyConstraint("site_id", "id"),
    # The upsert key of Set Attendance; also the index of "attendance of these bookings".
    sa.UniqueConstraint("site_id", "booking_id", "session_key"),
    sa.Index("ix_attendances_site_event", "site_id", "event_id"),
    sa.Index("ix_attendances_site_status", "site_id", "status"),
    sa.Index("ix_attendances_site_attendees", "site_id", "number_of_attendees"),
    sa.Index("ix_attendances_site_member_service", "site_id", "member_id", "service_id"),
)
