"""Grounded arguments: a proposal carries only values the user typed or the tools returned.

A model may invent a PO number nobody typed, or an e-mail address for "bob". Before a write tool
proposes, every value the user must supply (PO number, e-mail, name, phone, address parts) has to
appear in the user's own messages of this conversation, and every id (invoice, contract, the
e-mail of an existing user) in those messages or in a tool result shown in this conversation.
Otherwise nothing is proposed and the model is told to ask the user.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from billing.errors import DomainError
from billing.rules.countries import COUNTRIES

# Per operation: the arguments only the user can give, and those that may also come from tool results.
USER_VALUES: dict[str, tuple[str, ...]] = {
    "update_po_number": ("po_number",),
    "update_billing_address": ("line1", "line2", "city", "region", "postal_code", "country"),
    "update_billing_contact": ("name", "email", "phone"),
    "add_portal_user": ("name", "email"),
}
IDS: dict[str, tuple[str, ...]] = {
    "pay_invoice": ("invoice_id",),
    "update_po_number": ("invoice_id",),
    "update_billing_address": ("contract_id",),
    "update_billing_contact": ("contract_id",),
    "disable_auto_renew": ("contract_id",),
    "add_portal_user": ("contract_ids",),
    "grant_contract_access": ("email", "contract_ids"),
    "remove_contract_access": ("email", "contract_ids"),
}


@dataclass(frozen=True)
class Ungrounded:
    field: str
    value: str


@dataclass
class NotGivenByUser(DomainError):
    """A proposal carried a value the user never gave in this conversation; nothing was proposed."""

    kind: ClassVar[str] = "invalid"
    field: str
    reason: str = "ungrounded"

    @property
    def message(self) -> str:
        return (
            f"The {self.field.replace('_', ' ')} in this request was not given by the user in this "
            "conversation, so nothing was proposed. Ask the user for it."
        )


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[\s,]+", " ", text.lower()).split())


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _in(value: str, texts: list[str]) -> bool:
    needle = _norm(value)
    return not needle or any(needle in _norm(t) for t in texts)


def _said(field: str, value: str, said: list[str]) -> bool:
    if field == "phone":
        return any(_digits(value) and _digits(value) in _digits(t) for t in said)
    if field == "country":
        code = value.strip().upper()
        names = [n for n, c in COUNTRIES.items() if c == code]
        return any(re.search(rf"\b{re.escape(code)}\b", t) for t in said) or any(_in(n, said) for n in names)
    if field == "invoice_id":  # "invoice 1001", "inv-1001" or "inv1001" for INV-1001
        number = value.split("-", 1)[-1]
        return _in(value, said) or any(re.search(rf"(?<!\d){re.escape(number)}(?!\d)", t) for t in said)
    if field in ("contract_id", "contract_ids"):
        number = value.split("-", 1)[-1]
        return _in(value, said) or any(re.search(rf"\bc[\s-]?{re.escape(number)}\b", t, re.I) for t in said)
    return _in(value, said)


def check(operation: str, args: Mapping[str, object], said: list[str], seen: list[str]) -> Ungrounded | None:
    """The first argument that neither the user nor a tool result gave, or None when all are grounded."""
    for field in USER_VALUES.get(operation, ()):
        value = args.get(field)
        if value and not _said(field, str(value), said):
            return Ungrounded(field, str(value))
    for field in IDS.get(operation, ()):
        values = args.get(field)
        for value in values if isinstance(values, list) else [values]:
            if value and not (_said(field, str(value), said) or _in(str(value), seen)):
                return Ungrounded(field, str(value))
    return None
