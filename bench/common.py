"""Shared helpers for the benchmarks: statistics, the BENCHMARKS.md table writer, loopback servers,
and a benchmark world (demo data + extra payable invoices + the knowledge index) on SQLite or PostgreSQL.

Benchmarks are programs, not tests: each prints its figures and appends one table per benchmark to
BENCHMARKS.md with the command, the commit and the machine (`bench/run_all.py` runs them all).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import math
import os
import platform
import socket
import statistics
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from starlette.applications import Starlette

    from bootstrap.container import Container
    from bootstrap.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "BENCHMARKS.md"
PG_BASE = os.environ.get("PORTAL_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
SECRET = "bench-secret-" + "0123456789abcdef" * 4
ALICE = "alice@acme.example"
EXTRA_INVOICES = 400  # INV-9000.. on C-1001: payable, so every propose+confirm pair has a fresh one


# -- statistics ------------------------------------------------------------------------------------


def pct(values: Sequence[float], p: float) -> float:
    """The p-th percentile (nearest rank) of `values`."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


# -- provenance and the report ---------------------------------------------------------------------


def commit() -> str:
    try:
        head = (
            subprocess.run(
                ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10
            ).stdout.strip()
            or "no commit"
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, timeout=30
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return head + (" (uncommitted changes)" if dirty else "")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    load = f" · load average {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    return (
        f"{platform.system()} {platform.machine()}, nproc {os.cpu_count()}, {cpu}, "
        f"Python {platform.python_version()}{load}"
    )


@dataclass
class Row:
    """One figure: its value, its target (if any) and the value / limit ratio (if there is a limit)."""

    figure: str
    value: str
    target: str = "—"
    ratio: float | None = None
    met: bool | None = None

    def cells(self) -> list[str]:
        ratio = "—" if self.ratio is None else f"{self.ratio:.2f}"
        met = {True: "yes", False: "**no**", None: "—"}[self.met]
        return [self.figure, self.value, self.target, ratio, met]


def limit_row(
    figure: str, value: float, limit: float, unit: str, *, higher_is_better: bool = False, fmt: str = "{:.1f}"
) -> Row:
    """A figure with a limit: ratio = value / limit (≤ 1 meets an upper limit, ≥ 1 a lower one)."""
    ratio = value / limit if limit else float("nan")
    met = ratio >= 1 if higher_is_better else ratio <= 1
    sign = "≥" if higher_is_better else "≤"
    return Row(figure, fmt.format(value) + unit, f"{sign} {fmt.format(limit)}{unit}", ratio, met)


def print_rows(title: str, rows: list[Row]) -> None:
    print(f"\n== {title}")
    for r in rows:
        extra = "" if r.target == "—" else f"  (target {r.target}; ratio {r.cells()[3]}; met: {r.cells()[4]})"
        print(f"  {r.figure}: {r.value}{extra}")


