"""Benchmark: a default ``ics-leadership plan power`` run for the paper's design, against issue 14's target.

Times ``python -m ics_leadership plan power`` (this interpreter, ``PYTHONPATH`` at this checkout's
``src``) in a fresh process, as users run it: the paper's design from ``data/raw`` (Table 1's 4, 8
and 13 leaders by tier), every claim, 2,000 replicates, the default effect (0.9 against 0.3), the
smallest n per tier for power 0.8 searched up to 200. The wall time includes starting Python and
importing pandas and scipy. Printed: each run's wall and CPU time (user + system of the child), the
median, and PASS or FAIL against the target (under 60 s on this machine; issue 14). A benchmark, not
a test (the machine's load is not the code's):

    PYTHONPATH=src .venv/bin/python bench/bench_plan_power.py [--runs 3] [--replicates 2000]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 60.0


def run_once(replicates: int) -> tuple[float, float]:
    """Wall and CPU seconds of one ``plan power`` run in a fresh process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "ics_leadership", "plan", "power", "--replicates", str(replicates)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        sys.stderr.write(result.stderr[-2000:])
        raise SystemExit(1)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs to time (default 3)")
    parser.add_argument("--replicates", type=int, default=2000, help="replicates per claim (default 2000)")
    args = parser.parse_args(argv)
    walls = []
    for i in range(args.runs):
        wall, cpu = run_once(args.replicates)
        walls.append(wall)
        print(f"run {i + 1}: wall {wall:.2f} s, cpu {cpu:.2f} s", flush=True)
    median = statistics.median(walls)
    verdict = "PASS" if median < TARGET_SECONDS else "FAIL"
    print(
        f"plan power, paper's design, {args.replicates} replicates: median wall {median:.2f} s "
        f"(target < {TARGET_SECONDS:.0f} s): {verdict}"
    )
    print(f"load average while measured: {', '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
