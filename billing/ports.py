"""Ports: what the domain needs from the outside world. Adapters live in `billing/adapters/`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol, TypeVar

from billing.entities import OutboxMail

T = TypeVar("T")


class Repository(Protocol):
    """Generic storage of entities keyed by their `KEY` attribute.

    `find` filters by equality; a list/tuple/set value means "one of".
    """

    def get(self, cls: type[T], key: str, *, for_update: bool = False) -> T | None: ...
    def find(self, cls: type[T], **filters: object) -> list[T]: ...
    def add(self, entity: object) -> None:
        """Insert; a key already taken (e.g. by a transaction that committed meanwhile) raises
        `billing.errors.ChangedMeanwhile`."""
        ...

    def add_all(self, entities: list[object]) -> None:
        """Bulk insert (seeding); entities of several classes in any order."""
        ...

    def update(self, entity: object) -> None: ...
    def delete(self, entity: object) -> None: ...
    def transition_action(self, action_id: str, from_status: str, to_status: str, decided_at: dt.datetime) -> bool:
        """Atomically move a pending action between statuses; False if it was not in `from_status`."""
        ...

    def transition_intent(
        self, intent_id: str, from_states: tuple[str, ...], to_state: str, updated_at: dt.datetime
    ) -> bool:
        """Atomically move a payment intent out of one of `from_states`; False if it was in none of them."""
        ...

    def claim_mails(self, now: dt.datetime, lease_until: dt.datetime, claim: str, limit: int) -> list[OutboxMail]:
        """Atomically claim up to `limit` queued mails due at `now`, oldest first: each gets `claimed_by=claim`,
        `next_attempt_at=lease_until` and one more attempt. Of two relays claiming at once, each mail goes
        to one of them."""
        ...

    def release_mail(self, mail: OutboxMail, claim: str) -> bool:
        """Store the mail's delivery fields if `claim` still holds it; False if another claim took it (the
        lease ran out)."""
        ...


class UnitOfWork(Protocol):
    """A transaction: `with uow:` ... `uow.commit()`; leaving without commit rolls back."""

    # Read-only here: each adapter holds its own repository type, which must only satisfy `Repository`.
    @property
    def repo(self) -> Repository: ...

    def __enter__(self) -> UnitOfWork: ...
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


class GatewayError(Exception):
    """Base of what a payment gateway raises; never shown to people as it is."""


class ChargeRefused(GatewayError):
    """The gateway answered and did not charge: a decline, a card error before charging, or an
    idempotency key reused with other charge details. Definitive: nothing was taken."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ChargeOutcomeUnknown(GatewayError):
    """No answer (time-out, lost connection): the card may or may not have been charged.
    Only the gateway's own record for the idempotency key can tell (`lookup`, `void`)."""


@dataclass(frozen=True)
class ChargeRecord:
    """What the gateway's ledger holds for one idempotency key."""

    idempotency_key: str
    outcome: str  # succeeded | refused | voided
    amount: Decimal
    currency: str
    charge_id: str = ""
    reason: str = ""
    created_at: dt.datetime | None = None
    settled_at: dt.datetime | None = None

    @property
    def succeeded(self) -> bool:
        return self.outcome == "succeeded"


class PaymentGateway(Protocol):
    """The card processor. Every charge carries an idempotency key: the same key returns the first
    result and never charges twice. Tokenizes card numbers (only the secure card form calls it)."""

    def charge(self, token: str, amount: Decimal, currency: str, idempotency_key: str) -> Charge:
        """Raises `ChargeRefused` (nothing taken) or `ChargeOutcomeUnknown` (maybe taken)."""
        ...

    def lookup(self, idempotency_key: str) -> ChargeRecord | None:
        """The gateway's record for the key; None if no request with it ever arrived."""
        ...

    def void(self, idempotency_key: str) -> ChargeRecord:
        """Close the key: a charge already made under it is returned as it is; otherwise the key is
        recorded as voided and a request arriving later with it is refused. Atomic at the gateway."""
        ...

    def settlement_report(self, charge_ids: list[str]) -> list[ChargeRecord]:
        """Those of the charges that have settled (funds moved), with their settlement time."""
        ...

    def close_batch(self) -> int:
        """Settle every open charge now (the end-of-day batch, on demand); returns how many."""
        ...

    def tokenize(self, number: str, exp_month: int, exp_year: int, cvc: str) -> CardToken: ...


class Clock(Protocol):
    def now(self) -> dt.datetime: ...
    def today(self) -> dt.date: ...


class MailError(Exception):
    """Base of what a mail transport raises: the mail was not accepted. `code` is the server's reply code
    when it gave one. The reason is stored with the mail; it never carries the mail's body."""

    def __init__(self, reason: str, code: int | None = None) -> None:
        super().__init__(reason)
        self.reason, self.code = reason, code


class MailRejected(MailError):
    """Permanent: the server will never accept this mail as it is (a 5xx reply). Not retried."""


class MailDeferred(MailError):
    """Temporary: try again later (a 4xx reply, a time-out, a dropped connection). `affects_all` when the
    server refuses every mail for now (unreachable, login or sender refused): the rest of the batch would
    fail the same way, so it backs off too without being tried."""

    def __init__(self, reason: str, code: int | None = None, *, affects_all: bool = False) -> None:
        super().__init__(reason, code)
        self.affects_all = affects_all


class MailTransport(Protocol):
    """Hands outbox mail to a mail server (or, in development, to files). `send` returns once the server
    accepted the mail; it raises `MailRejected` or `MailDeferred` otherwise. A transport may keep its
    connection open between sends; `close` ends it."""

    def send(self, mail: OutboxMail) -> None: ...
    def close(self) -> None: ...
