"""Benchmark of the booking page's slot step (issue 16).

    .venv/bin/python bench/booking_page.py [--postgres-url URL] [--runs N]

Case: a site in Europe/Berlin, one appointment service (60 min + 15 min buffer) given by 5
staff on business hours, 40 CONFIRMED bookings on the measured day and the next ones (made
through the API). In one process, on the same data, the bench alternates the calls for that
service and one day, seen from America/New_York:

* the slot panel: ``GET /book/{site}/{service}?date=...&tz=...`` with ``HX-Request: true``
  (what the page asks when the visitor picks another day: the server renders the panel
  fragment; the site lookup, Get Service and List Availability Time Slots behind it), twice:
  "next days" as a visitor clicking through days gets it (the panel remembers the service it
  read for 5 s), and "first day" with that memory emptied before each call (Get Service read
  together with the slots);
* the Time Slots API: ``POST /_api/service-availability/v2/time-slots`` for the same day and
  zone with the admin key (authentication, validation, the same slot computation, JSON).

Both go through httpx's ASGI transport (no sockets). Prints p50/p95 of each, on SQLite (a
temporary file) and, with BOOKINGS_TEST_POSTGRES_URL or --postgres-url, on PostgreSQL (a fresh
database, dropped afterwards), and the ratio of the p50s (target at most 1.5: the worse
engine's, and the worse of the two panel figures). Then the weight of the slot step: the JS
and CSS files the full service page links (``<script src>``, ``<link rel=stylesheet>``),
each gzipped (level 9, as a server would send it compressed), summed (target at most 60 KB).
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from selectolax.lexbor import LexborHTMLParser

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' helpers
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from tests.conftest import _create_pg_database, _drop_pg_database

from bookings.app import create_app, start_services
from bookings.config import Settings
from bookings.identity import service as identity
from bookings.platform.auth import Role
from bookings.web import booking_page

TARGET_RATIO = 1.5
TARGET_KB = 60.0
STAFF = 5
BOOKINGS = 40
ZONE = "America/New_York"
SLOTS_PATH = "/_api/service-availability/v2/time-slots"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def once(fn: Callable[[], Awaitable[None]]) -> float:
    t0 = time.perf_counter()
    await fn()
    return (time.perf_counter() - t0) * 1000


def a_monday(weeks: int = 3) -> date:
    today = datetime.now(UTC).date()
    return today + timedelta(days=(7 - today.weekday()) % 7 + 7 * weeks)


async def post(client: httpx.AsyncClient, path: str, body: dict[str, Any], key: str) -> Any:
    res = await client.post(path, json=body, headers={"Authorization": key})
    if res.status_code != 200:
        raise RuntimeError(f"{path}: {res.status_code} {res.text}")
    return res.json()


async def build(client: httpx.AsyncClient, key: str, day: date) -> dict[str, Any]:
    staff = []
    for i in range(STAFF):
        found = await post(
            client, "/bookings/v1/staff-members", {"staffMember": {"name": f"Staff {i}"}}, key
        )
        staff.append(found["staffMember"]["resourceId"])
    svc = {
        "type": "APPOINTMENT",
        "name": "Massage",
        "defaultCapacity": 1,
        "onlineBooking": {"enabled": True},
        "payment": {"rateType": "NO_FEE", "options": {"inPerson": True}},
        "schedule": {
            "availabilityConstraints": {"sessionDurations": [60], "timeBetweenSessions": 15}
        },
        "staffMemberIds": staff,
        "locations": [{"type": "CUSTOM", "custom": {"address": {"addressLine": "1 Main St"}}}],
    }
    service = (await post(client, "/_api/bookings/v2/services", {"service": svc}, key))["service"]
    made = 0
    for offset in range(5):
        for hour in range(9, 17):
            if made >= BOOKINGS:
                break
            local = day + timedelta(days=offset)
            slot = {
                "serviceId": service["id"],
                "scheduleId": service["schedule"]["id"],
                "startDate": f"{local.isoformat()}T{hour:02d}:00:00",
                "endDate": f"{local.isoformat()}T{hour + 1:02d}:00:00",
                "timezone": "Europe/Berlin",
                "location": {"locationType": "OWNER_CUSTOM"},
                "resource": {"id": staff[made % STAFF]},
            }
            booking = {
                "bookedEntity": {"slot": slot},
                "contactDetails": {"firstName": "Bench", "email": "b@example.com"},
                "totalParticipants": 1,
                "status": "CONFIRMED",
            }
            await post(client, "/_api/bookings-service/v2/bookings", {"booking": booking}, key)
            made += 1
    return dict(service)


async def run_engine(label: str, url: str, runs: int) -> dict[str, Any]:
    settings = Settings(data_dir=Path(tempfile.mkdtemp()), database_url=url, demo=False)
    services = await start_services(settings)
    app = create_app(services=services)
    transport = httpx.ASGITransport(app=app)
    day = a_monday()
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        site = await identity.create_site(services.db, "Bench", "Europe/Berlin")
        _, key = await identity.create_api_key(services.db, site.site_id, Role.ADMIN)
        svc = await build(client, key, day)
        panel_url = f"/book/{site.slug}/{svc['id']}"
        params = {"date": day.isoformat(), "tz": ZONE}
        body = {
            "serviceId": svc["id"],
            "fromLocalDate": f"{day.isoformat()}T00:00:00",
            "toLocalDate": f"{(day + timedelta(days=1)).isoformat()}T00:00:00",
            "timeZone": ZONE,
        }
        counts: dict[str, int] = {}

        async def panel() -> None:
            res = await client.get(panel_url, params=params, headers={"HX-Request": "true"})
            if res.status_code != 200 or "<html" in res.text:
                raise RuntimeError(f"panel: {res.status_code}")
            counts["panel"] = res.text.count('class="slot"')

        async def api() -> None:
            res = await client.post(SLOTS_PATH, json=body, headers={"Authorization": key})
            if res.status_code != 200:
                raise RuntimeError(f"time slots: {res.status_code} {res.text}")
            counts["api"] = len(res.json()["timeSlots"])

        async def panel_cold() -> None:
            booking_page._recent.clear()  # the service not read a moment ago
            await panel()

        for fn in (panel, api, panel_cold, api):  # warm-up
            await fn()
        ms: dict[str, list[float]] = {"panel": [], "cold": [], "api": []}
        for _ in range(runs):
            ms["panel"].append(await once(panel))
            ms["api"].append(await once(api))
            ms["cold"].append(await once(panel_cold))
        page = await client.get(panel_url, params=params)
        weights = await static_weights(client, page.text)
    await services.db.dispose()
    return {"label": label, "ms": ms, "counts": counts, "weights": weights}


async def static_weights(client: httpx.AsyncClient, html: str) -> dict[str, float]:
    """Each JS and CSS file the page links: its gzipped size in KB."""
    doc = LexborHTMLParser(html)
    urls = [str(s.attributes["src"]) for s in doc.css("script[src]")]
    urls += [str(link.attributes["href"]) for link in doc.css("link[rel=stylesheet]")]
    out = {}
    for url in urls:
        res = await client.get(url)
        res.raise_for_status()
        out[url.split("?")[0]] = len(gzip.compress(res.content, compresslevel=9)) / 1024
    return out


def report(r: dict[str, Any]) -> float:
    """Prints one engine's figures; returns the ratio of the first panel of a service (the
    service not read a moment ago) to the API, the worse of the two panel figures."""
    panel, cold, api = r["ms"]["panel"], r["ms"]["cold"], r["ms"]["api"]
    ratio = statistics.median(panel) / statistics.median(api)
    cold_ratio = statistics.median(cold) / statistics.median(api)
    print(
        f"\n== {r['label']}: {STAFF} staff, {BOOKINGS} bookings; slots on the day: "
        f"panel {r['counts']['panel']}, API {r['counts']['api']}; {len(panel)} runs each"
    )
    for name, values in (
        ("slot panel, next days", panel),
        ("slot panel, first day", cold),
        ("Time Slots API (POST)", api),
    ):
        print(
            f"   {name}  p50 {statistics.median(values):7.2f} ms   p95 {pct(values, 0.95):7.2f} ms"
        )
    print(f"   panel p50 / API p50 = {ratio:.2f}x (next days), {cold_ratio:.2f}x (first day)")
    return max(ratio, cold_ratio)


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--postgres-url", default=os.environ.get("BOOKINGS_TEST_POSTGRES_URL"))
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}"
        results.append(await run_engine("SQLite", url, args.runs))
    if args.postgres_url:
        pg_url, name = await _create_pg_database(args.postgres_url)
        try:
            results.append(await run_engine("PostgreSQL", pg_url, args.runs))
        finally:
            await _drop_pg_database(args.postgres_url, name)
    else:
        print("\n(PostgreSQL skipped: set BOOKINGS_TEST_POSTGRES_URL or --postgres-url)")
    worst = max(report(r) for r in results)
    weights: dict[str, float] = results[0]["weights"]
    print("\n== the slot step's JS and CSS, gzipped")
    for url, kb in weights.items():
        print(f"   {url:45s} {kb:6.1f} KB")
    total = sum(weights.values())
    print()
    verdict = "ok" if worst <= TARGET_RATIO else "short"
    print(f"RESULT booking_page_slot_panel_ratio {worst:.2f} x target {TARGET_RATIO} {verdict}")
    verdict = "ok" if total <= TARGET_KB else "short"
    print(f"RESULT booking_page_slot_step_kb {total:.1f} KB target {TARGET_KB:g} {verdict}")


if __name__ == "__main__":
    asyncio.run(main())
