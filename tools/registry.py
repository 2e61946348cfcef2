"""All tools the agent can use, in one list; each is tagged read, propose or handoff (tools/base.py)."""

from __future__ import annotations

from langchain_core.tools import BaseTool

from tools.base import HANDOFF, PROPOSE
from tools.contracts import (
    card_update_form,
    disable_auto_renew,
    get_contract,
    list_contracts,
    signed_quote_link,
    update_billing_address,
    update_billing_contact,
)
from tools.faq import search_knowledge
from tools.invoices import get_invoice, invoice_pdf_link, list_invoices, update_po_number
from tools.payments import pay_invoice
from tools.support import create_support_case
from tools.users import add_portal_user, grant_contract_access, list_contract_users, remove_contract_access

ALL_TOOLS: list[BaseTool] = [
    search_knowledge,
    list_contracts,
    get_contract,
    list_invoices,
    get_invoice,
    invoice_pdf_link,
    signed_quote_link,
    pay_invoice,
    update_po_number,
    update_billing_address,
    update_billing_contact,
    card_update_form,
    disable_auto_renew,
    list_contract_users,
    add_portal_user,
    grant_contract_access,
    remove_contract_access,
    create_support_case,
]

PROPOSING_TOOLS = frozenset(t.name for t in ALL_TOOLS if (t.metadata or {}).get("kind") == PROPOSE)
HANDOFF_TOOLS = frozenset(t.name for t in ALL_TOOLS if (t.metadata or {}).get("kind") == HANDOFF)
