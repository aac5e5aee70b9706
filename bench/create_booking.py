"""Benchmark of Create Booking under concurrency, against a straight-through driver baseline.

    .venv/bin/python bench/create_booking.py [--postgres-url URL] [--calls N] [--clients 1,8,32]
        [--processes N] [--engines sqlite,postgres] [--no-appointments]

Measured path: the real HTTP create (``POST /_api/bookings-service/v2/bookings``) against real
``bookings serve`` processes on 127.0.0.1 (``--processes``, default 1; each client keeps one
keep-alive connection to process ``client % N``), on a fresh SQLite file and on a fresh
PostgreSQL database (created next to BOOKINGS_TEST_POSTGRES_URL or ``--postgres-url``, dropped
afterwards). The site comes from the automation hook (BOOKINGS_SITE_ID +
BOOKINGS_ADMIN_API_KEY); the catalog is built through HTTP with the helpers of
``tests/booking``. Cases:

* class sessions: one CLASS service, 64 sessions of capacity 1000, one participant per booking,
  call ``i`` books session ``i % 64`` (so capacity never refuses and concurrent calls mostly
  lock different event rows);
* appointments (unless ``--no-appointments``): 20 staff on business hours, 60-minute sessions
  without buffer, call ``i`` books staff ``i % 20`` at a slot of its own (next free hour of the
  working week), naming the resource.

* class sessions with idempotency keys: at each level, after the cases above, the level's class
  bodies are sent again twice, in quarters ordered plain, keyed, keyed, plain (so the tables'
  growth weighs on both alike): plainly, and each under a new ``Idempotency-Key`` (the
  claim, the record lookup and the stored answer in the create's transaction); the ratio of
  the two throughputs is the key's cost (target: at least 0.85 at 32 clients, PostgreSQL
  when measured: ``RESULT create_with_idempotency_ratio``).

Every create must answer 200; anything else is counted and printed as an error, and the
booking rows stored at the end must match the creates answered. Clients are closed loops:
``c`` workers each send their next call as soon as the previous one answered; latency is
measured per call in the client, throughput is successful creates over the wall time of the
level. The load generator is a minimal keep-alive HTTP/1.1 client on asyncio streams rather
than httpx, so that it costs little CPU next to the server on the same machine (httpx builds
the catalog).

Baseline, in the same run and at the same concurrency (one connection per client): the same
database work straight through the driver (asyncpg on PostgreSQL; aiosqlite on SQLite, writers
queued on an asyncio lock before ``BEGIN IMMEDIATE`` exactly as the server's unit of work
does): begin; lock the capacity owner (``SELECT total_capacity ... FOR UPDATE`` of the event
row on PostgreSQL, the staff ``resources`` row for an appointment; ``BEGIN IMMEDIATE`` on
SQLite); count the holders (SUM of participants of holding bookings of that event, resp. the
holding bookings of that staff member meeting the slot); insert a booking row whose ``doc`` is
the document of a booking the server made (same size) and an outbox row whose body is its
"created" envelope; commit. It writes to the **real tables** of the bench's own database (same
column types, JSONB, indexes and constraints as the server's, with no scratch DDL to keep in
step), on a session set / staff set of its own in the same site, so the two never share a row
lock while both tables grow alike over the run (the Reader's indexed columns are left NULL).
The baseline is a floor: it leaves out what the server also does per create (authentication,
reading the service, session and policy that plan the booking, the policy snapshot, the
Reader's value rows, the event's remaining-capacity update, the appointment's calendar check),
as well as HTTP and validation.

Prints, per engine, case and concurrency: calls, errors, creates/s, p50/p99 latency, the
baseline's creates/s and latencies, and the ratio of the two throughputs; ends with the
target line (at 32 clients on PostgreSQL the class-session create reaches at least 25% of the
baseline's throughput).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, ExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import aiosqlite
import asyncpg
import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' helpers
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from tests.booking.conftest import (
    API,
    Catalog,
    appointment_booking,
    class_booking,
    next_monday,
)
from tests.conftest import _create_pg_database, _drop_pg_database
from tests.serving import serving

SRC = Path(__file__).resolve().parents[1] / "src"
DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
TARGET_RATIO = 0.25
#: Class creates with an Idempotency-Key reach this share of those without, same run.
KEYED_TARGET = 0.85
CLIENTS = (1, 8, 32)
SESSIONS = 64
SESSION_CAPACITY = 1000
STAFF = 20
HOURS = tuple(range(9, 17))  # business hours 09:00-17:00, 60-minute sessions, no buffer
WARMUP = 24
HOLD = timedelta(minutes=15)  # the default createdBookingHoldMinutes


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass
class Stats:
    calls: int
    errors: int
    seconds: float
    latencies: list[float]
    samples: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return (self.calls - self.errors) / self.seconds if self.seconds else 0.0

    @property
    def p50(self) -> float:
        return pct(self.latencies, 0.50)

    @property
    def p99(self) -> float:
        return pct(self.latencies, 0.99)


def merged(parts: Sequence[Stats]) -> Stats:
    """Runs of one kind as one: their calls, errors, time and latencies summed."""
    return Stats(
        calls=sum(p.calls for p in parts),
        errors=sum(p.errors for p in parts),
        seconds=sum(p.seconds for p in parts),
        latencies=[x for p in parts for x in p.latencies],
        samples=[x for p in parts for x in p.samples][:3],
    )


#: One call: (worker, call number) -> None when it succeeded, else what went wrong.
Call = Callable[[int, int], Awaitable[str | None]]


async def closed_loop(clients: int, calls: int, one: Call) -> Stats:
    """``clients`` workers share the call numbers ``0 .. calls-1``, one call at a time each."""
    numbers = iter(range(calls))
    latencies: list[float] = []
    samples: list[str] = []
    errors = 0

    async def worker(w: int) -> None:
        nonlocal errors
        for i in numbers:
            t0 = time.perf_counter()
            try:
                problem = await one(w, i)
            except Exception as exc:  # a failed call is an error, not the end of the run
                problem = f"{type(exc).__name__}: {exc}"
            latencies.append((time.perf_counter() - t0) * 1000)
            if problem is not None:
                errors += 1
                if len(samples) < 3:
                    samples.append(problem)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(clients)))
    return Stats(calls, errors, time.perf_counter() - t0, latencies, samples)


# ---------------------------------------------------------------- the HTTP side


class KeepAlive:
    """One keep-alive HTTP/1.1 connection that POSTs JSON and reads the answer whole."""

    def __init__(self, base: str, headers: dict[str, str]) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items()).encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def post(self, path: str, body: bytes, extra: bytes = b"") -> tuple[int, bytes]:
        if self.reader is None or self.writer is None:
            await self.open()
        assert self.reader is not None and self.writer is not None
        self.writer.write(
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n".encode()
            + self.extra
            + extra
            + b"\r\n"
            + body
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        match = re.search(rb"(?im)^content-length:\s*(\d+)", head)
        if match is None:
            raise RuntimeError(f"answer without Content-Length: {head[:200]!r}")
        return status, await self.reader.readexactly(int(match.group(1)))

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            await self.writer.wait_closed()
            self.reader = self.writer = None


@asynccontextmanager
async def connections(
    bases: Sequence[str], headers: dict[str, str], clients: int
) -> AsyncIterator[list[KeepAlive]]:
    """One open connection per client, client ``w`` to process ``w % len(bases)``."""
    conns = [KeepAlive(bases[w % len(bases)], headers) for w in range(clients)]
    await asyncio.gather(*(c.open() for c in conns))
    try:
        yield conns
    finally:
        await asyncio.gather(*(c.close() for c in conns))


def http_create(
    conns: list[KeepAlive], bodies: Sequence[bytes], first: int, keys: str | None = None
) -> Call:
    """Call ``i`` posts ``bodies[first + i]``; with ``keys``, under ``Idempotency-Key:
    <keys>-<i>`` (a new key per call)."""

    async def one(w: int, i: int) -> str | None:
        extra = f"Idempotency-Key: {keys}-{i}\r\n".encode() if keys else b""
        status, answer = await conns[w].post(API, bodies[first + i], extra)
        return None if status == 200 else f"{status} {answer[:300].decode(errors='replace')}"

    return one


# ---------------------------------------------------------------- the catalog


@dataclass
class Plan:
    """What the calls book: the HTTP side's and the baseline's own sessions and staff."""

    site_id: str
    yoga: dict[str, Any]
    sessions: list[dict[str, Any]]
    base_sessions: list[dict[str, Any]]
    massage: dict[str, Any] | None = None
    staff: list[str] = field(default_factory=list)
    base_staff: list[str] = field(default_factory=list)
    #: Call ``i``'s appointment slot: (staff index, start, end) in UTC (the site's zone).
    slots: list[tuple[int, datetime, datetime]] = field(default_factory=list)


def working_slots(count: int) -> list[tuple[int, datetime, datetime]]:
    """``count`` distinct (staff, hour) cells of the working week from a Monday two weeks
    ahead: staff fastest, then hour, then weekday."""
    out: list[tuple[int, datetime, datetime]] = []
    day: date = next_monday(2)
    while len(out) < count:
        if day.weekday() < 5:
            for hour in HOURS:
                start = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
                out.extend((s, start, start + timedelta(hours=1)) for s in range(STAFF))
        day += timedelta(days=1)
    return out[:count]


async def build_catalog(
    base: str, headers: dict[str, str], site_id: str, appointments: int
) -> Plan:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        cat = Catalog(client, headers)
        yoga = await cat.group(capacity=SESSION_CAPACITY)
        first = next_monday(2)
        sessions = []
        for k in range(2 * SESSIONS):
            day = first + timedelta(days=k // 8)
            start = f"{8 + k % 8:02d}:00"
            end = f"{8 + k % 8:02d}:45"
            sessions.append(await cat.session(yoga, day, start, end, capacity=SESSION_CAPACITY))
        plan = Plan(site_id, yoga, sessions[:SESSIONS], sessions[SESSIONS:])
        if appointments:
            plan.staff = [await cat.staff(f"Staff {i:02d}") for i in range(STAFF)]
            plan.base_staff = [await cat.staff(f"Baseline {i:02d}") for i in range(STAFF)]
            constraints = {"sessionDurations": [60], "timeBetweenSessions": 0}
            plan.massage = await cat.appointment(
                plan.staff, schedule={"availabilityConstraints": constraints}
            )
            plan.slots = working_slots(appointments)
    return plan


def class_bodies(plan: Plan, count: int) -> list[bytes]:
    return [
        json.dumps({"booking": class_booking(plan.yoga, plan.sessions[i % SESSIONS])}).encode()
        for i in range(count)
    ]


def appointment_bodies(plan: Plan) -> list[bytes]:
    assert plan.massage is not None
    out = []
    for s, start, end in plan.slots:
        booking = appointment_booking(
            plan.massage,
            start.date(),
            start.strftime("%H:%M"),
            end.strftime("%H:%M"),
            resource=plan.staff[s],
        )
        out.append(json.dumps({"booking": booking}).encode())
    return out


# ---------------------------------------------------------------- the baseline


HOLDING = "(status IN ('CONFIRMED', 'PENDING') OR (status = 'CREATED' AND hold_until > $3))"
LOCK_EVENT = "SELECT total_capacity FROM calendar_events WHERE site_id = $1 AND id = $2"
LOCK_RESOURCE = "SELECT id FROM resources WHERE site_id = $1 AND id = $2"
COUNT_CLASS = (
    "SELECT COALESCE(SUM(participants), 0) FROM bookings WHERE site_id = $1 AND event_id = $2"
    f" AND {HOLDING} AND kind = 'CLASS'"
)
BUSY_APPOINTMENT = (
    "SELECT start_utc, busy_end_utc FROM bookings WHERE site_id = $1 AND resource_id = $2"
    f" AND {HOLDING} AND start_utc < $4 AND busy_end_utc > $5 AND kind = 'APPOINTMENT'"
)
INSERT_BOOKING = (
    "INSERT INTO bookings (site_id, id, kind, status, payment_status, service_id, schedule_id,"
    " event_id, resource_id, start_utc, end_utc, busy_end_utc, participants, hold_until,"
    " double_booked, member_id, doc, revision, created_date, updated_date) VALUES ($1, $2, $3,"
    " 'CREATED', 'UNDEFINED', $4, $5, $6, $7, $8, $9, $10, 1, $11, FALSE, NULL, $12, 1, $13, $14)"
)
INSERT_EVENT = (
    "INSERT INTO domain_events (site_id, id, entity_fqdn, slug, entity_id, event_time, sequence,"
    " body, created_date) VALUES ($1, $2, 'wix.bookings.v2.booking', 'created', $3, $4, 1, $5,"
    " $6)"
)


class Documents:
    """The booking document and outbox body of a real create, re-stamped per baseline row."""

    def __init__(self, wire: dict[str, Any]) -> None:
        self.wire = wire

    def render(self, booking_id: str, now: datetime) -> tuple[str, str]:
        doc = {**self.wire, "id": booking_id}
        envelope = {
            "id": str(uuid.uuid4()),
            "entityFqdn": "wix.bookings.v2.booking",
            "slug": "created",
            "entityId": booking_id,
            "eventTime": now.isoformat(),
            "triggeredByAnonymizeRequest": False,
            "entityEventSequence": "1",
            "createdEvent": {"entity": doc},
        }
        return json.dumps(doc), json.dumps(envelope)


@dataclass
class Work:
    """One create of the baseline: its capacity owner and its booking row."""

    kind: str  # CLASS | APPOINTMENT
    owner: str  # event id | staff resource id
    service_id: str
    schedule_id: str
    start: datetime
    end: datetime
    docs: Documents


class Baseline(Protocol):
    async def create(self, w: int, work: Work) -> str | None: ...


def booking_args(work: Work, now: datetime) -> list[Any]:
    """``$4 .. $11`` of INSERT_BOOKING (after site, id, kind)."""
    appointment = work.kind == "APPOINTMENT"
    return [
        work.service_id,
        work.schedule_id,
        None if appointment else work.owner,
        work.owner if appointment else None,
        work.start,
        work.end,
        work.end if appointment else None,
        now + HOLD,
    ]


class PgBaseline:
    """asyncpg, one pooled connection per client, ``SELECT ... FOR UPDATE`` of the owner."""

    def __init__(self, pool: asyncpg.Pool, site_id: str) -> None:
        self.pool, self.site_id = pool, site_id

    async def create(self, w: int, work: Work) -> str | None:
        now = datetime.now(UTC)
        booking_id = str(uuid.uuid4())
        doc, body = work.docs.render(booking_id, now)
        site = self.site_id
        async with self.pool.acquire() as conn, conn.transaction():
            if work.kind == "CLASS":
                cap = await conn.fetchval(LOCK_EVENT + " FOR UPDATE", site, work.owner)
                used = await conn.fetchval(COUNT_CLASS, site, work.owner, now)
                if cap is not None and used + 1 > cap:
                    return f"session {work.owner} full"
            else:
                await conn.fetchval(LOCK_RESOURCE + " FOR UPDATE", site, work.owner)
                busy = await conn.fetch(
                    BUSY_APPOINTMENT, site, work.owner, now, work.end, work.start
                )
                if busy:
                    return f"staff {work.owner} busy at {work.start}"
            await conn.execute(
                INSERT_BOOKING,
                site,
                booking_id,
                work.kind,
                *booking_args(work, now),
                doc,
                now,
                now,
            )
            await conn.execute(INSERT_EVENT, site, str(uuid.uuid4()), booking_id, now, body, now)
        return None


def _sqlite_sql(sql: str) -> str:
    return re.sub(r"\$\d+", "?", sql)


def _sqlite_time(value: datetime | None) -> str | None:
    """What SQLAlchemy stores for a UtcDateTime on SQLite (naive UTC, microseconds)."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


