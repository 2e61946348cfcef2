"""In-memory unit of work for fast unit tests. Stores copies, so a forgotten `update` shows up
exactly as it would with a database; commit/rollback are honoured."""

from __future__ import annotations

import copy
import datetime as dt
from typing import TypeVar, cast

from billing.entities import MailStatus, OutboxMail
from billing.errors import ChangedMeanwhile

T = TypeVar("T")


def _matches(entity: object, filters: dict[str, object]) -> bool:
    for name, wanted in filters.items():
        value = getattr(entity, name)
        if isinstance(wanted, (list, tuple, set, frozenset)):
            if value not in wanted:
                return False
        elif value != wanted:
            return False
    return True


class MemoryRepository:
    """Dict-of-dicts storage keyed by entity class and `KEY` value."""

    def __init__(self, tables: dict[type, dict[str, object]]) -> None:
        self.tables = tables

    def _table(self, cls: type) -> dict[str, object]:
        return self.tables.setdefault(cls, {})

    def get(self, cls: type[T], key: str, *, for_update: bool = False) -> T | None:
        found = self._table(cls).get(key)
        return cast("T | None", copy.deepcopy(found))  # the table of `cls` holds only `cls` entities

    def find(self, cls: type[T], **filters: object) -> list[T]:
        return [cast(T, copy.deepcopy(e)) for e in self._table(cls).values() if _matches(e, filters)]

    def add(self, entity: object) -> None:
        key = getattr(entity, entity.KEY)  # type: ignore[attr-defined]
        table = self._table(type(entity))
        if key in table:
            raise ChangedMeanwhile(type(entity).__name__)  # as the SQL repository reports a taken key
        table[key] = copy.deepcopy(entity)

    def add_all(self, entities: list[object]) -> None:
        for entity in entities:
            self.add(entity)

    def update(self, entity: object) -> None:
        key = getattr(entity, entity.KEY)  # type: ignore[attr-defined]
        self._table(type(entity))[key] = copy.deepcopy(entity)

    def delete(self, entity: object) -> None:
        self._table(type(entity)).pop(getattr(entity, entity.KEY), None)  # type: ignore[attr-defined]

    def transition_action(self, action_id: str, from_status: str, to_status: str, decided_at: dt.datetime) -> bool:
        from billing.entities import PendingAction

        action = self._table(PendingAction).get(action_id)
        if not isinstance(action, PendingAction) or action.status != from_status:
            return False
        action.status, action.decided_at = type(action.status)(to_status), decided_at
        return True

    def transition_intent(
        self, intent_id: str, from_states: tuple[str, ...], to_state: str, updated_at: dt.datetime
    ) -> bool:
        from billing.entities import PaymentIntent

        intent = self._table(PaymentIntent).get(intent_id)
        if not isinstance(intent, PaymentIntent) or intent.state not in from_states:
            return False
        intent.state, intent.updated_at = type(intent.state)(to_state), updated_at
        return True

    def claim_mails(self, now: dt.datetime, lease_until: dt.datetime, claim: str, limit: int) -> list[OutboxMail]:
        due = [
            m
            for m in self._table(OutboxMail).values()
            if isinstance(m, OutboxMail)
            and m.status == MailStatus.QUEUED
            and (m.next_attempt_at is None or m.next_attempt_at <= now)
        ]
        claimed = sorted(due, key=lambda m: (m.created_at, m.id))[:limit]
        for mail in claimed:
            mail.claimed_by, mail.next_attempt_at, mail.attempts = claim, lease_until, mail.attempts + 1
        return copy.deepcopy(claimed)

    def release_mail(self, mail: OutboxMail, claim: str) -> bool:
        stored = self._table(OutboxMail).get(mail.id)
        if not isinstance(stored, OutboxMail) or stored.claimed_by != claim:
            return False
        self.update(mail)
        return True


class MemoryUnitOfWork:
    """A transaction over a shared in-memory store: works on a copy, publishes it on commit."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store
        self.repo = MemoryRepository(copy.deepcopy(store.tables))
        self.committed = False

    def __enter__(self) -> MemoryUnitOfWork:
        return self

    def __exit__(self, *exc: object) -> None:
        self.rollback()

    def commit(self) -> None:
        self.store.tables = copy.deepcopy(self.repo.tables)
        self.committed = True

    def rollback(self) -> None:
        self.repo = MemoryRepository(copy.deepcopy(self.store.tables))


class MemoryStore:
    """The shared state; call it like a unit-of-work factory: `store(write=True)`."""

    def __init__(self) -> None:
        self.tables: dict[type, dict[str, object]] = {}

    def __call__(self, *, write: bool = False) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self)

    def all(self, cls: type[T]) -> list[T]:
        return [cast(T, e) for e in copy.deepcopy(self.tables.get(cls, {})).values()]
