"""``bookings serve`` as a real process: migrations on start, the automation hook, the demo."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest

from tests.serving import output, serving

pytestmark = pytest.mark.slow


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
