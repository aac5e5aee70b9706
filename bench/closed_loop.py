"""A closed-loop load generator in Python (``clients`` workers, each sending its next call
when the previous one answered) and a minimal keep-alive HTTP/1.1 client on asyncio streams.

For the benches whose load is not a fixed request (``bench/webhooks.py``,
``bench/availability.py``): it runs in the bench's own process, so it competes with a server
on the same machine for CPU. ``bench/create_booking.py`` drives its load with wrk instead."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from tests.booking.conftest import API


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
