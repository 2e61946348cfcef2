"""Typed domain errors. Each names its reason in fields; `message` is a neutral statement of what is
wrong and the rule (never in the assistant's voice).

The edges map them: the HTTP layer to status codes (`kind`), the tools to short explanations with the
`code` and, where a person can help, the `queue` (customer_service, collector or ae) to hand off to;
the assistant phrases its offers from those fields (agent/phrasing.py).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import ClassVar, Literal

from billing.json_types import JsonObject

Queue = Literal["customer_service", "collector", "ae"]


@dataclass
class DomainError(Exception):
    """Base of every rule violation. `kind` groups errors for the edges (HTTP status, tool text)."""

    kind: ClassVar[str] = "invalid"

    def __post_init__(self) -> None:
        super().__init__(self.message)

    @property
    def message(self) -> str:  # pragma: no cover - overridden
        return "The request is not allowed."

    @property
    def code(self) -> str:
        """Why, as a code: the `reason` field where the error has one, else the error's name."""
        return str(getattr(self, "reason", "") or type(self).__name__)

    @property
    def queue(self) -> Queue | None:
        """The team that can do what the rule does not allow in the portal, if any."""
        return None

    def to_dict(self) -> JsonObject:
        """JSON-ready (stored with failed actions and audit rows): nested dataclasses become dicts."""
        data = asdict(self)
        handoff = {"queue": self.queue} if self.queue else {}
        return {"error": type(self).__name__, "kind": self.kind, "message": self.message, **handoff, **data}


@dataclass
class NotFound(DomainError):
    """Unknown *or not yours*: the same answer either way so ids cannot be probed."""

    kind: ClassVar[str] = "not_found"
    entity: str
    entity_id: str

    @property
    def message(self) -> str:
        return f"No {self.entity} {self.entity_id} was found among the ones you can access."


@dataclass
class UnknownUser(DomainError):
    """The authenticated identity is not a portal user at all."""

    kind: ClassVar[str] = "unauthenticated"
    email: str

    @property
    def message(self) -> str:
        return f"{self.email} is not a Billing Portal user."


@dataclass
class NoPortalAccess(DomainError):
    """Partners and resellers have no access to billing data at all."""

    kind: ClassVar[str] = "forbidden"
    email: str
    reason: str = "reseller"

    @property
    def message(self) -> str:
        return (
            "The Billing Portal is not available to partners and resellers, "
            "so no billing data can be shown or changed for this account."
        )


@dataclass
class InvalidInput(DomainError):
    """A field failed validation; nothing was changed."""

    field: str
    value: str
    reason: str

    @property
    def message(self) -> str:
        return f"Invalid {self.field.replace('_', ' ')}: {self.reason}."


@dataclass
class NoChange(DomainError):
    """The requested change would leave everything as it is."""

    kind: ClassVar[str] = "conflict"
    entity_id: str
    detail: str

    @property
    def message(self) -> str:
        return f"Nothing to change on {self.entity_id}: {self.detail}."


# Not-payable reasons after which the invoice must not be paid another way either.
NO_OTHER_WAY = frozenset({"already_paid", "payment_processing", "payment_in_progress"})
# Not-payable reasons no person can change: nothing is left to pay, or it is being paid.
NOTHING_TO_PAY = NO_OTHER_WAY | {"void", "no_balance"}


@dataclass
class InvoiceNotPayable(DomainError):
    """The invoice cannot be paid by card in the portal; `reason` is a code of `rules.payment`."""

    kind: ClassVar[str] = "conflict"
    invoice_id: str
    reason: str
    detail: str = ""

    @property
    def message(self) -> str:
        if self.reason in NO_OTHER_WAY:  # paying it another way would pay it twice
            return f"{self.invoice_id} cannot be paid now: {self.detail}"
        return (
            f"{self.invoice_id} cannot be paid by card in the portal: {self.detail} "
            "Please pay it following the payment instructions printed on the invoice."
        )

    @property
    def queue(self) -> Queue | None:
        return None if self.reason in NOTHING_TO_PAY else "collector"


@dataclass
class InvoiceNotEditable(DomainError):
    """PO numbers cannot change on paid or void invoices."""

    kind: ClassVar[str] = "conflict"
    invoice_id: str
    status: str

    @property
    def message(self) -> str:
        return f"The PO number of {self.invoice_id} cannot be changed because the invoice is {self.status}."


@dataclass
class CountryChangeNotAllowed(DomainError):
    """The billing country is fixed in the portal (tax implications)."""

    kind: ClassVar[str] = "conflict"
    contract_id: str
    current: str
    requested: str

    @property
    def message(self) -> str:
        return (
            f"The billing country of {self.contract_id} cannot be changed in the portal "
            f"(from {self.current} to {self.requested}) because it has tax implications. "
            "Customer Service can make that change."
        )

    @property
    def queue(self) -> Queue | None:
        return "customer_service"


