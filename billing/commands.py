"""Domain commands: the arguments of each write operation, one frozen dataclass per operation.

`clean` is the validation: it turns raw arguments (a model's tool call, a form) into a command or
raises the domain's `InvalidInput` naming the field; nothing has changed by then. `to_json` is the
shape a pending action stores, and `clean(to_json())` gives the same command back, so a stored
action is read through the same validation it was proposed with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import ClassVar, Protocol, Self

from billing.errors import InvalidInput
from billing.json_types import JsonObject
from billing.rules.billing_info import ADDRESS_FIELDS, CONTACT_FIELDS, clean_address_changes, clean_contact_changes
from billing.rules.fields import clean_email, clean_id, clean_text
from billing.rules.po import normalize_po
from billing.rules.users import clean_contract_ids

Raw = Mapping[str, object]


class Command(Protocol):
    """What every command offers: the operation it is for, its validation and its stored shape."""

    operation: ClassVar[str]

    @classmethod
    def clean(cls, raw: Raw) -> Self: ...

    def to_json(self) -> JsonObject: ...


def _text(raw: Raw, name: str) -> str:
    return str(raw.get(name) or "")


def _int(raw: Raw, name: str) -> int:
    value = raw.get(name) or 0
    return int(value) if isinstance(value, (int, float, str)) else 0


def _ids(raw: Raw) -> list[str]:
    value = raw.get("contract_ids") or []
    return clean_contract_ids([str(v) for v in value if v] if isinstance(value, (list, tuple)) else str(value))


def _only(raw: Raw, known: tuple[str, ...]) -> dict[str, str]:
    """The given fields as text; a field outside `known` (and the contract id) is an error."""
    extra = set(raw) - set(known) - {"contract_id"}
    if extra:
        raise InvalidInput("fields", ", ".join(sorted(extra)), f"known fields are {', '.join(known)}")
    return {k: str(v) for k, v in raw.items() if k in known and v is not None}


# --- invoices ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PayInvoice:
    """Pay an invoice's full balance with the contract's card on file."""

    operation: ClassVar[str] = "pay_invoice"
    invoice_id: str

    @classmethod
    def clean(cls, raw: Raw) -> Self:
        return cls(clean_id(raw.get("invoice_id"), "invoice_id"))

    def to_json(self) -> JsonObject:
        return {"invoice_id": self.invoice_id}


@dataclass(frozen=True)
class UpdatePoNumber:
    """Set the PO number of an invoice."""

    operation: ClassVar[str] = "update_po_number"
    invoice_id: str
    po_number: str

    @classmethod
    def clean(cls, raw: Raw) -> Self:
        return cls(clean_id(raw.get("invoice_id"), "invoice_id"), normalize_po(_text(raw, "po_number")))

    def to_json(self) -> JsonObject:
        return {"invoice_id": self.invoice_id, "po_number": self.po_number}


# --- contracts ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UpdateBillingAddress:
    """Change parts of a contract's billing address; a field left `None` stays as it is."""

    operation: ClassVar[str] = "update_billing_address"
    contract_id: str
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None

    @classmethod
    def clean(cls, raw: Raw) -> Self:
        given = _only(raw, ADDRESS_FIELDS)
        contract_id = clean_id(raw.get("contract_id"), "contract_id")
        return cls(contract_id, **clean_address_changes(given))

    def changes(self) -> dict[str, str]:
        return _changes(self)

    def to_json(self) -> JsonObject:
        return {"contract_id": self.contract_id, **self.changes()}


@dataclass(frozen=True)
class UpdateBillingContact:
    """Change a contract's billing contact name, e-mail or phone; `None` leaves a field as it is."""

    operation: ClassVar[str] = "update_billing_contact"
    contract_id: str
    name: str | None = None
    email: str | None = None
    phone: str | None = None

    @classmethod
    def clean(cls, raw: Raw) -> Self:
        given = _only(raw, CONTACT_FIELDS)
        contract_id = clean_id(raw.get("contract_id"), "contract_id")
        return cls(contract_id, **clean_contact_changes(given))

    def changes(self) -> dict[str, str]:
        return _changes(self)

    def to_json(self) -> JsonObject:
        return {"contract_id": self.contract_id, **self.changes()}


def _changes(command: UpdateBillingAddress | UpdateBillingContact) -> dict[str, str]:
    values = {f.name: getattr(command, f.name) for f in fields(command) if f.name != "contract_id"}
    return {name: value for name, value in values.items() if value is not None}


@dataclass(frozen=True)
class DisableAutoRenew:
    """Turn off a contract's auto-renewal."""

    operation: ClassVar[str] = "disable_auto_renew"
    contract_id: str

    @classmethod
    def clean(cls, raw: Raw) -> Self:
        return cls(clean_id(raw.get("contract_id"), "contract_id"))

    def to_json(self) -> JsonObject:
        return {"contract_id": self.contract_id}


@dataclass(frozen=True)
class UpdateCard:
    """Store a card on file: a gateway token from the secure card form, never a card number."""

    operation: ClassVar[str] = "update_card"
    contract_id: str
    token: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int

    @classmethod
    def clean(cls, raw: Raw) -> Self:
        token, last4 = _text(raw, "token"), _text(raw, "last4")
        if not token.startswith("tok_") or not (len(last4) == 4 and last4.isdigit()):
            raise InvalidInput("card", last4, "a card token from the secure card form is required")
        month, year = _int(raw, "exp_month"), _int(raw, "exp_year")
        if not (1 <= month <= 12 and 2000 <= year <= 2100):
            raise InvalidInput("expiry", f"{month}/{year}", "it is not a valid expiry date")
        contract_id = clean_id(raw.get("contract_id"), "contract_id")
        return cls(contract_id, token, _text(raw, "brand") or "Card", last4, month, year)

    def to_json(self) -> JsonObject:
        return {
            "contract_id": self.contract_id,
            "token": self.token,
            "brand": self.brand,
            "last4": self.last4,
            "exp_month": self.exp_month,
            "exp_year": self.exp_year,
        }


# --- users -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AddPortalUser:
    """Invite a new portal user with access to some of the inviter's contracts."""

    operation: ClassVar[str] = "add_portal_user"
    name: str
    email: str
    contract_ids: tuple[str, ...]

    @classmethod
    def clean(cls, raw: Raw) -> Self:
        name = clean_text(_text(raw, "name"), "name", max_len=100)
        return cls(name, clean_email(_text(raw, "email")), tuple(_ids(raw)))

    def to_json(self) -> JsonObject:
        return {"name": self.name, "email": self.email, "contract_ids": list(self.contract_ids)}


@dataclass(frozen=True)
class ContractAccess:
    """One existing user and some contracts: what granting and removing access both name."""

    email: str
    contract_ids: tuple[str, ...]

    @classmethod
    def clean(cls, raw: Raw) -> Self:
        return cls(clean_email(_text(raw, "email")), tuple(_ids(raw)))

    def to_json(self) -> JsonObject:
        return {"email": self.email, "contract_ids": list(self.contract_ids)}


@dataclass(frozen=True)
class GrantContractAccess(ContractAccess):
    """Give an existing portal user of the account access to more contracts."""

    operation: ClassVar[str] = "grant_contract_access"


@dataclass(frozen=True)
class RemoveContractAccess(ContractAccess):
    """Remove a user's access to one or several contracts (all or nothing)."""

    operation: ClassVar[str] = "remove_contract_access"
