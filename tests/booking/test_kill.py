"""``kill -9`` under write load, on SQLite and PostgreSQL (issue 17).

A real server takes creates from 32 concurrent clients: class bookings at a session of
capacity 12 (contended) and at a roomy one, appointments at distinct slots of three staff
members (each should succeed) and at one slot of a fourth (contended), bulk creates of three
such appointments; a third of the creates and half the bulk creates carry an
``Idempotency-Key``, every booking its own ``externalUserId``. About a second in,
the server is killed with SIGKILL, then started again on the same database; that one is
loaded and killed too, and a third started. After each restart:

* every create answered 200 is stored, exactly once, as answered; no request is stored twice,
  none that was refused; a keyed bulk create is stored whole or not at all;
* every stored booking is whole: its ``created`` domain event (and nothing else), that event
  either in the outbox's queue or fanned out to the site's webhook (once), its
  ``booking_values``, its policy snapshot, its idempotency record (when it had a key); no
  event, snapshot or record points at a booking that is not there;
* the sessions' participant counts (``remainingCapacity``) agree with their bookings and
  nobody is over capacity; no staff member holds two bookings at one time;
* replaying an acknowledged key answers the same booking; replaying a key that got no answer
  answers the booking it stored, or makes it now, once.

At the end the last server books again, and its dispatcher empties the outbox's queue.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import sqlalchemy as sa

from bookings.booking.capacity import holds
from bookings.booking.documents import ENTITY_FQDN
from bookings.booking.models import booking_values, bookings
from bookings.booking.search import value_rows
from bookings.calendar.models import calendar_events
from bookings.catalog.policies.models import booking_policy_snapshots
from bookings.platform.db import Database
from bookings.platform.models import domain_events, idempotency_records, outbox_pending
from bookings.webhooks.models import webhook_deliveries
from tests.booking.conftest import API, BULK, appointment_booking, class_booking, next_monday
from tests.booking.races import catalog, client, double_booked, site_env
from tests.conftest import ENGINES, fresh_database
from tests.serving import serving

pytestmark = pytest.mark.slow

HOOKS = "/_api/bookings-server/v1/webhooks"
CLIENTS = 32
#: The load runs this long (and until this many answers came) before the kill.
LOAD_SECONDS = 1.0
MIN_ANSWERS = 30
SMALL = 12


@dataclass
class Call:
    """One create, or one bulk create: what was sent and what came back (``answer``
    ``None``: nothing did)."""

    n: int
    kind: str
    body: dict[str, Any]
    key: str | None
    answer: httpx.Response | None = None
    error: str = ""

    @property
    def path(self) -> str:
        return f"{BULK}/create" if self.kind == "bulk" else API

    @property
    def tags(self) -> list[str]:
        """Its bookings' ``externalUserId``, in order."""
        infos = self.body.get("createBookingsInfo") or [self.body]
        return [str(info["booking"]["externalUserId"]) for info in infos]

    @property
    def made(self) -> dict[str, str]:
        """The bookings it was answered, by tag."""
        if self.answer is None or self.answer.status_code != 200:
            return {}
        return _answered(self.tags, self.answer.content)

    @property
    def refused(self) -> set[str]:
        """The tags of the bookings it was answered an error for."""
        if self.answer is None:
            return set()
        return set(self.tags) - set(self.made)


def _answered(tags: list[str], body: bytes) -> dict[str, str]:
    """The bookings (by tag) of a 200 answer (of a create, or a bulk create)."""
    found = orjson.loads(body)
    if "booking" in found:
        return {tags[0]: str(found["booking"]["id"])}
    return {
        tags[r["itemMetadata"]["originalIndex"]]: str(r["itemMetadata"]["id"])
        for r in found["results"]
        if r["itemMetadata"]["success"]
    }


def _ids(body: bytes) -> list[str]:
    """The bookings of a 200 answer."""
    return list(_answered([str(i) for i in range(3)], body).values())


@dataclass
class Shop:
    """The catalog the load books."""

    yoga: dict[str, Any]
    small: dict[str, Any]
    big: dict[str, Any]
    quick: dict[str, Any]
    staff: list[str]
    massage: dict[str, Any]
    dee: str
    slots: Iterator[tuple[str, Any, str, str]] = field(init=False)

    def __post_init__(self) -> None:
        self.slots = self._distinct_slots()

    def _distinct_slots(self) -> Iterator[tuple[str, Any, str, str]]:
        """(staff, day, start, end) of 15 minutes, none twice."""
        for week in range(2, 10):
            for d in range(5):
                day = next_monday(week) + timedelta(days=d)
                for minute in range(9 * 60, 17 * 60, 15):
                    start = f"{minute // 60:02d}:{minute % 60:02d}"
                    end = f"{(minute + 15) // 60:02d}:{(minute + 15) % 60:02d}"
                    for rid in self.staff:
                        yield rid, day, start, end


