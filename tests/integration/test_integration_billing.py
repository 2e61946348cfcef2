"""The core billing operations on real SQLite and PostgreSQL, migrated with Alembic."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from billing.demo import seed_scale
from billing.entities import (
    Account,
    AccountStatus,
    ActionStatus,
    AuditEntry,
    Contract,
    ContractContact,
    IntentState,
    Invoice,
    InvoiceStatus,
    OutboxMail,
    Payment,
    PaymentIntent,
    PendingAction,
    PortalUser,
)
from billing.errors import ActionAlreadyDecided, DomainError, NoPortalAccess, NotFound, ProtectedRoleRemoval
from billing.operations.registry import command
from billing.principal import Principal

ALICE, BOB, ERIN = Principal("alice@acme.example"), Principal("bob@acme.example"), Principal("erin@acme.example")
CAROL, DAVE = Principal("carol@globex.example"), Principal("dave@initech.example")
HERE = Path(__file__).parent
REPO = HERE.parent.parent


def _all(backend, cls, **filters):
    with backend.svc.uow_factory() as uow:
        return uow.repo.find(cls, **filters)


def _get(backend, cls, key):
    with backend.svc.uow_factory() as uow:
        return uow.repo.get(cls, key)


def _run(backend, who, operation, args, conversation="conv-1"):
    action = backend.svc.propose(who, conversation, command(operation, args))
    return backend.svc.execute(who, action.id, conversation)


# --- reads and the core writes ---------------------------------------------------------------------


def test_reads_follow_access_rules(backend):
    svc = backend.svc
    assert [c["id"] for c in [v.to_json() for v in svc.list_contracts(ALICE)]] == ["C-1001", "C-1002"]
    assert sorted(i["id"] for i in [v.to_json() for v in svc.list_invoices(ALICE)]) == [
        "INV-1001",
        "INV-1002",
        "INV-1003",
        "INV-1004",
    ]
    assert sorted(i["id"] for i in [v.to_json() for v in svc.list_invoices(BOB)]) == [
        "INV-1001",
        "INV-1002",
        "INV-1003",
    ]
    assert [v.to_json() for v in svc.list_invoices(ERIN)] == [] and [
        v.to_json() for v in svc.list_contracts(ERIN)
    ] == []
    with pytest.raises(NoPortalAccess):
        [v.to_json() for v in svc.list_invoices(DAVE)]
    with pytest.raises(NotFound):
        svc.get_invoice(ALICE, "INV-2001").to_json()
    reasons = {i["id"]: i["not_payable_reason"] for i in [v.to_json() for v in svc.list_invoices(ALICE)]}
    assert reasons == {
        "INV-1001": None,
        "INV-1002": "already_paid",
        "INV-1003": "over_card_limit",
        "INV-1004": "disputed",
    }
    assert svc.get_contract(ALICE, "C-1001").to_json()["billing_address"]["city"] == "San Francisco"
    assert [u["roles"] for u in [v.to_json() for v in svc.list_contract_users(ALICE, "C-1001")]] == [
        ["primary_billing_contact", "card_holder"],
        [],
    ]


def test_core_writes_persist(backend):
    assert (
        _run(backend, ALICE, "update_po_number", {"invoice_id": "INV-1001", "po_number": "PO 1/2_3"}).status
        == ActionStatus.EXECUTED
    )
    _run(backend, ALICE, "update_billing_address", {"contract_id": "C-1001", "line1": "1 New Road", "country": "us"})
    _run(backend, ALICE, "update_billing_contact", {"contract_id": "C-1001", "email": "ap@acme.example"})
    _run(backend, ALICE, "disable_auto_renew", {"contract_id": "C-1001"})
    _run(
        backend,
        ALICE,
        "add_portal_user",
        {"name": "Frank Fox", "email": "frank@acme.example", "contract_ids": ["C-1001", "C-1002"]},
    )
    _run(backend, ALICE, "grant_contract_access", {"email": "erin@acme.example", "contract_ids": ["C-1002"]})
    _run(backend, ALICE, "remove_contract_access", {"email": "bob@acme.example", "contract_ids": ["C-1001"]})
    assert _get(backend, Invoice, "INV-1001").po_number == "PO 1/2_3"
    contract = _get(backend, Contract, "C-1001")
    assert (
        contract.billing_address.line1,
        contract.billing_address.country,
        contract.billing_contact.email,
        contract.auto_renew,
    ) == ("1 New Road", "US", "ap@acme.example", False)
    assert _get(backend, PortalUser, "frank@acme.example").account_id == "ACME"
    assert sorted(c.contract_id for c in _all(backend, ContractContact, email="frank@acme.example")) == [
        "C-1001",
        "C-1002",
    ]
    assert [c["id"] for c in [v.to_json() for v in backend.svc.list_contracts(ERIN)]] == ["C-1002"]
    assert [v.to_json() for v in backend.svc.list_contracts(BOB)] == []
    audits = _all(backend, AuditEntry)
    assert len(audits) == 7 and {a.outcome for a in audits} == {"executed"}
    assert len(_all(backend, OutboxMail)) == 7


def test_the_card_holder_role_moves_with_the_card_and_the_removal_rule_follows(backend):
    card = backend.gateway.tokenize("5555 5555 5555 4444", 6, 2031, "123")
    done = _run(
        backend,
        BOB,
        "update_card",
        {
            "contract_id": "C-1001",
            "token": card.token,
            "brand": card.brand,
            "last4": card.last4,
            "exp_month": 6,
            "exp_year": 2031,
        },
        "form",
    )
    assert done.status == ActionStatus.EXECUTED, done.result
    roles = {c.email: c.roles for c in _all(backend, ContractContact, contract_id="C-1001")}
    assert roles == {"alice@acme.example": ["primary_billing_contact"], "bob@acme.example": ["card_holder"]}
    with pytest.raises(ProtectedRoleRemoval) as blocked:
        backend.svc.propose(
            ALICE,
            "conv-2",
            command("remove_contract_access", {"email": "bob@acme.example", "contract_ids": ["C-1001"]}),
        )
    assert [(b.email, b.role) for b in blocked.value.blockers] == [("bob@acme.example", "card_holder")]


def test_identical_reproposal_with_list_args_returns_same_action(backend):
    args = {"email": "erin@acme.example", "contract_ids": ["C-1001", "C-1002"]}
    first = backend.svc.propose(ALICE, "conv-1", command("grant_contract_access", args))
    again = backend.svc.propose(ALICE, "conv-1", command("grant_contract_access", dict(args)))
    assert again.id == first.id and len(_all(backend, PendingAction)) == 1


def test_pay_unsuspend_and_settle(backend):
    svc, clock = backend.svc, backend.clock
    first = _run(backend, CAROL, "pay_invoice", {"invoice_id": "INV-2001"})
    assert first.status == ActionStatus.EXECUTED and first.result["account_unsuspended"] is False
    assert _get(backend, Account, "GLOBEX").status == AccountStatus.SUSPENDED
    second = _run(backend, CAROL, "pay_invoice", {"invoice_id": "INV-2002"})
    assert second.result["account_unsuspended"] is True
    assert _get(backend, Account, "GLOBEX").status == AccountStatus.ACTIVE
    assert svc.get_invoice(CAROL, "INV-2001").to_json()["status"] == "processing"
    assert svc.settle().settled == []
    clock.advance(hours=24)
    assert sorted(svc.settle().settled) == ["INV-2001", "INV-2002"]
    assert svc.get_invoice(CAROL, "INV-2002").to_json()["status"] == "paid"
    assert {p.status for p in _all(backend, Payment)} == {"settled"}


def test_expired_action_is_a_clear_error_and_changes_nothing(backend):
    action = backend.svc.propose(ALICE, "conv-1", command("pay_invoice", {"invoice_id": "INV-1001"}))
    backend.clock.advance(minutes=16)
    with pytest.raises(ActionAlreadyDecided) as err:
        backend.svc.execute(ALICE, action.id, "conv-1")
    assert err.value.status == "expired" and "expired" in err.value.message
    assert _get(backend, PendingAction, action.id).status == ActionStatus.EXPIRED
    assert _all(backend, Payment) == [] and backend.gateway.charge_calls == 0
    assert _get(backend, Invoice, "INV-1001").status == InvoiceStatus.OPEN
    assert [a.outcome for a in _all(backend, AuditEntry)] == ["expired"]


def test_declined_card_fails_the_action_durably(backend):
    token = backend.gateway.tokenize("4000 0000 0000 0002", 12, 2030, "123")
    _run(
        backend,
        ALICE,
        "update_card",
        {
            "contract_id": "C-1001",
            "token": token.token,
            "brand": token.brand,
            "last4": token.last4,
            "exp_month": 12,
            "exp_year": 2030,
        },
        "form",
    )
    done = _run(backend, ALICE, "pay_invoice", {"invoice_id": "INV-1001"})
    assert done.status == ActionStatus.FAILED
    stored = _get(backend, PendingAction, done.id)
    assert (stored.status, stored.result["error"]) == (ActionStatus.FAILED, "PaymentFailed")
    assert _all(backend, Payment) == [] and _get(backend, Invoice, "INV-1001").status == InvoiceStatus.OPEN
    assert [a.outcome for a in _all(backend, AuditEntry, operation="pay_invoice")] == ["failed"]


# --- exact money and aware datetimes ----------------------------------------------------------------


@pytest.mark.parametrize("amount", ["1234.56", "75000.00", "0.01", "49999.99", "99999999.99"])
def test_money_round_trips_exactly(backend, amount):
    today = backend.clock.today()
    with backend.svc.uow_factory(write=True) as uow:
        uow.repo.add(
            Invoice(
                "INV-M",
                "C-1001",
                Decimal(amount),
                Decimal(amount),
                "USD",
                InvoiceStatus.OPEN,
                today,
                today + dt.timedelta(days=10),
            )
        )
        uow.commit()
    stored = _get(backend, Invoice, "INV-M")
    assert stored.amount == stored.balance == Decimal(amount)
    assert str(stored.amount) == amount
    assert backend.svc.get_invoice(ALICE, "INV-M").to_json()["balance"] == amount
    if Decimal(amount) <= Decimal("50000.00"):
        _run(backend, ALICE, "pay_invoice", {"invoice_id": "INV-M"})
        [payment] = _all(backend, Payment)
        assert str(payment.amount) == amount


def test_seeded_75000_is_exact(backend):
    assert str(_get(backend, Invoice, "INV-1003").amount) == "75000.00"
    assert backend.svc.get_invoice(ALICE, "INV-1003").to_json()["amount"] == "75000.00"


def test_datetimes_come_back_timezone_aware(backend):
    done = _run(backend, ALICE, "pay_invoice", {"invoice_id": "INV-1001"})
    now = backend.clock.now()
    action = _get(backend, PendingAction, done.id)
    [payment] = _all(backend, Payment)
    [audit] = _all(backend, AuditEntry)
    [mail] = _all(backend, OutboxMail)
    values = {
        "created_at": action.created_at,
        "decided_at": action.decided_at,
        "payment": payment.created_at,
        "audit": audit.at,
        "mail": mail.created_at,
    }
    for name, value in values.items():
        assert value.tzinfo is not None and value.utcoffset() == dt.timedelta(0), name
        assert value == now, name
    assert action.expires_at == now + dt.timedelta(minutes=15)
    assert payment.settles_at == now + dt.timedelta(hours=24)
    assert _get(backend, PortalUser, "alice@acme.example").created_at.tzinfo is not None


# --- atomicity ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("table", ["outbox", "audit_log"])
def test_a_failed_outcome_commit_leaves_the_payment_in_progress_and_reconciliation_completes_it(backend, table):
    """The payment, its receipt and its audit row commit together or not at all. When that commit
    fails after the card was charged, nothing half-made is left: the action is in progress, the
    invoice blocked, and reconciliation records the charge once the database works again."""
    action = backend.svc.propose(ALICE, "conv-1", command("pay_invoice", {"invoice_id": "INV-1001"}))
    backend.execute(f"ALTER TABLE {table} RENAME TO {table}_off")
    try:
        with pytest.raises(Exception) as err:
            backend.svc.execute(ALICE, action.id, "conv-1")
        assert not isinstance(err.value, DomainError)
    finally:
        backend.execute(f"ALTER TABLE {table}_off RENAME TO {table}")
    invoice = _get(backend, Invoice, "INV-1001")
    assert (invoice.status, invoice.balance) == (InvoiceStatus.OPEN, Decimal("1200.00"))
    assert _all(backend, Payment) == [] and _all(backend, OutboxMail) == [] and _all(backend, AuditEntry) == []
    assert _get(backend, PendingAction, action.id).status == ActionStatus.IN_PROGRESS
    [intent] = _all(backend, PaymentIntent)
    assert intent.state == IntentState.PENDING and backend.gateway.lookup(action.id).succeeded  # charged
    assert backend.svc.get_invoice(BOB, "INV-1001").to_json()["not_payable_reason"] == "payment_in_progress"
    backend.clock.advance(minutes=2)
    assert backend.svc.reconcile().succeeded == ["INV-1001"]
    _assert_executed_once(backend, action.id)
    assert backend.gateway.charge_calls == 1


# --- concurrency -------------------------------------------------------------------------------------


def _race(calls):
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def worker(i, fn):
        barrier.wait()
        try:
            results[i] = fn()
        except Exception as exc:  # collected and asserted by the test
            results[i] = exc

    threads = [threading.Thread(target=worker, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def _assert_executed_once(backend, action_id):
    [payment] = _all(backend, Payment)
    assert payment.action_id == action_id
    assert _get(backend, PendingAction, action_id).status == ActionStatus.EXECUTED
    assert [a.outcome for a in _all(backend, AuditEntry, action_id=action_id)] == ["executed"]
    assert len(_all(backend, OutboxMail, kind="payment_receipt")) == 1
    assert _get(backend, Invoice, "INV-1001").status == InvoiceStatus.PROCESSING


def test_two_threads_execute_the_same_action_once(backend):
    backend.gateway.delay = 0.3
    action = backend.svc.propose(ALICE, "conv-1", command("pay_invoice", {"invoice_id": "INV-1001"}))
    results = _race([lambda: backend.svc.execute(ALICE, action.id, "conv-1")] * 2)
    executed = [r for r in results if isinstance(r, PendingAction)]
    decided = [r for r in results if isinstance(r, ActionAlreadyDecided)]
    assert len(executed) == 1 and len(decided) == 1, results
    assert executed[0].status == ActionStatus.EXECUTED
    # The loser was refused while the winner was at the gateway (in progress) or after it finished.
    assert decided[0].status in ("in_progress", "executed"), decided[0]
    _assert_executed_once(backend, action.id)
    assert backend.gateway.charge_calls == 1


def test_two_processes_execute_the_same_action_once(backend, tmp_path):
    action = backend.svc.propose(ALICE, "conv-1", command("pay_invoice", {"invoice_id": "INV-1001"}))
    sync = tmp_path / "sync"
    sync.mkdir()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), str(REPO), os.environ.get("PYTHONPATH", "")])}
    args = [
        sys.executable,
        str(HERE / "integration_worker.py"),
        backend.url,
        ALICE.email,
        action.id,
        "conv-1",
        backend.clock.now().isoformat(),
        str(sync),
        backend.gateway_url,
    ]
    procs = [
        subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    deadline = time.monotonic() + 60
    while len(list(sync.glob("ready-*"))) < 2 and time.monotonic() < deadline:
        assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
        time.sleep(0.01)
    (sync / "go").touch()
    outputs = [p.communicate(timeout=60) for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    results = sorted((json.loads(out) for out, _ in outputs), key=lambda r: "error" in r)
    assert results[0]["status"] == "executed"
    assert results[1]["error"] == "ActionAlreadyDecided" and results[1]["status"] in ("in_progress", "executed")
    _assert_executed_once(backend, action.id)
    assert [r.idempotency_key for r in backend.gateway.records()] == [action.id]  # one charge, in the shared ledger


def test_two_different_actions_for_the_same_invoice_pay_once(backend):
    backend.gateway.delay = 0.3
    mine = backend.svc.propose(ALICE, "conv-a", command("pay_invoice", {"invoice_id": "INV-1001"}))
    his = backend.svc.propose(BOB, "conv-b", command("pay_invoice", {"invoice_id": "INV-1001"}))
    results = _race(
        [lambda: backend.svc.execute(ALICE, mine.id, "conv-a"), lambda: backend.svc.execute(BOB, his.id, "conv-b")]
    )
    assert all(isinstance(r, PendingAction) for r in results), results
    statuses = sorted((r.status.value, (r.result or {}).get("reason")) for r in results)
    # The loser found the winner's payment still at the gateway (in progress) or already processing.
    assert statuses in (
        [("executed", None), ("failed", "payment_in_progress")],
        [("executed", None), ("failed", "payment_processing")],
    ), statuses
    [payment] = _all(backend, Payment)
    winner = next(r for r in results if r.status == ActionStatus.EXECUTED)
    assert payment.action_id == winner.id and backend.gateway.charge_calls == 1
    assert len(_all(backend, OutboxMail, kind="payment_receipt")) == 1


# --- synthetic scale data -------------------------------------------------------------------------------


def test_seed_scale_is_idempotent(backend):
    svc, clock = backend.svc, backend.clock
    ticks: list[int] = []
    assert seed_scale(svc.uow_factory, 3, clock.today(), clock.now(), ticks.append, batch=2) == 3
    assert sum(ticks) == 3
    assert seed_scale(svc.uow_factory, 3, clock.today(), clock.now()) == 0
    assert seed_scale(svc.uow_factory, 5, clock.today(), clock.now(), batch=2) == 2
    assert backend.scalar("SELECT count(*) FROM accounts WHERE id LIKE 'SYN%'") == 5
    assert backend.scalar("SELECT count(*) FROM invoices WHERE id LIKE 'INV-SYN%'") == 5 * 3 * 4
    user = Principal("user1.syn000004@synthetic.example")
    assert len([v.to_json() for v in svc.list_invoices(user)]) == 12
    assert len([v.to_json() for v in svc.list_invoices(ALICE)]) == 4  # the demo world is untouched
    payable = next(i for i in [v.to_json() for v in svc.list_invoices(user)] if i["payable"])
    assert _run(backend, user, "pay_invoice", {"invoice_id": payable["id"]}).status == ActionStatus.EXECUTED


def test_failure_with_structured_error_is_stored(backend):
    """A removal blocked at execution (role gained meanwhile) records its blockers as JSON."""
    action = backend.svc.propose(
        ALICE, "conv-1", command("remove_contract_access", {"email": "bob@acme.example", "contract_ids": ["C-1001"]})
    )
    with backend.svc.uow_factory(write=True) as uow:
        [contact] = uow.repo.find(ContractContact, email="bob@acme.example")
        contact.roles = ["card_holder"]
        uow.repo.update(contact)
        uow.commit()
    done = backend.svc.execute(ALICE, action.id, "conv-1")
    assert done.status == ActionStatus.FAILED
    stored = _get(backend, PendingAction, action.id)
    assert stored.status == ActionStatus.FAILED
    assert stored.result["error"] == "ProtectedRoleRemoval"
    assert stored.result["blockers"] == [{"email": "bob@acme.example", "contract_id": "C-1001", "role": "card_holder"}]
    [audit] = _all(backend, AuditEntry, action_id=action.id)
    assert audit.outcome == "failed" and audit.result == stored.result
    assert [c.contract_id for c in _all(backend, ContractContact, email="bob@acme.example")] == ["C-1001"]


def test_a_grant_that_another_transaction_made_meanwhile_fails_cleanly(backend):
    # Another transaction inserts the same (contract, user) row and holds it uncommitted while the grant
    # executes. PostgreSQL: the grant's checks cannot see the row, its insert waits on the unique index
    # and then collides (ChangedMeanwhile, not a raw integrity error). SQLite: the grant's BEGIN IMMEDIATE
    # waits for the other writer, then its checks see the row (NoChange). Either way: failed, stated,
    # one row, nothing else written.
    action = backend.svc.propose(
        ALICE, "conv-1", command("grant_contract_access", {"email": "erin@acme.example", "contract_ids": ["C-1002"]})
    )
    other = backend.engine.connect()
    other.info["write"] = True  # SQLite: take the write lock now, as a real writer would
    tx = other.begin()
    other.execute(
        text(
            "INSERT INTO contract_contacts (id, contract_id, email, roles) "
            "VALUES ('cc_meanwhile', 'C-1002', 'erin@acme.example', '[]')"
        )
    )
    result: list[object] = []
    worker = threading.Thread(target=lambda: result.append(backend.svc.execute(ALICE, action.id, "conv-1")))
    worker.start()
    if backend.name == "postgresql":  # wait until the grant is blocked on the other transaction's row
        deadline = time.monotonic() + 30
        while not backend.scalar("SELECT count(*) FROM pg_locks WHERE NOT granted") and time.monotonic() < deadline:
            time.sleep(0.01)
        assert backend.scalar("SELECT count(*) FROM pg_locks WHERE NOT granted"), "the grant never waited"
    tx.commit()
    other.close()
    worker.join(timeout=60)
    [failed] = result
    assert failed.status == ActionStatus.FAILED
    expected = "ChangedMeanwhile" if backend.name == "postgresql" else "NoChange"
    assert failed.result["error"] == expected and failed.result["kind"] == "conflict", failed.result
    assert (
        backend.scalar(
            "SELECT count(*) FROM contract_contacts WHERE email = 'erin@acme.example' AND contract_id = 'C-1002'"
        )
        == 1
    )
    assert backend.scalar("SELECT count(*) FROM outbox WHERE kind = 'access_granted'") == 0
