"""The migrations build exactly the schema the code's tables describe, on both engines."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import bookings.models  # noqa: F401
from bookings import migrations
from bookings.platform.db import metadata
from bookings.platform.routing import Services


async def test_schema_matches_the_tables(services: Services) -> None:
    def diff(conn: object) -> list[object]:
        context = MigrationContext.configure(conn, opts={"compare_type": True})  # type: ignore[arg-type]
        return list(compare_metadata(context, metadata))

    async with services.db.connect_for_read() as conn:
        assert await conn.run_sync(diff) == []


async def test_upgrade_is_idempotent(services: Services) -> None:
    await migrations.upgrade(services.db)
    assert await migrations.current_revision(services.db) == migrations.head_revision()