async def _shop(http: httpx.AsyncClient, base: str, headers: dict[str, str]) -> Shop:
    cat = catalog(http, base, headers)
    yoga = await cat.group(capacity=SMALL)
    small = await cat.session(yoga, next_monday(5), capacity=SMALL)
    big = await cat.session(yoga, next_monday(5) + timedelta(days=1), capacity=5000)
    staff = [await cat.staff(name) for name in ("Ana", "Ben", "Cleo")]
    quick = await cat.appointment(
        staff,
        name="Quick",
        schedule={"availabilityConstraints": {"sessionDurations": [15], "timeBetweenSessions": 0}},
    )
    dee = await cat.staff("Dee")
    massage = await cat.appointment([dee])
    # A webhook of the created bookings, so that the outbox's queue is fanned out to
    # deliveries (to a port where nobody listens: they stay PENDING, retried).
    hook = {"url": "http://127.0.0.1:9/hook", "eventTypes": ["wix.bookings.v2.booking_created"]}
    res = await http.post(f"{base}{HOOKS}", json={"webhook": hook}, headers=headers)
    assert res.status_code == 200, res.text
    return Shop(yoga, small, big, quick, staff, massage, dee)


def _calls(shop: Shop) -> Iterator[Call]:
    """The load, without end: its kinds mixed, a key on every third call and on half the
    bulk creates (three appointments each, at distinct slots)."""
    for n in count():
        kind = ("small", "small", "big", "contended", "slot", "slot", "slot", "bulk")[n % 8]
        if kind in ("small", "big"):
            bookings = [class_booking(shop.yoga, shop.small if kind == "small" else shop.big)]
        elif kind == "contended":
            bookings = [appointment_booking(shop.massage, next_monday(4), resource=shop.dee)]
        else:
            bookings = []
            for _ in range(3 if kind == "bulk" else 1):
                rid, day, start, end = next(shop.slots)
                bookings.append(appointment_booking(shop.quick, day, start, end, resource=rid))
        for i, booking in enumerate(bookings):
            booking["externalUserId"] = f"call-{n}-{i}"
        body: dict[str, Any]
        if kind == "bulk":
            body = {"createBookingsInfo": [{"booking": b} for b in bookings]}
            key = f"key-{n}" if n % 16 == 7 else None
        else:
            body = {"booking": bookings[0]}
            key = f"key-{n}" if n % 3 == 0 else None
        yield Call(n, kind, body, key)


def _headers(headers: dict[str, str], call: Call) -> dict[str, str]:
    return {**headers, "Idempotency-Key": call.key} if call.key else headers


async def _load_then_kill(
    http: httpx.AsyncClient, base: str, headers: dict[str, str], proc: Any, calls: Iterator[Call]
) -> list[Call]:
    """Creates from :data:`CLIENTS` clients until the server dies; SIGKILL once it has run
    :data:`LOAD_SECONDS` and answered :data:`MIN_ANSWERS`. Every call made, in order."""
    made: list[Call] = []
    dead, enough = asyncio.Event(), asyncio.Event()

    async def one_client() -> None:
        while not dead.is_set():
            call = next(calls)
            made.append(call)
            try:
                call.answer = await http.post(
                    base + call.path, json=call.body, headers=_headers(headers, call)
                )
            except httpx.TransportError as exc:  # the server went: so does this client
                call.error = repr(exc)
                return
            if sum(c.answer is not None for c in made) >= MIN_ANSWERS:
                enough.set()

    clients = [asyncio.create_task(one_client()) for _ in range(CLIENTS)]
    await asyncio.sleep(LOAD_SECONDS)
    with contextlib.suppress(TimeoutError):  # a slow machine: more time, as many answers
        await asyncio.wait_for(enough.wait(), 30)
    proc.kill()
    dead.set()
    proc.wait(timeout=10)
    await asyncio.gather(*clients)
    return made


