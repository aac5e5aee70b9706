"""Benchmark of appointment availability (ListAvailabilityTimeSlots).

    .venv/bin/python bench/availability.py [--postgres-url URL] [--runs N]

Case: one appointment service (60 min + 15 min buffer), 20 staff on business hours
(Mon-Fri 09:00-17:00), a 31-day window, 2,000 existing bookings: CONFIRMED appointment
bookings of the bookings slice, one participant each, with one of the service's staff, on
distinct grid slots of the working days (availability counts them through the booking-load
provider the bookings slice registers). The writer has no function that only builds a row, so
the first booking is created through the API (POST /bookings/v2/bookings, status CONFIRMED,
resource given) and the others are copies of the row it wrote to ``bookings`` — its columns
and document with their own ``id``, ``resource_id``, ``start_utc``, ``end_utc``,
``busy_end_utc`` (end + buffer, :func:`bookings.booking.capacity.busy_span`) and
``bookedEntity.slot`` times and resource, their searchable columns and ``booking_values``
derived again (:mod:`bookings.booking.search`) — inserted in one transaction. The writer's
domain events (outbox) are not copied; availability does not read them. The bench checks that
the bookings count: each takes one (slot, staff member) pair off the legacy Query
Availability entries and off the engine's free staff, and the figures with and without
bookings are printed.

Prints p50/p95 of the HTTP call (in-process ASGI through httpx: routing, auth, validation,
loading, engine, JSON; no sockets) and of the engine alone (the pure slot computation over
already loaded inputs), on SQLite (a temporary file) and PostgreSQL (a fresh database created
from BOOKINGS_TEST_POSTGRES_URL or --postgres-url, dropped afterwards), the ratio of the HTTP
p50 to a baseline measured in the same run (an authenticated GET /site-properties), and a
table of cost against staff (1, 5, 10, 20, 50) and days (7, 31, 90).

Multi-service case (ListMultiServiceAvailabilityTimeSlots), on each engine: a site of its own
with 10 staff on business hours and 3 appointment services they all give, at one CUSTOM
location: Cut (30 min), Color (60 min + 15 min buffer), Style (45 min); 2,000 CONFIRMED
bookings of Cut (copied rows as above) on distinct 30-minute cells of the staff's working days
in the 31-day window. A real ``bookings serve`` process serves that database; the bench process
is the load generator, one keep-alive connection through the light HTTP/1.1 client of
``bench/create_booking.py``, and alternates the two calls it compares over the 31 days: the
single-service list of Cut (the chain's first service: the same grid and staff) and the
multi-service list of the chain Cut -> Color -> Style, first on the empty calendar (for
information: every candidate is a chain there, so it shows the cost per chain), then with the
bookings. Prints both p50/p95 and the ratio of the p50s; the target (at most 2) is on the
ratio with the bookings, the worse engine's.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import logging
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' helpers
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bench.closed_loop import KeepAlive
from tests.conftest import _create_pg_database, _drop_pg_database
from tests.serving import serving

from bookings.app import create_app, start_services
from bookings.availability.appointments import load_service, make_plan
from bookings.availability.intervals import to_seconds
from bookings.availability.loading import resource_times, site_settings
from bookings.availability.slots import list_slots
from bookings.booking import capacity, search
from bookings.booking.models import booking_values
from bookings.booking.models import bookings as booking_rows
from bookings.booking.ports import holding_bookings
from bookings.config import Settings
from bookings.identity import service as identity
from bookings.platform import zoned
from bookings.platform.auth import Role
from bookings.platform.routing import Services
from bookings.platform.timezones import zone
from bookings.platform.wire import format_local_datetime, new_id

TARGET_P50_MS = 50.0
TARGET_LINEARITY = 3.0
STAFF_COUNTS = (1, 5, 10, 20, 50)
DAY_COUNTS = (7, 31, 90)
DURATION, BUFFER = 60, 15
BOOKINGS_PER_STAFF_DAY = 2000 / (20 * 31)
SRC = Path(__file__).resolve().parents[1] / "src"
#: The multi-service case: staff, days, bookings, and the chain's (name, minutes, buffer).
MULTI_STAFF, MULTI_DAYS, MULTI_BOOKINGS = 10, 31, 2000
CHAIN = (("Cut", 30, 0), ("Color", 60, 15), ("Style", 45, 0))
TARGET_MULTI_RATIO = 2.0
LOCATION = {"type": "CUSTOM", "custom": {"address": {"formattedAddress": "1 Main St"}}}
MULTI_PATH = "/_api/service-availability/v2/multi-service-time-slots"
SINGLE_PATH = "/_api/service-availability/v2/time-slots"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def timed(fn: Callable[[], Awaitable[Any]], runs: int) -> list[float]:
    await fn()  # warm-up
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        await fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


class Site:
    def __init__(self, services: Services, client: httpx.AsyncClient) -> None:
        self.services = services
        self.client = client
        self.site_id = ""
        self.headers: dict[str, str] = {}
        self.members: list[dict[str, Any]] = []

    async def create(self) -> None:
        site = await identity.create_site(self.services.db, "Bench", "UTC")
        _, key = await identity.create_api_key(self.services.db, site.site_id, Role.ADMIN)
        self.site_id, self.headers = site.site_id, {"Authorization": key}

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        res = await self.client.post(path, json=body, headers=self.headers)
        if res.status_code != 200:
            raise RuntimeError(f"{path}: {res.status_code} {res.text}")
        data: dict[str, Any] = res.json()
        return data

    async def staff(self, count: int) -> list[str]:
        out = []
        for i in range(count):
            body = {"staffMember": {"name": f"Staff {i:02d}"}}
            out.append((await self.post("/bookings/v1/staff-members", body))["staffMember"])
        self.members += out
        return [str(m["resourceId"]) for m in out]

    async def service(
        self,
        staff_ids: list[str],
        name: str = "Massage",
        duration: int = DURATION,
        buffer: int = BUFFER,
        **extra: Any,
    ) -> dict[str, Any]:
        svc = {
            "type": "APPOINTMENT",
            "name": f"{name} {uuid.uuid4().hex[:6]}",
            "defaultCapacity": 1,
            "onlineBooking": {"enabled": True},
            "payment": {"rateType": "NO_FEE", "options": {"inPerson": True}},
            "schedule": {
                "availabilityConstraints": {
                    "sessionDurations": [duration],
                    "timeBetweenSessions": buffer,
                }
            },
            "staffMemberIds": staff_ids,
            **extra,
        }
        created: dict[str, Any] = (await self.post("/bookings/v2/services", {"service": svc}))[
            "service"
        ]
        return created

    async def bookings(
        self,
        service: dict[str, Any],
        staff_ids: list[str],
        first: date,
        days: int,
        count: int,
        duration: int = DURATION,
        buffer: int = BUFFER,
    ) -> int:
        """``count`` CONFIRMED appointment bookings of ``service`` (``duration`` and ``buffer``
        its minutes), each with one staff member of ``staff_ids``, on distinct grid slots of
        the working days (09:00-17:00, every duration + buffer); returns how many.

        The first goes through the Bookings Writer (POST /bookings/v2/bookings); the others
        are copies of the row it wrote, with their own id, resource, instants, busy end and
        slot, inserted in one transaction (the writer's outbox events are not copied)."""
        rng = random.Random(7)
        per_day = 8 * 60 // (duration + buffer)
        cells = [
            (rid, first + timedelta(days=d), k)
            for rid in staff_ids
            for d in range(days)
            if (first + timedelta(days=d)).weekday() < 5
            for k in range(per_day)
        ]
        chosen = rng.sample(cells, min(count, len(cells)))
        if not chosen:
            return 0

        def span(day: date, k: int) -> tuple[datetime, datetime]:
            start = datetime(day.year, day.month, day.day, 9, tzinfo=UTC) + timedelta(
                minutes=k * (duration + buffer)
            )
            return start, start + timedelta(minutes=duration)

        rid, day, k = chosen[0]
        start, end = span(day, k)
        slot = {
            "serviceId": service["id"],
            "scheduleId": service["schedule"]["id"],
            "startDate": format_local_datetime(start),
            "endDate": format_local_datetime(end),
            "timezone": "UTC",
            "resource": {"id": rid},
        }
        booking = {
            "bookedEntity": {"slot": slot},
            "contactDetails": {"firstName": "Bench"},
            "totalParticipants": 1,
            "status": "CONFIRMED",
        }
        made = (await self.post("/bookings/v2/bookings", {"booking": booking}))["booking"]
        async with self.services.db.read(self.site_id) as scope:
            template = await scope.one_or_none(
                scope.select(booking_rows).where(booking_rows.c.id == made["id"])
            )
        assert template is not None
        row = dict(template._mapping)
        expected = {
            "kind": "APPOINTMENT",
            "status": "CONFIRMED",
            "resource_id": rid,
            "start_utc": start,
            "end_utc": end,
            "busy_end_utc": end + timedelta(minutes=buffer),
            "participants": 1,
        }
        assert {k: row[k] for k in expected} == expected, row
        del row["site_id"]  # added by the insert
        names = {m["resourceId"]: m.get("name") for m in self.members}
        rows = []
        for rid, day, k in chosen[1:]:
            start, end = span(day, k)
            doc = copy.deepcopy(row["doc"])
            copied = doc["bookedEntity"]["slot"]
            copied["startDate"] = format_local_datetime(start)
            copied["endDate"] = format_local_datetime(end)
            copied["resource"] = {"id": rid, "name": names[rid]}
            rows.append(
                {
                    **row,
                    "id": new_id(),
                    "resource_id": rid,
                    "start_utc": start,
                    "end_utc": end,
                    "busy_end_utc": capacity.busy_span(start, end, buffer)[1],
                    **search.indexed_columns(doc),
                    "doc": doc,
                }
            )
        values = [v for r in rows for v in search.value_rows(r["id"], r["doc"])]
        async with self.services.db.write(self.site_id) as uow:
            await uow.insert(booking_rows, *rows)
            await uow.insert(booking_values, *values)
        return len(chosen)

    async def free_staff_slots(self, service_id: str, first: date, days: int) -> int:
        """Entries of the legacy Query Availability: one per slot and free staff member."""
        end = first + timedelta(days=days)
        flt = {
            "serviceId": service_id,
            "startDate": f"{first}T00:00:00Z",
            "endDate": f"{end}T00:00:00Z",
        }
        data = await self.post(
            "/availability-calendar/v1/availability/query", {"query": {"filter": flt}}
        )
        return len(data["availabilityEntries"])

    def body(self, service_id: str, first: date, days: int) -> dict[str, Any]:
        return {
            "serviceId": service_id,
            "fromLocalDate": f"{first}T00:00:00",
            "toLocalDate": f"{first + timedelta(days=days)}T00:00:00",
        }

    async def list_call(self, service_id: str, first: date, days: int) -> int:
        path = "/_api/service-availability/v2/time-slots"
        data = await self.post(path, self.body(service_id, first, days))
        return len(data["timeSlots"])

    async def engine_inputs(
        self, service_id: str, first: date, days: int
    ) -> Callable[[], Awaitable[Any]]:
        lo = datetime(first.year, first.month, first.day).replace(tzinfo=zone("UTC"))
        hi = lo + timedelta(days=days)
        async with self.services.db.read(self.site_id) as scope:
            settings = await site_settings(scope)
            svc = await load_service(scope, service_id)
            plan = await make_plan(
                scope,
                settings,
                svc,
                duration_seconds=DURATION * 60,
                resource_types=None,
                locations=[None],
            )
            times = await resource_times(
                scope,
                plan.resources,
                load=holding_bookings(),
                lo=lo,
                hi=hi,
                reach=timedelta(minutes=DURATION + BUFFER),
                site_zone=zone("UTC"),
            )
        groups = [[times.times[r] for r in ids] for _, ids in plan.groups]
        a, b = to_seconds(lo), to_seconds(hi)

        async def run() -> Any:
            return list_slots(groups, plan.shape, lo=a, hi=b)

        return run


async def waitlist_case(
    services: Services, client: httpx.AsyncClient, first: date, runs: int
) -> dict[str, Any]:
    """Class sessions with waitlists: two sessions of one spot on each working day of the
    31 days, each full, two registrations on its waitlist; on every other session the
    participant canceled, so a spot is held for the first in line (an offer running).
    Answers the ListEventTimeSlots latencies over the 31 days and what the slots showed."""
    site = Site(services, client)
    await site.create()
    policy = {
        "name": "Waitlist",
        "waitlistPolicy": {"enabled": True, "capacity": 5, "reservationTimeInMinutes": 60},
        "cancellationPolicy": {"enabled": True},
    }
    found = await site.post("/bookings/v1/booking-policies", {"bookingPolicy": policy})
    svc = {
        "type": "CLASS",
        "name": "Yoga",
        "defaultCapacity": 1,
        "onlineBooking": {"enabled": True},
        "payment": {"rateType": "NO_FEE", "options": {"inPerson": True}},
        "bookingPolicy": {"id": found["bookingPolicy"]["id"]},
    }
    yoga = (await site.post("/bookings/v2/services", {"service": svc}))["service"]
    offers = 0
    sessions = 0
    for d in range(31):
        day = first + timedelta(days=d)
        if day.weekday() >= 5:
            continue
        for hh in (10, 18):
            event = {
                "scheduleId": yoga["schedule"]["id"],
                "type": "CLASS",
                "title": "Yoga",
                "start": {"localDate": f"{day}T{hh}:00:00"},
                "end": {"localDate": f"{day}T{hh + 1}:00:00"},
                "totalCapacity": 1,
            }
            ev = (await site.post("/calendar/v3/events", {"event": event}))["event"]
            booking = {
                "bookedEntity": {"slot": {"serviceId": yoga["id"], "eventId": ev["id"]}},
                "contactDetails": {"firstName": "Pat"},
                "totalParticipants": 1,
                "status": "CONFIRMED",
            }
            taken = (await site.post("/bookings/v2/bookings", {"booking": booking}))["booking"]
            del booking["status"]
            for _ in range(2):
                await site.post("/bookings/v1/waitlist/register", {"booking": booking})
            sessions += 1
            if sessions % 2:
                path = f"/bookings/v2/bookings/{taken['id']}/cancel"
                await site.post(path, {"revision": "1"})
                offers += 1
    body = {
        "serviceIds": [yoga["id"]],
        "fromLocalDate": f"{first}T00:00:00",
        "toLocalDate": f"{first + timedelta(days=31)}T00:00:00",
        "cursorPaging": {"limit": 1000},
    }

    async def call() -> int:
        got = await site.post("/_api/service-availability/v2/time-slots/event", body)
        return len(got["timeSlots"])

    slots = await site.post("/_api/service-availability/v2/time-slots/event", body)
    held = sum(
        1
        for t in slots["timeSlots"]
        if (t.get("nonBookableReasons") or {}).get("reservedForWaitingList")
    )
    if held != offers:
        raise RuntimeError(f"waitlist offers not shown: {held} of {offers}")
    return {"sessions": sessions, "offers": offers, "http": await timed(call, runs)}


async def run_engine(label: str, url: str, runs: int) -> dict[str, Any]:
    settings = Settings(data_dir=Path(tempfile.mkdtemp()), database_url=url, demo=False)
    services = await start_services(settings)
    app = create_app(services=services)
    transport = httpx.ASGITransport(app=app)
    first = zoned.today(datetime.now(zone("UTC")), zone("UTC")) + timedelta(days=7)
    result: dict[str, Any] = {"label": label}
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        main = Site(services, client)
        await main.create()
        staff_ids = await main.staff(20)
        svc = await main.service(staff_ids)
        slots_before = await main.list_call(svc["id"], first, 31)
        free_before = await main.free_staff_slots(svc["id"], first, 31)
        t0 = time.perf_counter()
        result["booked"] = await main.bookings(svc, staff_ids, first, 31, 2000)
        result["insert_s"] = time.perf_counter() - t0
        result["slots"] = await main.list_call(svc["id"], first, 31)
        result["free"] = await main.free_staff_slots(svc["id"], first, 31)
        result["slots_before"], result["free_before"] = slots_before, free_before
        # Every booking takes one free (slot, staff member) pair, on the wire and in the engine.
        if result["free"] != free_before - result["booked"]:
            raise RuntimeError(f"bookings not counted: {free_before} -> {result['free']} free")
        result["http"] = await timed(lambda: main.list_call(svc["id"], first, 31), runs)
        engine = await main.engine_inputs(svc["id"], first, 31)
        engine_free = sum(len(c.free[0]) for c in await engine())
        if engine_free != result["free"]:
            raise RuntimeError(f"engine: {engine_free} free, query: {result['free']}")
        result["engine"] = await timed(engine, runs)

        async def baseline() -> None:
            await client.get("/site-properties/v4/properties", headers=main.headers)

        result["baseline"] = await timed(baseline, runs)
        result["waitlist"] = await waitlist_case(services, client, first, runs)

        # Scaling: one site, 50 staff, 90 days with the same booking density.
        scale = Site(services, client)
        await scale.create()
        all_staff = await scale.staff(max(STAFF_COUNTS))
        per_count = {n: await scale.service(all_staff[:n]) for n in STAFF_COUNTS}
        workdays = sum(1 for d in range(max(DAY_COUNTS)) if (first + timedelta(d)).weekday() < 5)
        total = int(BOOKINGS_PER_STAFF_DAY * len(all_staff) * workdays * 31 / 22)
        await scale.bookings(
            per_count[max(STAFF_COUNTS)],
            all_staff,
            first,
            max(DAY_COUNTS),
            total,
        )
        table: dict[tuple[int, int], tuple[float, float]] = {}
        for n in STAFF_COUNTS:
            for days in DAY_COUNTS:
                sid = per_count[n]["id"]
                eng = await scale.engine_inputs(sid, first, days)
                engine_ms = statistics.median(await timed(eng, max(20, runs)))

                async def call(s: str = sid, d: int = days) -> int:
                    return await scale.list_call(s, first, d)

                http_ms = statistics.median(await timed(call, max(5, runs // 3)))
                table[(n, days)] = (engine_ms, http_ms)
        result["table"] = table
    await services.db.dispose()
    return result


async def alternate(
    base: str, headers: dict[str, str], calls: dict[str, tuple[str, bytes]], runs: int
) -> dict[str, Any]:
    """Slots per call and ``runs`` latencies (ms) of each named call, the calls alternating
    (so that drift of the machine falls on all alike) on one keep-alive connection."""
    conn = KeepAlive(base, headers)

    async def call(path: str, body: bytes) -> int:
        status, answer = await conn.post(path, body)
        if status != 200:
            raise RuntimeError(f"{path}: {status} {answer[:500]!r}")
        return len(json.loads(answer)["timeSlots"])

    out: dict[str, Any] = {"slots": {}, "ms": {name: [] for name in calls}}
    try:
        for name, (path, body) in calls.items():
            out["slots"][name] = await call(path, body)
        for _ in range(5):  # warm-up of the server's pools and caches
            for path, body in calls.values():
                await call(path, body)
        for _ in range(runs):
            for name, (path, body) in calls.items():
                t0 = time.perf_counter()
                await call(path, body)
                out["ms"][name].append((time.perf_counter() - t0) * 1000)
    finally:
        await conn.close()
    return out


async def run_multi(label: str, url: str, tmp: Path, runs: int) -> dict[str, Any]:
    """The multi-service case (see the module's doc) against a ``bookings serve`` process:
    measured on the empty calendar, then with the bookings."""
    settings = Settings(data_dir=tmp / "multi-build", database_url=url, demo=False)
    services = await start_services(settings)
    app = create_app(services=services)
    first = zoned.today(datetime.now(zone("UTC")), zone("UTC")) + timedelta(days=7)
    result: dict[str, Any] = {"label": label}
    env = {
        "BOOKINGS_WORKERS": "1",
        "BOOKINGS_DATA_DIR": str(tmp / "multi-serve"),
        "BOOKINGS_DATABASE_URL": url,
        "BOOKINGS_DEMO": "0",
        "BOOKINGS_LOG_JSON": "1",
        # The server runs the tree this bench sits in (not whatever is installed).
        "PYTHONPATH": os.pathsep.join([str(SRC), *filter(None, [os.environ.get("PYTHONPATH")])]),
    }
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        site = Site(services, client)
        await site.create()
        staff_ids = await site.staff(MULTI_STAFF)
        chain = [
            await site.service(staff_ids, name, minutes, buffer, locations=[LOCATION])
            for name, minutes, buffer in CHAIN
        ]
        window = {
            "fromLocalDate": f"{first}T00:00:00",
            "toLocalDate": f"{first + timedelta(days=MULTI_DAYS)}T00:00:00",
        }
        single = {"serviceId": chain[0]["id"], **window}
        multi = {
            "services": [{"serviceId": svc["id"]} for svc in chain],
            "location": {"locationType": "CUSTOM"},
            **window,
        }
        calls = {
            "single": (SINGLE_PATH, json.dumps(single).encode()),
            "multi": (MULTI_PATH, json.dumps(multi).encode()),
        }
        with serving(env, log=tmp / "multi-serve.log") as (base, _):
            result["empty"] = await alternate(base, site.headers, calls, max(5, runs // 3))
            _, cut_minutes, cut_buffer = CHAIN[0]
            result["booked"] = await site.bookings(
                chain[0], staff_ids, first, MULTI_DAYS, MULTI_BOOKINGS, cut_minutes, cut_buffer
            )
            result["full"] = await alternate(base, site.headers, calls, runs)
    await services.db.dispose()
    if not result["full"]["slots"]["multi"]:
        raise RuntimeError("no multi-service slots: the case measures nothing")
    return result


def report_multi(r: dict[str, Any]) -> float:
    """Prints the multi-service case; returns the ratio of the p50s with the bookings."""
    names = " -> ".join(f"{n} {m}+{b}" for n, m, b in CHAIN)
    print(
        f"\n== {r['label']}, multi-service: {MULTI_STAFF} staff, {MULTI_DAYS} days, chain "
        f"{names} min, HTTP to a bookings serve process"
    )
    ratio = 0.0
    for key, what in (("empty", "no bookings"), ("full", f"{r['booked']} bookings")):
        found = r[key]
        single, multi = found["ms"]["single"], found["ms"]["multi"]
        ratio = statistics.median(multi) / statistics.median(single)
        slots = found["slots"]
        print(f"   {what}: slots per call single {slots['single']}, multi {slots['multi']}")
        for name, values in (("single-service list", single), ("multi-service list ", multi)):
            print(
                f"     {name}  p50 {statistics.median(values):7.2f} ms   "
                f"p95 {pct(values, 0.95):7.2f} ms"
            )
        print(f"     multi p50 / single p50 = {ratio:.2f}x")
    return ratio


def report(r: dict[str, Any]) -> float:
    http, engine, base = r["http"], r["engine"], r["baseline"]
    p50: float = statistics.median(http)
    print(
        f"\n== {r['label']}: 20 staff, 31 days, {r['booked']} bookings "
        f"({r['insert_s']:.2f} s to insert)"
    )
    print(f"   slots listed per call         {r['slots']} (without bookings {r['slots_before']})")
    print(f"   free staff-slots (legacy query) {r['free']} (without bookings {r['free_before']})")
    print(f"   HTTP list call   p50 {p50:7.2f} ms   p95 {pct(http, 0.95):7.2f} ms")
    print(
        f"   engine alone     p50 {statistics.median(engine):7.2f} ms   "
        f"p95 {pct(engine, 0.95):7.2f} ms"
    )
    print(f"   baseline (GET /site-properties) p50 {statistics.median(base):.2f} ms")
    print(f"   HTTP p50 / baseline p50 = {p50 / statistics.median(base):.1f}x")
    w = r["waitlist"]
    print(
        f"   class sessions with waitlists: {w['sessions']} sessions, {w['offers']} offers "
        f"running; ListEventTimeSlots p50 {statistics.median(w['http']):.2f} ms "
        f"p95 {pct(w['http'], 0.95):.2f} ms"
    )
    return p50


def linearity(r: dict[str, Any]) -> float:
    table: dict[tuple[int, int], tuple[float, float]] = r["table"]
    print(f"\n   cost vs staff x days ({r['label']}); norm = cost/(staff*days), / min norm")
    print("   staff days   engine ms   norm    HTTP ms   norm")
    eng_norm = {k: v[0] / (k[0] * k[1]) for k, v in table.items()}
    http_norm = {k: v[1] / (k[0] * k[1]) for k, v in table.items()}
    e_min, h_min = min(eng_norm.values()), min(http_norm.values())
    for (n, days), (e_ms, h_ms) in sorted(table.items()):
        print(
            f"   {n:5d} {days:4d}   {e_ms:9.3f} {eng_norm[(n, days)] / e_min:6.2f}  "
            f"{h_ms:9.2f} {http_norm[(n, days)] / h_min:6.2f}"
        )
    # Linearity is judged on the engine: the HTTP figure adds a fixed per-call cost
    # (auth, service and settings reads), which dominates the smallest cases.
    ratio = max(eng_norm.values()) / e_min
    print(f"   engine max/min normalized cost: {ratio:.2f}x")
    return ratio


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres-url", default=os.environ.get("BOOKINGS_TEST_POSTGRES_URL"))
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    results = []
    multis = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}"
        results.append(("sqlite", await run_engine("SQLite", url, args.runs)))
        multis.append(await run_multi("SQLite", url, Path(tmp), args.runs))
    if args.postgres_url:
        pg_url, name = await _create_pg_database(args.postgres_url)
        try:
            results.append(("postgres", await run_engine("PostgreSQL", pg_url, args.runs)))
            with tempfile.TemporaryDirectory() as tmp:
                multis.append(await run_multi("PostgreSQL", pg_url, Path(tmp), args.runs))
        finally:
            await _drop_pg_database(args.postgres_url, name)
    else:
        print("\n(PostgreSQL skipped: set BOOKINGS_TEST_POSTGRES_URL or --postgres-url)")
    lines = []
    worst = 0.0
    for key, r in results:
        p50 = report(r)
        worst = max(worst, linearity(r))
        verdict = "ok" if p50 < TARGET_P50_MS else "short"
        lines.append(f"RESULT availability_http_p50_{key} {p50:.1f} ms target 50 {verdict}")
        w50 = statistics.median(r["waitlist"]["http"])
        verdict = "ok" if w50 < TARGET_P50_MS else "short"
        lines.append(f"RESULT event_slots_waitlist_http_p50_{key} {w50:.1f} ms target 50 {verdict}")
    verdict = "ok" if worst <= TARGET_LINEARITY else "short"
    lines.append(f"RESULT availability_linearity {worst:.2f} x target 3 {verdict}")
    # The multi-service figure is the worst engine's ratio.
    ratio = max(report_multi(m) for m in multis)
    verdict = "ok" if ratio <= TARGET_MULTI_RATIO else "short"
    lines.append(f"RESULT multi_service_slots_p50_ratio {ratio:.2f} x target 2 {verdict}")
    print()
    print("\n".join(lines))


if __name__ == "__main__":
    asyncio.run(main())
