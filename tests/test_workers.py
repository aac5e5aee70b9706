"""``bookings serve --workers N`` (issue 17): N server processes on one PostgreSQL, and the
periodic work (webhook dispatcher, sweeper, notifications, payment tasks) run by exactly one
of them, the holder of an advisory lock; another takes over when it goes."""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from bookings.cli import serve_workers
from bookings.config import Settings
from bookings.platform.leader import LOCK_KEY
from tests.conftest import POSTGRES_URL, fresh_database
from tests.serving import serving

pytestmark = pytest.mark.slow


def test_the_default_number_of_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BOOKINGS_WORKERS", raising=False)
    sqlite = Settings(database_url="sqlite+aiosqlite:///x.db")
    pg = Settings(database_url="postgresql+asyncpg://u@h/db")
    assert serve_workers(None, sqlite) == 1
    assert serve_workers(None, pg) >= 1
    assert serve_workers(3, sqlite) == 3
    monkeypatch.setenv("BOOKINGS_WORKERS", "2")
    assert serve_workers(None, pg) == 2


async def leaders(url: str) -> list[int]:
    """The pids of the sessions that hold the background work's lock."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                sa.text(
                    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
                    "AND objid = :k"
                ),
                {"k": LOCK_KEY},
            )
            return [int(r.pid) for r in rows]
    finally:
        await engine.dispose()


@pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL: set BOOKINGS_TEST_POSTGRES_URL")
async def test_two_workers_one_runs_the_background_work(tmp_path: Path) -> None:
    async with fresh_database("postgres", tmp_path) as url:
        env = {
            "BOOKINGS_DATABASE_URL": url,
            "BOOKINGS_DATA_DIR": str(tmp_path),
            "BOOKINGS_DEMO": "0",
            "BOOKINGS_LOG_JSON": "0",
        }
        with serving(env, "--workers", "2", log=tmp_path / "serve.log") as (base, _proc):
            async with httpx.AsyncClient(base_url=base) as client:
                answers = await asyncio.gather(*(client.get("/healthz") for _ in range(20)))
            assert {r.status_code for r in answers} == {200}
            deadline = time.monotonic() + 20
            held: list[int] = []
            while time.monotonic() < deadline:
                held = await leaders(url)
                if held:
                    break
                await asyncio.sleep(0.2)
            assert len(held) == 1, held
            log = (tmp_path / "serve.log").read_text()
            assert log.count("this process runs the background work") == 1


@pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL: set BOOKINGS_TEST_POSTGRES_URL")
async def test_another_process_takes_over_when_the_leader_goes() -> None:
    from bookings.platform.db import Database
    from bookings.platform.leader import run_as_leader

    ran: list[str] = []

    def loops_of(who: str) -> Any:
        async def loop() -> None:
            ran.append(who)
            await asyncio.sleep(3600)

        return lambda: [loop()]

    first, second = Database(POSTGRES_URL), Database(POSTGRES_URL)
    one = asyncio.create_task(run_as_leader(first, loops_of("one"), retry_seconds=0.2))
    await asyncio.sleep(0.5)
    two = asyncio.create_task(run_as_leader(second, loops_of("two"), retry_seconds=0.2))
    await asyncio.sleep(0.8)
    assert ran == ["one"]  # the second waits
    one.cancel()  # the leader goes: its connection closes, and the lock with it
    with contextlib.suppress(asyncio.CancelledError):
        await one
    await first.dispose()
    for _ in range(50):  # the second tries every 0.2 s
        if ran != ["one"]:
            break
        await asyncio.sleep(0.1)
    assert ran == ["one", "two"]
    two.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await two
    await second.dispose()
