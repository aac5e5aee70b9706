"""The dispatcher: fans the outbox's new events out to the matching webhooks, claims due
deliveries with a lease, sends them with no transaction open, and records every attempt.

One loop (:meth:`Dispatcher.run`) does all the database work in short transactions:

1. *fan-out*: the events queued in ``outbox_pending`` (oldest first, ``FOR UPDATE SKIP
   LOCKED`` on PostgreSQL) become PENDING deliveries of the enabled webhooks of their site
   whose ``eventTypes`` name them (empty: all), and leave the queue, in one transaction;
2. *claim*: due PENDING deliveries whose lease is free or expired get this dispatcher's name
   and a lease (``UPDATE ... WHERE (site_id, id) IN (SELECT ... FOR UPDATE SKIP LOCKED)
   RETURNING``; SQLite's single writer makes the same statement atomic);
3. *send*: each claimed delivery is POSTed by a task of its own (httpx, no redirects followed,
   a connect and a total timeout, at most ``concurrency`` in flight and ``per_webhook`` per
   webhook), to the address the SSRF check resolved;
4. *record*: the answers of finished tasks, many per transaction: 2xx DELIVERED; 410 disables
   the webhook and cancels its PENDING deliveries; anything else (3xx, 4xx, 5xx, no answer)
   schedules the next step of the ladder (:mod:`bookings.webhooks.ladder`) or, past its end,
   FAILED. Every attempt is logged. A result whose lease was lost (expired and claimed by
   another) changes nothing but the log.

The loop sleeps until a send ends, a unit of work of this process commits domain events
(:meth:`Database.on_events_committed`), or ``poll`` seconds pass (another process's events).
A ``kill -9`` loses nothing: queued events stay queued, and claimed deliveries are claimed
again once their lease expires (so a receiver may see an event twice, always with the same
``webhook-id``). Time comes from a :class:`Clock`, so tests move it instead of sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import time
import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from bookings.platform.db import Database
from bookings.platform.models import domain_events, outbox_pending
from bookings.platform.wire import new_id
from bookings.webhooks import ladder, safety, standard, wix_format
from bookings.webhooks.models import webhook_attempts, webhook_deliveries, webhooks
from bookings.webhooks.schemas import DeliveryStatus, WebhookFormat
from bookings.webhooks.shapes import (
    Claimed,
    Clock,
    DispatcherConfig,
    Result,
    Stats,
    SystemClock,
)

log = logging.getLogger("bookings.webhooks")

EXCERPT_BYTES = 4096
PENDING = DeliveryStatus.PENDING.value


def default_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Dispatcher:
    """Delivers webhooks from one process. ``transport``: an httpx transport (tests: a
    :class:`httpx.MockTransport`); ``rng``: the jitter's randomness."""

    def __init__(
        self,
        db: Database,
        *,
        clock: Clock | None = None,
        config: DispatcherConfig | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        rng: random.Random | None = None,
        name: str | None = None,
    ) -> None:
        self.db = db
        self.clock = clock or SystemClock()
        self.config = config or DispatcherConfig()
        self.rng = rng or random.Random()
        self.name = name or default_name()
        self.stats = Stats()
        self._client = httpx.AsyncClient(
            transport=transport,
            follow_redirects=False,
            timeout=httpx.Timeout(self.config.timeout, connect=self.config.connect_timeout),
            limits=httpx.Limits(
                max_connections=self.config.concurrency,
                max_keepalive_connections=self.config.concurrency,
            ),
        )
        self._wakeup = asyncio.Event()
        self._per_webhook: dict[str, asyncio.Semaphore] = {}
        self._done: list[Result] = []
        self._tasks: set[asyncio.Task[None]] = set()
        d = webhook_deliveries
        #: Deliveries that succeeded, many in one executemany.
        self._delivered = (
            sa.update(d)
            .where(
                d.c.site_id == sa.bindparam("k_site"),
                d.c.id == sa.bindparam("k_id"),
                d.c.lease_owner == self.name,
                d.c.status == PENDING,
            )
            .values(
                status=DeliveryStatus.DELIVERED.value,
                attempts=sa.bindparam("k_attempts"),
                last_status_code=sa.bindparam("k_code"),
                last_error=None,
                next_attempt_date=None,
                delivered_date=sa.bindparam("k_when"),
                updated_date=sa.bindparam("k_when"),
                lease_owner=None,
                lease_expires=None,
            )
        )

    def wake(self) -> None:
        """Look at the queue now (called after a commit that recorded events)."""
        self._wakeup.set()

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self._client.aclose()

    # ------------------------------------------------------------ the loop

    async def run(self) -> None:
        """Deliver until cancelled."""
        stop_listening = self.db.on_events_committed(self.wake)
        log.info("webhook dispatcher %s started", self.name)
        try:
            while True:
                self._wakeup.clear()
                busy = False
                loop = asyncio.get_running_loop()
                started = loop.time()
                try:
                    busy = await self._step()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("webhook dispatcher step failed")
                rest = started + self.config.min_interval - loop.time()
                if rest > 0:
                    await asyncio.sleep(rest)
                if busy or self._wakeup.is_set():
                    continue
                # (asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancel)
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.config.poll):
                        await self._wakeup.wait()
        finally:
            stop_listening()
            done, self._done = self._done, []
            if done:
                with contextlib.suppress(Exception):
                    await asyncio.shield(self.record(done))
            await self.aclose()

    async def _step(self) -> bool:
        """One pass, in one short transaction: record finished sends, fan out, claim and
        read what to send; then start the sends. ``True`` when there may be more to do at
        once. (One transaction, so that on SQLite the loop queues once for the writer slot
        per pass, not once per kind of work, while creates keep it busy.)"""
        done, self._done = self._done, []
        free = self.config.concurrency - len(self._tasks)
        wanted = min(free, self.config.claim_batch)
        claimed: list[Claimed] = []
        async with self.db.connect_for_write() as conn:
            await self._record(conn, done)
            fanned = await self._fan_out(conn)
            if wanted > 0:
                claimed = await self._claim(conn, wanted)
                await self._load(conn, claimed)
        for c in claimed:
            task = asyncio.create_task(self._send_and_keep(c))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return fanned > 0 or (wanted > 0 and len(claimed) == wanted)

    async def _send_and_keep(self, claimed: Claimed) -> None:
        try:
            result = await self.send(claimed)
        except Exception as exc:  # a bug in the send: logged as the attempt's error
            log.exception("webhook send failed")
            now = self.clock.now()
            result = Result(claimed, now, now, 0, error=f"internal error: {exc!r}"[:500])
        self._done.append(result)
        self._wakeup.set()

    async def run_once(self) -> int:
        """Fan out, claim what is due, send it all and record the answers (tests: a step of
        the loop that returns when its sends are done). Answers how many were sent."""
        async with self.db.connect_for_write() as conn:
            await self._fan_out(conn)
            claimed = await self._claim(conn, self.config.claim_batch)
            await self._load(conn, claimed)
        results = await asyncio.gather(*(self.send(c) for c in claimed))
        await self.record(results)
        return len(claimed)

    async def drain(self, rounds: int = 1000) -> int:
        """:meth:`run_once` until nothing is due (at this clock's now)."""
        total = 0
        for _ in range(rounds):
            sent = await self.run_once()
            total += sent
            if not sent:
                async with self.db.connect_for_read() as conn:
                    queued = await conn.scalar(
                        sa.select(sa.func.count()).select_from(outbox_pending)
                    )
                if not queued:
                    break
        return total

    # ------------------------------------------------------------ fan-out

    async def fan_out(self) -> int:
        """Turn queued events into deliveries; answers how many events left the queue."""
        async with self.db.connect_for_write() as conn:
            return await self._fan_out(conn)

    async def _fan_out(self, conn: AsyncConnection) -> int:
        p, e, w = outbox_pending, domain_events, webhooks
        now = self.clock.now()
        stmt = (
            sa.select(p.c.site_id, p.c.event_id, e.c.entity_fqdn, e.c.slug)
            .select_from(
                p.outerjoin(e, sa.and_(e.c.site_id == p.c.site_id, e.c.id == p.c.event_id))
            )
            .order_by(p.c.created_date)
            .limit(self.config.fan_out_batch)
        )
        if not self.db.is_sqlite:
            stmt = stmt.with_for_update(of=p, skip_locked=True)
        rows = (await conn.execute(stmt)).all()
        if not rows:
            return 0
        by_site: dict[str, list[Any]] = defaultdict(list)
        for r in rows:
            by_site[r.site_id].append(r)
        deliveries = []
        for site_id, events in by_site.items():
            subs = (
                await conn.execute(
                    sa.select(w.c.id, w.c.event_types).where(
                        w.c.site_id == site_id, w.c.enabled.is_(True)
                    )
                )
            ).all()
            for ev in events:
                if ev.entity_fqdn is None:
                    continue
                kind = standard.event_type(ev.entity_fqdn, ev.slug)
                for sub in subs:
                    if sub.event_types and kind not in sub.event_types:
                        continue
                    deliveries.append(
                        {
                            "site_id": site_id,
                            "id": new_id(),
                            "webhook_id": sub.id,
                            "event_id": ev.event_id,
                            "event_type": kind,
                            "status": PENDING,
                            "attempts": 0,
                            "next_attempt_date": now,
                            "created_date": now,
                            "updated_date": now,
                        }
                    )
            await conn.execute(
                sa.delete(p).where(
                    p.c.site_id == site_id, p.c.event_id.in_([ev.event_id for ev in events])
                )
            )
        if deliveries:
            dialect = postgresql if not self.db.is_sqlite else sqlite
            insert = dialect.insert(webhook_deliveries).on_conflict_do_nothing()
            for i in range(0, len(deliveries), 1000):
                await conn.execute(insert, deliveries[i : i + 1000])
        self.stats.fanned_out += len(rows)
        return len(rows)

    # ------------------------------------------------------------ claim

    async def claim(self, limit: int) -> list[Claimed]:
        """Lease up to ``limit`` due deliveries to this dispatcher (and read them)."""
        async with self.db.connect_for_write() as conn:
            claimed = await self._claim(conn, limit)
            await self._load(conn, claimed)
        return claimed

    async def _claim(self, conn: AsyncConnection, limit: int) -> list[Claimed]:
        d = webhook_deliveries
        now = self.clock.now()
        due = (
            sa.select(d.c.site_id, d.c.id)
            .where(
                d.c.status == PENDING,
                d.c.next_attempt_date <= now,
                sa.or_(d.c.lease_expires.is_(None), d.c.lease_expires < now),
            )
            .order_by(d.c.next_attempt_date)
            .limit(limit)
        )
        if not self.db.is_sqlite:
            due = due.with_for_update(skip_locked=True)
        stmt = (
            sa.update(d)
            .where(sa.tuple_(d.c.site_id, d.c.id).in_(due))
            .values(lease_owner=self.name, lease_expires=now + self.config.lease)
            .returning(d.c.site_id, d.c.id, d.c.webhook_id, d.c.event_id, d.c.attempts)
        )
        rows = (await conn.execute(stmt)).all()
        return [Claimed(r.site_id, r.id, r.webhook_id, r.event_id, r.attempts) for r in rows]

    async def _load(self, conn: AsyncConnection, claimed: Sequence[Claimed]) -> None:
        """Read the webhooks and event envelopes of claimed deliveries."""
        if not claimed:
            return
        by_site: dict[str, list[Claimed]] = defaultdict(list)
        for c in claimed:
            by_site[c.site_id].append(c)
        w, e = webhooks, domain_events
        for site_id, items in by_site.items():
            hook_ids = sorted({c.webhook_id for c in items})
            event_ids = sorted({c.event_id for c in items})
            hooks = {
                r.id: r
                for r in await conn.execute(
                    sa.select(w).where(w.c.site_id == site_id, w.c.id.in_(hook_ids))
                )
            }
            bodies = {
                r.id: r.body
                for r in await conn.execute(
                    sa.select(e.c.id, e.c.body).where(e.c.site_id == site_id, e.c.id.in_(event_ids))
                )
            }
            for c in items:
                c.webhook = hooks.get(c.webhook_id)
                body = bodies.get(c.event_id)
                c.event = dict(body) if body is not None else None

    # ------------------------------------------------------------ send

    def _gate(self, webhook_id: str) -> asyncio.Semaphore:
        gate = self._per_webhook.get(webhook_id)
        if gate is None:
            gate = self._per_webhook[webhook_id] = asyncio.Semaphore(self.config.per_webhook)
        return gate

    async def send(self, c: Claimed) -> Result:
        """POST one delivery (no database work here). Never raises for the receiver's sake."""
        hook = c.webhook
        if hook is None or not hook.enabled or c.event is None:
            now = self.clock.now()
            return Result(c, now, now, 0, error="webhook disabled or deleted", canceled=True)
        async with self._gate(c.webhook_id):
            started = self.clock.now()
            t0 = time.monotonic()
            result = Result(c, started, started, 0)
            try:
                async with asyncio.timeout(self.config.timeout):
                    await self._post(c, result)
            except TimeoutError:
                result.error = f"no answer within {self.config.timeout:g} s"
            except safety.UnsafeUrl as exc:
                result.error = f"refused: URL {exc}"[:500]
            except NotImplementedError as exc:
                result.error = str(exc)[:500]
            except httpx.HTTPError as exc:
                result.error = f"{type(exc).__name__}: {exc}"[:500]
            except OSError as exc:
                result.error = f"{type(exc).__name__}: {exc}"[:500]
            result.duration_ms = int((time.monotonic() - t0) * 1000)
            result.finished = self.clock.now()
        return result

    async def _post(self, c: Claimed, result: Result) -> None:
        hook, event = c.webhook, c.event
        assert event is not None
        target = await safety.resolve(hook.url)
        if hook.format == WebhookFormat.WIX.value:
            payload = wix_format.wix_body(event, c.site_id, hook.private_key).encode()
            headers = {"content-type": "text/plain"}
        else:
            payload = standard.body(event)
            stamp = int(self.clock.now().timestamp())
            headers = standard.headers(hook.secret, c.event_id, stamp, payload)
        url = httpx.URL(hook.url)
        address = f"[{target.address}]" if ":" in target.address else target.address
        extensions: dict[str, Any] = {}
        if url.scheme == "https":
            extensions["sni_hostname"] = target.host
        headers["host"] = url.netloc.decode("ascii")
        request = self._client.build_request(
            "POST",
            url.copy_with(host=address.strip("[]")),
            content=payload,
            headers=headers,
            extensions=extensions,
        )
        response = await self._client.send(request, stream=True)
        try:
            result.status_code = response.status_code
            result.retry_after = ladder.parse_retry_after(
                response.headers.get("retry-after"), self.clock.now()
            )
            excerpt = bytearray()
            try:
                async for chunk in response.aiter_raw():
                    excerpt += chunk
                    if len(excerpt) >= EXCERPT_BYTES:
                        break
            except httpx.StreamConsumed:  # an answer built in memory (a mock transport)
                excerpt += response.content[:EXCERPT_BYTES]
            result.excerpt = bytes(excerpt[:EXCERPT_BYTES]).decode("utf-8", "replace")
        finally:
            await response.aclose()

    # ------------------------------------------------------------ record

    async def record(self, results: Sequence[Result]) -> None:
        """Write the outcomes of sends, and log each attempt, in one transaction."""
        if results:
            async with self.db.connect_for_write() as conn:
                await self._record(conn, results)

    async def _record(self, conn: AsyncConnection, results: Sequence[Result]) -> None:
        if not results:
            return
        d, w = webhook_deliveries, webhooks
        attempts = []
        delivered: list[dict[str, Any]] = []
        for r in results:
            c = r.claimed
            code = r.status_code
            number = c.attempts + 1
            mine = sa.and_(
                d.c.site_id == c.site_id,
                d.c.id == c.id,
                d.c.lease_owner == self.name,
                d.c.status == PENDING,
            )
            values: dict[str, Any] = {
                "lease_owner": None,
                "lease_expires": None,
                "updated_date": r.finished,
                "last_status_code": code,
                "last_error": r.error,
            }
            if r.canceled:
                values.update(status=DeliveryStatus.CANCELED.value, next_attempt_date=None)
                await conn.execute(sa.update(d).where(mine).values(**values))
                continue
            self.stats.attempts += 1
            self.stats.by_status[code] += 1
            attempts.append(
                {
                    "site_id": c.site_id,
                    "id": new_id(),
                    "delivery_id": c.id,
                    "webhook_id": c.webhook_id,
                    "number": number,
                    "worker": self.name,
                    "started_date": r.started,
                    "finished_date": r.finished,
                    "duration_ms": r.duration_ms,
                    "status_code": code,
                    "error": r.error,
                    "response_excerpt": r.excerpt,
                }
            )
            values["attempts"] = number
            if code is not None and 200 <= code < 300:
                self.stats.delivered += 1
                delivered.append(
                    {
                        "k_site": c.site_id,
                        "k_id": c.id,
                        "k_attempts": number,
                        "k_code": code,
                        "k_when": r.finished,
                    }
                )
            elif code == 410:
                values.update(status=DeliveryStatus.CANCELED.value, next_attempt_date=None)
                await conn.execute(sa.update(d).where(mine).values(**values))
                await conn.execute(
                    sa.update(w)
                    .where(w.c.site_id == c.site_id, w.c.id == c.webhook_id)
                    .values(
                        enabled=False,
                        disabled_reason="the receiver answered 410 Gone",
                        updated_date=r.finished,
                    )
                )
                await conn.execute(
                    sa.update(d)
                    .where(
                        d.c.site_id == c.site_id,
                        d.c.webhook_id == c.webhook_id,
                        d.c.status == PENDING,
                    )
                    .values(
                        status=DeliveryStatus.CANCELED.value,
                        next_attempt_date=None,
                        lease_owner=None,
                        lease_expires=None,
                        last_error="webhook disabled: the receiver answered 410 Gone",
                        updated_date=r.finished,
                    )
                )
            else:
                if code is not None and r.error is None:
                    r.error = f"HTTP {code}" + (
                        " (redirects are not followed)" if 300 <= code < 400 else ""
                    )
                    values["last_error"] = r.error
                    attempts[-1]["error"] = r.error
                delay = ladder.next_delay(number, self.rng, r.retry_after)
                if delay is None:
                    values.update(status=DeliveryStatus.FAILED.value, next_attempt_date=None)
                else:
                    values["next_attempt_date"] = r.finished + delay
                await conn.execute(sa.update(d).where(mine).values(**values))
        if delivered:
            await conn.execute(self._delivered, delivered)
        if attempts:
            await conn.execute(sa.insert(webhook_attempts), attempts)
