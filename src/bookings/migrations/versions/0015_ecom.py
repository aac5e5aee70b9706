"""eCommerce: checkouts and orders (the booking subset).

Revision ID: 0015_ecom
Revises: 0014_idempotency
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bookings.platform.db import Json, UtcDateTime

revision: str = "0015_ecom"
down_revision: str | None = "0014_idempotency"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ecom_checkouts",
        sa.Column("site_id", sa.String(36), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("completed", sa.Boolean, nullable=False),
        sa.Column("order_id", sa.String(36), nullable=True),
        sa.Column("doc", Json, nullable=False),
        sa.Column("revision", sa.BigInteger, nullable=False),
        sa.Column("created_date", UtcDateTime, nullable=False),
        sa.Column("updated_date", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("site_id", "id", name="pk_ecom_checkouts"),
    )
    op.create_table(
        "ecom_orders",
        sa.Column("site_id", sa.String(36), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("number", sa.BigInteger, nullable=False),
        sa.Column("checkout_id", sa.String(36), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("payment_status", sa.String(32), nullable=False),
        sa.Column("doc", Json, nullable=False),
        sa.Column("revision", sa.BigInteger, nullable=False),
        sa.Column("created_date", UtcDateTime, nullable=False),
        sa.Column("updated_date", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("site_id", "id", name="pk_ecom_orders"),
        sa.UniqueConstraint("site_id", "number", name="uq_ecom_orders_site_id_number"),
    )
    op.create_index("ix_ecom_orders_created", "ecom_orders", ["site_id", "created_date", "id"])


def downgrade() -> None:
    op.drop_index("ix_ecom_orders_created", table_name="ecom_orders")
    op.drop_table("ecom_orders")
    op.drop_table("ecom_checkouts")