class SqliteBaseline:
    """aiosqlite, one connection per client; writers queue on an asyncio lock, then
    ``BEGIN IMMEDIATE`` (the server's unit of work does the same)."""

    def __init__(self, conns: list[aiosqlite.Connection], site_id: str) -> None:
        self.conns, self.site_id = conns, site_id
        self.lock = asyncio.Lock()
        self.sql = {
            name: _sqlite_sql(sql)
            for name, sql in (
                ("event", LOCK_EVENT),
                ("resource", LOCK_RESOURCE),
                ("count", COUNT_CLASS),
                ("busy", BUSY_APPOINTMENT),
                ("booking", INSERT_BOOKING),
                ("outbox", INSERT_EVENT),
            )
        }

    async def create(self, w: int, work: Work) -> str | None:
        now = datetime.now(UTC)
        booking_id = str(uuid.uuid4())
        doc, body = work.docs.render(booking_id, now)
        site, at, sql = self.site_id, _sqlite_time(now), self.sql
        conn = self.conns[w]
        async with self.lock:
            await conn.execute("BEGIN IMMEDIATE")
            try:
                if work.kind == "CLASS":
                    async with conn.execute(sql["event"], (site, work.owner)) as cur:
                        cap = (await cur.fetchone() or (None,))[0]
                    async with conn.execute(sql["count"], (site, work.owner, at)) as cur:
                        used = (await cur.fetchone() or (0,))[0]
                    if cap is not None and used + 1 > cap:
                        await conn.execute("ROLLBACK")
                        return f"session {work.owner} full"
                else:
                    async with conn.execute(sql["resource"], (site, work.owner)) as cur:
                        await cur.fetchone()
                    window = (_sqlite_time(work.end), _sqlite_time(work.start))
                    async with conn.execute(sql["busy"], (site, work.owner, at, *window)) as cur:
                        if await cur.fetchall():
                            await conn.execute("ROLLBACK")
                            return f"staff {work.owner} busy at {work.start}"
                args = [
                    a if not isinstance(a, datetime) else _sqlite_time(a)
                    for a in booking_args(work, now)
                ]
                await conn.execute(
                    sql["booking"], (site, booking_id, work.kind, *args, doc, at, at)
                )
                await conn.execute(
                    sql["outbox"], (site, str(uuid.uuid4()), booking_id, at, body, at)
                )
                await conn.execute("COMMIT")
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
        return None