@dataclass
class Stored:
    """What the database holds of the site's bookings."""

    rows: list[Any]
    #: The bookings' domain events.
    events: list[Any]
    #: The bookings' rows of ``booking_values``, as (booking, field, position, value).
    values: list[tuple[str, str, int, str]]
    snapshots: list[str]
    records: list[Any]
    sessions: dict[str, Any]
    #: The site's events still in the outbox's queue, and those fanned out to the webhook.
    pending: list[str]
    delivered: list[str]

    @property
    def ids(self) -> set[str]:
        return {r.id for r in self.rows}

    def by_tag(self) -> dict[str, Any]:
        return {r.external_user_id: r for r in self.rows}


async def _stored(db: Database, site_id: str, sessions: list[str]) -> Stored:
    """One snapshot (the restarted server's dispatcher moves events out of the queue)."""
    b, e, v, c = bookings, domain_events, booking_values, calendar_events
    p, d, s, i = outbox_pending, webhook_deliveries, booking_policy_snapshots, idempotency_records

    def of_site(*columns: Any) -> Any:
        return sa.select(*columns).where(columns[0].table.c.site_id == site_id)

    async with db.engine.connect() as conn:
        if not db.is_sqlite:  # SQLite: a read transaction is one snapshot anyway
            conn = await conn.execution_options(isolation_level="REPEATABLE READ")
        async with conn.begin():

            async def read(stmt: Any) -> list[Any]:
                return list((await conn.execute(stmt)).all())

            events = of_site(e.c.id, e.c.entity_id, e.c.slug, e.c.sequence)
            values = of_site(v.c.booking_id, v.c.field, v.c.position, v.c.value)
            return Stored(
                rows=await read(sa.select(b).where(b.c.site_id == site_id)),
                events=await read(events.where(e.c.entity_fqdn == ENTITY_FQDN)),
                values=[tuple(r) for r in await read(values)],
                snapshots=[r.booking_id for r in await read(of_site(s.c.booking_id))],
                records=await read(sa.select(i).where(i.c.site_id == site_id)),
                sessions={r.id: r for r in await read(of_site(*c.c).where(c.c.id.in_(sessions)))},
                pending=[r.event_id for r in await read(of_site(p.c.event_id))],
                delivered=[r.event_id for r in await read(of_site(d.c.event_id))],
            )


def _check_whole(stored: Stored, made: list[Call], shop: Shop) -> None:
    """The invariants between what was answered and what is stored (see the module doc)."""
    ids = stored.ids
    assert len(ids) == len(stored.rows)
    tags = Counter(r.external_user_id for r in stored.rows)
    assert max(tags.values(), default=1) == 1, [t for t, k in tags.items() if k > 1]
    by_tag = stored.by_tag()
    for call in made:
        for tag, booking_id in call.made.items():
            row = by_tag.get(tag)
            assert row is not None and row.id == booking_id, (call.n, tag, booking_id)
        for tag in call.refused:  # nothing stored of what was refused
            assert tag not in by_tag, (call.n, tag, call.answer)
        if call.key and not call.refused:  # a keyed bulk create: stored whole or not at all
            assert len({t in by_tag for t in call.tags}) == 1, (call.n, call.tags)
    # Each booking has its created event and nothing else; no event without its booking.
    assert Counter((e.entity_id, e.slug, e.sequence) for e in stored.events) == {
        (bid, "created", 1): 1 for bid in ids
    }
    # Each event is in the outbox's queue or fanned out to the webhook (once), not both.
    created = {e.id for e in stored.events}
    queued = Counter(stored.pending) + Counter(stored.delivered)
    assert {k: queued[k] for k in created} == dict.fromkeys(created, 1)
    assert set(stored.delivered) <= created
    # Its indexed values are its document's.
    expected = [
        (v["booking_id"], v["field"], v["position"], v["value"])
        for r in stored.rows
        for v in value_rows(r.id, r.doc)
    ]
    assert sorted(stored.values) == sorted(expected)
    # Each has its policy snapshot (every service here has a policy), and only they do.
    assert Counter(stored.snapshots) == dict.fromkeys(ids, 1)
    # An idempotency record stands for a stored booking, one per keyed booking.
    recorded = [i for r in stored.records for i in _ids(bytes(r.body))]
    assert len(recorded) == len(set(recorded))
    assert set(recorded) == {by_tag[t].id for c in made if c.key for t in c.tags if t in by_tag}
    # Sessions: the calendar's count is the bookings', and within capacity.
    now = datetime.now(UTC)
    for event in (shop.small, shop.big):
        session = stored.sessions[event["id"]]
        held = sum(
            r.participants
            for r in stored.rows
            if r.event_id == event["id"] and holds(r.status, r.hold_until, now)
        )
        assert session.participants_total == held
        assert held <= session.total_capacity
        assert session.remaining_capacity == session.total_capacity - held
    assert not double_booked(stored.rows, [*shop.staff, shop.dee], now)


