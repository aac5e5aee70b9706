"""Benchmark of webhook delivery: does delivery keep up with creates?

    .venv/bin/python bench/webhooks.py [--calls N] [--clients 32] [--engines sqlite,postgres]
        [--postgres-url URL]

One real ``bookings serve`` (its dispatcher in-process, the default) on a fresh database, a
STANDARD webhook for every event type pointing at a local receiver, and a closed-loop load of
class-session creates (``--clients`` keep-alive clients of ``bench/create_booking.py``, from
this light process). The receiver is a process of its own (asyncio streams, HTTP/1.1
keep-alive, answers 204 at once) that notes for each delivery its arrival and its lag: arrival
minus the event's ``eventTime`` (taken in the create's transaction, just before its commit;
both clocks are this machine's).

Figures, per engine: create throughput (successful creates over the load window, first call
sent to last answer); delivery throughput (the run's deliveries over their own span, first
arrival to last); their ratio; the time to drain what was left when the load ended;
p50/p99/max lag. Ends with the two target lines (over the engines run, the worst): ratio at
least 1 (within 2%: timing noise) and p99 lag under 1 000 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' helpers
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bench.closed_loop import closed_loop, connections, http_create, pct
from bench.create_booking import SESSION_CAPACITY
from tests.booking.conftest import Catalog, class_booking, next_monday
from tests.conftest import _create_pg_database, _drop_pg_database
from tests.serving import free_port, serving

SRC = Path(__file__).resolve().parents[1] / "src"
DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
HOOKS = "/_api/bookings-server/v1/webhooks"
WARMUP = 100
TOLERANCE = 0.02

RECEIVER = r"""
import asyncio, json, sys, time
from datetime import datetime
seen = []  # (arrival, lag ms, id)

