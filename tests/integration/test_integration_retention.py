"""Retention on SQLite and PostgreSQL: the purge deletes old conversations with their messages, turns and
ratings, batch by batch, and nothing else: not a conversation a turn holds right now, not one with an action
still open, and never an audit row, a pending action, a payment, a support case or any other billing row.
The `purge` job runs it once per tick through the scheduler."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from jobs_kit import jobs_for
from langchain_core.messages import AIMessage, HumanMessage
from sqlalchemy import func, insert, select, update

from agent.retention import PurgeReport, purge
from agent.store import ConversationStore
from agent.store_tables import conversations, feedback, messages, turns
from agent.turn_record import TurnRecord
from billing.adapters.sql_tables import metadata as billing_metadata
from billing.entities import ActionStatus
from billing.operations.registry import command
from billing.principal import Principal
from service.jobs.job import Status, tick_of
from service.jobs.scheduler import Scheduler

ALICE = Principal("alice@acme.example")
DAYS = 30
NOW = dt.datetime.now(dt.UTC)
OLD = NOW - dt.timedelta(days=DAYS + 10)


def _conversation(store: ConversationStore, *, rated: bool = True) -> str:
    """A conversation of one turn (a question, a reply, the turn's record) and, if `rated`, its reply rated."""
    conv = store.create(ALICE.email, "web")
    seq = store.append(
        conv.id,
        [HumanMessage("how do I pay?"), AIMessage("Open Invoices and select Pay Now.")],
        TurnRecord(ALICE.email, "web", "agent", "how do I pay?"),
    )
    if rated:
        with store.engine.begin() as conn:
            conn.execute(
                insert(feedback).values(
                    conversation_id=conv.id,
                    message_seq=seq,
                    user_email=ALICE.email,
                    rating=1,
                    comment="",
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
    return conv.id


def _age(backend, *ids: str) -> None:
    with backend.engine.begin() as conn:
        conn.execute(update(conversations).where(conversations.c.id.in_(ids)).values(updated_at=OLD))


def _rows(backend, table, ids) -> int:
    with backend.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table).where(table.c.conversation_id.in_(ids))).scalar()


def _conversation_ids(backend) -> set[str]:
    with backend.engine.connect() as conn:
        return set(conn.execute(select(conversations.c.id)).scalars())


def _billing_rows(backend) -> dict[str, int]:
    """Every billing table's row count: a purge must leave each exactly as it was."""
    with backend.engine.connect() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar() for t in billing_metadata.sorted_tables
        }


def test_purge_deletes_old_free_conversations_in_batches_and_keeps_the_record(backend):
    store = ConversationStore(backend.engine)
    # An old conversation in which Alice paid and asked for a person: its record must outlive it.
    paid = _conversation(store)
    action = backend.svc.propose(ALICE, paid, command("pay_invoice", {"invoice_id": "INV-1001"}))
    assert backend.svc.execute(ALICE, action.id, paid).status == ActionStatus.EXECUTED
    backend.svc.create_support_case(ALICE, paid, "customer_service", "A question", "Asked about paying.")
    plain = [_conversation(store, rated=i % 2 == 0) for i in range(4)]
    waiting = _conversation(store)  # an old proposal nobody decided (and the expiry job has not run)
    backend.svc.propose(ALICE, waiting, command("update_po_number", {"invoice_id": "INV-1003", "po_number": "PO-1"}))
    locked = _conversation(store)
    recent = _conversation(store)
    _age(backend, paid, *plain, waiting, locked)
    gone = [paid, *plain]
    billing_before = _billing_rows(backend)
    audited = "SELECT count(*) FROM audit_log WHERE conversation_id = :c"
    assert backend.scalar(audited, c=paid) == 2  # the payment and the support case
    assert (billing_before["payments"], billing_before["support_cases"], billing_before["pending_actions"]) == (1, 1, 2)

    with store.locked(locked):  # a turn holds it right now
        dry = purge(backend.engine, DAYS, now=NOW, dry_run=True, batch=2)
        assert _conversation_ids(backend) >= {*gone, waiting, locked, recent}  # a dry run deletes nothing
        report = purge(backend.engine, DAYS, now=NOW, batch=2)  # three batches of two

    expected = PurgeReport(NOW - dt.timedelta(days=DAYS), conversations=5, messages=10, turns=5, feedback=3, kept=2)
    assert report == expected
    assert dry == PurgeReport(**{**expected.__dict__, "dry_run": True})
    assert report.summary().startswith("purged 5 conversation(s) last active before ")
    assert report.summary().endswith(
        "(10 message(s), 5 turn(s), 3 rating(s)); kept 2 old one(s): in use or with an action still open"
    )
    assert _conversation_ids(backend) == {waiting, locked, recent}
    kept = [waiting, locked, recent]
    assert [_rows(backend, t, gone) for t in (messages, turns, feedback)] == [0, 0, 0]
    assert [_rows(backend, t, kept) for t in (messages, turns, feedback)] == [6, 3, 3]
    assert _billing_rows(backend) == billing_before  # audit, pending actions, payments, cases: all kept
    assert backend.scalar(audited, c=paid) == 2

    # Released, the old conversation is purged on the next run; the open proposal still keeps its own.
    again = purge(backend.engine, DAYS, now=NOW)
    assert (again.conversations, again.messages, again.turns, again.feedback, again.kept) == (1, 2, 1, 1, 1)
    assert _conversation_ids(backend) == {waiting, recent}
    assert purge(backend.engine, DAYS, now=NOW).summary() == (
        "purged 0 conversation(s) last active before "
        f"{NOW - dt.timedelta(days=DAYS):%Y-%m-%d %H:%M} UTC (0 message(s), 0 turn(s), 0 rating(s)); "
        "kept 1 old one(s): in use or with an action still open"
    )


