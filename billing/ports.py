"""Ports: what the domain needs from the outside world. Adapters live in `billing/adapters/`."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class Repository(Protocol):
    """Generic storage of entities keyed by their `KEY` attribute.

    `find` filters by equality; a list/tuple/set value means "one of".
    """

    def get(self, cls: type[T], key: str, *, for_update: bool = False) -> T | None: ...
    def find(self, cls: type[T], **filters: Any) -> list[T]: ...
    def add(self, entity: object) -> None:
        """Insert; a key already taken (e.g. by a transaction that committed meanwhile) raises
        `billing.errors.ChangedMeanwhile`."""
        ...
    def add_all(self, entities: list[object]) -> None:
        """Bulk insert (seeding); entities of several classes in any order."""
        ...
    def update(self, entity: object) -> None: ...
    def delete(self, entity: object) -> None: ...
    def transition_action(self, action_id: str, from_status: str, to_status: str,
                          decided_at: dt.datetime) -> bool:
        """Atomically move a pending action between statuses; False if it was not in `from_status`."""
        ...


class UnitOfWork(Protocol):
    """A transaction: `with uow:` ... `uow.commit()`; leaving without commit rolls back."""

    repo: Repository

    def __enter__(self) -> "UnitOfWork": ...
    def __exit__(self, *exc: object) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, write: bool = False) -> UnitOfWork: ...


@dataclass(frozen=True)
class Charge:
    charge_id: str
    status: str  # "accepted"


@dataclass(frozen=True)
class CardToken:
    token: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int


class PaymentGateway(Protocol):
    """Charges stored card tokens; tokenizes card numbers (only the secure form calls it)."""

    def charge(self, token: str, amount: Decimal, currency: str, idempotency_key: str) -> Charge: ...
    def tokenize(self, number: str, exp_month: int, exp_year: int, cvc: str) -> CardToken: ...


class Clock(Protocol):
    def now(self) -> dt.datetime: ...
    def today(self) -> dt.date: ...
