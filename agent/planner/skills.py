"""Every capability of the offline planner, declared once.

A skill names its intent, the tool it calls, the slots it needs (in the order they are asked for,
each with its question), which listed items are candidates when the user did not say which, the
team to offer when the domain refuses, whether a question about it offers to do it, and how its
result is phrased. Adding a capability means one `Skill` here plus its utterances in the corpus.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agent import phrasing as R
from billing.errors import NOTHING_TO_PAY

Result = dict[str, Any]
Slots = dict[str, Any]


@dataclass(frozen=True)
class Need:
    """A slot the skill cannot do without, and the question that asks for it ({slot} placeholders)."""

    slot: str
    question: str


@dataclass(frozen=True)
class Skill:
    name: str
    tool: str
    kind: str  # read | write | form (the secure card form) | handoff
    description: str
    needs: tuple[Need, ...] = ()
    args: Callable[[Slots], dict[str, Any]] = lambda s: {}
    reply: Callable[[Result, Slots], str] = lambda r, s: ""
    candidate: Callable[[dict[str, Any]], bool] | None = None  # which listed items qualify when none was named
    refusal_queue: str | None = None  # the team to offer when the domain refuses it
    final_reasons: frozenset[str] = frozenset()  # refusals no person can change (nothing to offer)
    offers: bool = False  # a question about it offers to do it when the user can
    shows: bool = False  # a question about it also shows the user's own items ("which contracts can I see?")
    articles: tuple[str, ...] = ()  # its help articles (knowledge/docs): a question about it prefers them
    extra: tuple[str, ...] = field(default_factory=tuple)  # optional slots taken from the message
    # How the same change is asked for one more item ("pay {}"): a message about several waits for "next".
    again: str = ""

    @property
    def writes(self) -> bool:
        return self.kind == "write"


def _id(name: str) -> Callable[[Slots], dict[str, Any]]:
    return lambda s: {name: s[name]}


def _pdf(r: Result, s: Slots) -> str:
    minutes = r.get("expires_in_minutes")
    expiry = f" (the link works for {minutes} minutes)" if minutes else ""
    return (
        f"Here is the PDF of {r['invoice_id']}: {r['url']}{expiry}. Note that the PDF is not a live document: "
        "it does not show payments made after it was issued; the Invoices page shows the current balance."
    )


def _quote(r: Result, s: Slots) -> str:
    q = r.get("quote") or {}
    return (
        f'Here is the signed quote {q.get("id")} for {q.get("contract_id")} ("{q.get("title")}", signed on '
        f"{q.get('signed_on')} by {q.get('signed_by')}, total {R.money(q.get('currency', ''), q.get('total'))}): "
        f"{r.get('url')}. The link is short-lived."
    )


def _card_form(r: Result, s: Slots) -> str:
    card = r.get("current_card")
    now = f" (currently {card['brand']} ending {card['last4']})" if card else ""
    text = f"Use this secure card form to replace the card on file for {r.get('contract_id')}{now}: {r.get('url')}."
    if not s.get("card_typed"):
        return f"{text} {R.CARD_SAFETY}"
    text = f"{R.CARD_TYPED} {text}"
    if s.get("invoice_id"):
        text += (
            f" Pay Now always charges the card on file of the invoice's contract: to pay {s['invoice_id']} "
            "with another card, replace the card with the form first, then ask me to pay it."
        )
    return text


def _proposed(r: Result, s: Slots) -> str:
    return R.proposal(r.get("summary", ""))


def _address_args(s: Slots) -> dict[str, Any]:
    """A whole new address (a street and a city) replaces the old one: parts it leaves out are cleared,
    so no second line or region of the old address is merged into the new one. A new street alone keeps
    the city but not the old suite or floor, which belonged to the old building."""
    address = dict(s["address"])
    if "line1" in address:
        address.setdefault("line2", "")
    if "line1" in address and "city" in address:
        address.setdefault("region", "")
    return {"contract_id": s["contract_id"], **address}


def _contact_args(s: Slots) -> dict[str, Any]:
    return {"contract_id": s["contract_id"], **s["contact"]}


def _users_args(s: Slots) -> dict[str, Any]:
    return {"email": s["user"], "contract_ids": s["contract_ids"]}


def _renewable(c: dict[str, Any]) -> bool:
    return bool(c.get("auto_renew")) and c.get("auto_renew_off_reason") is None


ASK_CONTRACT = "Which contract{for_what}?"
SKILLS: tuple[Skill, ...] = (
    Skill(
        "list_contracts",
        "list_contracts",
        "read",
        "List the contracts the user can see.",
        shows=True,
        articles=("portal-access.md",),
    ),
    Skill(
        "get_contract",
        "get_contract",
        "read",
        "Show one contract.",
        (Need("contract_id", "Which contract would you like to see?"),),
        _id("contract_id"),
        lambda r, s: R.contract_detail(r),
        articles=("updating-billing-information.md",),
    ),
    Skill(
        "list_invoices",
        "list_invoices",
        "read",
        "List invoices, optionally of one contract or status.",
        extra=("contract_id", "status"),
        articles=("invoices.md",),
    ),
    Skill(
        "get_invoice",
        "get_invoice",
        "read",
        "Show one invoice.",
        (Need("invoice_id", "Which invoice would you like to see?"),),
        _id("invoice_id"),
        lambda r, s: R.invoice_detail(r),
        articles=("invoices.md",),
    ),
    Skill(
        "invoice_pdf",
        "invoice_pdf_link",
        "read",
        "A download link to an invoice PDF.",
        (Need("invoice_id", "Which invoice's PDF do you need?"),),
        _id("invoice_id"),
        _pdf,
        articles=("invoices.md",),
    ),
    Skill(
        "signed_quote",
        "signed_quote_link",
        "read",
        "A download link to a contract's signed quote.",
        (Need("contract_id", "Which contract's signed quote do you need?"),),
        _id("contract_id"),
        _quote,
        refusal_queue="customer_service",
        articles=("signed-quotes.md",),
    ),
    Skill(
        "pay_invoice",
        "pay_invoice",
        "write",
        "Pay an invoice's balance with the contract's card on file.",
        (Need("invoice_id", "Which invoice would you like to pay?"),),
        _id("invoice_id"),
        _proposed,
        again="pay {}",
        candidate=lambda i: bool(i.get("payable")),
        refusal_queue="collector",
        offers=True,
        final_reasons=NOTHING_TO_PAY,
        articles=("paying-invoices.md", "pay-now-eligibility.md", "after-payment.md", "suspended-accounts.md"),
    ),
    Skill(
        "update_po",
        "update_po_number",
        "write",
        "Set the PO number of an invoice.",
        (
            Need("invoice_id", "Which invoice should get the PO number?"),
            Need(
                "po_number",
                "What PO number should {invoice_id} have? (1 to 40 letters, digits, spaces, '-', '_' or '/'.)",
            ),
        ),
        lambda s: {"invoice_id": s["invoice_id"], "po_number": s["po_number"]},
        _proposed,
        candidate=lambda i: i.get("status") not in ("paid", "void"),
        articles=("purchase-order-numbers.md",),
    ),
    Skill(
        "update_address",
        "update_billing_address",
        "write",
        "Change a contract's billing address.",
        (
            Need("contract_id", "Which contract's billing address should change?"),
            Need(
                "address",
                "What should the new billing address of {contract_id} be? Please give the street, city, "
                "region or state, and postal code.",
            ),
        ),
        _address_args,
        _proposed,
        refusal_queue="customer_service",
        articles=("billing-address.md",),
    ),
    Skill(
        "update_contact",
        "update_billing_contact",
        "write",
        "Change a contract's billing contact.",
        (
            Need("contract_id", "Which contract's billing contact should change?"),
            Need(
                "contact",
                "What should change in the billing contact of {contract_id}: the name, the e-mail or the phone number?",
            ),
        ),
        _contact_args,
        _proposed,
        articles=("billing-contact.md",),
    ),
    Skill(
        "update_card",
        "card_update_form",
        "form",
        "The secure form to replace the card on file.",
        (Need("contract_id", "Which contract's card should be replaced?"),),
        _id("contract_id"),
        _card_form,
        candidate=lambda c: bool(c.get("card_allowed")),
        offers=True,
        articles=("credit-card.md",),
    ),
    Skill(
        "disable_auto_renew",
        "disable_auto_renew",
        "write",
        "Turn off a contract's auto-renewal.",
        (Need("contract_id", "Which contract should stop renewing automatically?"),),
        _id("contract_id"),
        _proposed,
        again="turn off auto-renew on {}",
        candidate=_renewable,
        refusal_queue="ae",
        offers=True,
        final_reasons=frozenset({"already_off"}),
        articles=("auto-renewal.md",),
    ),
    Skill(
        "list_users",
        "list_contract_users",
        "read",
        "Who has access to a contract.",
        (Need("contract_id", "Which contract's users would you like to see?"),),
        _id("contract_id"),
        lambda r, s: R.users_list(str(r.get("contract_id", s.get("contract_id", ""))), r.get("users") or []),
        articles=("adding-users.md", "removing-users.md"),
    ),
    Skill(
        "add_user",
        "add_portal_user",
        "write",
        "Invite a new portal user to contracts.",
        (
            Need("email", "What is the new user's e-mail address (the one they sign in with), and their name?"),
            Need("name", "What is the full name of {email}?"),
            Need("contract_ids", "Which contracts should the new user get access to?"),
        ),
        lambda s: {"name": s["name"], "email": s["email"], "contract_ids": s["contract_ids"]},
        _proposed,
        articles=("adding-users.md",),
    ),
    Skill(
        "grant_access",
        "grant_contract_access",
        "write",
        "Give an existing user access to contracts.",
        (
            Need("user", "Which user? Please give their e-mail address."),
            Need("contract_ids", "Which contracts should they get access to?"),
        ),
        _users_args,
        _proposed,
        articles=("adding-users.md",),
    ),
    Skill(
        "remove_access",
        "remove_contract_access",
        "write",
        "Remove a user from one or several contracts.",
        (
            Need("user", "Which user? Please give their e-mail address."),
            Need("contract_ids", "Which contracts should they be removed from?"),
        ),
        _users_args,
        _proposed,
        refusal_queue="customer_service",
        articles=("removing-users.md",),
    ),
    Skill(
        "handoff",
        "create_support_case",
        "handoff",
        "Open a support case with a person.",
        offers=True,
        articles=("getting-help.md",),
    ),
)


def slots_of(skill: str, args: dict[str, Any]) -> Slots:
    """A tool call's arguments as the skill's slots (what a decision on a proposal is recorded with)."""
    args = dict(args)
    if skill == "update_address":
        return {"contract_id": args.pop("contract_id", None), "address": args}
    if skill == "update_contact":
        return {"contract_id": args.pop("contract_id", None), "contact": args}
    if skill in ("grant_access", "remove_access"):
        return {"user": args.get("email"), "contract_ids": args.get("contract_ids") or []}
    return args


SKILL_NAMES: tuple[str, ...] = tuple(s.name for s in SKILLS)
BY_NAME: dict[str, Skill] = {s.name: s for s in SKILLS}
BY_TOOL: dict[str, Skill] = {s.tool: s for s in SKILLS}
SKILL_OF_OPERATION: dict[str, str] = {s.tool: s.name for s in SKILLS if s.writes}
INVOICE_SKILLS = frozenset(s.name for s in SKILLS if any(n.slot == "invoice_id" for n in s.needs))
CONTRACT_SKILLS = frozenset(s.name for s in SKILLS if any(n.slot == "contract_id" for n in s.needs))
USER_SKILLS = frozenset(s.name for s in SKILLS if any(n.slot == "contract_ids" for n in s.needs))
