"""``quiet()``: records below WARNING made inside it are dropped; others, and other tasks'
records, are not."""

from __future__ import annotations

import asyncio
import logging

from bookings.platform.logs import QuietFilter, quiet


def record(level: int) -> logging.LogRecord:
    return logging.makeLogRecord({"levelno": level, "levelname": logging.getLevelName(level)})


def test_quiet_drops_info_inside_only() -> None:
    keep = QuietFilter()
    assert keep.filter(record(logging.INFO))
    with quiet():
        assert not keep.filter(record(logging.INFO))
        assert keep.filter(record(logging.WARNING))
    assert keep.filter(record(logging.INFO))


async def test_quiet_is_per_task() -> None:
    keep = QuietFilter()
    inside = asyncio.Event()
    leave = asyncio.Event()

    async def seeding() -> bool:
        with quiet():
            inside.set()
            await leave.wait()
            return keep.filter(record(logging.INFO))

    task = asyncio.create_task(seeding())
    await inside.wait()
    assert keep.filter(record(logging.INFO))  # a request served meanwhile still logs
    leave.set()
    assert await task is False
