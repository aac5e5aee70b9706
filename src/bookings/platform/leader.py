"""Periodic work runs once per deployment, not once per process (issue 17).

``bookings serve --workers N`` runs N processes, and a deployment may run several nodes on one
PostgreSQL. The background loops of ``serve`` (the webhook dispatcher, the waitlist sweeper,
notifications and reminders, payment tasks) run in the one process that holds a PostgreSQL
session advisory lock (:data:`LOCK_KEY`) on a connection of its own; the others wait and try
again every few seconds, so when the holder dies (its connection closes, the lock goes) another
takes over. On SQLite a deployment is one process: the loops simply run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import sqlalchemy as sa

from bookings.platform.db import Database

log = logging.getLogger("bookings.leader")

#: The advisory lock of the background work (an arbitrary constant of this application).
LOCK_KEY = 0x626B6C64  # "bkld"
Loops = Callable[[], list[Coroutine[Any, Any, None]]]


async def run_as_leader(db: Database, loops: Loops, retry_seconds: float = 5.0) -> None:
    """Run ``loops()`` while this process holds the lock (until cancelled)."""
    if db.is_sqlite:
        await _run(loops())
        return
    while True:
        try:
            async with db.engine.connect() as conn:
                got = (
                    await conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY})
                ).scalar()
                await conn.commit()
                if got:
                    log.info("this process runs the background work")
                    await _lead(conn, loops, retry_seconds)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("background work: lost the database, trying again", exc_info=True)
        await asyncio.sleep(retry_seconds)


async def _lead(conn: Any, loops: Loops, every: float) -> None:
    """Run the loops while the lock's connection lives (a ping every ``every`` seconds)."""
    tasks = [asyncio.create_task(c) for c in loops()]
    try:
        while True:
            await asyncio.sleep(every)
            await conn.execute(sa.text("SELECT 1"))
            await conn.commit()
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


async def _run(coroutines: list[Coroutine[Any, Any, None]]) -> None:
    tasks = [asyncio.create_task(c) for c in coroutines]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
