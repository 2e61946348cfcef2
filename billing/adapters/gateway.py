"""A simulated payment gateway with a ledger of its own and deterministic test cards.

It behaves like a real card processor where it matters for not losing money: every charge is
recorded under its idempotency key in the gateway's ledger (in memory here, or a database of its
own: `gateway_sql.SqlLedger`), the same key returns the first result and never charges twice, the
same key with another amount or card is refused, and the ledger answers `lookup` and `void` for
reconciliation and reports which charges have settled.

Tokenization keeps only the brand and the last four digits; the number itself is dropped here.
Test cards: 4000 0000 0000 0002 is declined; 4000 0000 0000 0119 fails with a processing error
before anything is charged; 4000 0000 0000 3220 is charged and then the answer is lost (the caller
sees a time-out, the ledger has the charge).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Protocol

from billing.clock import SystemClock
from billing.errors import InvalidInput
from billing.money import to_amount
from billing.ports import CardToken, Charge, ChargeOutcomeUnknown, ChargeRecord, ChargeRefused, Clock
from billing.rules.cards import luhn_valid
from billing.rules.payment import SETTLEMENT_HOURS

DECLINE_TOKEN_MARK = "decline"
ERROR_TOKEN_MARK = "error"
TIMEOUT_TOKEN_MARK = "timeout"
_SPECIAL = {
    "4000000000000002": DECLINE_TOKEN_MARK,
    "4000000000000119": ERROR_TOKEN_MARK,
    "4000000000003220": TIMEOUT_TOKEN_MARK,
}
VOIDED_REASON = "it did not reach the payment service in time"


def card_brand(digits: str) -> str:
    if digits.startswith("4"):
        return "Visa"
    if digits[:2] in {"51", "52", "53", "54", "55"} or 2221 <= int(digits[:4]) <= 2720:
        return "Mastercard"
    if digits[:2] in {"34", "37"}:
        return "Amex"
    return "Card"


@dataclass(frozen=True)
class LedgerEntry:
    """One idempotency key in the gateway's ledger: the result and what was asked (as a fingerprint)."""

    record: ChargeRecord
    fingerprint: str


class Ledger(Protocol):
    """The gateway's own storage; `claim` is the atomic first-writer-wins insert."""

    def get(self, key: str) -> LedgerEntry | None: ...
    def claim(self, entry: LedgerEntry) -> tuple[LedgerEntry, bool]:
        """Store `entry` unless its key is taken; return the stored entry and whether it was this one."""
        ...

    def mark_settled(self, charge_ids: list[str] | None, at: dt.datetime) -> int:
        """Settle the given (or, None, every) unsettled successful charges at `at`; how many."""
        ...

    def entries(self) -> list[LedgerEntry]: ...


class MemoryLedger:
    """The ledger in a dict (unit tests, one process)."""

    def __init__(self) -> None:
        self._entries: dict[str, LedgerEntry] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> LedgerEntry | None:
        return self._entries.get(key)

    def claim(self, entry: LedgerEntry) -> tuple[LedgerEntry, bool]:
        with self._lock:
            key = entry.record.idempotency_key
            if key in self._entries:
                return self._entries[key], False
            self._entries[key] = entry
            return entry, True

    def mark_settled(self, charge_ids: list[str] | None, at: dt.datetime) -> int:
        with self._lock:
            due = [
                e
                for e in self._entries.values()
                if e.record.succeeded
                and e.record.settled_at is None
                and (charge_ids is None or e.record.charge_id in charge_ids)
            ]
            for e in due:
                self._entries[e.record.idempotency_key] = replace(e, record=replace(e.record, settled_at=at))
            return len(due)

    def entries(self) -> list[LedgerEntry]:
        return list(self._entries.values())


def _fingerprint(token: str, amount: Decimal, currency: str) -> str:
    return hashlib.sha256(f"{token}|{to_amount(amount)}|{currency}".encode()).hexdigest()[:32]


def _mark(token: str) -> str:
    return next((m for m in (DECLINE_TOKEN_MARK, ERROR_TOKEN_MARK, TIMEOUT_TOKEN_MARK) if f"tok_{m}_" in token), "ok")


