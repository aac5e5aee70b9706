"""Load from processes of their own: wrk for HTTP, pgbench for the database baseline, and the
CPU time a process tree spent (``/proc``), for ``bench/create_booking.py``.

wrk and pgbench are C programs: a few percent of a core drive 32 connections, so neither the
server nor PostgreSQL shares its CPU with a Python load generator. Install them with
``apt-get install wrk postgresql-client`` (pgbench comes with PostgreSQL's client tools)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: wrk's Lua: the bodies of a file, one per line, each sent once in turn (then again from the
#: first); with a key prefix, each request carries ``Idempotency-Key: <prefix>-<n>``; the
#: first answers other than 200 are written to the errors file.
WRK_SCRIPT = """
local bodies = {}
for line in io.lines("%(bodies)s") do bodies[#bodies + 1] = line end
local n = 0
local prefix = "%(keys)s"
local failed = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
%(headers)s
request = function()
  n = n + 1
  local extra = nil
  if prefix ~= "" then
    extra = {}
    for k, v in pairs(wrk.headers) do extra[k] = v end
    extra["Idempotency-Key"] = prefix .. "-" .. n
  end
  return wrk.format(nil, "%(path)s", extra, bodies[((n - 1) %% #bodies) + 1])
end
response = function(status, headers, body)
  if status ~= 200 and failed < 3 then
    failed = failed + 1
    local f = io.open("%(errors)s", "a")
    f:write(status .. " " .. string.sub(body, 1, 300) .. "\\n")
    f:close()
  end
end
"""


@dataclass
class Run:
    """What a load generator reported: answers, failures, rate and latencies."""

    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    samples: list[str]
    #: CPU milliseconds the server's processes spent during the run (0 when not measured).
    cpu_ms: float = 0.0

    @property
    def rate(self) -> float:
        return (self.requests - self.errors) / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_call(self) -> float:
        ok = self.requests - self.errors
        return self.cpu_ms / ok if ok else 0.0


def require(program: str) -> str:
    found = shutil.which(program)
    if found is None:
        raise SystemExit(f"{program} is needed: apt-get install {program}")
    return found


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(
    url: str,
    path: str,
    bodies: list[bytes],
    headers: dict[str, str],
    *,
    connections: int,
    seconds: float,
    work: Path,
    keys: str = "",
    pids: list[int] | None = None,
) -> Run:
    """``connections`` keep-alive connections of one wrk thread POST ``bodies`` in turn to
    ``url + path`` for ``seconds``; ``pids``: the server processes whose CPU time to count."""
    body_file = work / "bodies.txt"
    body_file.write_bytes(b"\n".join(bodies) + b"\n")
    errors_file = work / "errors.txt"
    errors_file.unlink(missing_ok=True)
    script = work / "create.lua"
    script.write_text(
        WRK_SCRIPT
        % {
            "bodies": body_file,
            "keys": keys,
            "errors": errors_file,
            "path": path,
            "headers": "\n".join(
                f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()
            ),
        }
    )
    before = cpu_ms(pids or [])
    done = subprocess.run(
        [
            require("wrk"),
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--latency",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    spent = cpu_ms(pids or []) - before
    out = done.stdout
    total = re.search(r"(\d+) requests in ([\d.]+)(\w+)", out)
    if total is None:
        raise RuntimeError(f"wrk said: {out}{done.stderr}")
    elapsed = _ms(total.group(2), total.group(3)) / 1000
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    errors = int(non_2xx.group(1)) if non_2xx else 0
    if socket_errors:
        errors += sum(int(g) for g in socket_errors.groups())
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.M))

    def pct(q: str) -> float:
        m = re.fullmatch(r"([\d.]+)(us|ms|s)", latency.get(q, "0ms"))
        return _ms(m.group(1), m.group(2)) if m else 0.0

    samples = errors_file.read_text().splitlines() if errors_file.exists() else []
    return Run(int(total.group(1)), errors, elapsed, pct("50"), pct("99"), samples, spent)


def pgbench(dsn: str, script: str, *, clients: int, seconds: float, work: Path) -> Run:
    """``clients`` connections of pgbench run ``script`` (prepared statements) for
    ``seconds``: its transactions per second and latencies."""
    path = work / "baseline.sql"
    path.write_text(script)
    log_prefix = work / "pgbench_log"
    for old in work.glob("pgbench_log*"):
        old.unlink()
    done = subprocess.run(
        [
            require("pgbench"),
            "-n",
            "-M",
            "prepared",
            "-c",
            str(clients),
            "-j",
            "1",
            "-T",
            str(round(seconds)),
            "-f",
            str(path),
            "-l",
            "--log-prefix",
            str(log_prefix),
            dsn,
        ],
        capture_output=True,
        text=True,
        cwd=work,
    )
    out = done.stdout + done.stderr
    if done.returncode != 0:
        raise RuntimeError(f"pgbench failed: {out[-2000:]}")
    processed = re.search(r"number of transactions actually processed: (\d+)", out)
    failed = re.search(r"number of failed transactions: (\d+)", out)
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", out)
    if processed is None or tps is None:
        raise RuntimeError(f"pgbench said: {out[-2000:]}")
    latencies = sorted(
        int(line.split()[2]) / 1000
        for log in work.glob("pgbench_log*")
        for line in log.read_text().splitlines()
        if line.strip()
    )
    count = int(processed.group(1))

    def pct(q: float) -> float:
        return (
            latencies[min(len(latencies) - 1, round(q * (len(latencies) - 1)))] if latencies else 0
        )

    return Run(
        count,
        int(failed.group(1)) if failed else 0,
        count / float(tps.group(1)) if float(tps.group(1)) else 0.0,
        pct(0.5),
        pct(0.99),
        [],
    )


def sql_literal(value: Any) -> str:
    """A JSON document as an SQL literal that pgbench leaves alone: pgbench reads ``:name``
    in a script as a variable, so a colon followed by a name character inside a string is
    written as its JSON escape (the same document once parsed); the structural colons are
    followed by a space."""
    text = json.dumps(value, separators=(", ", ": "))
    text = re.sub(r":(?=[A-Za-z0-9_])", r"\\u003a", text)
    return "'" + text.replace("'", "''") + "'"


def _ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    return int(fields[11]) + int(fields[12])  # utime, stime


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (``bookings serve --workers N``: the workers)."""
    out = [pid]
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        out.extend(process_tree(int(child)))
    return out


def cpu_ms(pids: list[int]) -> float:
    """The CPU time (user + system) of ``pids`` so far, in milliseconds."""
    return sum(_ticks(p) for p in pids) * 1000 / os.sysconf("SC_CLK_TCK")
