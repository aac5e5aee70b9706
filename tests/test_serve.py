"""``bookings serve`` as a real process: migrations on start, the automation hook, the demo."""

from __future__ import annotations

import time
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


def test_the_banner_comes_first_and_seeding_is_quiet(tmp_path: Path) -> None:
    """A first start seeds the demo without a log line; the banner (the key, the addresses to
    open) is the first thing printed, and requests served afterwards are logged as ever."""
    env = {"BOOKINGS_DATA_DIR": str(tmp_path), "BOOKINGS_DATABASE_URL": "", "BOOKINGS_DEMO": "1"}
    with serving(env) as (base, proc):
        assert httpx.get(f"{base}/openapi.json").status_code == 200
    lines = [line for line in output(proc).splitlines() if line.strip()]
    assert lines[0].startswith("Bookings server ")
    banner = lines[: next(i for i, line in enumerate(lines) if line.startswith("{"))]
    text = "\n".join(banner)
    for address in ("/ ", "/book/demo-studio ", "/dashboard ", "/docs "):
        assert f"{base}{address}" in text, address
    assert text.index("/docs") < text.index("admin API key") < text.index("Demo site")
    assert "created now" in text and text.split("admin API key")[1].split()[0].startswith("bk_")
    logs = lines[len(banner) :]
    assert logs and all(line.startswith("{") for line in logs), logs
    assert not any('"path": "/bookings/' in line or "http://demo" in line for line in logs)
    assert any('"path": "/openapi.json"' in line for line in logs)


def test_no_demo(tmp_path: Path) -> None:
    env = {"BOOKINGS_DATA_DIR": str(tmp_path), "BOOKINGS_DATABASE_URL": ""}
    with serving(env, "--no-demo") as (_base, proc):
        pass
    assert "No demo site" in output(proc)
    assert not (tmp_path / "demo-site.json").exists()


def test_the_waitlist_sweeper_ends_offers_that_ran_out(tmp_path: Path) -> None:
    """An offer that ran out while the server was down ends at its next start, and the spot
    goes to the next in line, without any request touching the session."""
    import sqlite3
    from datetime import UTC, datetime, timedelta

    site_id, key = str(uuid.uuid4()), f"automation-{uuid.uuid4().hex}"
    env = {
        "BOOKINGS_DATA_DIR": str(tmp_path),
        "BOOKINGS_DATABASE_URL": "",
        "BOOKINGS_SITE_ID": site_id,
        "BOOKINGS_ADMIN_API_KEY": key,
        "BOOKINGS_WAITLIST_SWEEP_SECONDS": "1",
    }
    headers = {"Authorization": key, "wix-site-id": site_id}

    def post(base: str, path: str, body: dict[str, object]) -> dict[str, object]:
        res = httpx.post(base + path, json=body, headers=headers)
        assert res.status_code == 200, res.text
        return dict(res.json())

    day = datetime.now(UTC).date() + timedelta(days=14)
    with serving(env) as (base, _proc):
        waitlist = {"enabled": True, "capacity": 5, "reservationTimeInMinutes": 10}
        found = post(
            base,
            "/bookings/v1/booking-policies",
            {"bookingPolicy": {"name": "W", "waitlistPolicy": waitlist}},
        )
        policy_id = found["bookingPolicy"]["id"]  # type: ignore[index]
        svc = {
            "type": "CLASS",
            "name": "Yoga",
            "defaultCapacity": 1,
            "payment": {"rateType": "NO_FEE", "options": {"inPerson": True}},
            "bookingPolicy": {"id": policy_id},
            "onlineBooking": {"enabled": True},
        }
        yoga = post(base, "/_api/bookings/v2/services", {"service": svc})["service"]
        event = {
            "scheduleId": yoga["schedule"]["id"],  # type: ignore[index]
            "type": "CLASS",
            "start": {"localDate": f"{day}T18:00:00"},
            "end": {"localDate": f"{day}T19:00:00"},
            "totalCapacity": 1,
        }
        ev = post(base, "/calendar/v3/events", {"event": event})["event"]
        slot = {"serviceId": yoga["id"], "eventId": ev["id"]}  # type: ignore[index]
        booking = {
            "bookedEntity": {"slot": slot},
            "totalParticipants": 1,
            "contactDetails": {"firstName": "A"},
        }
        first = post(base, "/_api/bookings-service/v2/bookings", {"booking": booking})["booking"]
        ann = post(base, "/bookings/v1/waitlist/register", {"booking": booking})["booking"]
        ben = post(base, "/bookings/v1/waitlist/register", {"booking": booking})["booking"]
        post(base, f"/_api/bookings-service/v2/bookings/{first['id']}/cancel", {"revision": "1"})  # type: ignore[index]
    # While the server is down, Ann's offer runs out.
    with sqlite3.connect(tmp_path / "bookings.sqlite3") as db:
        past = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S.%f")
        db.execute(
            "UPDATE waitlist_entries SET expires_at = ? WHERE booking_id = ?", (past, ann["id"])
        )  # type: ignore[index]
        assert db.total_changes == 1
    with serving(env) as (base, _proc):
        for _ in range(50):
            res = httpx.get(
                f"{base}/bookings/v1/waitlist", params={"eventId": ev["id"]}, headers=headers
            )  # type: ignore[index]
            entries = [(e["bookingId"], e["status"]) for e in res.json()["entries"]]
            if entries == [(ben["id"], "SUGGESTING")]:  # type: ignore[index]
                break
            time.sleep(0.1)
        assert entries == [(ben["id"], "SUGGESTING")]  # type: ignore[index]