class SimulatedGateway:
    """Deterministic stand-in for the card processor, over a ledger (in memory unless given one).

    `unreachable = True` makes every call fail as a lost connection before reaching the gateway
    (tests of the unknown-outcome path)."""

    def __init__(
        self,
        ledger: Ledger | None = None,
        clock: Clock | None = None,
        settlement_delay: dt.timedelta = dt.timedelta(hours=SETTLEMENT_HOURS),
    ) -> None:
        self.ledger: Ledger = ledger if ledger is not None else MemoryLedger()
        self.clock: Clock = clock or SystemClock()
        self.settlement_delay = settlement_delay
        self.unreachable = False
        self.charge_calls = 0  # requests that reached the gateway (tests count them)
        self._count_lock = threading.Lock()

    def tokenize(self, number: str, exp_month: int, exp_year: int, cvc: str) -> CardToken:
        digits = "".join(ch for ch in number if ch.isdigit())
        if not 13 <= len(digits) <= 19 or not luhn_valid(digits):
            raise InvalidInput("card_number", "•••• " + digits[-4:], "it is not a valid card number")
        if not 1 <= exp_month <= 12 or not 2000 <= exp_year <= 2100:
            raise InvalidInput("expiry", f"{exp_month}/{exp_year}", "it is not a valid expiry date")
        if not (cvc.isdigit() and len(cvc) in (3, 4)):
            raise InvalidInput("cvc", "•••", "it must be 3 or 4 digits")
        mark = _SPECIAL.get(digits, "ok")
        fingerprint = hashlib.sha256(f"{digits}:{exp_month}:{exp_year}".encode()).hexdigest()[:16]
        return CardToken(f"tok_{mark}_{fingerprint}", card_brand(digits), digits[-4:], exp_month, exp_year)

    def charge(self, token: str, amount: Decimal, currency: str, idempotency_key: str) -> Charge:
        self._reachable()
        with self._count_lock:
            self.charge_calls += 1
        fingerprint = _fingerprint(token, amount, currency)
        entry, created = self.ledger.claim(
            LedgerEntry(self._decide(token, amount, currency, idempotency_key), fingerprint)
        )
        record = entry.record
        if record.outcome == "voided":
            raise ChargeRefused(VOIDED_REASON)
        if entry.fingerprint != fingerprint:
            raise ChargeRefused("the payment reference was already used for a different amount or card")
        if not record.succeeded:
            raise ChargeRefused(record.reason)
        if created and _mark(token) == TIMEOUT_TOKEN_MARK:
            raise ChargeOutcomeUnknown("the payment service did not answer in time")
        return Charge(record.charge_id, "accepted")

    def _decide(self, token: str, amount: Decimal, currency: str, key: str) -> ChargeRecord:
        mark, now = _mark(token), self.clock.now()
        if mark == DECLINE_TOKEN_MARK:
            return ChargeRecord(
                key, "refused", to_amount(amount), currency, reason="the card was declined", created_at=now
            )
        if mark == ERROR_TOKEN_MARK:
            return ChargeRecord(
                key, "refused", to_amount(amount), currency, reason="payment service error", created_at=now
            )
        charge_id = "ch_" + hashlib.sha256(key.encode()).hexdigest()[:20]
        return ChargeRecord(key, "succeeded", to_amount(amount), currency, charge_id, created_at=now)

    def lookup(self, idempotency_key: str) -> ChargeRecord | None:
        self._reachable()
        entry = self.ledger.get(idempotency_key)
        return entry.record if entry else None

    def void(self, idempotency_key: str) -> ChargeRecord:
        self._reachable()
        voided = ChargeRecord(
            idempotency_key, "voided", Decimal("0.00"), "", reason=VOIDED_REASON, created_at=self.clock.now()
        )
        entry, _ = self.ledger.claim(LedgerEntry(voided, ""))
        return entry.record

    def settlement_report(self, charge_ids: list[str]) -> list[ChargeRecord]:
        """Charges settle `settlement_delay` after they were made (or when a batch is closed)."""
        self._reachable()
        wanted = set(charge_ids)
        now = self.clock.now()
        for e in self.ledger.entries():
            r = e.record
            if (
                r.charge_id in wanted
                and r.succeeded
                and r.settled_at is None
                and r.created_at is not None
                and r.created_at + self.settlement_delay <= now
            ):
                self.ledger.mark_settled([r.charge_id], r.created_at + self.settlement_delay)
        return [e.record for e in self.ledger.entries() if e.record.charge_id in wanted and e.record.settled_at]

    def close_batch(self) -> int:
        self._reachable()
        return self.ledger.mark_settled(None, self.clock.now())

    def records(self) -> list[ChargeRecord]:
        """The whole ledger (operators and tests compare it with the recorded payments)."""
        return [e.record for e in self.ledger.entries()]

    def _reachable(self) -> None:
        if self.unreachable:
            raise ChargeOutcomeUnknown("the payment service could not be reached")
