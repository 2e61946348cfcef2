"""The shape of a guarded write operation and the context it runs in."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from billing.commands import Command
from billing.entities import OutboxMail, PendingAction, PortalUser
from billing.json_types import JsonObject
from billing.ports import Clock, PaymentGateway, Repository
from billing.principal import Principal


@dataclass
class Ctx:
    """Everything an operation may touch, inside one unit of work."""

    repo: Repository
    principal: Principal
    user: PortalUser
    clock: Clock
    gateway: PaymentGateway

    @property
    def today(self) -> dt.date:
        return self.clock.today()


@dataclass
class Proposal:
    """What `check` returns: the summary the user confirms and facts bound to that confirmation."""

    summary: str
    bound: JsonObject = field(default_factory=dict)


# Covariant: an `Operation[PayInvoice]` is an operation on some command, so the registry can hold them all.
C = TypeVar("C", bound=Command, covariant=True)


@dataclass(frozen=True)
class Operation(Generic[C]):
    """A write in two phases, over one command type.

    `clean` validates and canonicalizes raw arguments into the command; `check` authorizes and
    applies every rule to the current state and describes the change; `apply` runs inside the
    executing transaction, re-checks (state may have moved since the proposal) and performs the
    change, returning what the action shows as its result.

    `external` operations change an outside system that must never be called inside a database
    transaction (the card gateway): their `apply` only records the intent, the action stays
    `in_progress` after that commit, and the service layer completes it (`payment_outcome`).
    """

    command: type[C]
    checks: Callable[[Ctx, C], Proposal]
    applies: Callable[[Ctx, C, PendingAction], JsonObject]
    external: bool = False

    @property
    def name(self) -> str:
        return self.command.operation

    def clean(self, raw: Mapping[str, object]) -> C:
        return self.command.clean(raw)

    def check(self, ctx: Ctx, command: Command) -> Proposal:
        return self.checks(ctx, self._own(command))

    def apply(self, ctx: Ctx, command: Command, action: PendingAction) -> JsonObject:
        return self.applies(ctx, self._own(command), action)

    def _own(self, command: Command) -> C:
        if not isinstance(command, self.command):  # a programming error, never user input
            raise TypeError(f"{self.name} takes {self.command.__name__}, not {type(command).__name__}")
        return command


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:20]}"


def confirmation_number() -> str:
    """Human-friendly, unambiguous (no 0/O/1/I)."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "PC-" + "".join(secrets.choice(alphabet) for _ in range(8))


def queue_mail(ctx: Ctx, to: str, subject: str, body: str, kind: str, ref: str) -> None:
    """Queue an e-mail in the outbox, in the same transaction as the change it reports."""
    ctx.repo.add(OutboxMail(new_id("mail"), to, subject, body, kind, ref, ctx.clock.now()))