def test_a_conversation_whose_payment_is_being_confirmed_is_kept(backend):
    """A confirmed card payment whose outcome the gateway has not given yet (in_progress): the conversation is
    where the customer is told, so it stays until reconciliation completes the action."""
    store = ConversationStore(backend.engine)
    conv = _conversation(store)
    action = backend.svc.propose(ALICE, conv, command("pay_invoice", {"invoice_id": "INV-1001"}))
    backend.execute(f"UPDATE pending_actions SET status = 'in_progress' WHERE id = '{action.id}'")
    _age(backend, conv)
    assert purge(backend.engine, DAYS, now=NOW).kept == 1 and conv in _conversation_ids(backend)
    backend.execute(f"UPDATE pending_actions SET status = 'executed' WHERE id = '{action.id}'")
    assert purge(backend.engine, DAYS, now=NOW).conversations == 1 and conv not in _conversation_ids(backend)


def test_the_purge_job_runs_once_per_tick_through_the_scheduler(backend):
    store = ConversationStore(backend.engine)
    old, recent = _conversation(store), _conversation(store)
    _age(backend, old)
    [job] = jobs_for(backend.svc, ["purge"], 3600.0, portal_retention_days=DAYS)
    assert (job.name, job.interval) == ("purge", 3600.0)
    scheduler = Scheduler(backend.engine, [job], worker="a")
    tick = tick_of(time.time(), job.interval)

    first = scheduler.run_tick(job, tick)
    assert first.status == Status.RAN and first.summary.startswith("purged 1 conversation(s)"), first
    assert scheduler.run_tick(job, tick).status == Status.DONE_ELSEWHERE
    assert _conversation_ids(backend) == {recent}
    assert backend.scalar("SELECT outcome FROM job_runs WHERE job = 'purge'") == first.summary
    assert scheduler.run_now(job).summary == ""  # nothing old left: a quiet run


def test_purge_by_hand_counts_first_with_dry_run_then_deletes(demo_cli):
    from bootstrap.container import get_container

    engine = get_container().engine
    store = ConversationStore(engine)
    old, recent = _conversation(store), _conversation(store)
    with engine.begin() as conn:  # a year and a day: past the default PORTAL_RETENTION_DAYS
        conn.execute(
            update(conversations).where(conversations.c.id == old).values(updated_at=NOW - dt.timedelta(days=366))
        )

    result, out = demo_cli("purge", "--dry-run")
    assert result.exit_code == 0 and "would purge 1 conversation(s) last active before " in out, out
    assert "(2 message(s), 1 turn(s), 1 rating(s))" in out
    result, out = demo_cli("purge")
    assert result.exit_code == 0 and "purged 1 conversation(s)" in out, out
    with engine.connect() as conn:
        assert set(conn.execute(select(conversations.c.id)).scalars()) == {recent}
    result, out = demo_cli("purge")
    assert result.exit_code == 0 and "Nothing to purge: no conversation was last active before " in out, out


def test_a_retention_of_zero_days_is_refused_with_the_setting_named(monkeypatch, tmp_path, clear_service_caches):
    """0 would mean "delete everything" to some and "keep forever" to others: neither is guessed."""
    from bootstrap.settings import InvalidSettings, get_settings

    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("PORTAL_RETENTION_DAYS", "0")
    with pytest.raises(InvalidSettings) as refused:
        get_settings()
    assert "PORTAL_RETENTION_DAYS: Input should be greater than or equal to 1" in str(refused.value)
