"""Retention: conversations nobody has touched for PORTAL_RETENTION_DAYS are deleted, with their messages,
turns and ratings, a batch at a time (one bounded transaction per batch).

What is never deleted here: the audit log, pending actions, payments, support cases and every other billing
row. Those are the record of what was done (a support case keeps the conversation's id and summary), and
retention of the record is not the conversation store's to decide. Two kinds of old conversation are kept:
one a turn holds right now (its lock), and one with an action still open. Traces are not stored by the
portal at all: their retention is the OpenTelemetry collector's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from sqlalchemy import ColumnElement, Connection, Engine, Table, and_, delete, exists, func, select

from agent.store import transaction, unlocked
from agent.store_tables import conversations, feedback, messages, turns
from billing.adapters.sql_tables import pending_actions
from billing.entities import ActionStatus

BATCH = 500  # conversations per transaction: a purge never holds locks on a large table for long
CHILDREN: tuple[Table, ...] = (messages, turns, feedback)
# Awaiting a person (pending), or an outside system's answer after a person confirmed (in_progress: a card
# payment being confirmed). Either way the conversation is where its outcome is told, so it stays. billing
# exposes open actions per user only (`BillingService.pending_actions`); a purge reads the table itself.
OPEN_ACTIONS = (ActionStatus.PENDING.value, ActionStatus.IN_PROGRESS.value)


@dataclass(frozen=True)
class PurgeReport:
    """What one purge deleted (or, dry, would delete), and how many old conversations it had to keep."""

    cutoff: dt.datetime
    conversations: int = 0
    messages: int = 0
    turns: int = 0
    feedback: int = 0
    kept: int = 0  # older than the cutoff, but locked by a turn right now or with an action still open
    dry_run: bool = False

    def summary(self) -> str:
        """One line for the job's record and the CLI; empty when there was nothing to do."""
        if not self.conversations and not self.kept:
            return ""
        verb = "would purge" if self.dry_run else "purged"
        line = (
            f"{verb} {self.conversations} conversation(s) last active before {self.cutoff:%Y-%m-%d %H:%M} UTC "
            f"({self.messages} message(s), {self.turns} turn(s), {self.feedback} rating(s))"
        )
        return line + (f"; kept {self.kept} old one(s): in use or with an action still open" if self.kept else "")


def purge(
    engine: Engine, days: int, *, now: dt.datetime | None = None, dry_run: bool = False, batch: int = BATCH
) -> PurgeReport:
    """Delete the conversations last updated more than `days` before `now`, batch by batch, with their
    messages, turns and feedback; `dry_run` counts them instead. Safe to repeat and to run beside turns."""
    now = now or dt.datetime.now(dt.UTC)  # the store stamps conversations with the wall clock too
    report = PurgeReport(now - dt.timedelta(days=days), dry_run=dry_run)
    if dry_run:
        with transaction(engine, write=False) as conn:
            report = _count(conn, report, now)
    else:
        report = _delete_all(engine, report, now, batch)
    with transaction(engine, write=False) as conn:
        old = select(func.count()).select_from(conversations).where(conversations.c.updated_at < report.cutoff)
        kept = conn.execute(old).scalar_one()
    return replace(report, kept=kept - report.conversations if dry_run else kept)


def _purgeable(cutoff: dt.datetime, now: dt.datetime) -> ColumnElement[bool]:
    open_action = exists().where(
        pending_actions.c.conversation_id == conversations.c.id, pending_actions.c.status.in_(OPEN_ACTIONS)
    )
    return and_(conversations.c.updated_at < cutoff, unlocked(now), ~open_action)


def _delete_all(engine: Engine, report: PurgeReport, now: dt.datetime, batch: int) -> PurgeReport:
    while True:
        with transaction(engine, write=True) as conn:
            chosen, report = _delete_batch(conn, report, now, batch)
        if chosen < batch:
            return report


def _delete_batch(conn: Connection, report: PurgeReport, now: dt.datetime, batch: int) -> tuple[int, PurgeReport]:
    """One batch in one transaction. The delete re-checks the conditions: a turn may have taken one of the
    chosen conversations since it was chosen (PostgreSQL re-evaluates a row another transaction changed)."""
    purgeable = _purgeable(report.cutoff, now)
    oldest = select(conversations.c.id).where(purgeable).order_by(conversations.c.updated_at, conversations.c.id)
    chosen: list[str] = list(conn.execute(oldest.limit(batch)).scalars())
    if not chosen:
        return 0, report
    deleted = delete(conversations).where(conversations.c.id.in_(chosen), purgeable).returning(conversations.c.id)
    gone: list[str] = list(conn.execute(deleted).scalars())
    counts = {t.name: conn.execute(delete(t).where(t.c.conversation_id.in_(gone))).rowcount for t in CHILDREN}
    return len(chosen), _added(report, len(gone), counts)


def _count(conn: Connection, report: PurgeReport, now: dt.datetime) -> PurgeReport:
    ids = select(conversations.c.id).where(_purgeable(report.cutoff, now))
    counts = {
        t.name: conn.execute(select(func.count()).select_from(t).where(t.c.conversation_id.in_(ids))).scalar_one()
        for t in CHILDREN
    }
    total = conn.execute(select(func.count()).select_from(ids.subquery())).scalar_one()
    return _added(report, total, counts)


def _added(report: PurgeReport, deleted: int, counts: dict[str, int]) -> PurgeReport:
    return replace(
        report,
        conversations=report.conversations + deleted,
        messages=report.messages + counts["messages"],
        turns=report.turns + counts["turns"],
        feedback=report.feedback + counts["feedback"],
    )
