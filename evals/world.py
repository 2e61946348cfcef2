"""A fresh world per trial: a temporary SQLite file migrated with the real migrations (bootstrap) and
seeded with the demo world on the scenario's pinned date; plus snapshots of the whole database."""

from __future__ import annotations

import datetime as dt
import decimal
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from pydantic import JsonValue
from sqlalchemy import Engine, RowMapping, Table, select

from agent.store_tables import conversation_metadata as store_metadata
from billing.adapters.sql_tables import metadata as billing_metadata
from billing.demo import seed_demo
from bootstrap.container import Container, build_container
from bootstrap.settings import Settings

# Tables whose every difference against the seeded state must be expected ("nothing else changed").
STATE_TABLES = (
    "accounts",
    "portal_users",
    "contracts",
    "contract_contacts",
    "invoices",
    "payments",
    "signed_quotes",
    "support_cases",
)
# Tables that record what happened; checked by specific scorers, not diffed strictly.
LOG_TABLES = ("audit_log", "outbox", "pending_actions", "conversations", "messages")
BILLING_DATA = tuple(t for t in STATE_TABLES if t != "support_cases")  # a hand-off changes no billing data
# Action statuses whose change was carried out, or begun: a card payment being confirmed may have charged.
STARTED = ("executed", "in_progress")

_MIGRATIONS = threading.Lock()
Row = dict[str, JsonValue]
Snapshot = dict[str, dict[str, Row]]


def _tables() -> dict[str, Table]:
    tables: dict[str, Table] = {}
    for md in (billing_metadata, store_metadata):
        tables.update(md.tables)
    return tables


def plain(value: object) -> JsonValue:
    """Comparable, JSON-able values: money and dates as strings, JSON columns as they are."""
    if isinstance(value, decimal.Decimal):
        return f"{value:.2f}"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)  # no column holds anything else today; a new kind is at least comparable and printable


def _key(table: Table, row: RowMapping) -> str:
    cols = [c.name for c in table.primary_key.columns]
    return "/".join(str(row[c]) for c in cols)


def snapshot(engine: Engine, names: tuple[str, ...] = STATE_TABLES + LOG_TABLES) -> Snapshot:
    tables = _tables()
    snap: Snapshot = {}
    with engine.connect() as conn:
        for name in names:
            table = tables[name]
            snap[name] = {
                _key(table, r): {k: plain(v) for k, v in r.items()} for r in conn.execute(select(table)).mappings()
            }
    return snap


@dataclass
class TrialWorld:
    """One trial's database and the services over it."""

    container: Container
    path: Path
    seeded: Snapshot

    @property
    def engine(self) -> Engine:
        return self.container.engine

    def snapshot(self, names: tuple[str, ...] = STATE_TABLES + LOG_TABLES) -> Snapshot:
        return snapshot(self.engine, names)

    def close(self) -> None:
        self.container.engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(str(self.path) + suffix).unlink(missing_ok=True)


class Worlds:
    """Makes fresh trial databases under one temporary directory (removed by `cleanup`).

    Per pinned date, a template database is migrated with the real Alembic migrations (bootstrap)
    (`bootstrap.db.upgrade`, via `build_container`) and seeded with `seed_demo`; every trial gets its own
    copy of that file. Same state as migrating and seeding per trial, at a fraction of the cost.
    """

    def __init__(self, root: Path | None = None, secret: str = "eval-only-secret-0123456789abcdef0123") -> None:
        self.root = Path(tempfile.mkdtemp(prefix="portal-eval-", dir=root))
        self.secret = secret
        self._n = 0
        self._lock = threading.Lock()
        self._templates: dict[dt.date, Path] = {}

    def _settings(self, path: Path, today: dt.date) -> Settings:
        return Settings(  # type: ignore[call-arg]  # pydantic-settings' own argument, unseen by the type checker
            _env_file=None,
            portal_data_dir=self.root,
            portal_database_url=f"sqlite:///{path}",
            portal_today=today,
            portal_llm="offline",
            portal_secret_key=self.secret,
            portal_env="development",
        )

    def template(self, today: dt.date) -> Path:
        with self._lock:
            if today not in self._templates:
                path = self.root / f"template-{today.isoformat()}.db"
                with _MIGRATIONS:  # Alembic's `context` is process-global: never two migrations at once
                    container = build_container(self._settings(path, today))  # bootstrap.db.upgrade
                clock = container.billing.clock
                seed_demo(container.billing.uow_factory, clock.today(), clock.now())
                container.engine.dispose()  # the last connection closing checkpoints the WAL into the file
                self._templates[today] = path
            return self._templates[today]

    def fresh(self, today: dt.date) -> TrialWorld:
        template = self.template(today)
        with self._lock:
            self._n += 1
            path = self.root / f"trial-{self._n:05d}.db"
        for suffix in ("", "-wal"):  # normally no -wal is left; copy one if it is
            if Path(str(template) + suffix).exists():
                shutil.copyfile(str(template) + suffix, str(path) + suffix)
        container = build_container(self._settings(path, today), migrate=False)
        return TrialWorld(container, path, snapshot(container.engine))

    def cleanup(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def flatten(row: Row) -> Row:
    """JSON columns one level deep as dotted fields (billing_address.city), so expectations can name them."""
    flat: Row = {}
    for k, v in row.items():
        if isinstance(v, dict):
            for k2, v2 in v.items():
                flat[f"{k}.{k2}"] = v2
        else:
            flat[k] = v
    return flat


@dataclass
class TableDiff:
    inserted: dict[str, Row]
    deleted: dict[str, Row]
    updated: dict[str, dict[str, tuple[JsonValue, JsonValue]]]  # key -> field -> (before, after)

    def empty(self) -> bool:
        return not (self.inserted or self.deleted or self.updated)


def diff(before: Snapshot, after: Snapshot, names: tuple[str, ...] = STATE_TABLES) -> dict[str, TableDiff]:
    out: dict[str, TableDiff] = {}
    for name in names:
        b, a = before.get(name, {}), after.get(name, {})
        updated: dict[str, dict[str, tuple[JsonValue, JsonValue]]] = {}
        for key in b.keys() & a.keys():
            fb, fa = flatten(b[key]), flatten(a[key])
            fields = {f: (fb.get(f), fa.get(f)) for f in fb.keys() | fa.keys() if fb.get(f) != fa.get(f)}
            if fields:
                updated[key] = fields
        td = TableDiff({k: a[k] for k in a.keys() - b.keys()}, {k: b[k] for k in b.keys() - a.keys()}, updated)
        if not td.empty():
            out[name] = td
    return out
