"""Payments: the provider payments of orders, the provider events seen (deduplication), the
refunds and fees left to do (money tasks), and the bookings of each order.

Revision ID: 0016_payments
Revises: 0015_ecom
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bookings.platform.db import UtcDateTime

revision: str = "0016_payments"
down_revision: str | None = "0015_ecom"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ecom_payments",
        sa.Column("site_id", sa.String(36), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("order_id", sa.String(36), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("provider_ref", sa.String(255), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("amount", sa.String(32), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("refunded", sa.String(32), nullable=False),
        sa.Column("redirect_url", sa.String(2048), nullable=True),
        sa.Column("created_date", UtcDateTime, nullable=False),
        sa.Column("updated_date", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("site_id", "id", name="pk_ecom_payments"),
    )
    op.create_index("ix_ecom_payments_order", "ecom_payments", ["site_id", "order_id"])
    op.create_index(
        "ix_ecom_payments_provider_ref", "ecom_payments", ["site_id", "provider", "provider_ref"]
    )
    op.create_table(
        "ecom_provider_events",
        sa.Column("site_id", sa.String(36), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("received_date", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("site_id", "provider", "event_id", name="pk_ecom_provider_events"),
    )
    op.create_table(
        "ecom_money_tasks",
        sa.Column("site_id", sa.String(36), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("order_id", sa.String(36), nullable=False),
        sa.Column("booking_id", sa.String(36), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("amount", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("due_date", UtcDateTime, nullable=False),
        sa.Column("detail", sa.String(500), nullable=True),
        sa.Column("created_date", UtcDateTime, nullable=False),
        sa.Column("updated_date", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("site_id", "id", name="pk_ecom_money_tasks"),
    )
    op.create_index("ix_ecom_money_tasks_due", "ecom_money_tasks", ["status", "due_date"])
    op.create_table(
        "ecom_order_bookings",
        sa.Column("site_id", sa.String(36), nullable=False),
        sa.Column("booking_id", sa.String(36), nullable=False),
        sa.Column("order_id", sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint("site_id", "booking_id", "order_id", name="pk_ecom_order_bookings"),
    )
    op.create_index("ix_ecom_order_bookings_order", "ecom_order_bookings", ["site_id", "order_id"])


def downgrade() -> None:
    op.drop_index("ix_ecom_order_bookings_order", table_name="ecom_order_bookings")
    op.drop_table("ecom_order_bookings")
    op.drop_index("ix_ecom_money_tasks_due", table_name="ecom_money_tasks")
    op.drop_table("ecom_money_tasks")
    op.drop_table("ecom_provider_events")
    op.drop_index("ix_ecom_payments_provider_ref", table_name="ecom_payments")
    op.drop_index("ix_ecom_payments_order", table_name="ecom_payments")
    op.drop_table("ecom_payments")
