"""`make bench`: every benchmark, one after the other, each appending its table to BENCHMARKS.md.

    .venv/bin/python -m bench.run_all [--quick] [--only NAME ...] [--no-write]

Each benchmark runs in its own process (fresh settings and caches) with a time limit; a failing one
is reported and the others still run. Sample sizes are chosen so the whole suite stays under
10 minutes on a 2-CPU machine (the suite's own wall time is appended at the end). `--quick` shrinks
them further for a smoke run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from bench.common import ROOT, Row, append_section

# name -> (module, arguments, quick arguments, time limit in seconds)
BENCHMARKS: dict[str, tuple[str, list[str], list[str], int]] = {
    "turns": ("bench.bench_turns", ["--samples", "60"], ["--samples", "10"], 360),
    "throughput": (
        "bench.bench_throughput",
        ["--seconds", "15", "--warmup", "4"],
        ["--seconds", "5", "--warmup", "2"],
        180,
    ),
    "throughput-2-workers": (
        "bench.bench_throughput",
        ["--seconds", "15", "--warmup", "4", "--workers", "2"],
        ["--seconds", "5", "--warmup", "2", "--workers", "2"],
        180,
    ),
    "throughput-pg": (
        "bench.bench_throughput",
        ["--seconds", "15", "--warmup", "4", "--pg"],
        ["--seconds", "5", "--warmup", "2", "--pg"],
        180,
    ),
    "throughput-2-workers-pg": (
        "bench.bench_throughput",
        ["--seconds", "15", "--warmup", "4", "--workers", "2", "--pg"],
        ["--seconds", "5", "--warmup", "2", "--workers", "2", "--pg"],
        180,
    ),
    "retrieval": (
        "bench.bench_retrieval",
        ["--synthetic", "10000", "--embed-limit", "800", "--queries", "200"],
        ["--synthetic", "2000", "--embed-limit", "200", "--queries", "50"],
        300,
    ),
    "domain": (
        "bench.bench_domain",
        ["--scale", "10000", "--samples", "200"],
        ["--scale", "1000", "--samples", "50"],
        300,
    ),
    "slack": (
        "bench.bench_slack",
        ["--concurrent", "50", "--rounds", "4"],
        ["--concurrent", "50", "--rounds", "1"],
        180,
    ),
    "startup": ("bench.bench_startup", ["--runs", "3"], ["--runs", "1"], 240),
    "planner": ("bench.bench_planner", ["--samples", "40"], ["--samples", "8"], 240),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller samples (smoke run)")
    parser.add_argument("--only", nargs="*", choices=list(BENCHMARKS), default=None)
    parser.add_argument("--no-write", action="store_true", help="print only, do not touch BENCHMARKS.md")
    args = parser.parse_args()
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    if args.no_write:
        env["PORTAL_BENCH_NO_WRITE"] = "1"
    suite_start = time.perf_counter()
    rows: list[Row] = []
    failed: list[str] = []
    for name in args.only or list(BENCHMARKS):
        module, full, quick, limit = BENCHMARKS[name]
        argv = quick if args.quick else full
        if args.no_write and module == "bench.bench_retrieval":
            argv = argv + ["--no-write"]
        print(f"\n### {name}: python -m {module} {' '.join(argv)}", flush=True)
        start = time.perf_counter()
        code: int | str
        try:
            code = subprocess.run([sys.executable, "-m", module, *argv], cwd=ROOT, env=env, timeout=limit).returncode
        except subprocess.TimeoutExpired:
            code = "timeout"
        seconds = time.perf_counter() - start
        ok = code == 0
        if not ok:
            failed.append(f"{name} ({code})")
        rows.append(Row(f"{name}", f"{seconds:.0f} s", f"≤ {limit} s", None, ok))
    total = time.perf_counter() - suite_start
    rows.append(Row("whole suite", f"{total:.0f} s ({total / 60:.1f} min)", "≤ 600 s", total / 600, total <= 600))
    if args.only is None and not args.quick:
        append_section(
            "`make bench` suite wall time", "make bench", rows, [f"failed: {', '.join(failed)}"] if failed else []
        )
    else:
        from bench.common import print_rows

        print_rows("suite wall time", rows)
    if failed:
        print(f"\nFAILED: {', '.join(failed)}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
