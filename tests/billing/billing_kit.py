"""Helpers for the billing unit tests: principals, direct edits of the in-memory store, shortcuts."""

from __future__ import annotations

from typing import Any

from billing.adapters.memory import MemoryStore
from billing.entities import ActionStatus, AuditEntry, OutboxMail, Payment, PaymentIntent, PendingAction
from billing.operations.registry import command
from billing.principal import Principal
from billing.service import BillingService

ALICE = Principal("alice@acme.example")
BOB = Principal("bob@acme.example")
ERIN = Principal("erin@acme.example")
CAROL = Principal("carol@globex.example")
DAVE = Principal("dave@initech.example")


def edit(store: MemoryStore, cls: type, key: str, **changes: Any) -> None:
    """Change stored fields behind the domain's back (test set-up only)."""
    with store(write=True) as uow:
        entity = uow.repo.get(cls, key)
        assert entity is not None, f"{cls.__name__} {key} not seeded"
        for name, value in changes.items():
            setattr(entity, name, value)
        uow.repo.update(entity)
        uow.commit()


def add(store: MemoryStore, *entities: object) -> None:
    with store(write=True) as uow:
        uow.repo.add_all(list(entities))
        uow.commit()


def get(store: MemoryStore, cls: type, key: str) -> Any:
    with store() as uow:
        return uow.repo.get(cls, key)


def run(
    svc: BillingService, principal: Principal, operation: str, args: dict[str, Any], conversation: str = "conv-1"
) -> PendingAction:
    """Propose then confirm, as a user clicking the button would."""
    action = svc.propose(principal, conversation, command(operation, args))
    return svc.execute(principal, action.id, conversation)


def executed(
    svc: BillingService, principal: Principal, operation: str, args: dict[str, Any], conversation: str = "conv-1"
) -> PendingAction:
    action = run(svc, principal, operation, args, conversation)
    assert action.status == ActionStatus.EXECUTED, action.result
    return action


def audits(store: MemoryStore, **filters: Any) -> list[AuditEntry]:
    return [a for a in store.all(AuditEntry) if all(getattr(a, k) == v for k, v in filters.items())]


def mails(store: MemoryStore, **filters: Any) -> list[OutboxMail]:
    return [m for m in store.all(OutboxMail) if all(getattr(m, k) == v for k, v in filters.items())]


def payments(store: MemoryStore, invoice_id: str | None = None) -> list[Payment]:
    return [p for p in store.all(Payment) if invoice_id is None or p.invoice_id == invoice_id]


def intents(store: MemoryStore, invoice_id: str | None = None) -> list[PaymentIntent]:
    return [i for i in store.all(PaymentIntent) if invoice_id is None or i.invoice_id == invoice_id]
