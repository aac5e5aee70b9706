"""``bookings feeds list|rotate`` on a throw-away SQLite database."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from bookings.feeds import service as feeds
from bookings.platform.db import Database
from bookings.platform.signing import load_signer
from tests.test_cli import run


def serves(url: str, feed_url: str) -> bool:
    """Whether the server would answer ``feed_url`` with a calendar."""

    async def check() -> bool:
        db = Database(url)
        try:
            signer = await load_signer(db, None)
            token = feed_url.rsplit("/", 1)[-1].removesuffix(".ics")
            return await feeds.feed_calendar(db, signer, token) is not None
        finally:
            await db.dispose()

    return asyncio.run(check())


def test_feeds_list_and_rotate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOOKINGS_PUBLIC_URL", "https://book.example.com/")
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"
    db = ["--database-url", url]
    rc, out = run(capsys, "sites", "create", "--name", "Studio", *db)
    site_id = re.search(r"site id\s+(\S+)", out).group(1)  # type: ignore[union-attr]

    rc, out = run(capsys, "feeds", "list", "--site", site_id, *db)
    assert rc == 0, out
    assert out.startswith("site") and "Studio" in out
    (old,) = re.findall(r"https://book\.example\.com/\S+\.ics", out)
    assert old.startswith("https://book.example.com/_api/bookings-server/v1/calendar-feeds/")
    assert serves(url, old)
    rc, again = run(capsys, "feeds", "list", "--site", site_id, *db)
    assert again == out

    rc, out = run(capsys, "feeds", "rotate", "--site", site_id, *db)
    assert rc == 0, out
    (new,) = re.findall(r"https://\S+\.ics", out)
    assert new != old and serves(url, new) and not serves(url, old)
    rc, out = run(capsys, "feeds", "list", "--site", site_id, *db)
    assert new in out

    rc, out = run(capsys, "feeds", "rotate", "--site", site_id, "--staff", "nobody", *db)
    assert rc == 1 and "not found" in out
    rc, out = run(capsys, "feeds", "list", "--site", "no-such-site", *db)
    assert rc == 1 and "not found" in out
