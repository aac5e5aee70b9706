"""Benchmark of Bookings Reader V2 (Query / Count Extended Bookings) on a large site.

    .venv/bin/python bench/reader.py [--postgres-url URL] [--rows-pg N] [--rows-sqlite N]
                                     [--runs N] [--skip-sqlite] [--skip-postgres]

Case: one site (created through the identity service, an ADMIN key) with 1,000,000 bookings
on PostgreSQL and 100,000 on SQLite: mixed kinds (60 % APPOINTMENT, 30 % CLASS, 10 % COURSE)
of 200 services, statuses CONFIRMED 55 %, CANCELED 15 %, CREATED 10 %, PENDING 10 %,
DECLINED 5 %, WAITING_LIST 5 %, one booking in 20 per contact (50,000 contacts on
PostgreSQL, 5,000 on SQLite), starts spread over two years around today, created 0-60 days
before their start (never after now). The writer has no function that only builds a row, so
one booking of each kind is created through the API (POST /bookings/v2/bookings) and the
rows it wrote to ``bookings`` are the templates: every filled row is a template with its own
id, service, schedule, event, staff resource, contact, creator, status, payment, instants,
participants and ``doc`` (the Writer V2 document, its slot or schedule rewritten to match),
the Reader columns from :func:`bookings.booking.search.indexed_columns` and the
``booking_values`` rows from :func:`bookings.booking.search.value_rows` (tags, and choices of
5 % of the class bookings). The three templates are then deleted, so the site holds exactly
the filled rows. Services, staff and contacts of the filled rows exist only in the rows (the
Reader reads nothing else for these queries); a fifth of the bookings are made by a member
(``createdBy.memberId``), the others by the business. Fill: batches of 20,000 rows are built
in two processes while the previous batch is loaded, straight through the driver —
PostgreSQL ``COPY`` (asyncpg ``copy_records_to_table``), SQLite ``executemany`` in one
transaction (values bound by the columns' own SQLAlchemy types) — into the tables without
their secondary indexes, which are dropped first and then rebuilt from the very DDL the
migrations ran (``pg_indexes`` / ``sqlite_master``); then ``VACUUM ANALYZE`` (PostgreSQL:
what autovacuum does after a bulk insert; it also sets the visibility map that index-only
scans need) or ``ANALYZE`` (SQLite).

Prints p50/p95 over ``--runs`` calls, each with other parameters, through HTTP (in-process
ASGI through httpx: routing, auth, validation, SQL, serialization; no sockets) of:

1. a page of 100 by status (``$in`` of two) and a one-month ``startDate`` range, sorted by
   ``startDate`` ASC (cursor paging);
2. a page by ``contactDetails.contactId`` (cursor paging, default sort createdDate DESC);
3. a page of 100 by ``bookedEntity.item.slot.serviceId`` (cursor paging, default sort);
4. the next page, by cursor, of 1 and of 3;
5. the count by ``status`` and by service.

Baselines measured in the same run: the SQL each call ran on ``bookings`` (captured with a
``before_cursor_execute`` event), replayed straight through the driver (asyncpg / aiosqlite)
in one transaction, with the ratio HTTP p50 / SQL p50; and the cheapest authenticated call
(GET /site-properties). Then the plan of each query's SQL for its first call (PostgreSQL:
EXPLAIN (ANALYZE, BUFFERS); SQLite: EXPLAIN QUERY PLAN) and how the plans of all its calls
read ``bookings`` (an EXPLAIN of each), checked to use an index (no Seq Scan / no SCAN without
an index); the 1-minute load average is printed with the figures. Every answer is checked
against the counts tallied during the fill (a page: its size and that each booking matches).
Fresh databases: a temporary SQLite file; on PostgreSQL a database created from
BOOKINGS_TEST_POSTGRES_URL or --postgres-url (default
postgresql+asyncpg://postgres@127.0.0.1:5432/test), dropped afterwards. Both are migrated by
the app's own start-up (``start_services``). Only the PostgreSQL page queries have a target
(p50 under 20 ms with an index); the SQLite RESULT lines are informational.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import logging
import multiprocessing
import os
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.dialects.sqlite.aiosqlite import dialect as sqlite_dialect

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' helpers
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from tests.conftest import _create_pg_database, _drop_pg_database

from bookings.app import create_app, start_services
from bookings.booking import search
from bookings.booking.models import booking_values as value_table
from bookings.booking.models import bookings as booking_rows
from bookings.config import Settings
from bookings.identity import service as identity
from bookings.platform.auth import Role
from bookings.platform.routing import Services
from bookings.platform.wire import format_local_datetime, format_timestamp

TARGET_P50_MS = 20.0
DEFAULT_PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
QUERY = "/_api/bookings-reader/v2/extended-bookings/query"
COUNT = "/_api/bookings-reader/v2/extended-bookings/count"
PAGE = 100
SERVICES = {"APPOINTMENT": 120, "CLASS": 60, "COURSE": 20}  # 60 / 30 / 10 % of the bookings
STAFF = 40
BOOKINGS_PER_CONTACT = 20
BOOKINGS_PER_MEMBER = 50
STATUSES = {
    "CONFIRMED": 55,
    "CANCELED": 15,
    "CREATED": 10,
    "PENDING": 10,
    "DECLINED": 5,
    "WAITING_LIST": 5,
}
STATUS_PAIRS = (
    ("CONFIRMED", "PENDING"),
    ("CREATED", "CONFIRMED"),
    ("CANCELED", "DECLINED"),
    ("PENDING", "WAITING_LIST"),
)
SPAN_DAYS = 365  # starts from today - SPAN_DAYS to today + SPAN_DAYS
WINDOW_DAYS = 30
BATCH = 20_000
BUILDERS = 2  # processes building batches while the previous one is loaded
BOOKING_COLUMNS = [c.name for c in booking_rows.columns]
VALUE_COLUMNS = [c.name for c in value_table.columns]
FIRST_NAMES = ("Ann", "Bo", "Chen", "Dana", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jo")
LAST_NAMES = ("Smith", "Garcia", "Kim", "Cohen", "Müller", "Rossi", "Silva", "Ito", "Nowak")

#: name -> label, in report order; the page queries have a target on PostgreSQL.
QUERIES = {
    "status_range": "status $in + startDate month, by start",
    "contact": "contactDetails.contactId",
    "service": "serviceId, createdDate DESC",
    "status_range_next": "next page of status+range (cursor)",
    "service_next": "next page of serviceId (cursor)",
    "count_status": "count by status",
    "count_service": "count by serviceId",
}
PAGE_QUERIES = ("status_range", "contact", "service", "status_range_next", "service_next")
#: What the statements of one call on ``bookings`` are, in order.
ROLES = ("query", "hasPrev probe")
_PG_SCAN = re.compile(
    r"((?:Parallel )?(?:Index Only Scan|Index Scan(?: Backward)?|Seq Scan|Bitmap Heap Scan)"
    r"(?: using \S+)? on bookings\b|Bitmap Index Scan on \S+)"
)


def role(index: int) -> str:
    return ROLES[index] if index < len(ROLES) else f"statement {index + 1}"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def timed_each(calls: Sequence[Callable[[], Awaitable[Any]]]) -> list[float]:
    """Milliseconds of each call (the first is also run once before, as a warm-up)."""
    await calls[0]()
    out = []
    for fn in calls:
        t0 = time.perf_counter()
        await fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def fast_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def millis(value: datetime) -> datetime:
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


# ---------------------------------------------------------------- the fill


@dataclass(frozen=True)
class FakeService:
    id: str
    schedule_id: str
    kind: str
    title: str


@dataclass
class Tally:
    """What the fill wrote, to check the answers against."""

    rows: int = 0
    values: int = 0
    by_status: Counter[str] = field(default_factory=Counter)
    by_service: Counter[str] = field(default_factory=Counter)
    by_contact: Counter[str] = field(default_factory=Counter)

    def add(self, row: dict[str, Any], values: int) -> None:
        self.rows += 1
        self.values += values
        self.by_status[row["status"]] += 1
        self.by_service[row["service_id"]] += 1
        if row["contact_id"]:
            self.by_contact[row["contact_id"]] += 1

    def merge(self, other: Tally) -> None:
        self.rows += other.rows
        self.values += other.values
        self.by_status.update(other.by_status)
        self.by_service.update(other.by_service)
        self.by_contact.update(other.by_contact)


class Filler:
    """Booking rows made from the writer's three template rows (one per kind)."""

    def __init__(self, templates: dict[str, dict[str, Any]], rows: int, now: datetime) -> None:
        self.templates = templates
        self.rows = rows
        self.now = now
        self.origin = datetime(now.year, now.month, now.day, tzinfo=UTC) - timedelta(days=SPAN_DAYS)
        rng = random.Random(1)
        self.services = [
            FakeService(fast_id(rng), fast_id(rng), kind, f"{kind.title()} {i:03d}")
            for kind, count in SERVICES.items()
            for i in range(count)
        ]
        self.staff = [(fast_id(rng), f"Staff {i:02d}") for i in range(STAFF)]
        contacts = max(1, rows // BOOKINGS_PER_CONTACT)
        self.contacts = [fast_id(rng) for _ in range(contacts)]
        self.members = [fast_id(rng) for _ in range(max(1, rows // BOOKINGS_PER_MEMBER))]
        self.wix_user = str(templates["APPOINTMENT"]["doc"]["createdBy"].get("wixUserId"))
        self.statuses = [name for name, weight in STATUSES.items() for _ in range(weight)]

    def contact_doc(self, index: int) -> dict[str, Any]:
        first = FIRST_NAMES[index % len(FIRST_NAMES)]
        last = LAST_NAMES[index // len(FIRST_NAMES) % len(LAST_NAMES)]
        return {
            "contactId": self.contacts[index],
            "firstName": first,
            "lastName": last,
            "email": f"{first}.{last}.{index}@example.com".lower(),
            "phone": f"+1555{index:07d}",
        }

    def booking(self, rng: random.Random) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """One row of ``bookings`` (without site_id) and its ``booking_values`` rows."""
        svc = self.services[rng.randrange(len(self.services))]
        template = self.templates[svc.kind]
        tdoc: dict[str, Any] = template["doc"]
        booking_id = fast_id(rng)
        day = self.origin + timedelta(days=rng.randrange(2 * SPAN_DAYS))
        start = day + timedelta(minutes=8 * 60 + 15 * rng.randrange(44))
        if svc.kind == "COURSE":
            end = start + timedelta(weeks=7, hours=1)
        else:
            end = start + timedelta(minutes=60)
        created = start - timedelta(seconds=rng.randrange(60 * 86_400))
        if created > self.now:
            created = self.now - timedelta(seconds=rng.randrange(14 * 86_400))
        created = millis(created.replace(microsecond=rng.randrange(1_000_000)))
        updated = created
        revision = 1
        if rng.random() < 0.4:
            updated = min(self.now, created + timedelta(seconds=rng.randrange(10 * 86_400)))
            updated, revision = millis(updated), rng.randint(2, 4)
        status = self.statuses[rng.randrange(len(self.statuses))]
        contact = self.contact_doc(rng.randrange(len(self.contacts)))
        member_id = None
        if rng.random() < 0.2:
            member_id = self.members[rng.randrange(len(self.members))]
            created_by = {"memberId": member_id, "contactId": contact["contactId"]}
        else:
            created_by = {"wixUserId": self.wix_user, "contactId": contact["contactId"]}
        entity = dict(tdoc["bookedEntity"])
        entity["title"] = svc.title
        resource_id = busy_end = event_id = None
        participants = 1
        doc: dict[str, Any] = {
            **tdoc,
            "contactDetails": contact,
            "createdBy": created_by,
        }
        if svc.kind == "COURSE":
            entity["schedule"] = {
                **entity["schedule"],
                "scheduleId": svc.schedule_id,
                "serviceId": svc.id,
                "firstSessionStart": format_local_datetime(start),
                "lastSessionEnd": format_local_datetime(end),
            }
            participants = rng.randint(1, 2)
        else:
            rid, name = self.staff[rng.randrange(len(self.staff))]
            slot = {
                **entity["slot"],
                "serviceId": svc.id,
                "scheduleId": svc.schedule_id,
                "startDate": format_local_datetime(start),
                "endDate": format_local_datetime(end),
                "resource": {"id": rid, "name": name},
            }
            if svc.kind == "APPOINTMENT":
                resource_id, busy_end = rid, end + timedelta(minutes=15)
            else:
                key = f"{svc.schedule_id}:{start.isoformat()}".encode()
                event_id = slot["eventId"] = hashlib.sha256(key).hexdigest()
                participants = rng.choice((1, 1, 1, 2, 3))
            entity["slot"] = slot
        doc["bookedEntity"] = entity
        doc["totalParticipants"] = participants
        if svc.kind == "CLASS" and rng.random() < 0.05:
            del doc["totalParticipants"]
            doc["participantsChoices"] = {
                "serviceChoices": [
                    {
                        "numberOfParticipants": participants,
                        "choices": [{"custom": "Adult", "optionId": "opt-adult"}],
                    }
                ]
            }
        if rng.random() < 0.5:
            doc["selectedPaymentOption"] = rng.choice(("ONLINE", "OFFLINE"))
        payment = "UNDEFINED"
        if status == "CONFIRMED":
            payment = rng.choice(("UNDEFINED", "PAID", "PAID", "NOT_PAID"))
        row: dict[str, Any] = {
            "id": booking_id,
            "kind": svc.kind,
            "status": status,
            "payment_status": payment,
            "service_id": svc.id,
            "schedule_id": svc.schedule_id,
            "event_id": event_id,
            "resource_id": resource_id,
            "start_utc": start,
            "end_utc": end,
            "busy_end_utc": busy_end,
            "participants": participants,
            "hold_until": created + timedelta(minutes=15) if status == "CREATED" else None,
            "double_booked": rng.random() < 0.002,
            "member_id": member_id,
            **search.indexed_columns(doc),
            "doc": doc,
            "revision": revision,
            "created_date": created,
            "updated_date": updated,
        }
        return row, search.value_rows(booking_id, doc)

    def batch(self, number: int, size: int, tally: Tally) -> tuple[list[Any], list[Any]]:
        rng = random.Random(1000 + number)
        rows, values = [], []
        for _ in range(size):
            row, vals = self.booking(rng)
            tally.add(row, len(vals))
            rows.append(row)
            values += vals
        return rows, values


_FILLER: Filler | None = None


def _start_builder(filler: Filler) -> None:
    global _FILLER
    _FILLER = filler


def _build_records(
    number: int, size: int, site_id: str, dialect_name: str
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], Tally]:
    """Batch ``number`` as driver records (in a builder process) and its tally: on
    PostgreSQL the values COPY takes (the document as JSON text), on SQLite the values
    SQLAlchemy would bind (its own bind processors of each column type)."""
    assert _FILLER is not None
    tally = Tally()
    rows, values = _FILLER.batch(number, size, tally)
    if dialect_name == "postgresql":
        for row in rows:
            row["doc"] = json.dumps(row["doc"], separators=(",", ":"), ensure_ascii=False)
        convert: dict[str, Any] = {}
    else:
        dialect = sqlite_dialect()
        # The dialect's own processors (dialect_impl): SQLite keeps instants as text in one
        # format, and a row in another would compare wrongly with the server's bound values.
        convert = {
            c.name: p
            for c in booking_rows.columns
            if (p := c.type.dialect_impl(dialect).bind_processor(dialect))
        }
    records = []
    for row in rows:
        row["site_id"] = site_id
        for name, process in convert.items():
            row[name] = process(row[name])
        records.append(tuple(row[c] for c in BOOKING_COLUMNS))
    value_records = [tuple({**v, "site_id": site_id}[c] for c in VALUE_COLUMNS) for v in values]
    return records, value_records, tally


async def fill(services: Services, site_id: str, filler: Filler, tally: Tally) -> float:
    """Builds the batches in BUILDERS processes and loads each as it comes; seconds spent."""
    db = services.db
    postgres = not db.is_sqlite
    async with db.connect_for_write() as conn:
        raw = await conn.get_raw_connection()
        driver: Any = raw.driver_connection
        t0 = time.perf_counter()
        loop = asyncio.get_running_loop()
        sizes = [min(BATCH, filler.rows - start) for start in range(0, filler.rows, BATCH)]

        async def load(table: str, columns: list[str], records: list[Any]) -> None:
            if postgres:
                await driver.copy_records_to_table(table, records=records, columns=columns)
            else:
                marks = ", ".join("?" for _ in columns)
                sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
                await driver.executemany(sql, records)

        with ProcessPoolExecutor(
            BUILDERS,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_builder,
            initargs=(filler,),
        ) as pool:
            ahead: deque[asyncio.Future[Any]] = deque()

            async def load_next() -> None:
                records, value_records, part = await ahead.popleft()
                tally.merge(part)
                await load("bookings", BOOKING_COLUMNS, records)
                await load("booking_values", VALUE_COLUMNS, value_records)

            for number, size in enumerate(sizes):
                build = partial(_build_records, number, size, site_id, db.dialect)
                ahead.append(loop.run_in_executor(pool, build))
                if len(ahead) > BUILDERS:  # at most BUILDERS + 1 batches in memory
                    await load_next()
            while ahead:
                await load_next()
    return time.perf_counter() - t0


#: The secondary indexes of the two tables, with the DDL the migrations created them with.
_INDEXES = {
    "postgresql": (
        "SELECT i.indexname, i.indexdef FROM pg_indexes i "
        "WHERE i.schemaname = current_schema() AND i.tablename IN ('bookings', 'booking_values') "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
    ),
    "sqlite": (
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
        "AND tbl_name IN ('bookings', 'booking_values') AND sql IS NOT NULL"
    ),
}


async def fill_tables(
    services: Services, site_id: str, filler: Filler, tally: Tally
) -> dict[str, float]:
    """Loads the tables without their secondary indexes (dropped, then rebuilt from the very
    DDL the migrations ran, as the database keeps it; the primary keys stay in place), then
    VACUUM ANALYZE (PostgreSQL) or ANALYZE (SQLite)."""
    db = services.db
    async with db.connect_for_write() as conn:
        indexes = [tuple(r) for r in (await conn.execute(sa.text(_INDEXES[db.dialect]))).all()]
        for name, _ in indexes:
            await conn.execute(sa.text(f'DROP INDEX "{name}"'))
    inserted = await fill(services, site_id, filler, tally)
    t0 = time.perf_counter()
    async with db.connect_for_write() as conn:
        if not db.is_sqlite:
            await conn.execute(sa.text("SET LOCAL maintenance_work_mem = '256MB'"))
        for _, ddl in indexes:
            await conn.execute(sa.text(ddl))
    rebuilt = time.perf_counter() - t0
    t0 = time.perf_counter()
    if db.is_sqlite:
        async with db.connect_for_write() as conn:
            await conn.execute(sa.text("ANALYZE"))
    else:
        admin = db.engine.execution_options(isolation_level="AUTOCOMMIT")
        async with admin.connect() as conn:
            await conn.execute(sa.text("VACUUM (ANALYZE) bookings, booking_values"))
    return {"insert": inserted, "indexes": rebuilt, "analyze": time.perf_counter() - t0}


# ---------------------------------------------------------------- the site and its calls


class Capture:
    """The statements on ``bookings`` the app sends while ``on``."""

    def __init__(self, services: Services) -> None:
        self.on = False
        self.statements: list[tuple[str, Any]] = []
        sa.event.listen(services.db.engine.sync_engine, "before_cursor_execute", self._hook)

    def _hook(
        self,
        conn: Any,
        cursor: Any,
        statement: str,
        parameters: Any,
        context: Any,
        executemany: bool,
    ) -> None:
        if self.on and "FROM bookings" in statement:
            self.statements.append((statement, parameters))

    async def run(self, fn: Callable[[], Awaitable[Any]]) -> tuple[Any, list[tuple[str, Any]]]:
        self.statements, self.on = [], True
        try:
            result = await fn()
        finally:
            self.on = False
        return result, self.statements


class Site:
    def __init__(self, services: Services, client: httpx.AsyncClient) -> None:
        self.services = services
        self.client = client
        self.site_id = ""
        self.headers: dict[str, str] = {}

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

    async def templates(self) -> dict[str, dict[str, Any]]:
        """One booking of each kind made by the writer; their ``bookings`` rows (the booking
        rows and their ``booking_values`` are deleted afterwards)."""
        staff = (await self.post("/bookings/v1/staff-members", {"staffMember": {"name": "Ana"}}))[
            "staffMember"
        ]["resourceId"]
        roomy = {"name": "Roomy", "participantsPolicy": {"maxParticipantsPerBooking": 20}}
        policy = (await self.post("/bookings/v1/booking-policies", {"bookingPolicy": roomy}))[
            "bookingPolicy"
        ]["id"]
        payment = {"rateType": "NO_FEE", "options": {"inPerson": True}}

        async def service(kind: str, name: str, **extra: Any) -> dict[str, Any]:
            svc = {
                "type": kind,
                "name": name,
                "defaultCapacity": 1 if kind == "APPOINTMENT" else 20,
                "onlineBooking": {"enabled": True},
                "payment": payment,
                **extra,
            }
            found: dict[str, Any] = (await self.post("/bookings/v2/services", {"service": svc}))[
                "service"
            ]
            return found

        massage = await service(
            "APPOINTMENT",
            "Massage",
            staffMemberIds=[staff],
            schedule={
                "availabilityConstraints": {"sessionDurations": [60], "timeBetweenSessions": 15}
            },
            locations=[{"type": "CUSTOM", "custom": {"address": {"addressLine": "1 Main St"}}}],
        )
        yoga = await service("CLASS", "Yoga", bookingPolicy={"id": policy})
        pottery = await service("COURSE", "Pottery", bookingPolicy={"id": policy})
        today = datetime.now(UTC).date()
        day = today + timedelta(days=(7 - today.weekday()) % 7 + 14)  # a Monday

        async def session(svc: dict[str, Any], start: str, end: str) -> dict[str, Any]:
            event = {
                "scheduleId": svc["schedule"]["id"],
                "type": svc["type"],
                "title": svc["name"],
                "start": {"localDate": f"{day}T{start}:00"},
                "end": {"localDate": f"{day}T{end}:00"},
                "location": {"type": "BUSINESS", "name": "Studio"},
                "totalCapacity": 20,
                "resources": [{"id": staff}],
            }
            found: dict[str, Any] = (await self.post("/calendar/v3/events", {"event": event}))[
                "event"
            ]
            return found

        event = await session(yoga, "18:00", "19:00")
        await session(pottery, "12:00", "13:00")
        contact = {"contactId": "bench", "firstName": "Ann", "email": "ann@example.com"}
        slot = {
            "serviceId": massage["id"],
            "scheduleId": massage["schedule"]["id"],
            "startDate": f"{day}T10:00:00",
            "endDate": f"{day}T11:00:00",
            "timezone": "UTC",
            "location": {"locationType": "OWNER_CUSTOM"},
            "resource": {"id": staff},
        }
        bodies = {
            "APPOINTMENT": {"bookedEntity": {"slot": slot}},
            "CLASS": {"bookedEntity": {"slot": {"serviceId": yoga["id"], "eventId": event["id"]}}},
            "COURSE": {"bookedEntity": {"schedule": {"scheduleId": pottery["schedule"]["id"]}}},
        }
        made = {}
        for kind, body in bodies.items():
            booking = {**body, "contactDetails": contact, "totalParticipants": 1}
            made[kind] = (await self.post("/bookings/v2/bookings", {"booking": booking}))[
                "booking"
            ]["id"]
        out = {}
        async with self.services.db.write(self.site_id) as uow:
            for kind, booking_id in made.items():
                row = await uow.one_or_none(
                    uow.select(booking_rows).where(booking_rows.c.id == booking_id)
                )
                assert row is not None and row.kind == kind, row
                out[kind] = dict(row._mapping)
            ids = list(made.values())
            await uow.conn.execute(uow.delete(value_table).where(value_table.c.booking_id.in_(ids)))
            await uow.conn.execute(uow.delete(booking_rows).where(booking_rows.c.id.in_(ids)))
        return out


@dataclass
class Measured:
    http: list[float]
    sql: list[float]
    rows: int  # items (pages) or the count, of the first call
    plans: list[tuple[str, str, list[str]]]  # of the first call: (statement role, SQL, plan)
    scans: Counter[tuple[str, str]]  # how each call's statements read bookings (role, scan)
    problems: list[str]  # plan lines reading bookings without an index, over every call


@dataclass
class EngineResult:
    label: str
    key: str
    rows: int
    values: int
    services: int
    contacts: int
    fill: dict[str, float]
    measured: dict[str, Measured]
    baseline: list[float]
    load: float  # 1-minute load average (the higher of before and after the measures)


def ts(value: datetime) -> str:
    return format_timestamp(value)


async def run_engine(label: str, key: str, url: str, rows: int, runs: int) -> EngineResult:
    settings = Settings(data_dir=Path(tempfile.mkdtemp()), database_url=url, demo=False)
    services = await start_services(settings)
    app = create_app(services=services)
    transport = httpx.ASGITransport(app=app)
    capture = Capture(services)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            site = Site(services, client)
            await site.create()
            templates = await site.templates()
            now = datetime.now(UTC)
            filler = Filler(templates, rows, now)
            tally = Tally()
            t0 = time.perf_counter()
            spent = await fill_tables(services, site.site_id, filler, tally)
            spent["total"] = time.perf_counter() - t0
            load = os.getloadavg()[0]
            measured = await measure(site, capture, filler, tally, runs)
            load = max(load, os.getloadavg()[0])

            async def baseline() -> None:
                await client.get("/site-properties/v4/properties", headers=site.headers)

            base = await timed_each([baseline] * runs)
        return EngineResult(
            label,
            key,
            tally.rows,
            tally.values,
            len(filler.services),
            len(filler.contacts),
            spent,
            measured,
            base,
            load,
        )
    finally:
        await services.db.dispose()


async def measure(
    site: Site, capture: Capture, filler: Filler, tally: Tally, runs: int
) -> dict[str, Measured]:
    rng = random.Random(11)
    origin = filler.origin
    services = [s.id for s in filler.services]
    contacts = filler.contacts
    by_start = [{"fieldName": "startDate", "order": "ASC"}]

    def status_range() -> dict[str, Any]:
        lo = origin + timedelta(days=rng.randrange(2 * SPAN_DAYS - WINDOW_DAYS))
        flt = {
            "status": {"$in": list(STATUS_PAIRS[rng.randrange(len(STATUS_PAIRS))])},
            "startDate": {"$gte": ts(lo), "$lt": ts(lo + timedelta(days=WINDOW_DAYS))},
        }
        return {"query": {"filter": flt, "sort": by_start, "cursorPaging": {"limit": PAGE}}}

    def by_field(path: str, value: str) -> dict[str, Any]:
        return {"query": {"filter": {path: value}, "cursorPaging": {"limit": PAGE}}}

    contact_path = "contactDetails.contactId"
    service_path = "bookedEntity.item.slot.serviceId"
    statuses = list(STATUSES)
    bodies: dict[str, list[tuple[str, dict[str, Any]]]] = {
        "status_range": [(QUERY, status_range()) for _ in range(runs)],
        "contact": [(QUERY, by_field(contact_path, rng.choice(contacts))) for _ in range(runs)],
        "service": [(QUERY, by_field(service_path, rng.choice(services))) for _ in range(runs)],
        "count_status": [
            (COUNT, {"filter": {"status": statuses[i % len(statuses)]}}) for i in range(runs)
        ],
        "count_service": [
            (COUNT, {"filter": {service_path: rng.choice(services)}}) for _ in range(runs)
        ],
    }

    def matches(flt: dict[str, Any], booking: dict[str, Any]) -> bool:
        booked = booking["bookedEntity"].get("slot") or booking["bookedEntity"]["schedule"]
        if contact_path in flt:
            return bool(booking["contactDetails"]["contactId"] == flt[contact_path])
        if service_path in flt:
            return bool(booked["serviceId"] == flt[service_path])
        start = flt["startDate"]
        return (
            booking["status"] in flt["status"]["$in"]
            and start["$gte"] <= booking["startDate"] < start["$lt"]
        )

    async def check(name: str, flt: dict[str, Any], answer: dict[str, Any], skip: int) -> int:
        """Checks a page (``skip`` rows after the first) or a count against the tally (the
        status + range filter: against its count); returns its size (items or the count)."""
        if name.startswith("count"):
            (value,) = flt.values()
            counts = tally.by_status if name == "count_status" else tally.by_service
            if answer["count"] != counts[value]:
                raise RuntimeError(f"{name}: {answer['count']} != {counts[value]}")
            return int(answer["count"])
        if contact_path in flt:
            total = tally.by_contact[flt[contact_path]]
        elif service_path in flt:
            total = tally.by_service[flt[service_path]]
        else:
            total = int((await site.post(COUNT, {"filter": flt}))["count"])
        items = [e["booking"] for e in answer["extendedBookings"]]
        want = min(PAGE, max(0, total - skip))
        if len(items) != want or not all(matches(flt, b) for b in items):
            raise RuntimeError(f"{name}: {len(items)} items, expected {want} matching {flt}")
        return len(items)

    # Capture pass (untimed, it also warms the caches): answers, their SQL, the cursors.
    captured: dict[str, list[list[tuple[str, Any]]]] = {}
    sizes: dict[str, int] = {}
    for name in list(bodies):
        captured[name] = []
        follow: list[tuple[str, dict[str, Any]]] = []
        for path, body in bodies[name]:
            answer, statements = await capture.run(partial(site.post, path, body))
            flt = body["query"]["filter"] if path == QUERY else body["filter"]
            sizes.setdefault(name, await check(name, flt, answer, 0))
            captured[name].append(statements)
            if name in ("status_range", "service"):
                cursor = answer["pagingMetadata"]["cursors"].get("next")
                if cursor is None:
                    raise RuntimeError(f"{name}: no next page for {flt}")
                follow.append((cursor, flt))
        if follow:
            nxt = f"{name}_next"
            bodies[nxt], captured[nxt] = [], []
            for cursor, flt in follow:
                body = {"query": {"cursorPaging": {"cursor": cursor}}}
                answer, statements = await capture.run(partial(site.post, QUERY, body))
                sizes.setdefault(nxt, await check(nxt, flt, answer, PAGE))
                bodies[nxt].append((QUERY, body))
                captured[nxt].append(statements)

    out: dict[str, Measured] = {}
    replay = await Replayer.open(site.services)
    try:
        for name in QUERIES:
            http = await timed_each([partial(site.post, p, b) for p, b in bodies[name]])
            sql = await timed_each([partial(replay.run, s) for s in captured[name]])
            plans = [
                (role(i), statement, await replay.explain(statement, params, analyze=True))
                for i, (statement, params) in enumerate(captured[name][0])
            ]
            scans: Counter[tuple[str, str]] = Counter()
            problems: list[str] = []
            for statements in captured[name]:
                for i, (statement, params) in enumerate(statements):
                    lines = await replay.explain(statement, params, analyze=False)
                    scans.update((role(i), scan) for scan in scans_of(lines, replay.sqlite))
                    problems += plan_problems(lines, replay.sqlite)
            out[name] = Measured(http, sql, sizes[name], plans, scans, problems)
    finally:
        await replay.close()
    return out


class Replayer:
    """The captured SQL, straight through the driver connection (one transaction a call)."""

    def __init__(self, services: Services, conn: Any, driver: Any) -> None:
        self.sqlite = services.db.is_sqlite
        self.conn = conn
        self.driver = driver

    @classmethod
    async def open(cls, services: Services) -> Replayer:
        conn = await services.db.engine.connect()
        raw = await conn.get_raw_connection()
        return cls(services, conn, raw.driver_connection)

    async def close(self) -> None:
        await self.conn.close()

    async def run(self, statements: list[tuple[str, Any]]) -> None:
        if self.sqlite:
            await self.driver.execute("BEGIN")
            for sql, params in statements:
                async with self.driver.execute(sql, params) as cursor:
                    await cursor.fetchall()
            await self.driver.execute("COMMIT")
            return
        async with self.driver.transaction():
            for sql, params in statements:
                await self.driver.fetch(sql, *params)

    async def explain(self, sql: str, params: Any, *, analyze: bool) -> list[str]:
        if self.sqlite:
            async with self.driver.execute(f"EXPLAIN QUERY PLAN {sql}", params) as cursor:
                rows = await cursor.fetchall()
            depth: dict[int, int] = {0: 0}
            lines = []
            for node, parent, _, detail in rows:
                depth[node] = depth.get(parent, 0) + 1
                lines.append("  " * (depth[node] - 1) + str(detail))
            return lines
        options = "(ANALYZE, BUFFERS) " if analyze else ""
        rows = await self.driver.fetch(f"EXPLAIN {options}{sql}", *params)
        return [str(r[0]) for r in rows]


def scans_of(lines: list[str], sqlite: bool) -> list[str]:
    """How a plan reads ``bookings``: its scan nodes (SQLite: SCAN/SEARCH ... up to the
    index's columns)."""
    if sqlite:
        found = [line.strip().split(" (")[0] for line in lines]
        return [f for f in found if f.split()[:2] in (["SCAN", "bookings"], ["SEARCH", "bookings"])]
    return [m.group(1) for line in lines for m in _PG_SCAN.finditer(line)]


def plan_problems(lines: list[str], sqlite: bool) -> list[str]:
    """The plan lines that read ``bookings`` without an index."""
    bad = []
    for line in lines:
        text = line.strip()
        if sqlite:
            words = text.split()
            if words[:2] == ["SCAN", "bookings"] and "USING" not in words:
                bad.append(text)
        elif "Seq Scan on bookings" in text:
            bad.append(text)
    return bad


def short_sql(statement: str) -> str:
    """One line; a select of every column of ``bookings`` as ``bookings.*``."""
    text = " ".join(statement.split())
    every = ", ".join(f"bookings.{c}" for c in BOOKING_COLUMNS)
    return re.sub(rf"^SELECT {re.escape(every)} FROM", "SELECT bookings.* FROM", text)


def report(r: EngineResult) -> dict[str, bool]:
    """Prints the figures and plans of one engine; returns whether each query's plan uses an
    index on ``bookings``."""
    fill = r.fill
    print(
        f"\n== {r.label}: {r.rows:,} bookings, {r.values:,} booking_values rows, "
        f"{r.services} services, {r.contacts:,} contacts"
    )
    analyze = "VACUUM ANALYZE" if r.key == "pg" else "ANALYZE"
    how = "build + COPY" if r.key == "pg" else "build + executemany"
    print(
        f"   fill {fill['total']:.1f} s: {how} {fill['insert']:.1f} s "
        f"({r.rows / fill['insert']:,.0f} rows/s), secondary indexes rebuilt "
        f"{fill['indexes']:.1f} s, {analyze} {fill['analyze']:.1f} s"
    )
    base = statistics.median(r.baseline)
    print(
        f"   baseline (GET /site-properties) p50 {base:.2f} ms; load average {r.load:.2f} "
        f"on {os.cpu_count()} CPUs"
    )
    print(
        "   query                                       HTTP p50    p95    SQL p50    p95"
        "   HTTP/SQL  /base   size"
    )
    for name, label in QUERIES.items():
        m = r.measured[name]
        h50, s50 = statistics.median(m.http), statistics.median(m.sql)
        print(
            f"   {label:42s} {h50:8.2f} {pct(m.http, 0.95):7.2f} {s50:9.2f} "
            f"{pct(m.sql, 0.95):7.2f} {h50 / s50:8.1f}x {h50 / base:5.1f}x {m.rows:6d}"
        )
    indexed = {}
    sqlite = r.key == "sqlite"
    kind = "EXPLAIN QUERY PLAN" if sqlite else "EXPLAIN (ANALYZE, BUFFERS)"
    for name, label in QUERIES.items():
        m = r.measured[name]
        for step, statement, lines in m.plans:
            print(f"\n   -- {label}: {step} ({kind}, the first of {len(m.http)} calls)")
            print("      " + short_sql(statement))
            for line in lines:
                print(f"      | {line}")
        print(f"      over the {len(m.http)} calls (EXPLAIN of each):")
        for (step, scan), times in sorted(m.scans.items()):
            print(f"        {step}: {scan} x{times}")
        indexed[name] = not m.problems
        if m.problems:
            print(f"      !! no index: {sorted(set(m.problems))}")
    return indexed


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--postgres-url", default=os.environ.get("BOOKINGS_TEST_POSTGRES_URL", DEFAULT_PG_URL)
    )
    parser.add_argument("--rows-pg", type=int, default=1_000_000)
    parser.add_argument("--rows-sqlite", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    results: list[tuple[EngineResult, dict[str, bool]]] = []
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}"
            r = await run_engine("SQLite", "sqlite", url, args.rows_sqlite, args.runs)
        results.append((r, report(r)))
    if not args.skip_postgres:
        pg_url, name = await _create_pg_database(args.postgres_url)
        try:
            r = await run_engine("PostgreSQL", "pg", pg_url, args.rows_pg, args.runs)
        finally:
            await _drop_pg_database(args.postgres_url, name)
        results.append((r, report(r)))
    lines = []
    for r, indexed in results:
        for name in PAGE_QUERIES:
            p50 = statistics.median(r.measured[name].http)
            fine = p50 < TARGET_P50_MS and indexed[name]
            lines.append(
                f"RESULT reader_{r.key}_{name}_p50 {p50:.1f} ms target {TARGET_P50_MS:g} "
                f"{'ok' if fine else 'short'}"
            )
        used = sum(indexed[n] for n in QUERIES)
        lines.append(
            f"RESULT reader_{r.key}_queries_using_index {used} queries target {len(QUERIES)} "
            f"{'ok' if used == len(QUERIES) else 'short'}"
        )
    print()
    print("\n".join(lines))


if __name__ == "__main__":
    asyncio.run(main())