@dataclass
class AutoRenewNotEligible(DomainError):
    """Outside the window (more than 30, at most 180 days before the end date) or not applicable."""

    kind: ClassVar[str] = "conflict"
    contract_id: str
    reason: str
    days_to_end: int
    ae_name: str = ""
    ae_email: str = ""

    @property
    def message(self) -> str:
        why = {
            "already_off": "auto-renewal is already off",
            "not_active": "the contract is not active",
            "too_close": f"the contract ends in {self.days_to_end} days, and auto-renewal can only be "
            "turned off in the portal while the end date is more than 30 days away",
            "too_far": f"the contract ends in {self.days_to_end} days, and auto-renewal can only be "
            "turned off in the portal within 180 days of the end date",
        }.get(self.reason, self.reason)
        ae = f" Your Account Executive, {self.ae_name} ({self.ae_email}), can help." if self.ae_name else ""
        return f"Auto-renewal of {self.contract_id} cannot be turned off in the portal: {why}.{ae}"

    @property
    def queue(self) -> Queue | None:
        return None if self.reason == "already_off" else "ae"


@dataclass
class ProtectedRoleBlocker:
    """One reason a removal is refused: the user holds a protected role on a contract."""

    email: str
    contract_id: str
    role: str


@dataclass
class ProtectedRoleRemoval(DomainError):
    """Primary Billing Contacts and Credit Card Holders cannot be removed; all-or-nothing."""

    kind: ClassVar[str] = "conflict"
    blockers: list[ProtectedRoleBlocker] = field(default_factory=list)

    @property
    def message(self) -> str:
        parts = [f"{b.email} is the {ROLE_LABELS.get(b.role, b.role)} of {b.contract_id}" for b in self.blockers]
        return (
            "Nothing was removed: " + "; ".join(parts) + ". These roles cannot be removed in the portal; "
            "Customer Service can change them."
        )

    @property
    def queue(self) -> Queue | None:
        return "customer_service"


@dataclass
class UserAlreadyExists(DomainError):
    """Inviting someone who already has a portal login: grant access instead."""

    kind: ClassVar[str] = "conflict"
    email: str

    @property
    def message(self) -> str:
        return f"{self.email} is already a portal user; grant them access to contracts instead of inviting them."


@dataclass
class ChangedMeanwhile(DomainError):
    """Another request created the same record between this one's checks and its write (a unique key
    collided, e.g. two grants of one contract to one user confirmed at the same moment)."""

    kind: ClassVar[str] = "conflict"
    entity: str

    @property
    def message(self) -> str:
        return (
            f"Another request made the same change ({self.entity.replace('_', ' ')}) at the same moment, "
            "so this one changed nothing; check the current state before trying again."
        )


@dataclass
class NotAContact(DomainError):
    """Removing access a user does not have."""

    kind: ClassVar[str] = "conflict"
    email: str
    contract_ids: list[str]

    @property
    def message(self) -> str:
        return f"{self.email} has no access to {', '.join(self.contract_ids)}, so there is nothing to remove."


@dataclass
class CardNotAllowed(DomainError):
    """The contract is paid by invoice/wire only; no card can be stored."""

    kind: ClassVar[str] = "conflict"
    contract_id: str

    @property
    def message(self) -> str:
        return f"{self.contract_id} is paid by invoice or wire transfer only, so no credit card can be stored on it."


@dataclass
class PaymentFailed(DomainError):
    """The gateway declined or refused the charge (or it never reached the gateway); nothing was charged."""

    kind: ClassVar[str] = "conflict"
    invoice_id: str
    reason: str

    @property
    def message(self) -> str:
        return f"The card payment for {self.invoice_id} did not go through ({self.reason}); nothing was charged."


@dataclass
class ActionNotFound(DomainError):
    """No pending action with that id belongs to this user and conversation."""

    kind: ClassVar[str] = "not_found"
    action_id: str

    @property
    def message(self) -> str:
        return f"No pending action {self.action_id} was found."


@dataclass
class ActionAlreadyDecided(DomainError):
    """Single use: the action was already executed, rejected, failed or expired."""

    kind: ClassVar[str] = "already_decided"
    action_id: str
    status: str
    result: JsonObject | None = None

    @property
    def message(self) -> str:
        if self.status == "in_progress":
            return (
                f"Action {self.action_id} was already confirmed and its payment is being confirmed with the "
                "payment service; nothing more was done."
            )
        return f"Action {self.action_id} was already {self.status}; nothing more was done."


ROLE_LABELS = {"primary_billing_contact": "Primary Billing Contact", "card_holder": "Credit Card Holder"}
