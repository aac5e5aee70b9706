"""Benchmark of Create Booking at 32 clients, against the same database work done by pgbench.

    .venv/bin/python bench/create_booking.py [--postgres-url URL] [--seconds S]
        [--clients N] [--workers 1,2] [--engines postgres,sqlite] [--no-appointments]

Needs ``wrk`` and ``pgbench`` (``apt-get install wrk postgresql-client``): the load of both
sides comes from C programs in processes of their own (``bench/load_tools.py``), so neither
the server nor the baseline shares its CPU with a Python load generator.

Measured path: the real HTTP create (``POST /_api/bookings-service/v2/bookings``) against
``bookings serve --workers N`` on 127.0.0.1 for each N of ``--workers``, on a fresh
PostgreSQL database (created next to BOOKINGS_TEST_POSTGRES_URL or ``--postgres-url``,
dropped afterwards) and, with ``--engines ...,sqlite``, on a fresh SQLite file. The site comes
from the automation hook (BOOKINGS_SITE_ID + BOOKINGS_ADMIN_API_KEY); the catalog is built
through HTTP with the helpers of ``tests/booking``. One wrk thread keeps ``--clients``
keep-alive connections busy for ``--seconds`` (after a warm-up of a quarter of that):

* class sessions: one CLASS service, 64 sessions of large capacity, one participant per
  booking, the bodies name the sessions in turn (capacity never refuses; concurrent calls
  mostly lock different event rows);
* appointments (unless ``--no-appointments``): 40 staff on business hours, 60-minute sessions
  without buffer, each body books a (staff, hour) of its own, naming the resource, never
  sent twice;
* class sessions with idempotency keys (server with one process): in four quarters, plain,
  keyed, keyed, plain, the same class creates without and with a new ``Idempotency-Key``
  each; the ratio of the two throughputs is the key's cost (target: at least 0.85).

Every create must answer 200 (the first failures are printed); the booking rows stored at
the end must be at least the creates answered (wrk drops the answers still in flight when its
time is up). Also printed: p50/p99 latency (wrk's), and the server's CPU milliseconds per
create (user + system time of its processes over the run, from ``/proc``).

Baseline (PostgreSQL), in the same run, on the same database: pgbench with ``--clients``
connections and prepared statements, each connection with a capacity owner of its own
(distinct owners), doing per transaction: BEGIN; lock the owner (``SELECT ... FOR UPDATE`` of
the event row, resp. of the staff member's ``resources`` row); count its holders (the SUM of
participants of the holding bookings of the event, resp. the holding bookings of the staff
member meeting the slot); insert the booking row, whose ``doc`` is the document of a booking
the server made (same size), and its outbox row with the "created" envelope, in one
statement as the server does; COMMIT. It writes to the real tables (same types, JSONB,
indexes) on sessions and staff of its own in the same site. It is a floor: it leaves out
what the server also does per create (HTTP, authentication, validation, reading the service,
policy and site that plan the booking, the policy snapshot, the Reader's value rows, the
event's remaining-capacity update, the appointment's working hours and calendar).

Ends with the target lines (PostgreSQL, ``--clients`` clients, the server with as many
processes as ``bookings serve`` starts by default here, one per CPU): class creates at least
25% of the baseline's throughput, appointment creates at least 15% of theirs, and keyed class
creates at least 85% of plain ones.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' helpers
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bench.load_tools import Run, pgbench, process_tree, sql_literal, wrk
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
TARGETS = {"class": 0.25, "appointment": 0.15}
#: Class creates with an Idempotency-Key reach this share of those without, same run.
KEYED_TARGET = 0.85
SESSIONS = 64
SESSION_CAPACITY = 1000  # the most a service allows
STAFF = 40
HOURS = tuple(range(9, 17))  # business hours 09:00-17:00, 60-minute sessions, no buffer
#: Appointment bodies per wrk run (each sent once): more than a run can send.
SLOTS_PER_RUN = 9000


# ---------------------------------------------------------------- the catalog


@dataclass
class Plan:
    """What the calls book: the HTTP side's sessions and staff, and the baseline's own."""

    site_id: str
    yoga: dict[str, Any]
    sessions: list[dict[str, Any]]
    base_sessions: list[dict[str, Any]]
    massage: dict[str, Any] | None = None
    staff: list[str] = field(default_factory=list)
    base_staff: list[str] = field(default_factory=list)


def working_slots(count: int) -> list[tuple[int, datetime, datetime]]:
    """``count`` distinct (staff, hour) cells of the working week from a Monday two weeks
    ahead: staff fastest, then hour, then weekday; in UTC (the site's zone)."""
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
    base: str, headers: dict[str, str], site_id: str, clients: int, appointments: bool
) -> Plan:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        cat = Catalog(client, headers)
        yoga = await cat.group(capacity=SESSION_CAPACITY)
        first = next_monday(2)
        sessions = []
        for k in range(SESSIONS + max(clients, SESSIONS)):
            day = first + timedelta(days=k // 8)
            start, end = f"{8 + k % 8:02d}:00", f"{8 + k % 8:02d}:45"
            sessions.append(await cat.session(yoga, day, start, end, capacity=SESSION_CAPACITY))
        plan = Plan(site_id, yoga, sessions[:SESSIONS], sessions[SESSIONS:])
        if appointments:
            plan.staff = [await cat.staff(f"Staff {i:02d}") for i in range(STAFF)]
            plan.base_staff = [await cat.staff(f"Baseline {i:02d}") for i in range(clients)]
            constraints = {"sessionDurations": [60], "timeBetweenSessions": 0}
            plan.massage = await cat.appointment(
                plan.staff, schedule={"availabilityConstraints": constraints}
            )
    return plan


def class_bodies(plan: Plan) -> list[bytes]:
    return [json.dumps({"booking": class_booking(plan.yoga, s)}).encode() for s in plan.sessions]


def appointment_bodies(plan: Plan, slots: list[tuple[int, datetime, datetime]]) -> list[bytes]:
    assert plan.massage is not None
    out = []
    for s, start, end in slots:
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

HOLDING = "(status IN ('CONFIRMED', 'PENDING') OR (status = 'CREATED' AND hold_until > now()))"
COLUMNS = (
    "site_id, id, kind, status, payment_status, service_id, schedule_id, event_id,"
    " resource_id, start_utc, end_utc, busy_end_utc, participants, hold_until, double_booked,"
    " member_id, doc, revision, created_date, updated_date"
)
EVENT_COLUMNS = (
    "site_id, id, entity_fqdn, slug, entity_id, event_time, sequence, body, created_date"
)


def _insert(site: str, wire: dict[str, Any], values: str) -> str:
    """The booking row and its outbox row, in one statement (as the server sends them)."""
    envelope = {
        "id": str(uuid.uuid4()),
        "entityFqdn": "wix.bookings.v2.booking",
        "slug": "created",
        "entityId": wire["id"],
        "eventTime": wire["createdDate"],
        "triggeredByAnonymizeRequest": False,
        "entityEventSequence": "1",
        "createdEvent": {"entity": wire},
    }
    return (
        f"WITH b AS (INSERT INTO bookings ({COLUMNS}) VALUES ({values},"
        f" {sql_literal(wire)}::jsonb, 1, now(), now()) RETURNING id)\n"
        f"INSERT INTO domain_events ({EVENT_COLUMNS}) SELECT '{site}', gen_random_uuid()::text,"
        f" 'wix.bookings.v2.booking', 'created', b.id, now(), 1, {sql_literal(envelope)}::jsonb,"
        " now() FROM b;\n"
    )


def class_script(plan: Plan, wire: dict[str, Any]) -> str:
    """pgbench: client ``c`` books baseline session ``c`` (the table ``bench_owners``)."""
    site, svc = plan.site_id, plan.yoga
    values = (
        f"'{site}', gen_random_uuid()::text, 'CLASS', 'CREATED', 'UNDEFINED', '{svc['id']}',"
        f" '{svc['schedule']['id']}', :eid, NULL, now(), now() + interval '45 minutes', NULL,"
        " 1, now() + interval '15 minutes', FALSE, NULL"
    )
    return (
        "BEGIN;\n"
        "SELECT e.id AS eid, e.total_capacity AS cap FROM calendar_events e JOIN bench_owners o"
        f" ON o.event_id = e.id WHERE o.n = :client_id AND e.site_id = '{site}'"
        " FOR UPDATE OF e \\gset\n"
        f"SELECT COALESCE(SUM(participants), 0) FROM bookings WHERE site_id = '{site}'"
        f" AND event_id = :eid AND {HOLDING} AND kind = 'CLASS';\n"
        + _insert(site, wire, values)
        + "COMMIT;\n"
    )


def appointment_script(plan: Plan, wire: dict[str, Any]) -> str:
    """pgbench: client ``c`` books baseline staff member ``c`` at a random hour."""
    assert plan.massage is not None
    site, svc = plan.site_id, plan.massage
    slot = "(TIMESTAMPTZ '2030-01-07 09:00:00+00' + :h * interval '1 hour')"
    values = (
        f"'{site}', gen_random_uuid()::text, 'APPOINTMENT', 'CREATED', 'UNDEFINED',"
        f" '{svc['id']}', '{svc['schedule']['id']}', NULL, :rid, {slot},"
        f" {slot} + interval '1 hour', {slot} + interval '1 hour', 1,"
        " now() + interval '15 minutes', FALSE, NULL"
    )
    return (
        "\\set h random(0, 1000000)\n"
        "BEGIN;\n"
        "SELECT r.id AS rid FROM resources r JOIN bench_owners o ON o.resource_id = r.id"
        f" WHERE o.n = :client_id AND r.site_id = '{site}' FOR UPDATE OF r \\gset\n"
        f"SELECT start_utc, busy_end_utc FROM bookings WHERE site_id = '{site}'"
        f" AND resource_id = :rid AND {HOLDING} AND start_utc < {slot} + interval '1 hour'"
        f" AND busy_end_utc > {slot} AND kind = 'APPOINTMENT';\n"
        + _insert(site, wire, values)
        + "COMMIT;\n"
    )


async def write_owners(url: str, plan: Plan) -> None:
    """``bench_owners``: client number -> its own session and staff member (pgbench's
    ``:client_id``), a table of the bench's throwaway database."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                sa.text(
                    "CREATE TABLE bench_owners (n int PRIMARY KEY, event_id text, resource_id text)"
                )
            )
            rows = [
                {
                    "n": n,
                    "e": s["id"],
                    "r": plan.base_staff[n] if n < len(plan.base_staff) else None,
                }
                for n, s in enumerate(plan.base_sessions)
            ]
            await conn.execute(sa.text("INSERT INTO bench_owners VALUES (:n, :e, :r)"), rows)
    finally:
        await engine.dispose()


def libpq_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


# ---------------------------------------------------------------- the runs


@dataclass
class Outcome:
    label: str
    #: (case, workers) -> the server's run
    http: dict[tuple[str, int], Run] = field(default_factory=dict)
    #: case -> pgbench's run
    base: dict[str, Run] = field(default_factory=dict)
    #: class creates, plain and keyed (one server process)
    keyed: tuple[Run, Run] | None = None
    answered: int = 0
    stored: int = 0


async def first_create(base: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        answer = await client.post(
            API, content=body, headers={**headers, "content-type": "application/json"}
        )
    if answer.status_code != 200:
        raise RuntimeError(f"first create: {answer.status_code} {answer.text[:500]}")
    return dict(answer.json()["booking"])


def merged(runs: list[Run]) -> Run:
    return Run(
        sum(r.requests for r in runs),
        sum(r.errors for r in runs),
        sum(r.seconds for r in runs),
        sorted(r.p50_ms for r in runs)[len(runs) // 2],
        max(r.p99_ms for r in runs),
        [s for r in runs for s in r.samples][:3],
        sum(r.cpu_ms for r in runs),
    )


async def run_engine(
    label: str, url: str, tmp: Path, args: argparse.Namespace, workers: list[int]
) -> Outcome:
    site_id = str(uuid.uuid4())
    admin_key = f"automation-{uuid.uuid4().hex}"
    env = {
        "BOOKINGS_DATA_DIR": str(tmp),
        "BOOKINGS_DATABASE_URL": url,
        "BOOKINGS_SITE_ID": site_id,
        "BOOKINGS_ADMIN_API_KEY": admin_key,
        "BOOKINGS_LOG_JSON": "1",
        # The server runs the tree this bench sits in (not whatever is installed).
        "PYTHONPATH": os.pathsep.join([str(SRC), *filter(None, [os.environ.get("PYTHONPATH")])]),
    }
    headers = {"Authorization": admin_key, "wix-site-id": site_id}
    out = Outcome(label)
    pg = url.startswith("postgresql")
    seconds, warm = args.seconds, max(1.0, args.seconds / 4)
    slots = working_slots(SLOTS_PER_RUN * 2 * len(workers) + 1)
    answered = 0

    def load(base: str, pids: list[int], bodies: list[bytes], secs: float, keys: str = "") -> Run:
        nonlocal answered
        run = wrk(
            base + API,
            API,
            bodies,
            headers,
            connections=args.clients,
            seconds=secs,
            work=tmp,
            keys=keys,
            pids=pids,
        )
        answered += run.requests - run.errors
        return run

    plan: Plan | None = None
    cases: dict[str, dict[str, Any]] = {}
    for n, count in enumerate(workers):
        with ExitStack() as stack:
            base, proc = stack.enter_context(
                serving(env, "--workers", str(count), log=tmp / f"serve-{count}.log")
            )
            if plan is None:
                plan = await build_catalog(
                    base, headers, site_id, args.clients, not args.no_appointments
                )
                cases["class"] = {"bodies": class_bodies(plan)}
                cases["class"]["wire"] = await first_create(
                    base, headers, cases["class"]["bodies"][0]
                )
                if plan.massage is not None:
                    first = appointment_bodies(plan, slots[-1:])[0]
                    cases["appointment"] = {"wire": await first_create(base, headers, first)}
                answered += len(cases)
            await asyncio.sleep(1)  # the workers of ``--workers N`` are all up
            pids = process_tree(proc.pid)
            for case in cases:
                if case == "class":
                    bodies = cases["class"]["bodies"]
                    warm_bodies = bodies
                else:
                    mine = slots[2 * n * SLOTS_PER_RUN : (2 * n + 2) * SLOTS_PER_RUN]
                    warm_bodies = appointment_bodies(plan, mine[:SLOTS_PER_RUN])
                    bodies = appointment_bodies(plan, mine[SLOTS_PER_RUN:])
                load(base, pids, warm_bodies, warm)
                out.http[(case, count)] = load(base, pids, bodies, seconds)
            if count == 1 and not args.no_keys:
                quarter = seconds / 2
                parts: dict[bool, list[Run]] = {False: [], True: []}
                for keyed in (False, True, True, False):
                    keys = f"bench-{uuid.uuid4().hex}" if keyed else ""
                    parts[keyed].append(load(base, pids, cases["class"]["bodies"], quarter, keys))
                out.keyed = (merged(parts[False]), merged(parts[True]))
    assert plan is not None
    if pg:
        await write_owners(url, plan)
        scripts = {"class": class_script(plan, cases["class"]["wire"])}
        if "appointment" in cases:
            scripts["appointment"] = appointment_script(plan, cases["appointment"]["wire"])
        for case, script in scripts.items():
            dsn = libpq_dsn(url)
            pgbench(dsn, script, clients=args.clients, seconds=warm, work=tmp)
            out.base[case] = pgbench(dsn, script, clients=args.clients, seconds=seconds, work=tmp)
    out.answered = answered
    out.stored = await stored_bookings(url, site_id, plan)
    return out


async def stored_bookings(url: str, site_id: str, plan: Plan) -> int:
    """Booking rows the server made (not the baseline's), read back after the run."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            query = (
                sa.text(
                    "SELECT COUNT(*) FROM bookings WHERE site_id = :s AND (event_id IS NULL"
                    " OR event_id NOT IN (SELECT event_id FROM bench_owners))"
                    " AND (resource_id IS NULL OR resource_id NOT IN"
                    " (SELECT resource_id FROM bench_owners WHERE resource_id IS NOT NULL))"
                )
                if url.startswith("postgresql")
                else sa.text("SELECT COUNT(*) FROM bookings WHERE site_id = :s")
            )
            return int((await conn.execute(query, {"s": site_id})).scalar() or 0)
    finally:
        await engine.dispose()


# ---------------------------------------------------------------- report


def report(o: Outcome, args: argparse.Namespace) -> None:
    print(
        f"\n== {o.label}: {args.clients} clients (one wrk thread), {args.seconds:g} s a run;"
        " baseline: pgbench, a capacity owner per connection"
    )
    print(
        "   case          processes  creates/s  p50 ms  p99 ms errors  CPU ms/create"
        " | baseline/s  p50 ms  p99 ms | ratio"
    )
    for (case, count), h in o.http.items():
        b = o.base.get(case)
        base = (
            f"{b.rate:10.1f} {b.p50_ms:7.2f} {b.p99_ms:7.2f}" if b else f"{'-':>10} {'':7} {'':7}"
        )
        ratio = f"{h.rate / b.rate:5.3f}" if b and b.rate else "  -"
        print(
            f"   {case:13} {count:9d} {h.rate:10.1f} {h.p50_ms:7.2f} {h.p99_ms:7.2f}"
            f" {h.errors:6d} {h.cpu_ms_per_call:14.2f} | {base} | {ratio}"
        )
        for sample in h.samples:
            print(f"           error: {sample}")
    if o.keyed is not None:
        a, k = o.keyed
        print("   class creates, plain then with a new Idempotency-Key each (one process)")
        print(
            f"   plain {a.rate:.1f}/s (p50 {a.p50_ms:.2f} ms), keyed {k.rate:.1f}/s"
            f" (p50 {k.p50_ms:.2f} ms), errors {a.errors + k.errors}, ratio"
            f" {k.rate / a.rate if a.rate else 0:.3f}"
        )
        for sample in a.samples + k.samples:
            print(f"           error: {sample}")
    verdict = "at least as answered" if o.stored >= o.answered else f"but {o.answered} answered OK"
    print(f"   {o.stored} booking rows stored by the server, {verdict}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BOOKINGS_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL,
    )
    parser.add_argument("--seconds", type=float, default=8.0, help="length of a measured run")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", default="1,2", help="server processes, one run each")
    parser.add_argument("--engines", default="postgres")
    parser.add_argument("--no-appointments", action="store_true")
    parser.add_argument("--no-keys", action="store_true", help="skip the idempotency runs")
    args = parser.parse_args()
    workers = [int(w) for w in args.workers.split(",") if w.strip()]
    default_workers = os.cpu_count() or 1
    results: list[Outcome] = []
    for engine in [e.strip() for e in args.engines.split(",") if e.strip()]:
        with tempfile.TemporaryDirectory() as tmp:
            if engine == "sqlite":
                url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}"
                results.append(await run_engine("SQLite", url, Path(tmp), args, [1]))
                continue
            url, name = await _create_pg_database(args.postgres_url)
            try:
                results.append(await run_engine("PostgreSQL", url, Path(tmp), args, workers))
            finally:
                await _drop_pg_database(args.postgres_url, name)
    for o in results:
        report(o, args)
    print()
    pg = next((o for o in results if o.label == "PostgreSQL"), None)
    chosen = default_workers if pg and ("class", default_workers) in pg.http else min(workers)
    for case, target in TARGETS.items():
        ratio = 0.0
        if pg is not None and (case, chosen) in pg.http and case in pg.base:
            ratio = pg.http[(case, chosen)].rate / pg.base[case].rate
            rate = pg.http[(case, chosen)].rate
            print(f"FIGURE create_{case}_pg{args.clients}_per_s {rate:.1f}")
        verdict = "ok" if ratio >= target else "short"
        name = f"create_{case}_pg{args.clients}_ratio"
        print(f"RESULT {name} {ratio:.2f} ratio target {target} {verdict}")
    keyed = 0.0
    if pg is not None and pg.keyed is not None and pg.keyed[0].rate:
        keyed = pg.keyed[1].rate / pg.keyed[0].rate
    verdict = "ok" if keyed >= KEYED_TARGET else "short"
    print(f"RESULT create_with_idempotency_ratio {keyed:.2f} x target {KEYED_TARGET} {verdict}")


if __name__ == "__main__":
    asyncio.run(main())
