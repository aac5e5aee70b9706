"""``bookings serve`` as a real process: migrations on start, the automation hook, the demo."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(env: dict[str, str], *args: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = free_port()
    full_env = {**os.environ, **env, "BOOKINGS_PORT": str(port), "BOOKINGS_HOST": "127.0.0.1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bookings.cli", "serve", *args],
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise AssertionError(f"serve exited: {proc.stdout.read() if proc.stdout else ''}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise AssertionError("no /healthz within 60 s")
        yield base, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def output(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    return proc.stdout.read()


def test_automation_hook_is_idempotent(tmp_path: Path) -> None:
    site_id = str(uuid.uuid4())
    key = f"automation-{uuid.uuid4().hex}"
    env = {
        "BOOKINGS_DATA_DIR": str(tmp_path),
        "BOOKINGS_SITE_ID": site_id,
        "BOOKINGS_ADMIN_API_KEY": key,
        "BOOKINGS_SITE_TIME_ZONE": "America/New_York",
    }
    env.pop("BOOKINGS_DATABASE_URL", None)
    for _ in range(2):  # the second start finds site and key in place
        with serving({**env, "BOOKINGS_DATABASE_URL": ""}) as (base, proc):
            res = httpx.get(
                f"{base}/site-properties/v4/properties",
                headers={"Authorization": key, "wix-site-id": site_id},
            )
            assert res.status_code == 200
            assert res.json()["properties"]["timeZone"] == "America/New_York"
            assert res.headers["x-wix-request-id"]
        text = output(proc)
        assert site_id in text and "no demo data" in text
    assert (tmp_path / "bookings.sqlite3").exists()
    assert not (tmp_path / "demo-site.json").exists()


def test_demo_site_is_created_once_and_its_key_printed(tmp_path: Path) -> None:
    env = {"BOOKINGS_DATA_DIR": str(tmp_path), "BOOKINGS_DATABASE_URL": ""}
    keys, states = [], []
    for _ in range(2):
        with serving(env) as (base, proc):
            key = (tmp_path / "demo-site.json").read_text().split('"admin_api_key": "')[1][:46]
            res = httpx.get(f"{base}/site-properties/v4/properties", headers={"Authorization": key})
            assert res.json()["properties"]["siteDisplayName"] == "Demo Studio"
        text = output(proc)
        keys.append(text.split("admin API key")[1].split()[0])
        states.append("created now" in text)
        assert "/docs" in text and "/healthz" in text
    assert keys[0] == keys[1] and keys[0].startswith("bk_")
    assert states == [True, False]


def test_no_demo(tmp_path: Path) -> None:
    env = {"BOOKINGS_DATA_DIR": str(tmp_path), "BOOKINGS_DATABASE_URL": ""}
    with serving(env, "--no-demo") as (_base, proc):
        pass
    assert "No demo site" in output(proc)
    assert not (tmp_path / "demo-site.json").exists()
