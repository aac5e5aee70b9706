"""Alembic environment: runs on the connection the caller hands over (see __init__.py)."""

from alembic import context

import bookings.models  # noqa: F401  (registers every table on the metadata)
from bookings.platform.db import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `bookings migrate` or bookings.migrations.upgrade")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
