"""Tables of the bookings slice.

``bookings`` — one row per booking. What capacity checks filter on is a real column: the
``kind`` (APPOINTMENT / CLASS / COURSE), the capacity owner (``resource_id`` of an
appointment's staff resource, ``event_id`` of a class session, ``schedule_id`` of a course),
the instants (``busy_end_utc`` = end + the service's buffer, what the booking blocks of its
resource), ``participants``, ``status`` and ``hold_until`` (a CREATED booking holds capacity
until then). The rest of the wire document is ``doc``.

What Bookings Reader V2 filters on is a real column too (contact, payment option, creator,
location, slot resource, ``total_participants``), derived from ``doc`` on every write by
:func:`bookings.booking.search.indexed_columns`; its array fields (tags, participant choices)
are rows of ``booking_values`` (one per element, ``field`` says which array).

``multi_service_bookings`` — one row per multi-service booking (a package of 2 to 8
appointment bookings back to back); its children carry its id in
``bookings.multi_service_booking_id``. Every call that changes a package locks its row first.

``waitlist_entries`` — one row per registration to a class session's waitlist (its booking is
``WAITING_LIST``); the rules are :mod:`bookings.booking.waitlist`. Every change of a session's
entries happens under the lock of the session's event row.
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
    sa.Column("contact_id", sa.String(250), nullable=True),
    sa.Column("contact_email", sa.String(250), nullable=True),
    sa.Column("selected_payment_option", sa.String(32), nullable=True),
    sa.Column("external_user_id", sa.String(250), nullable=True),
    sa.Column("created_by_contact_id", sa.String(250), nullable=True),
    sa.Column("created_by_app_id", sa.String(250), nullable=True),
    sa.Column("created_by_wix_user_id", sa.String(250), nullable=True),
    sa.Column("created_by_visitor_id", sa.String(250), nullable=True),
    sa.Column("slot_resource_id", sa.String(250), nullable=True),
    sa.Column("location_id", sa.String(250), nullable=True),
    sa.Column("location_type", sa.String(32), nullable=True),
    sa.Column("total_participants", sa.Integer, nullable=True),
    sa.Column("multi_service_booking_id", sa.String(36), nullable=True),
    sa.Column("doc", Json, nullable=False),
    sa.Column("revision", sa.BigInteger, nullable=False),
    sa.Column("created_date", UtcDateTime, nullable=False),
    sa.Column("updated_date", UtcDateTime, nullable=False),
    sa.PrimaryKeyConstraint("site_id", "id"),
    sa.Index("ix_bookings_site_event", "site_id", "event_id"),
    sa.Index("ix_bookings_site_resource_start", "site_id", "resource_id", "start_utc"),
    sa.Index("ix_bookings_site_schedule", "site_id", "schedule_id"),
    sa.Index("ix_bookings_site_created", "site_id", "created_date"),
    # Bookings Reader V2 (0008_reader).
    sa.Index("ix_bookings_site_start", "site_id", "start_utc"),
    sa.Index("ix_bookings_site_status_start", "site_id", "status", "start_utc"),
    sa.Index("ix_bookings_site_service_created", "site_id", "service_id", "created_date"),
    sa.Index("ix_bookings_site_contact_created", "site_id", "contact_id", "created_date"),
    sa.Index("ix_bookings_site_email", "site_id", "contact_email"),
    sa.Index("ix_bookings_site_member_created", "site_id", "member_id", "created_date"),
    sa.Index(
        "ix_bookings_site_visitor_created", "site_id", "created_by_visitor_id", "created_date"
    ),
    sa.Index("ix_bookings_site_external_user", "site_id", "external_user_id"),
    # Multi-service bookings (0009_multi_service_bookings).
    sa.Index("ix_bookings_site_multi_service", "site_id", "multi_service_booking_id"),
)

multi_service_bookings = sa.Table(
    "multi_service_bookings",
    metadata,
    site_id_column(),
    sa.Column("id", sa.String(36), nullable=False),
    sa.Column("type", sa.String(32), nullable=False),
    sa.Column("created_date", UtcDateTime, nullable=False),
    sa.Column("updated_date", UtcDateTime, nullable=False),
    sa.PrimaryKeyConstraint("site_id", "id"),
)

booking_values = sa.Table(
    "booking_values",
    metadata,
    site_id_column(),
    sa.Column("booking_id", sa.String(36), nullable=False),
    sa.Column("field", sa.String(32), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("value", sa.String(250), nullable=False),
    sa.PrimaryKeyConstraint("site_id", "booking_id", "field", "position"),
    sa.Index("ix_booking_values_site_field_value", "site_id", "field", "value", "booking_id"),
)

waitlist_entries = sa.Table(
    "waitlist_entries",
    metadata,
    site_id_column(),
    sa.Column("id", sa.String(36), nullable=False),
    sa.Column("event_id", sa.String(250), nullable=False),
    sa.Column("booking_id", sa.String(36), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("participants", sa.Integer, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=True),
    sa.Column("created_date", UtcDateTime, nullable=False),
    sa.Column("updated_date", UtcDateTime, nullable=False),
    sa.PrimaryKeyConstraint("site_id", "id"),
    sa.Index("ix_waitlist_entries_site_event", "site_id", "event_id", "created_date"),
    sa.Index("ix_waitlist_entries_site_booking", "site_id", "booking_id"),
    sa.Index("ix_waitlist_entries_status_expires", "status", "expires_at"),
)
