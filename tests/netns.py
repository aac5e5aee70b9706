"""Separate test "hosts" on this machine (``tests/booking/test_hosts.py``): each a network
namespace with its own address, linked to this one by a veth pair, and a TCP relay in this
process that lets them reach a service which listens on loopback only (PostgreSQL).

Needs root and ``ip netns``; :func:`unavailable` says why not. Names carry this process's
id, so parallel runs do not meet, and everything made is removed again, also on failure."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass


@dataclass(frozen=True)
class Host:
    """A namespace (``name``) whose address ``ip`` is linked to ``gateway``, this
    namespace's address on the same link."""

    name: str
    ip: str
    gateway: str

    @property
    def wrap(self) -> list[str]:
        """The command prefix that runs a program inside (``ip netns exec`` execs it)."""
        return ["ip", "netns", "exec", self.name]


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True, timeout=30)


def _ip_quietly(*args: str) -> None:
    subprocess.run(["ip", *args], capture_output=True, timeout=30)


def unavailable() -> str | None:
    """Why this process cannot make hosts (``None``: it can)."""
    if os.geteuid() != 0:
        return "not root"
    if shutil.which("ip") is None:
        return "no ip command"
    probe = f"bkt{os.getpid()}probe"
    try:
        _ip("netns", "add", probe)
    except (subprocess.SubprocessError, OSError) as exc:
        said = exc.stderr.strip() if isinstance(exc, subprocess.CalledProcessError) else exc
        return f"ip netns add failed: {said}"
    _ip_quietly("netns", "del", probe)
    return None


@contextmanager
def hosts(count: int) -> Iterator[list[Host]]:
    """``count`` hosts, each on a /30 of its own in 10.0.0.0/8; removed afterwards (stop the
    processes inside them first)."""
    pid = os.getpid()
    prefix = f"bkt{pid}"  # interface names: 15 characters at most
    net = f"10.{(pid >> 8) & 255}.{pid & 255}"
    made: list[Host] = []
    try:
        for i in range(count):
            name, outer, inner = f"{prefix}n{i}", f"{prefix}h{i}", f"{prefix}c{i}"
            host = Host(name, ip=f"{net}.{4 * i + 2}", gateway=f"{net}.{4 * i + 1}")
            made.append(host)
            _ip("netns", "add", name)
            _ip("link", "add", outer, "type", "veth", "peer", "name", inner)
            _ip("link", "set", inner, "netns", name)
            _ip("addr", "add", f"{host.gateway}/30", "dev", outer)
            _ip("link", "set", outer, "up")
            _ip("-n", name, "addr", "add", f"{host.ip}/30", "dev", inner)
            _ip("-n", name, "link", "set", inner, "up")
            _ip("-n", name, "link", "set", "lo", "up")
        yield made
    finally:
        for i, host in enumerate(made):
            _ip_quietly("netns", "del", host.name)  # takes its end of the pair, and so both
            _ip_quietly("link", "del", f"{prefix}h{i}")  # in case it never moved


def namespace_of(pid: int) -> str:
    """The name of the namespace process ``pid`` runs in (empty: none named)."""
    found = subprocess.run(
        ["ip", "netns", "identify", str(pid)], capture_output=True, text=True, timeout=30
    )
    return found.stdout.strip()


@contextmanager
def relay(addresses: Sequence[str], target: tuple[str, int]) -> Iterator[list[int]]:
    """A TCP relay to ``target`` listening on each of ``addresses`` (a free port each: the
    ports, in order). It runs on an event loop of its own, in a thread, so that it keeps
    relaying while the test's loop is busy."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="relay", daemon=True)
    thread.start()

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except OSError:
            pass
        finally:
            writer.close()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*target)
        except OSError:
            writer.close()
            return
        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))

    servers: list[asyncio.Server] = []

    async def start() -> None:
        for address in addresses:
            servers.append(await asyncio.start_server(handle, address, 0))

    async def stop(servers: list[asyncio.Server]) -> None:
        for server in servers:
            server.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    try:
        asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=10)
        yield [int(s.sockets[0].getsockname()[1]) for s in servers]
    finally:
        with suppress(Exception):
            asyncio.run_coroutine_threadsafe(stop(servers), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
