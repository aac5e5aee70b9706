"""What the webhooks slice offers the app and the CLI.

``Dispatcher(db, clock=..., config=...)``
    The delivery loop (``await dispatcher.run()`` until cancelled), in ``bookings serve`` and
    alone in ``bookings worker``; ``run_once``/``drain`` for tests.
``dispatcher_config(settings)``
    Its configuration from the settings (lease, timeouts, poll interval).
``delivery_counts(db)``
    The deliveries of every site by status (the ``/metrics`` probe).
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from bookings.config import Settings
from bookings.platform.db import Database
from bookings.webhooks.dispatcher import Dispatcher
from bookings.webhooks.models import webhook_deliveries
from bookings.webhooks.shapes import Clock, DispatcherConfig, SystemClock

__all__ = [
    "Clock",
    "Dispatcher",
    "DispatcherConfig",
    "SystemClock",
    "delivery_counts",
    "dispatcher_config",
]


async def delivery_counts(db: Database) -> dict[str, float]:
    """How many deliveries are PENDING, DELIVERED, FAILED or CANCELED, over every site."""
    d = webhook_deliveries
    async with db.connect_for_read() as conn:
        rows = (
            await conn.execute(sa.select(d.c.status, sa.func.count()).group_by(d.c.status))
        ).all()
    counts = {status: 0.0 for status in ("PENDING", "DELIVERED", "FAILED", "CANCELED")}
    counts.update({str(status): float(n) for status, n in rows})
    return counts


def dispatcher_config(settings: Settings) -> DispatcherConfig:
    return DispatcherConfig(
        lease=timedelta(seconds=settings.webhook_lease_seconds),
        timeout=float(settings.webhook_timeout_seconds),
        poll=settings.webhook_poll_ms / 1000,
    )
