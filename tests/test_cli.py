"""The ``bookings`` command line (sites and keys) on a throw-away SQLite database."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from bookings.cli import main
from bookings.identity.credentials import authenticate
from bookings.platform.auth import Role
from bookings.platform.db import Database
from bookings.platform.errors import ApiError


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    rc = main(list(argv))
    out = capsys.readouterr()
    return rc, out.out + out.err


def who(url: str, key: str) -> Role | None:
    async def check() -> Role | None:
        db = Database(url)
        try:
            return (await authenticate(db, key, None)).role
        except ApiError:
            return None
        finally:
            await db.dispose()

    return asyncio.run(check())


def test_sites_and_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"
    db = ["--database-url", url]
    rc, out = run(capsys, "sites", "create", "--name", "Studio", "--time-zone", "Europe/Paris", *db)
    assert rc == 0, out
    site_id = re.search(r"site id\s+(\S+)", out).group(1)  # type: ignore[union-attr]
    admin_key = re.search(r"admin API key\s+(\S+)", out).group(1)  # type: ignore[union-attr]
    assert who(url, admin_key) is Role.ADMIN

    rc, out = run(capsys, "sites", "list", *db)
    assert site_id in out and "Europe/Paris" in out

    rc, out = run(capsys, "keys", "create", "--site", site_id, "--role", "app", *db)
    assert rc == 0
    app_key = re.search(r"API key\s+(\S+)", out).group(1)  # type: ignore[union-attr]
    key_id = re.search(r"key id\s+(\S+)", out).group(1)  # type: ignore[union-attr]
    assert who(url, app_key) is Role.APP

    rc, out = run(capsys, "keys", "revoke", key_id, *db)
    assert rc == 0 and "revoked" in out
    assert who(url, app_key) is None
    assert who(url, admin_key) is Role.ADMIN
    rc, out = run(capsys, "keys", "list", "--site", site_id, *db)
    assert "revoked" in out and "active" in out


def test_cli_errors_are_messages_not_tracebacks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"
    rc, out = run(
        capsys,
        "sites",
        "create",
        "--name",
        "X",
        "--time-zone",
        "Mars/Olympus",
        "--database-url",
        url,
    )
    assert rc == 1 and "unknown time zone" in out
    rc, out = run(capsys, "keys", "revoke", "no-such-key", "--database-url", url)
    assert rc == 1 and "not found" in out
    rc, out = run(
        capsys,
        "keys",
        "create",
        "--site",
        "00000000-0000-4000-8000-000000000000",
        "--role",
        "admin",
        "--database-url",
        url,
    )
    assert rc == 1 and "not found" in out