def parse_bench_args(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """Every benchmark takes `--no-write` (print the tables, leave BENCHMARKS.md alone)."""
    parser.add_argument("--no-write", action="store_true", help="print only; do not append to BENCHMARKS.md")
    args = parser.parse_args()
    if args.no_write:
        os.environ["PORTAL_BENCH_NO_WRITE"] = "1"
    return args


def append_section(title: str, command: str, rows: list[Row], notes: Sequence[str] = ()) -> None:
    """Append one dated table to BENCHMARKS.md (never rewrites what is there)."""
    print_rows(title, rows)
    for n in notes:
        print(f"  - {n}")
    if os.environ.get("PORTAL_BENCH_NO_WRITE"):
        return
    text = BENCHMARKS.read_text(encoding="utf-8") if BENCHMARKS.exists() else "# Benchmarks\n"
    lines = [
        f"\n### {title}, {dt.date.today().isoformat()}\n",
        f"Command: `{command}` · commit `{commit()}` · machine: {machine()}\n",
        "| figure | value | target | ratio to limit | met |",
        "|---|---|---|---|---|",
    ]
    lines += ["| " + " | ".join(r.cells()) + " |" for r in rows]
    if notes:
        lines.append("")
        lines += [f"- {n}" for n in notes]
    BENCHMARKS.write_text(text.rstrip("\n") + "\n" + "\n".join(lines) + "\n", encoding="utf-8")


# -- loopback servers ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class UvicornThread:
    """An ASGI app under a real uvicorn on loopback, in a daemon thread: `with UvicornThread(app) as url`."""

    def __init__(self, app: Starlette) -> None:
        import uvicorn

        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", access_log=False, log_config=None)
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def wait_http(url: str, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> float:
    """Poll `url` until it answers 200; returns the seconds waited."""
    import httpx

    start = time.perf_counter()
    deadline = start + timeout
    while time.perf_counter() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return time.perf_counter() - start
        time.sleep(0.02)
    raise TimeoutError(f"{url} did not answer 200 within {timeout} s")


@contextlib.contextmanager
def subprocess_server(
    args: list[str], env: dict[str, str], ready_url: str, timeout: float = 120, log: Path | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """Start a server process, wait for `ready_url`, and stop it (this process only) on exit."""
    out: IO[bytes] | None = open(log, "wb") if log else None  # noqa: SIM115 - closed in `finally`
    proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=out or subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        wait_http(ready_url, timeout, proc)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        if out is not None:
            out.close()


# -- databases -------------------------------------------------------------------------------------


def pg_schema(prefix: str = "bench") -> AbstractContextManager[str]:
    """A fresh PostgreSQL schema, dropped afterwards; yields a URL whose search_path is that schema."""
    from bootstrap.db import scratch_schema

    return scratch_schema(PG_BASE, prefix)


def pg_available() -> str | None:
    """None if PostgreSQL answers, else why not."""
    from bootstrap.db import postgres_unavailable

    return postgres_unavailable(PG_BASE)


# -- the benchmark world ---------------------------------------------------------------------------


def build_kb_index(data_dir: Path) -> None:
    """The knowledge index in `data_dir/chroma` (what `portal-agent index build` does)."""
    from bootstrap.index import build_index
    from knowledge.embeddings import get_embedder

    build_index(data_dir, None, get_embedder())


def settings_for(data_dir: Path, database_url: str, **extra: Any) -> Settings:
    """Settings for a benchmark: its own data directory and database, limits out of the way, no .env file."""
    from bootstrap.settings import Settings

    values: dict[str, Any] = {  # any setting may be overridden, so its values are of any setting's type
        "portal_data_dir": data_dir,
        "portal_database_url": database_url,
        "portal_secret_key": SECRET,
        "portal_env": "production",
        "portal_rate_limit_per_minute": 1_000_000,
        "portal_rate_limit_burst": 100_000,
        "portal_client_rate_limit_per_minute": 1_000_000,
        "portal_client_rate_limit_burst": 100_000,
        **extra,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]  # pydantic-settings' own argument


def env_for(settings: Settings) -> dict[str, str]:
    """The environment that gives a subprocess the same settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "OPENAI_", "SLACK_"))}
    for name, value in settings.model_dump().items():
        if value is not None and name.startswith(("portal_", "openai_", "slack_")):
            env[name.upper()] = str(value)
    return env


def seed_world(container: Container, extra_invoices: int = EXTRA_INVOICES) -> None:
    """The demo world plus `extra_invoices` payable USD invoices on C-1001 (INV-9000…)."""
    from billing.demo import seed_demo
    from billing.entities import Invoice, InvoiceStatus
    from billing.money import to_amount

    clock = container.billing.clock
    seed_demo(container.billing.uow_factory, clock.today(), clock.now())
    today = clock.today()
    with container.billing.uow_factory(write=True) as uow:
        uow.repo.add_all(
            [
                Invoice(
                    f"INV-{9000 + i}",
                    "C-1001",
                    to_amount("120.00"),
                    to_amount("120.00"),
                    "USD",
                    InvoiceStatus.OPEN,
                    today - dt.timedelta(days=10),
                    today + dt.timedelta(days=20),
                    "",
                    False,
                )
                for i in range(extra_invoices)
            ]
        )
        uow.commit()


def token_for(email: str = ALICE) -> str:
    from service.auth import issue_token

    return issue_token(email, SECRET)