async def _replay(
    http: httpx.AsyncClient, base: str, headers: dict[str, str], made: list[Call], before: Stored
) -> None:
    """Each keyed call that was not refused, again: an acknowledged one answers what it
    answered (replayed); one without an answer answers the bookings it stored (replayed), or
    makes them now, and that answer is its answer from now on."""
    by_tag = before.by_tag()
    keyed = [c for c in made if c.key and (c.answer is None or c.made)]
    answers = await asyncio.gather(
        *(http.post(base + c.path, json=c.body, headers=_headers(headers, c)) for c in keyed)
    )
    for call, res in zip(keyed, answers, strict=True):
        stored = {t: by_tag[t].id for t in call.tags if t in by_tag}
        if call.answer is not None or stored:
            assert res.status_code == 200, (call.n, res.text)
            assert res.headers.get("idempotent-replayed") == "true"
            assert _answered(call.tags, res.content) == (call.made or stored)
        else:
            assert res.status_code in (200, 428), (call.n, res.text)
            assert res.headers.get("idempotent-replayed") is None
        if call.answer is None:
            call.answer = res


def _summary(made: list[Call]) -> Counter[tuple[str, str]]:
    return Counter((c.kind, str(c.answer.status_code) if c.answer else "none") for c in made)


@pytest.mark.parametrize("engine", ENGINES)
async def test_kill_9_under_write_load(engine: str, tmp_path: Path) -> None:
    """Two rounds: load, SIGKILL, restart, check and replay; the second round kills the
    server that recovered from the first."""
    async with fresh_database(engine, tmp_path) as url:
        site = site_env(url, tmp_path)
        site.env.update(BOOKINGS_WEBHOOK_ALLOW_PRIVATE="1", BOOKINGS_WEBHOOK_POLL_MS="100")
        db = Database(url)
        http = client(CLIENTS)
        made: list[Call] = []
        try:
            with serving(site.env, log=tmp_path / "serve.log") as (base, proc):
                shop = await _shop(http, base, site.headers)
                calls = _calls(shop)
                sessions = [shop.small["id"], shop.big["id"]]
                made += await _load_then_kill(http, base, site.headers, proc, calls)
            for again in (1, 2):
                answered = _summary(made)
                assert proc.returncode == -9, answered
                # The kill came mid-load: creates had succeeded, others were in flight.
                assert sum(len(c.made) for c in made) >= MIN_ANSWERS // 2, answered
                assert any(c.answer is None for c in made), answered
                assert {c.answer.status_code for c in made if c.answer} <= {200, 428}, answered
                assert sum(len(c.made) for c in made if c.kind == "slot"), answered
                with serving(site.env, log=tmp_path / f"serve{again}.log") as (base, proc):
                    before = await _stored(db, site.site_id, sessions)
                    _check_whole(before, made, shop)
                    await _replay(http, base, site.headers, made, before)
                    after = await _stored(db, site.site_id, sessions)
                    _check_whole(after, made, shop)
                    # The replays made only bookings that were missing.
                    assert before.ids <= after.ids
                    if again == 1:
                        made += await _load_then_kill(http, base, site.headers, proc, calls)
                        continue
                    # It books again.
                    fresh = [
                        c
                        for c in (next(calls) for _ in range(8))
                        if c.kind in ("big", "slot", "bulk")
                    ]
                    answers = await asyncio.gather(
                        *(
                            http.post(base + c.path, json=c.body, headers=_headers(site.headers, c))
                            for c in fresh
                        )
                    )
                    for call, res in zip(fresh, answers, strict=True):
                        call.answer = res
                        assert list(call.made) == call.tags, res.text
                    made += fresh
                    # Its dispatcher fans out every event left in the queue.
                    for _ in range(150):
                        final = await _stored(db, site.site_id, sessions)
                        if not final.pending:
                            break
                        await asyncio.sleep(0.2)
                    assert not final.pending
                    _check_whole(final, made, shop)
        finally:
            await http.aclose()
            await db.dispose()
