"""The shape of a guarded write operation and the context it runs in."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from billing.entities import OutboxMail, PendingAction, PortalUser
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
    bound: dict[str, Any]


@dataclass(frozen=True)
class Operation:
    """A write in two phases.

    `clean` validates and canonicalizes raw arguments; `check` authorizes and applies every rule
    to the current state and describes the change; `apply` runs inside the executing transaction,
    re-checks (state may have moved since the proposal) and performs the change.

    `external` operations change an outside system that must never be called inside a database
    transaction (the card gateway): their `apply` only records the intent, the action stays
    `in_progress` after that commit, and the service layer completes it (`payment_outcome`).
    """

    name: str
    clean: Callable[[dict[str, Any]], dict[str, Any]]
    check: Callable[[Ctx, dict[str, Any]], Proposal]
    apply: Callable[[Ctx, dict[str, Any], PendingAction], dict[str, Any]]
    external: bool = False


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:20]}"


def confirmation_number() -> str:
    """Human-friendly, unambiguous (no 0/O/1/I)."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "PC-" + "".join(secrets.choice(alphabet) for _ in range(8))


def queue_mail(ctx: Ctx, to: str, subject: str, body: str, kind: str, ref: str) -> None:
    """Queue an e-mail in the outbox, in the same transaction as the change it reports."""
    ctx.repo.add(OutboxMail(new_id("mail"), to, subject, body, kind, ref, ctx.clock.now()))


def require_id(args: dict[str, Any], name: str) -> str:
    from billing.errors import InvalidInput
    from billing.rules.fields import refuse_card_number

    refuse_card_number(str(args.get(name) or ""), name)
    value = str(args.get(name) or "").strip().upper()
    if not value or len(value) > 40:
        raise InvalidInput(name, value, "it is required, e.g. " + ("INV-1001" if "invoice" in name else "C-1001"))
    return value