async def handle(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            body = await reader.readexactly(length) if length else b""
            if head.startswith(b"GET"):
                out = json.dumps(seen).encode()
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % len(out) + out)
            else:
                now = time.time()
                msg = json.loads(body)
                stamp = datetime.fromisoformat(msg["timestamp"].replace("Z", "+00:00")).timestamp()
                hid = [l for l in head.split(b"\r\n") if l.lower().startswith(b"webhook-id:")]
                seen.append((now, (now - stamp) * 1000, hid[0].split(b":", 1)[1].strip().decode()))
                writer.write(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()

async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", int(sys.argv[1]), backlog=512)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()

asyncio.run(main())
"""


@dataclass
class Figures:
    label: str
    creates: int
    errors: int
    window: float
    create_rate: float
    delivered_in_window: int
    delivery_rate: float
    drain: float
    lags: list[float]

    @property
    def ratio(self) -> float:
        return self.delivery_rate / self.create_rate if self.create_rate else 0.0


async def seen(port: int) -> list[tuple[float, float, str]]:
    async with httpx.AsyncClient(timeout=30) as client:
        res = await client.get(f"http://127.0.0.1:{port}/")
        return [tuple(x) for x in res.json()]  # type: ignore[misc]


async def run_engine(label: str, url: str, tmp: Path, clients: int, calls: int) -> Figures:
    site_id, key = str(uuid.uuid4()), f"automation-{uuid.uuid4().hex}"
    env = {
        "BOOKINGS_WORKERS": "1",
        "BOOKINGS_DATA_DIR": str(tmp),
        "BOOKINGS_DATABASE_URL": url,
        "BOOKINGS_SITE_ID": site_id,
        "BOOKINGS_ADMIN_API_KEY": key,
        "BOOKINGS_LOG_JSON": "1",
        "BOOKINGS_WEBHOOK_ALLOW_PRIVATE": "1",
        "PYTHONPATH": os.pathsep.join([str(SRC), *filter(None, [os.environ.get("PYTHONPATH")])]),
    }
    headers = {"Authorization": key, "wix-site-id": site_id}
    port = free_port()
    receiver = subprocess.Popen(  # noqa: ASYNC220 - started once, before any load
        [sys.executable, "-c", RECEIVER, str(port)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert receiver.stdout is not None and receiver.stdout.readline().strip() == "ready"
        with serving(env, "--no-demo", log=tmp / "serve.log") as (base, _):
            async with httpx.AsyncClient(base_url=base, timeout=60) as client:
                hook = {"webhook": {"url": f"http://127.0.0.1:{port}/hook"}}
                res = await client.post(HOOKS, json=hook, headers=headers)
                res.raise_for_status()
                cat = Catalog(client, headers)
                yoga = await cat.group(capacity=SESSION_CAPACITY)
                day = next_monday(2)
                sessions = [
                    await cat.session(yoga, day, f"{8 + k % 8:02d}:00", f"{8 + k % 8:02d}:45")
                    for k in range(8)
                ]
            total = WARMUP + calls
            bodies = [
                json.dumps({"booking": class_booking(yoga, sessions[i % len(sessions)])}).encode()
                for i in range(total)
            ]
            async with connections([base], headers, clients) as conns:
                warm = await closed_loop(clients, WARMUP, http_create(conns, bodies, 0))
                assert not warm.errors, warm.samples
                deadline = time.time() + 60
                while len(await seen(port)) < WARMUP and time.time() < deadline:  # noqa: ASYNC110
                    await asyncio.sleep(0.1)
                t0 = time.time()
                stats = await closed_loop(clients, calls, http_create(conns, bodies, WARMUP))
                t1 = time.time()
            ok = stats.calls - stats.errors
            deadline = time.time() + 300
            while True:
                got = await seen(port)
                if len({g[2] for g in got}) >= WARMUP + ok or time.time() > deadline:
                    break
                await asyncio.sleep(0.1)
            loaded = sorted(g for g in got if g[0] >= t0)
            window = t1 - t0
            # The deliveries' own span: from the first to the last delivery of the run (the
            # same shape as the creates' window, shifted by the lag).
            span = loaded[-1][0] - loaded[0][0] if len(loaded) > 1 else window
            in_window = len(loaded)
            return Figures(
                label,
                stats.calls,
                stats.errors,
                window,
                ok / window,
                in_window,
                in_window / span,
                max(0.0, max((g[0] for g in loaded), default=t1) - t1),
                [g[1] for g in loaded],
            )
    finally:
        receiver.terminate()
        receiver.wait()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument(
        "--postgres-url", default=os.environ.get("BOOKINGS_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    )
    args = parser.parse_args()
    results: list[Figures] = []
    for engine in args.engines.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            if engine == "sqlite":
                url, name = f"sqlite+aiosqlite:///{Path(tmp) / 'bookings.sqlite3'}", None
            else:
                url, name = await _create_pg_database(args.postgres_url)
            try:
                results.append(await run_engine(engine, url, Path(tmp), args.clients, args.calls))
            finally:
                if name is not None:
                    await _drop_pg_database(args.postgres_url, name)
    print(f"webhook delivery vs create, {args.clients} clients, {args.calls} creates per engine")
    for f in results:
        lags = f.lags or [0.0]
        print(
            f"  {f.label:<9} creates {f.create_rate:7.1f}/s ({f.errors} errors)  "
            f"deliveries {f.delivery_rate:7.1f}/s  ratio {f.ratio:.3f}  "
            f"drain after load {f.drain * 1000:6.0f} ms  lag p50 {pct(lags, 0.5):6.1f} ms "
            f"p99 {pct(lags, 0.99):6.1f} ms max {max(lags):6.1f} ms"
        )
    ratio = min(f.ratio for f in results)
    lag = max(pct(f.lags or [0.0], 0.99) for f in results)
    print(
        f"RESULT webhook_delivery_vs_create {ratio:.3f} x target 1 "
        f"{'ok' if ratio >= 1 - TOLERANCE else 'short'}"
    )
    print(f"RESULT webhook_lag_p99 {lag:.0f} ms target 1000 {'ok' if lag < 1000 else 'short'}")


if __name__ == "__main__":
    asyncio.run(main())
