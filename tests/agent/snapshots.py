"""Whole-database snapshots to prove that nothing changed (or exactly what did)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from billing.adapters.sql_tables import TABLES

# Bookkeeping of the two-phase protocol itself, not billing data.
PROTOCOL_TABLES = {"pending_actions", "audit_log"}


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {
            t.name: sorted(tuple(str(v) for v in row) for row in conn.execute(select(t)))
            for t in TABLES.values()
            if t.name not in PROTOCOL_TABLES
        }


def changed_tables(before: dict[str, Any], after: dict[str, Any]) -> set[str]:
    return {name for name in before if before[name] != after[name]}