@asynccontextmanager
async def baseline(url: str, clients: int, site_id: str) -> AsyncIterator[Baseline]:
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "postgresql":
        dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        pool = await asyncpg.create_pool(dsn, min_size=clients, max_size=clients)
        try:
            yield PgBaseline(pool, site_id)
        finally:
            await pool.close()
        return
    async with AsyncExitStack() as stack:
        conns = []
        for _ in range(clients):
            conn = await stack.enter_async_context(
                aiosqlite.connect(parsed.database or "", timeout=60, isolation_level=None)
            )
            for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=60000"):
                await conn.execute(f"PRAGMA {pragma}")
            conns.append(conn)
        yield SqliteBaseline(conns, site_id)


def class_works(plan: Plan, docs: Documents) -> list[Work]:
    """The baseline's class creates: call ``i`` books its own session ``i % SESSIONS``."""
    sid, service_id = str(plan.yoga["schedule"]["id"]), str(plan.yoga["id"])
    out = []
    for event in plan.base_sessions:
        start = datetime.fromisoformat(event["start"]["utcDate"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(event["end"]["utcDate"].replace("Z", "+00:00"))
        out.append(Work("CLASS", str(event["id"]), service_id, sid, start, end, docs))
    return out


def appointment_works(plan: Plan, docs: Documents) -> list[Work]:
    """The baseline's appointment creates: the HTTP side's slots, on the baseline's staff."""
    assert plan.massage is not None
    service_id, sid = str(plan.massage["id"]), str(plan.massage["schedule"]["id"])
    return [
        Work("APPOINTMENT", plan.base_staff[s], service_id, sid, start, end, docs)
        for s, start, end in plan.slots
    ]


def baseline_create(base: Baseline, works: Sequence[Work], first: int) -> Call:
    """Call ``i`` does ``works[(first + i) % len(works)]``."""

    async def one(w: int, i: int) -> str | None:
        return await base.create(w, works[(first + i) % len(works)])

    return one


# ---------------------------------------------------------------- one engine


@dataclass
class Level:
    clients: int
    http: Stats
    base: Stats

    @property
    def ratio(self) -> float:
        return self.http.rate / self.base.rate if self.base.rate else 0.0


@dataclass
class Case:
    """A kind of create: the HTTP bodies of its calls and the baseline's works."""

    name: str
    bodies: list[bytes]
    make_works: Callable[[Documents], list[Work]]
    works: list[Work] = field(default_factory=list)


@dataclass
class EngineResult:
    label: str
    key: str
    cases: dict[str, list[Level]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    stored: int = 0
    answered: int = 0
    #: Class-session creates without and with an ``Idempotency-Key``, per client count.
    keyed: dict[int, tuple[Stats, Stats]] = field(default_factory=dict)


async def run_engine(
    label: str,
    key: str,
    url: str,
    tmp: Path,
    clients: Sequence[int],
    calls: int,
    processes: int,
    appointments: bool,
) -> EngineResult:
    site_id = str(uuid.uuid4())
    admin_key = f"automation-{uuid.uuid4().hex}"
    env = {
        "BOOKINGS_WORKERS": "1",  # --processes counts the processes
        "BOOKINGS_DATA_DIR": str(tmp),
        "BOOKINGS_DATABASE_URL": url,
        "BOOKINGS_SITE_ID": site_id,
        "BOOKINGS_ADMIN_API_KEY": admin_key,
        "BOOKINGS_LOG_JSON": "1",
        # The server runs the tree this bench sits in (not whatever is installed).
        "PYTHONPATH": os.pathsep.join([str(SRC), *filter(None, [os.environ.get("PYTHONPATH")])]),
    }
    headers = {"Authorization": admin_key, "wix-site-id": site_id}
    result = EngineResult(label, key)
    total = WARMUP + calls * len(clients)
    with ExitStack() as stack:
        bases = [
            stack.enter_context(serving(env, log=tmp / f"serve{i}.log"))[0]
            for i in range(processes)
        ]
        plan = await build_catalog(bases[0], headers, site_id, total if appointments else 0)
        class_bodies_ = class_bodies(plan, total)
        cases = [Case("class", class_bodies_, lambda d: class_works(plan, d))]
        if appointments:
            cases.append(
                Case("appointment", appointment_bodies(plan), lambda d: appointment_works(plan, d))
            )
        # Warm-up (server pools, statement caches); the first booking of each case is the
        # document its baseline writes.
        warm = min(4, max(clients))
        async with connections(bases, headers, warm) as conns:
            for case in cases:
                status, answer = await conns[0].post(API, case.bodies[0])
                if status != 200:
                    raise RuntimeError(f"warm-up {case.name}: {status} {answer[:500]!r}")
                wire = json.loads(answer)["booking"]
                case.works = case.make_works(Documents(wire))
                result.notes.append(f"{case.name} document {len(json.dumps(wire))} B")
                stats = await closed_loop(warm, WARMUP - 1, http_create(conns, case.bodies, 1))
                if stats.errors:
                    raise RuntimeError(f"warm-up {case.name}: {stats.samples}")
        async with baseline(url, warm, site_id) as base:
            for case in cases:
                stats = await closed_loop(warm, WARMUP, baseline_create(base, case.works, 0))
                if stats.errors:
                    raise RuntimeError(f"warm-up baseline {case.name}: {stats.samples}")
        result.cases = {case.name: [] for case in cases}
        first = WARMUP
        for c in clients:
            async with baseline(url, c, site_id) as base:
                for case in cases:
                    # Fresh connections: the server drops idle keep-alives after 5 s.
                    async with connections(bases, headers, c) as conns:
                        http = await closed_loop(c, calls, http_create(conns, case.bodies, first))
                    floor = await closed_loop(c, calls, baseline_create(base, case.works, first))
                    result.cases[case.name].append(Level(c, http, floor))
            # The same class creates again (the bodies of this level once more, capacity
            # allows), plain then each under a new Idempotency-Key, back to back.
            # In four quarters, plain, keyed, keyed, plain, so that the tables' growth over
            # the run (and any drift of the machine) weighs on both alike.
            quarter = calls // 4
            parts: dict[bool, list[Stats]] = {False: [], True: []}
            for n, with_keys in enumerate((False, True, True, False)):
                start = first + n * quarter
                keys = f"bench-{uuid.uuid4().hex}" if with_keys else None
                async with connections(bases, headers, c) as conns:
                    parts[with_keys].append(
                        await closed_loop(
                            c, quarter, http_create(conns, class_bodies_, start, keys)
                        )
                    )
            result.keyed[c] = (merged(parts[False]), merged(parts[True]))
            first += calls
    ok = sum(
        lv.http.calls - lv.http.errors + lv.base.calls - lv.base.errors for lv in levels_of(result)
    )
    ok += sum(a.calls - a.errors + b.calls - b.errors for a, b in result.keyed.values())
    result.answered = 2 * WARMUP * len(cases) + ok
    result.stored = await stored_bookings(url, site_id)
    return result


def levels_of(result: EngineResult) -> list[Level]:
    return [lv for levels in result.cases.values() for lv in levels]


async def stored_bookings(url: str, site_id: str) -> int:
    """Booking rows of the site, read back after the run (every 200 must have committed)."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            query = sa.text("SELECT COUNT(*) FROM bookings WHERE site_id = :s")
            return int((await conn.execute(query, {"s": site_id})).scalar() or 0)
    finally:
        await engine.dispose()


# ---------------------------------------------------------------- report


def report(r: EngineResult, processes: int, calls: int) -> None:
    plural = "es" if processes > 1 else ""
    print(
        f"\n== {r.label}: {processes} server process{plural}, {calls} calls per level, "
        f"{', '.join(r.notes)}"
    )
    for name, levels in r.cases.items():
        what = (
            f"{SESSIONS} sessions of capacity {SESSION_CAPACITY}, one participant each"
            if name == "class"
            else f"{STAFF} staff, a slot of its own per call"
        )
        print(f"   {name} ({what})")
        print(
            "   clients  calls errors  creates/s  p50 ms  p99 ms | baseline/s  p50 ms  p99 ms"
            " errors | ratio"
        )
        for lv in levels:
            h, b = lv.http, lv.base
            print(
                f"   {lv.clients:7d} {h.calls:6d} {h.errors:6d} {h.rate:10.1f} {h.p50:7.2f}"
                f" {h.p99:7.2f} | {b.rate:10.1f} {b.p50:7.2f} {b.p99:7.2f} {b.errors:6d}"
                f" | {lv.ratio:5.3f}"
            )
            for sample in h.samples + b.samples:
                print(f"           error: {sample}")
    if r.keyed:
        print("   class creates, without and with Idempotency-Key (a new key per call)")
        print("   clients  plain/s  p50 ms  p99 ms | keyed/s  p50 ms  p99 ms errors | ratio")
        for c, (a, b) in r.keyed.items():
            ratio = b.rate / a.rate if a.rate else 0.0
            print(
                f"   {c:7d} {a.rate:8.1f} {a.p50:7.2f} {a.p99:7.2f} | {b.rate:7.1f} {b.p50:7.2f}"
                f" {b.p99:7.2f} {a.errors + b.errors:6d} | {ratio:5.3f}"
            )
            for sample in a.samples + b.samples:
                print(f"           error: {sample}")
    verdict = "as answered" if r.stored == r.answered else f"but {r.answered} creates answered OK"
    print(f"   {r.stored} booking rows stored, {verdict}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BOOKINGS_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL,
    )
    parser.add_argument("--calls", type=int, default=400, help="creates per case and level")
    parser.add_argument("--clients", default=",".join(map(str, CLIENTS)))
    parser.add_argument("--processes", type=int, default=1, help="bookings serve processes")
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--no-appointments", action="store_true")
    args = parser.parse_args()
    clients = [int(c) for c in args.clients.split(",") if c.strip()]
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    results: list[EngineResult] = []
    shape = {
        "clients": clients,
        "calls": args.calls,
        "processes": args.processes,
        "appointments": not args.no_appointments,
    }
    for engine in engines:
        with tempfile.TemporaryDirectory() as tmp:
            if engine == "sqlite":
                url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}"
                results.append(await run_engine("SQLite", "sqlite", url, Path(tmp), **shape))
                continue
            try:
                url, name = await _create_pg_database(args.postgres_url)
            except (OSError, sa.exc.SQLAlchemyError) as exc:
                print(f"\n(PostgreSQL skipped: {type(exc).__name__}: {exc})")
                continue
            try:
                results.append(await run_engine("PostgreSQL", "pg", url, Path(tmp), **shape))
            finally:
                await _drop_pg_database(args.postgres_url, name)
    for r in results:
        report(r, args.processes, args.calls)
    ratio = 0.0
    for r in results:
        for lv in r.cases.get("class", []):
            if r.key == "pg" and lv.clients == 32:
                ratio = lv.ratio
    print()
    verdict = "ok" if ratio >= TARGET_RATIO else "short"
    print(f"RESULT create_pg_32_ratio {ratio:.2f} ratio target {TARGET_RATIO} {verdict}")
    # Idempotency keys: at 32 clients (else the most measured), PostgreSQL when measured.
    keyed_ratio = 0.0
    for r in sorted(results, key=lambda r: r.key != "pg"):
        if r.keyed:
            plain, with_key = r.keyed.get(32) or r.keyed[max(r.keyed)]
            keyed_ratio = with_key.rate / plain.rate if plain.rate else 0.0
            break
    verdict = "ok" if keyed_ratio >= KEYED_TARGET else "short"
    print(
        f"RESULT create_with_idempotency_ratio {keyed_ratio:.2f} x target {KEYED_TARGET} {verdict}"
    )


if __name__ == "__main__":
    asyncio.run(main())
