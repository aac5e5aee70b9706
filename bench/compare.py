"""Regression check of a change: the create and availability benches of this tree against
another commit's, in the same run.

    .venv/bin/python bench/compare.py BASE_REV [--rounds 3]

Checks BASE_REV out in a temporary git worktree and runs, alternately (base, this tree, base,
... so that drift of the machine falls on both alike), each tree's own
``bench/create_booking.py --engines postgres --clients 32`` and ``bench/availability.py``,
each server running its own tree. Prints every round and, per figure, the median of the
rounds and this tree's median over the base's (one disturbed round moves a median little);
ends with one line per figure:
``RESULT <figure>_vs_base <ratio> x target <t> ok|short`` where throughput must keep at least
0.95 of the base's and latency at most 1.05 of it.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
#: (figure, bench, pattern of its value in the output, higher is better)
FIGURES = [
    (
        "create_class_pg32_per_s",
        "create",
        # This tree's bench prints a FIGURE line; an older tree's, its table.
        r"FIGURE create_class_pg32_per_s ([\d.]+)|class \(.*?\n.*?\n\s+32\s+\d+\s+\d+\s+([\d.]+)",
        True,
    ),
    (
        "create_appointment_pg32_per_s",
        "create",
        r"FIGURE create_appointment_pg32_per_s ([\d.]+)"
        r"|appointment \(.*?\n.*?\n\s+32\s+\d+\s+\d+\s+([\d.]+)",
        True,
    ),
    ("slots_http_p50_sqlite_ms", "availability", r"availability_http_p50_sqlite ([\d.]+)", False),
    ("slots_http_p50_pg_ms", "availability", r"availability_http_p50_postgres ([\d.]+)", False),
]
COMMANDS = {
    # Both forms' options: this tree's bench (wrk) and an older one (its own client).
    "create": ["bench/create_booking.py", "--engines", "postgres", "--clients", "32"],
    "availability": ["bench/availability.py"],
}


def run(tree: Path, bench: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    done = subprocess.run(
        [sys.executable, *COMMANDS[bench]],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def figures(output: dict[str, str]) -> dict[str, float]:
    found = {}
    for name, bench, pattern, _ in FIGURES:
        match = re.search(pattern, output[bench])
        if match is None:
            raise SystemExit(f"{name}: not found in the {bench} bench's output")
        found[name] = float(next(g for g in match.groups() if g is not None))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="the commit to compare against")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(base), args.base],
            cwd=HERE,
            check=True,
            capture_output=True,
        )
        try:
            seen: dict[str, dict[str, list[float]]] = {"base": {}, "this": {}}
            for round_ in range(1, args.rounds + 1):
                for label, tree in (("base", base), ("this", HERE)):
                    values = figures({bench: run(tree, bench) for bench in COMMANDS})
                    for name, value in values.items():
                        seen[label].setdefault(name, []).append(value)
                    shown = "  ".join(f"{k}={v:g}" for k, v in values.items())
                    print(f"round {round_} {label:4}  {shown}", flush=True)
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(base)], cwd=HERE, check=False
            )
    print()
    results = []
    for name, _, _, higher_better in FIGURES:
        old, new = statistics.median(seen["base"][name]), statistics.median(seen["this"][name])
        ratio = new / old
        ok = ratio >= 0.95 if higher_better else ratio <= 1.05
        target = "0.95" if higher_better else "1.05"
        print(f"{name:32} base {old:9.2f}  this {new:9.2f}  ratio {ratio:.3f}")
        results.append(
            f"RESULT {name}_vs_base {ratio:.3f} x target {target} {'ok' if ok else 'short'}"
        )
    print()
    print("\n".join(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
