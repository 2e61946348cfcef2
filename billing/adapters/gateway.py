"""A simulated payment gateway with deterministic test cards.

Tokenization keeps only the brand and the last four digits; the number itself is dropped here.
Test cards: 4000 0000 0000 0002 always declines, 4000 0000 0000 0119 fails with a gateway error.
"""
from __future__ import annotations

import hashlib
import threading
from decimal import Decimal

from billing.errors import InvalidInput, PaymentFailed
from billing.ports import CardToken, Charge
from billing.rules.cards import luhn_valid

DECLINE_TOKEN_MARK = "decline"
ERROR_TOKEN_MARK = "error"
_SPECIAL = {"4000000000000002": DECLINE_TOKEN_MARK, "4000000000000119": ERROR_TOKEN_MARK}


class GatewayUnavailable(Exception):
    """The gateway could not be reached or answered with an error."""


def card_brand(digits: str) -> str:
    if digits.startswith("4"):
        return "Visa"
    if digits[:2] in {"51", "52", "53", "54", "55"} or 2221 <= int(digits[:4]) <= 2720:
        return "Mastercard"
    if digits[:2] in {"34", "37"}:
        return "Amex"
    return "Card"


class SimulatedGateway:
    """Deterministic stand-in for the card processor; charges are idempotent per key."""

    def __init__(self) -> None:
        self._charges: dict[str, Charge] = {}
        self._lock = threading.Lock()
        self.charge_calls = 0

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
        with self._lock:
            self.charge_calls += 1
            if idempotency_key in self._charges:
                return self._charges[idempotency_key]
            if DECLINE_TOKEN_MARK in token:
                raise PaymentFailed("", "the card was declined")
            if ERROR_TOKEN_MARK in token:
                raise GatewayUnavailable("simulated gateway error")
            charge = Charge("ch_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:20], "accepted")
            self._charges[idempotency_key] = charge
            return charge
