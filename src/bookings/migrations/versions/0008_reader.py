"""Bookings Reader V2: searchable booking columns, their array values and indexes.

Existing bookings are back-filled from their wire document.

Revision ID: 0008_reader
Revises: 0007_attendance
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bookings.booking.search import indexed_columns, value_rows

revision: str = "0008_reader"
down_revision: str | None = "0007_attendance"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT_COLUMNS = {
    "contact_id": 250,
    "contact_email": 250,
    "selected_payment_option": 32,
    "external_user_id": 250,
    "created_by_contact_id": 250,
    "created_by_app_id": 250,
    "created_by_wix_user_id": 250,
    "created_by_visitor_id": 250,
    "slot_resource_id": 250,
    "location_id": 250,
    "location_type": 32,
}

_INDEXES = {
    "ix_bookings_site_start": ["site_id", "start_utc"],
    "ix_bookings_site_status_start": ["site_id", "status", "start_utc"],
    "ix_bookings_site_service_created": ["site_id", "service_id", "created_date"],
    "ix_bookings_site_contact_created": ["site_id", "contact_id", "created_date"],
    "ix_bookings_site_email": ["site_id", "contact_email"],
    "ix_bookings_site_member_created": ["site_id", "member_id", "created_date"],
    "ix_bookings_site_visitor_created": ["site_id", "created_by_visitor_id", "created_date"],
    "ix_bookings_site_external_user": ["site_id", "external_user_id"],
}


def upgrade() -> None:
    with op.batch_alter_table("bookings") as batch:
        for name, length in _TEXT_COLUMNS.items():
            batch.add_column(sa.Column(name, sa.String(length), nullable=True))
        batch.add_column(sa.Column("total_participants", sa.Integer, nullable=True))
    for name, columns in _INDEXES.items():
        op.create_index(name, "bookings", columns)
    op.create_table(
        "booking_values",
        sa.Column("site_id", sa.String(36), nullable=False),
        sa.Column("booking_id", sa.String(36), nullable=False),
        sa.Column("field", sa.String(32), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("value", sa.String(250), nullable=False),
        sa.PrimaryKeyConstraint(
            "site_id", "booking_id", "field", "position", name="pk_booking_values"
        ),
    )
    op.create_index(
        "ix_booking_values_site_field_value",
        "booking_values",
        ["site_id", "field", "value", "booking_id"],
    )
    _backfill()


def _backfill() -> None:
    conn = op.get_bind()
    table = sa.table(
        "bookings",
        sa.column("site_id"),
        sa.column("id"),
        sa.column("doc", sa.JSON()),
        *(sa.column(name) for name in [*_TEXT_COLUMNS, "total_participants"]),
    )
    values = sa.table(
        "booking_values",
        sa.column("site_id"),
        sa.column("booking_id"),
        sa.column("field"),
        sa.column("position"),
        sa.column("value"),
    )
    for row in conn.execute(sa.select(table.c.site_id, table.c.id, table.c.doc)).all():
        doc = row.doc or {}
        conn.execute(
            table.update()
            .where(table.c.site_id == row.site_id, table.c.id == row.id)
            .values(**indexed_columns(doc))
        )
        rows = [{"site_id": row.site_id, **r} for r in value_rows(row.id, doc)]
        if rows:
            conn.execute(values.insert(), rows)


def downgrade() -> None:
    op.drop_table("booking_values")
    for name in _INDEXES:
        op.drop_index(name, "bookings")
    with op.batch_alter_table("bookings") as batch:
        for name in [*_TEXT_COLUMNS, "total_participants"]:
            batch.drop_column(name)
