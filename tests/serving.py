"""``bookings serve`` as a real process, for the tests that need one (they are marked
``slow``): ``tests/test_serve.py``, ``tests/booking/test_concurrency.py``,
``tests/booking/test_hosts.py``, ``tests/booking/test_kill.py``, ``tests/sdk/``, ..."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(
    env: dict[str, str],
    *args: str,
    log: Path | None = None,
    host: str = "127.0.0.1",
    wrap: Sequence[str] = (),
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """``bookings serve *args`` on a free port with ``env`` over this process's environment;
    yields its base URL and process once ``/healthz`` answers, terminates it afterwards.

    Its output goes to a pipe (read it with :func:`output` once it ended) or, with ``log``,
    to that file: a pipe nobody reads fills up and stalls a server that logs a lot.

    ``host``: the address it listens on; ``wrap``: a command that runs it (one that execs it,
    so that the process is the server's: ``ip netns exec NAME``, see ``tests/netns.py``)."""
    port = free_port()
    full_env = {
        # The tests' many calls come from one address: no per-IP limit unless asked.
        "BOOKINGS_RATE_LIMIT_VISITOR_PER_MINUTE": "0",
        # One process unless asked (``--workers``): a test that kills the server kills it.
        "BOOKINGS_WORKERS": "1",
        **os.environ,
        **env,
        "BOOKINGS_PORT": str(port),
        "BOOKINGS_HOST": host,
    }
    with ExitStack() as stack:
        out = stack.enter_context(log.open("w")) if log is not None else subprocess.PIPE
        proc = subprocess.Popen(
            [*wrap, sys.executable, "-m", "bookings.cli", "serve", *args],
            env=full_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
        base = f"http://{host}:{port}"
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if proc.poll() is not None:
                    said = log.read_text() if log is not None else output(proc)
                    raise AssertionError(f"serve exited: {said}")
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            else:
                raise AssertionError("no /healthz within 60 s")
            yield base, proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def output(proc: subprocess.Popen[str]) -> str:
    """All a piped server printed (it must have ended, or this waits for it)."""
    assert proc.stdout is not None
    return proc.stdout.read()
