"""Tables of the eCommerce slice (the booking subset of Checkout and Orders, spec E).

``ecom_checkouts`` — one row per checkout: the wire document (``doc``) and the columns read
without it (``completed``, the order made from it). ``ecom_orders`` — one row per order: the
wire document and the columns searches filter and sort on (``number``, ``status``,
``payment_status``, ``created_date``). Both are site scoped like every other table.
"""

from __future__ import annotations

import sqlalchemy as sa

from bookings.platform.db import Json, UtcDateTime, metadata, site_id_column

ecom_checkouts = sa.Table(
    "ecom_checkouts",
    metadata,
    site_id_column(),
    sa.Column("id", sa.String(36), nullable=False),
    sa.Column("completed", sa.Boolean, nullable=False),
    sa.Column("order_id", sa.String(36), nullable=True),
    sa.Column("doc", Json, nullable=False),
    sa.Column("revision", sa.BigInteger, nullable=False),
    sa.Column("created_date", UtcDateTime, nullable=False),
    sa.Column("updated_date", UtcDateTime, nullable=False),
    sa.PrimaryKeyConstraint("site_id", "id"),
)

ecom_orders = sa.Table(
    "ecom_orders",
    metadata,
    site_id_column(),
    sa.Column("id", sa.String(36), nullable=False),
    sa.Column("number", sa.BigInteger, nullable=False),
    sa.Column("checkout_id", sa.String(36), nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("payment_status", sa.String(32), nullable=False),
    sa.Column("doc", Json, nullable=False),
    sa.Column("revision", sa.BigInteger, nullable=False),
    sa.Column("created_date", UtcDateTime, nullable=False),
    sa.Column("updated_date", UtcDateTime, nullable=False),
    sa.PrimaryKeyConstraint("site_id", "id"),
    sa.UniqueConstraint("site_id", "number"),
    sa.Index("ix_ecom_orders_created", "site_id", "created_date", "id"),
)

#: One row per payment asked of a provider: the order's online payment (``FULL`` or
#: ``DEPOSIT``), a ``BALANCE`` or a ``FEE`` (a late cancel). ``status``: ``PENDING``,
#: ``APPROVED``, ``DECLINED``; ``refunded`` is the amount given back so far.
ecom_payments = sa.Table(
    "ecom_payments",
    metadata,
    site_id_column(),
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
    sa.PrimaryKeyConstraint("site_id", "id"),
    sa.Index("ix_ecom_payments_order", "site_id", "order_id"),
    sa.Index("ix_ecom_payments_provider_ref", "site_id", "provider", "provider_ref"),
)

#: The provider events already applied: a webhook delivered twice changes nothing.
ecom_provider_events = sa.Table(
    "ecom_provider_events",
    metadata,
    site_id_column(),
    sa.Column("provider", sa.String(32), nullable=False),
    sa.Column("event_id", sa.String(255), nullable=False),
    sa.Column("received_date", UtcDateTime, nullable=False),
    sa.PrimaryKeyConstraint("site_id", "provider", "event_id"),
)

#: Refunds and fees decided in a unit of work and carried out with the provider after it
#: (``kind`` ``REFUND`` or ``FEE``; ``status`` ``PENDING``, ``DONE``, ``FAILED``), retried with
#: the task id as the provider's idempotency key until done.
ecom_money_tasks = sa.Table(
    "ecom_money_tasks",
    metadata,
    site_id_column(),
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
    sa.PrimaryKeyConstraint("site_id", "id"),
    sa.Index("ix_ecom_money_tasks_due", "status", "due_date"),
)

#: The bookings of each order (the Reader's ``withEcomOrder``, refunds of a booking).
ecom_order_bookings = sa.Table(
    "ecom_order_bookings",
    metadata,
    site_id_column(),
    sa.Column("booking_id", sa.String(36), nullable=False),
    sa.Column("order_id", sa.String(36), nullable=False),
    sa.PrimaryKeyConstraint("site_id", "booking_id", "order_id"),
    sa.Index("ix_ecom_order_bookings_order", "site_id", "order_id"),
)
