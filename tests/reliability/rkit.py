"""Helpers of the reliability tests: demo worlds, database snapshots and scans, served subprocesses
(kill -9 and restart), PostgreSQL schemas, and a figures log that RELIABILITY.md is written from."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, MetaData, select

from agent.runner import Runner
from agent.store import ConversationStore
from billing.adapters.gateway import SimulatedGateway
from billing.adapters.sql_uow import SqlUnitOfWorkFactory
from billing.clock import FixedClock
from billing.demo import seed_demo
from billing.service import BillingService
from bootstrap.db import create_engine_for, postgres_unavailable, scratch_schema, upgrade
from tools.links import LinkSigner

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SECRET = "reliability-secret-" + "0123456789abcdef" * 4
PG_BASE = os.environ.get("PORTAL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

# Billing state a mutation changes. Conversations, messages, pending actions, the audit log and support
# cases change on every turn by design (proposals, rejections, hand-offs) and are checked separately.
STATE_TABLES = (
    "accounts",
    "contracts",
    "contract_contacts",
    "portal_users",
    "invoices",
    "payments",
    "outbox",
    "signed_quotes",
)

# Luhn-valid test card numbers, in the shapes people type them (none is the demo world's card on file).
CARDS = [
    "4111 1111 1111 1111",
    "5105-1051-0510-5100",
    "378282246310005",
    "4012888888881881",
    "6011 1111 1111 1117",
    "3530111333300000",
]
CARD_DIGITS = [re.sub(r"\D", "", c) for c in CARDS]


# -- figures ---------------------------------------------------------------------------------------
def report(name: str, **figures: Any) -> None:
    """Print the figures of a test and append them to $RELIABILITY_REPORT (JSON lines) when set."""
    line = json.dumps({"test": name, **figures}, default=str, sort_keys=True)
    print(f"\nRELIABILITY {line}")
    path = os.environ.get("RELIABILITY_REPORT")
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")


# -- worlds ----------------------------------------------------------------------------------------
@dataclass
class World:
    engine: Engine
    clock: FixedClock
    gateway: SimulatedGateway
    billing: BillingService
    store: ConversationStore
    links: LinkSigner

    def runner(self, model: Any, fallback: Any = None, **kw: Any) -> Runner:
        return Runner(self.billing, self.store, self.links, model, fallback, **kw)


def make_world(url: str) -> World:
    engine = create_engine_for(url)
    upgrade(engine)
    clock, gateway = FixedClock(), SimulatedGateway()
    billing = BillingService(SqlUnitOfWorkFactory(engine), clock, gateway)
    assert seed_demo(billing.uow_factory, clock.today(), clock.now())
    return World(engine, clock, gateway, billing, ConversationStore(engine), LinkSigner(SECRET))


# -- database snapshots and scans ------------------------------------------------------------------
def snapshot(engine: Engine, tables: tuple[str, ...] = STATE_TABLES) -> dict[str, list[tuple]]:
    meta = MetaData()
    meta.reflect(engine, only=list(tables))
    with engine.connect() as conn:
        return {
            name: sorted(tuple(str(v) for v in row) for row in conn.execute(select(meta.tables[name])))
            for name in tables
        }


def changed_tables(before: dict[str, list[tuple]], after: dict[str, list[tuple]]) -> list[str]:
    return [t for t in before if before[t] != after[t]]


def dump_all_text(engine: Engine) -> str:
    """Every value of every table (incl. migrations' and Slack's), one per line."""
    meta = MetaData()
    meta.reflect(engine)
    lines: list[str] = []
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.execute(select(table)):
                lines.extend(f"{table.name}: {v}" for v in row if v is not None)
    return "\n".join(lines)


def card_hits(text: str) -> list[str]:
    """Test card numbers found in `text`, however they are spaced or dashed (or JSON-escaped)."""
    squeezed = re.sub(r"[\s\-]|\\u00a0", "", text)
    return [d for d in CARD_DIGITS if d in squeezed]


# -- PostgreSQL ------------------------------------------------------------------------------------
def pg_available() -> str | None:
    return postgres_unavailable(PG_BASE)


# Here, not in conftest.py: `from conftest import ...` resolves to whichever conftest module pytest
# imported first under that name, so running tests/reliability beside tests/integration failed.
PG_SKIP = pg_available()
needs_postgres = pytest.mark.skipif(PG_SKIP is not None, reason=PG_SKIP or "")


def pg_schema(prefix: str = "rel") -> Any:
    """A fresh schema; yields a database URL whose search_path is that schema. Dropped afterwards."""
    return scratch_schema(PG_BASE, prefix)


# -- served subprocesses ---------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def token(email: str, secret: str = SECRET, **kw: Any) -> str:
    from service.auth import issue_token

    return issue_token(email, secret, **kw)


def auth(email: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(email)}"}


def init_database(env: dict[str, str]) -> None:
    """`portal-agent db init --demo` into the environment's database (as an operator would)."""
    done = subprocess.run(
        [sys.executable, "-m", "service.cli", "db", "init", "--demo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]


def server_env(data_dir: Path, database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "OPENAI_", "SLACK_"))}
    env.update(
        {
            "PORTAL_DATA_DIR": str(data_dir),
            "PORTAL_DATABASE_URL": database_url,
            "PORTAL_SECRET_KEY": SECRET,
            "PORTAL_ENV": "production",
            "PORTAL_RATE_LIMIT_PER_MINUTE": "100000",
            "PORTAL_RATE_LIMIT_BURST": "10000",
            "PORTAL_CLIENT_RATE_LIMIT_PER_MINUTE": "100000",
            "PORTAL_CLIENT_RATE_LIMIT_BURST": "10000",
            "PORTAL_LOG_LEVEL": "WARNING",
            **extra,
        }
    )
    return env


class Server:
    """`portal-agent serve` (or the test launcher) in its own process group; kill -9 and restart it."""

    def __init__(self, env: dict[str, str], workers: int = 1, launcher: Path | None = None) -> None:
        self.env, self.workers, self.launcher = env, workers, launcher
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        Path(env["PORTAL_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
        self.log_path = Path(env["PORTAL_DATA_DIR"]) / f"server-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 180.0) -> Server:
        args = (
            [sys.executable, str(self.launcher), str(self.port)]
            if self.launcher
            else [
                sys.executable,
                "-m",
                "service.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
                "--log-level",
                "warning",
            ]
        )
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log_tail()
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200 and len(self.worker_pids()) >= (
                    self.workers if self.workers > 1 else 0
                ):
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError("server did not start:\n" + self.log_tail())

    def worker_pids(self) -> list[int]:
        """uvicorn worker processes (children of the supervisor that serve HTTP)."""
        if self.proc is None:
            return []
        kids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                cmdline = (stat.parent / "cmdline").read_bytes()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid and b"resource_tracker" not in cmdline:
                kids.append(int(stat.parent.name))
        return sorted(kids)

    def serving_pids(self) -> list[int]:
        return self.worker_pids() if self.workers > 1 else ([self.proc.pid] if self.proc else [])

    def kill9(self) -> None:
        """SIGKILL the whole process group this test started (supervisor and workers), no clean-up."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)

    def log_tail(self, n: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return ""


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
