"""Utterances as customers write them, with the tool call a careful assistant would make.

Written before the planner was tuned and kept independent of its exemplars: if a case fails,
fix the planner, not the case. `args` lists the arguments that must match exactly (others may
be present); `None` as the tool means "no tool call: a direct reply".
"""

from __future__ import annotations

from typing import Any

Case = tuple[str, str, str | None, dict[str, Any]]  # capability, utterance, tool, expected args

SINGLE: list[Case] = [
    # -- list / get invoices ------------------------------------------------------------------
    ("list_invoices", "show my invoices", "list_invoices", {}),
    ("list_invoices", "can you list all of my invoices please?", "list_invoices", {}),
    ("list_invoices", "what invoices do we have outstanding", "list_invoices", {}),
    ("list_invoices", "Which of my invoices are overdue?", "list_invoices", {"status": "overdue"}),
    ("list_invoices", "show me the invoices for C-1001", "list_invoices", {"contract_id": "C-1001"}),
    ("list_invoices", "i need to see my bills", "list_invoices", {}),
    ("list_invoices", "list invocies", "list_invoices", {}),
    ("list_invoices", "do I have any open invoices?", "list_invoices", {"status": "open"}),
    ("get_invoice", "what's the balance on INV-1001?", "get_invoice", {"invoice_id": "INV-1001"}),
    ("get_invoice", "show me invoice inv 1003", "get_invoice", {"invoice_id": "INV-1003"}),
    ("get_invoice", "when is INV-1001 due", "get_invoice", {"invoice_id": "INV-1001"}),
    ("get_invoice", "status of inv-2001?", "get_invoice", {"invoice_id": "INV-2001"}),
    (
        "get_invoice",
        "Hi, could you tell me how much we still owe on invoice 1004",
        "get_invoice",
        {"invoice_id": "INV-1004"},
    ),
    ("get_invoice", "details for INV1002 pls", "get_invoice", {"invoice_id": "INV-1002"}),
    ("get_invoice", "is invoice INV-1001 paid yet", "get_invoice", {"invoice_id": "INV-1001"}),
    # -- contracts ----------------------------------------------------------------------------
    ("contracts", "which contracts do I have", "list_contracts", {}),
    ("contracts", "show me my contracts", "list_contracts", {}),
    ("contracts", "when does contract C-1002 end?", "get_contract", {"contract_id": "C-1002"}),
    ("contracts", "what card is on file for c-1001", "get_contract", {"contract_id": "C-1001"}),
    ("contracts", "whats the billing address on C-1001 right now", "get_contract", {"contract_id": "C-1001"}),
    # -- invoice pdf --------------------------------------------------------------------------
    ("invoice_pdf", "download the pdf of INV-1001", "invoice_pdf_link", {"invoice_id": "INV-1001"}),
    ("invoice_pdf", "can I get a copy of invoice INV-1002?", "invoice_pdf_link", {"invoice_id": "INV-1002"}),
    ("invoice_pdf", "send me inv-1003 as a pdf", "invoice_pdf_link", {"invoice_id": "INV-1003"}),
    ("invoice_pdf", "I need the PDF for INV 2001 for our accountant", "invoice_pdf_link", {"invoice_id": "INV-2001"}),
    ("invoice_pdf", "pdf of INV-1001 plz", "invoice_pdf_link", {"invoice_id": "INV-1001"}),
    ("invoice_pdf", "donwload invoice INV-1004", "invoice_pdf_link", {"invoice_id": "INV-1004"}),
    (
        "invoice_pdf",
        "could you give me a printable version of INV-1001",
        "invoice_pdf_link",
        {"invoice_id": "INV-1001"},
    ),
    # -- signed quote -------------------------------------------------------------------------
    ("signed_quote", "download the signed quote for C-1001", "signed_quote_link", {"contract_id": "C-1001"}),
    (
        "signed_quote",
        "I need a copy of our signed quote on contract c-2001",
        "signed_quote_link",
        {"contract_id": "C-2001"},
    ),
    ("signed_quote", "where's the signed qoute for C-1002?", "signed_quote_link", {"contract_id": "C-1002"}),
    ("signed_quote", "get me the quote we signed for C-1001", "signed_quote_link", {"contract_id": "C-1001"}),
    (
        "signed_quote",
        "can you send the signed order form / quote for contract C-2001",
        "signed_quote_link",
        {"contract_id": "C-2001"},
    ),
    ("signed_quote", "signed quote pdf for C-1001 please", "signed_quote_link", {"contract_id": "C-1001"}),
    # -- pay ----------------------------------------------------------------------------------
    ("pay", "pay INV-1001", "pay_invoice", {"invoice_id": "INV-1001"}),
    ("pay", "I'd like to pay invoice inv-1001 with my card", "pay_invoice", {"invoice_id": "INV-1001"}),
    ("pay", "please settle INV-2001", "pay_invoice", {"invoice_id": "INV-2001"}),
    ("pay", "can you pay off inv 2002 for me", "pay_invoice", {"invoice_id": "INV-2002"}),
    ("pay", "charge the card on file for INV-1003", "pay_invoice", {"invoice_id": "INV-1003"}),
    ("pay", "pls pay invoce 1001", "pay_invoice", {"invoice_id": "INV-1001"}),
    ("pay", "I want to make a payment on INV-1004", "pay_invoice", {"invoice_id": "INV-1004"}),
    (
        "pay",
        "Hello! Could you please process the payment for INV-2002? Thanks",
        "pay_invoice",
        {"invoice_id": "INV-2002"},
    ),
    # -- PO number ----------------------------------------------------------------------------
    ("po", "set the PO on INV-1001 to ABC-123", "update_po_number", {"invoice_id": "INV-1001", "po_number": "ABC-123"}),
    (
        "po",
        "change the purchase order number of inv-1003 to PO-99812",
        "update_po_number",
        {"invoice_id": "INV-1003", "po_number": "PO-99812"},
    ),
    (
        "po",
        "update PO number for INV-2001: 4500012345",
        "update_po_number",
        {"invoice_id": "INV-2001", "po_number": "4500012345"},
    ),
    (
        "po",
        "our po for INV-1001 should be 'ACME/2026/77'",
        "update_po_number",
        {"invoice_id": "INV-1001", "po_number": "ACME/2026/77"},
    ),
    (
        "po",
        "please add PO# 7781-B to invoice INV-1003",
        "update_po_number",
        {"invoice_id": "INV-1003", "po_number": "7781-B"},
    ),
    (
        "po",
        "can u put purchase order X_55 on inv 1001",
        "update_po_number",
        {"invoice_id": "INV-1001", "po_number": "X_55"},
    ),
    ("po", "INV-2002 needs PO number GLX-001", "update_po_number", {"invoice_id": "INV-2002", "po_number": "GLX-001"}),
    # -- billing address ----------------------------------------------------------------------
    (
        "address",
        "change the billing address of C-1001 to 500 Howard St, San Francisco, CA 94105",
        "update_billing_address",
        {
            "contract_id": "C-1001",
            "line1": "500 Howard St",
            "city": "San Francisco",
            "region": "CA",
            "postal_code": "94105",
        },
    ),
    (
        "address",
        "we moved: new billing address for c-1002 is 12 Oak Avenue, Austin, TX 78701",
        "update_billing_address",
        {"contract_id": "C-1002", "line1": "12 Oak Avenue", "city": "Austin", "region": "TX", "postal_code": "78701"},
    ),
    (
        "address",
        "update the postal code on C-1001 to 94107",
        "update_billing_address",
        {"contract_id": "C-1001", "postal_code": "94107"},
    ),
    (
        "address",
        "please change the city on contract C-2001 to Manchester",
        "update_billing_address",
        {"contract_id": "C-2001", "city": "Manchester"},
    ),
    (
        "address",
        "can you move C-2001's billing address to Germany",
        "update_billing_address",
        {"contract_id": "C-2001", "country": "DE"},
    ),
    (
        "address",
        "billing adress for C-1001 should be 1 Main Street, Springfield, IL 62701",
        "update_billing_address",
        {
            "contract_id": "C-1001",
            "line1": "1 Main Street",
            "city": "Springfield",
            "region": "IL",
            "postal_code": "62701",
        },
    ),
    (
        "address",
        "update address line 1 on C-1001 to 200 Mission Street",
        "update_billing_address",
        {"contract_id": "C-1001", "line1": "200 Mission Street"},
    ),
    # -- billing contact ----------------------------------------------------------------------
    (
        "contact",
        "change the billing contact email on C-1001 to ap@acme.example",
        "update_billing_contact",
        {"contract_id": "C-1001", "email": "ap@acme.example"},
    ),
    (
        "contact",
        "make Jane Doe (jane.doe@acme.example) the billing contact for C-1002",
        "update_billing_contact",
        {"contract_id": "C-1002", "name": "Jane Doe", "email": "jane.doe@acme.example"},
    ),
    (
        "contact",
        "update billing contact phone for c-1001 to +1 415 555 0199",
        "update_billing_contact",
        {"contract_id": "C-1001", "phone": "+1 415 555 0199"},
    ),
    (
        "contact",
        "the invoices for C-2001 should go to accounts@globex.example from now on",
        "update_billing_contact",
        {"contract_id": "C-2001", "email": "accounts@globex.example"},
    ),
    (
        "contact",
        "pls set billing contact name on C-1001 to Alice Smith",
        "update_billing_contact",
        {"contract_id": "C-1001", "name": "Alice Smith"},
    ),
    (
        "contact",
        "new billing contact for C-1002: Tom Lee, tom.lee@acme.example, 415-555-0123",
        "update_billing_contact",
        {"contract_id": "C-1002", "name": "Tom Lee", "email": "tom.lee@acme.example", "phone": "415-555-0123"},
    ),
    # -- card form ----------------------------------------------------------------------------
    ("card", "I need to update the credit card on C-1001", "card_update_form", {"contract_id": "C-1001"}),
    (
        "card",
        "our visa expired, how can I put a new card on contract c-1001",
        "card_update_form",
        {"contract_id": "C-1001"},
    ),
    ("card", "replace the card on file for C-2001", "card_update_form", {"contract_id": "C-2001"}),
    ("card", "change payment card for C-1001 pls", "card_update_form", {"contract_id": "C-1001"}),
    ("card", "can I add a different credit crad to contract C-2001?", "card_update_form", {"contract_id": "C-2001"}),
    ("card", "swap the mastercard on C-2001 for our new amex", "card_update_form", {"contract_id": "C-2001"}),
    # -- auto-renew off -----------------------------------------------------------------------
    ("auto_renew", "turn off auto renew for C-1002", "disable_auto_renew", {"contract_id": "C-1002"}),
    ("auto_renew", "please disable auto-renewal on contract C-1001", "disable_auto_renew", {"contract_id": "C-1001"}),
    ("auto_renew", "we don't want C-1001 to renew automatically", "disable_auto_renew", {"contract_id": "C-1001"}),
    ("auto_renew", "stop the automatic renewal of c-2001", "disable_auto_renew", {"contract_id": "C-2001"}),
    ("auto_renew", "cancel autorenew C-1001", "disable_auto_renew", {"contract_id": "C-1001"}),
    (
        "auto_renew",
        "switch of the auto renwal for contract C-1002 please",
        "disable_auto_renew",
        {"contract_id": "C-1002"},
    ),
    # -- list users ---------------------------------------------------------------------------
    ("list_users", "who has access to C-1001?", "list_contract_users", {"contract_id": "C-1001"}),
    ("list_users", "list the users on contract c-1002", "list_contract_users", {"contract_id": "C-1002"}),
    ("list_users", "show me everyone who can see C-2001", "list_contract_users", {"contract_id": "C-2001"}),
    ("list_users", "which portal users are on C-1001", "list_contract_users", {"contract_id": "C-1001"}),
    ("list_users", "who are the billing contacts for C-1001", "list_contract_users", {"contract_id": "C-1001"}),
    ("list_users", "users for c1001?", "list_contract_users", {"contract_id": "C-1001"}),
    # -- add user -----------------------------------------------------------------------------
    (
        "add_user",
        "add Frank Green (frank@acme.example) to C-1001",
        "add_portal_user",
        {"name": "Frank Green", "email": "frank@acme.example", "contract_ids": ["C-1001"]},
    ),
    (
        "add_user",
        "invite jane.roe@acme.example, name Jane Roe, to contracts C-1001 and C-1002",
        "add_portal_user",
        {"name": "Jane Roe", "email": "jane.roe@acme.example", "contract_ids": ["C-1001", "C-1002"]},
    ),
    (
        "add_user",
        "please create a portal user for Sam Park sam.park@acme.example with access to c-1002",
        "add_portal_user",
        {"name": "Sam Park", "email": "sam.park@acme.example", "contract_ids": ["C-1002"]},
    ),
    (
        "add_user",
        "new user: Maria Lopez, maria@acme.example, contract C-1001",
        "add_portal_user",
        {"name": "Maria Lopez", "email": "maria@acme.example", "contract_ids": ["C-1001"]},
    ),
    (
        "add_user",
        "can you give our new AP clerk Lee Wong (lee.wong@acme.example) a login for C-1001?",
        "add_portal_user",
        {"name": "Lee Wong", "email": "lee.wong@acme.example", "contract_ids": ["C-1001"]},
    ),
    (
        "add_user",
        "ad a user Tim Cole tim@acme.example to C-1002",
        "add_portal_user",
        {"name": "Tim Cole", "email": "tim@acme.example", "contract_ids": ["C-1002"]},
    ),
    # -- grant --------------------------------------------------------------------------------
    (
        "grant",
        "give bob@acme.example access to C-1002",
        "grant_contract_access",
        {"email": "bob@acme.example", "contract_ids": ["C-1002"]},
    ),
    (
        "grant",
        "grant erin@acme.example access to contracts C-1001 and C-1002",
        "grant_contract_access",
        {"email": "erin@acme.example", "contract_ids": ["C-1001", "C-1002"]},
    ),
    (
        "grant",
        "let erin@acme.example see C-1001 too",
        "grant_contract_access",
        {"email": "erin@acme.example", "contract_ids": ["C-1001"]},
    ),
    (
        "grant",
        "can you also give access for c-1002 to bob@acme.example",
        "grant_contract_access",
        {"email": "bob@acme.example", "contract_ids": ["C-1002"]},
    ),
    (
        "grant",
        "please share contract C-1001 with erin@acme.example",
        "grant_contract_access",
        {"email": "erin@acme.example", "contract_ids": ["C-1001"]},
    ),
    (
        "grant",
        "erin@acme.example needs acess to C-1002",
        "grant_contract_access",
        {"email": "erin@acme.example", "contract_ids": ["C-1002"]},
    ),
    # -- remove (single and bulk) -------------------------------------------------------------
    (
        "remove",
        "remove bob@acme.example from C-1001",
        "remove_contract_access",
        {"email": "bob@acme.example", "contract_ids": ["C-1001"]},
    ),
    (
        "remove",
        "take bob@acme.example off contract c-1001 please",
        "remove_contract_access",
        {"email": "bob@acme.example", "contract_ids": ["C-1001"]},
    ),
    (
        "remove",
        "revoke alice@acme.example's access to C-1002",
        "remove_contract_access",
        {"email": "alice@acme.example", "contract_ids": ["C-1002"]},
    ),
    (
        "remove",
        "bob@acme.example left the company, remove him from C-1001",
        "remove_contract_access",
        {"email": "bob@acme.example", "contract_ids": ["C-1001"]},
    ),
    ("remove", "remove alice from C-1001", "list_contract_users", {"contract_id": "C-1001"}),
    (
        "remove",
        "delete user bob@acme.example on C-1001",
        "remove_contract_access",
        {"email": "bob@acme.example", "contract_ids": ["C-1001"]},
    ),
    (
        "remove_bulk",
        "remove bob@acme.example from C-1001 and C-1002",
        "remove_contract_access",
        {"email": "bob@acme.example", "contract_ids": ["C-1001", "C-1002"]},
    ),
    (
        "remove_bulk",
        "take alice@acme.example off C-1001, C-1002",
        "remove_contract_access",
        {"email": "alice@acme.example", "contract_ids": ["C-1001", "C-1002"]},
    ),
    (
        "remove_bulk",
        "revoke access for erin@acme.example on contracts c-1001 & c-1002",
        "remove_contract_access",
        {"email": "erin@acme.example", "contract_ids": ["C-1001", "C-1002"]},
    ),
    (
        "remove_bulk",
        "bulk remove bob@acme.example from C-1001 and c-1002",
        "remove_contract_access",
        {"email": "bob@acme.example", "contract_ids": ["C-1001", "C-1002"]},
    ),
    ("remove_bulk", "remove bob@acme.example from all my contracts", "list_contracts", {}),
    # -- hand-off -----------------------------------------------------------------------------
    ("handoff", "I want to talk to a person", "create_support_case", {"queue": "customer_service"}),
    ("handoff", "can I speak with a human please", "create_support_case", {"queue": "customer_service"}),
    ("handoff", "get me a real agent", "create_support_case", {"queue": "customer_service"}),
    (
        "handoff",
        "connect me with a support rep about our overdue balance",
        "create_support_case",
        {"queue": "collector"},
    ),
    (
        "handoff",
        "I'd like someone from collections to call me about a payment",
        "create_support_case",
        {"queue": "collector"},
    ),
    (
        "handoff",
        "I need to talk to my account executive about renewing our contract",
        "create_support_case",
        {"queue": "ae"},
    ),
    (
        "handoff",
        "I emailed billing last month about a refund and nobody answered, can someone follow up?",
        "create_support_case",
        {"queue": "customer_service"},
    ),
    ("handoff", "pls escalate this to a human", "create_support_case", {"queue": "customer_service"}),
    # -- how-to FAQ ---------------------------------------------------------------------------
    ("faq", "how do I log in to the billing portal?", "search_knowledge", {}),
    ("faq", "how can I pay an invoice by credit card?", "search_knowledge", {}),
    ("faq", "what is a PO number used for", "search_knowledge", {}),
    ("faq", "why can't I see some of our contracts in the portal", "search_knowledge", {}),
    ("faq", "can I pay only part of an invoice?", "search_knowledge", {}),
    ("faq", "how long does a payment take to show as paid", "search_knowledge", {}),
    ("faq", "what happens when our account is suspended", "search_knowledge", {}),
    ("faq", "how do i turn off auto renewal?", "search_knowledge", {}),
    ("faq", "is there a limit on card payments", "search_knowledge", {}),
    ("faq", "how does someone get access to a contract", "search_knowledge", {}),
    ("faq", "why can't I change the country of the billing address", "search_knowledge", {}),
    ("faq", "hwo do i add a new user to the portal", "search_knowledge", {}),
    ("faq", "we are a reseller, why can't we log in?", "search_knowledge", {}),
    ("faq", "does the invoice pdf show payments I made later?", "search_knowledge", {}),
    # -- off-topic ----------------------------------------------------------------------------
    ("off_topic", "what's the weather like in Paris tomorrow?", None, {}),
    ("off_topic", "write me a poem about cats", None, {}),
    ("off_topic", "who won the football game last night", None, {}),
    ("off_topic", "can you recommend a good lasagna recipe", None, {}),
    ("off_topic", "what's the capital of australia", None, {}),
    ("off_topic", "help me debug my python script", None, {}),
    # -- small talk ---------------------------------------------------------------------------
    ("small_talk", "hi", None, {}),
    ("small_talk", "hello there!", None, {}),
    ("small_talk", "thanks a lot", None, {}),
    ("small_talk", "thank you, that's all", None, {}),
    ("small_talk", "good morning", None, {}),
    ("small_talk", "bye", None, {}),
    ("small_talk", "what can you do?", None, {}),
    ("small_talk", "thx!!", None, {}),
]


# -- multi-turn -------------------------------------------------------------------------------------
# A conversation is a list of steps: ("user", text), ("ai", text), or ("tool", name, args, result) for an
# assistant tool call and the JSON the tool answered. The expectation applies to the planner's next message.


def _inv(
    iid: str,
    cid: str,
    amount: str,
    status: str,
    payable: bool,
    po: str | None = None,
    disputed: bool = False,
    reason: str | None = None,
    detail: str | None = None,
    cur: str = "USD",
) -> dict:
    return {
        "id": iid,
        "contract_id": cid,
        "status": status,
        "amount": amount,
        "balance": "0.00" if status == "paid" else amount,
        "currency": cur,
        "issue_date": "2026-01-01",
        "due_date": "2026-01-30",
        "po_number": po,
        "disputed": disputed,
        "payable": payable,
        "not_payable_reason": reason,
        "not_payable_detail": detail,
    }


INV_1001 = _inv("INV-1001", "C-1001", "1200.00", "open", True, "PO-7781")
INV_1002 = _inv("INV-1002", "C-1001", "800.00", "paid", False, reason="already_paid", detail="it is already paid.")
INV_1003 = _inv(
    "INV-1003",
    "C-1001",
    "75000.00",
    "open",
    False,
    reason="over_card_limit",
    detail="its balance of USD 75,000.00 is over the card payment limit of USD 50,000.00.",
)
INV_1004 = _inv(
    "INV-1004", "C-1002", "2500.00", "open", False, disputed=True, reason="disputed", detail="it is under dispute."
)
INV_2001 = _inv("INV-2001", "C-2001", "500.00", "overdue", True, cur="GBP")
INV_2002 = _inv("INV-2002", "C-2001", "650.00", "overdue", True, cur="GBP")
ALICE_INVOICES = {"invoices": [INV_1003, INV_1004, INV_1001, INV_1002]}


def _contract(cid: str, days: int, card: dict | None, allowed: bool = True) -> dict:
    return {
        "id": cid,
        "account_id": "ACME",
        "status": "active",
        "auto_renew": True,
        "end_date": "2026-04-15",
        "days_to_end": days,
        "currency": "USD",
        "card_allowed": allowed,
        "billing_address": {
            "line1": "100 Market Street",
            "line2": "Suite 400",
            "city": "San Francisco",
            "region": "CA",
            "postal_code": "94105",
            "country": "US",
        },
        "billing_contact": {"name": "Alice Adams", "email": "alice@acme.example", "phone": "+1 415 555 0100"},
        "card": card,
    }


C_1001 = _contract("C-1001", 90, {"brand": "Visa", "last4": "4242"})
C_1002 = _contract("C-1002", 20, None, allowed=False)
ALICE_CONTRACTS = {"contracts": [C_1001, C_1002]}
USERS_1001 = {
    "contract_id": "C-1001",
    "users": [
        {"email": "alice@acme.example", "name": "Alice Adams", "roles": ["primary_billing_contact", "card_holder"]},
        {"email": "bob@acme.example", "name": "Bob Brown", "roles": []},
    ],
}


def proposed(summary: str) -> dict:
    return {
        "ok": True,
        "proposed": True,
        "action_id": "act_1",
        "summary": summary,
        "note": "Nothing has changed yet. Show the user this summary and ask them to confirm.",
    }


def refused(error: str, kind: str, message: str) -> dict:
    return {"ok": False, "error": error, "kind": kind, "message": message}


AUTO_RENEW_REFUSAL = refused(
    "too_close",
    "conflict",
    "Auto-renewal of C-1002 cannot be turned off in the portal: the contract ends in 20 days, and "
    "auto-renewal can only be turned off in the portal while the end date is more than 30 days "
    "away. Your Account Executive, Morgan Avery (morgan.avery@billing.example), can help.",
)
PAY_REFUSAL = refused(
    "over_card_limit",
    "conflict",
    "INV-1003 cannot be paid by card in the portal: its balance of USD 75,000.00 is over the card "
    "payment limit of USD 50,000.00. Please pay it following the payment instructions printed on the "
    "invoice.",
)
PROTECTED = refused(
    "ProtectedRoleRemoval",
    "conflict",
    "Nothing was removed: alice@acme.example is the Primary Billing Contact of C-1001. These roles cannot "
    "be removed in the portal; Customer Service can change them, and I can open a case for you.",
)
PASSAGES = {
    "passages": [
        {
            "n": 1,
            "title": "Paying an invoice by credit card",
            "source": "knowledge/docs/paying-invoices.md",
            "heading": "How to pay with Pay Now",
            "text": "1. Open the **Invoices** section.\n2. Find the invoice you want to settle. Invoices that can be paid "
            "online show a blue **Pay Now** button.\n3. Select **Pay Now**. The portal shows the amount, the currency "
            "and the card on file of the contract (brand and last four digits).\n4. Check the details and confirm the "
            "payment.\n5. A **Payment Confirmation** page appears with your payment confirmation number.",
        },
        {
            "n": 2,
            "title": "Paying an invoice by credit card",
            "source": "knowledge/docs/paying-invoices.md",
            "heading": "What is charged",
            "text": "A Pay Now payment always settles the **full remaining balance** of the invoice, in the invoice currency, "
            "on the **credit card on file** for that contract. Partial payments and paying with a different card in "
            "the same step are not possible.",
        },
    ]
}

Conversation = list[tuple]
# (capability, conversation, expected tool or None, expected args, substrings the reply must contain)
MULTI: list[tuple[str, Conversation, str | None, dict[str, Any], list[str]]] = [
    (
        "pronoun",
        [
            ("user", "what's the balance on INV-1001?"),
            ("tool", "get_invoice", {"invoice_id": "INV-1001"}, INV_1001),
            ("ai", "INV-1001 is open: USD 1,200.00."),
            ("user", "pay it"),
        ],
        "pay_invoice",
        {"invoice_id": "INV-1001"},
        [],
    ),
    (
        "ordinal",
        [
            ("user", "show my invoices"),
            ("tool", "list_invoices", {}, ALICE_INVOICES),
            ("ai", "Here they are."),
            ("user", "the second one"),
        ],
        "get_invoice",
        {"invoice_id": "INV-1004"},
        [],
    ),
    (
        "ordinal",
        [
            ("user", "show my invoices"),
            ("tool", "list_invoices", {}, ALICE_INVOICES),
            ("ai", "Here they are."),
            ("user", "pay the third one"),
        ],
        "pay_invoice",
        {"invoice_id": "INV-1001"},
        [],
    ),
    (
        "ordinal",
        [
            ("user", "list my invoices"),
            ("tool", "list_invoices", {}, ALICE_INVOICES),
            ("ai", "Here they are."),
            ("user", "can I get the pdf of the last one"),
        ],
        "invoice_pdf_link",
        {"invoice_id": "INV-1002"},
        [],
    ),
    (
        "clarify",
        [
            ("user", "I want to pay an invoice"),
            ("tool", "list_invoices", {}, ALICE_INVOICES),
            ("ai", "Which invoice would you like to pay?"),
            ("user", "INV-1001"),
        ],
        "pay_invoice",
        {"invoice_id": "INV-1001"},
        [],
    ),
    (
        "clarify",
        [
            ("user", "I'd like to pay one of my bills"),
            ("tool", "list_invoices", {}, ALICE_INVOICES),
            ("ai", "Which invoice would you like to pay?"),
            ("user", "the third one please"),
        ],
        "pay_invoice",
        {"invoice_id": "INV-1001"},
        [],
    ),
    (
        "correction",
        [
            ("user", "pay INV-1001"),
            (
                "tool",
                "pay_invoice",
                {"invoice_id": "INV-1001"},
                proposed("Pay USD 1,200.00 on INV-1001 with Visa ending 4242"),
            ),
            ("ai", "Please confirm."),
            ("user", "no, INV-1003"),
        ],
        "pay_invoice",
        {"invoice_id": "INV-1003"},
        [],
    ),
    (
        "correction",
        [
            ("user", "get me the pdf for INV-1002"),
            (
                "tool",
                "invoice_pdf_link",
                {"invoice_id": "INV-1002"},
                {"ok": True, "invoice_id": "INV-1002", "url": "/v1/links/x", "expires_in_minutes": 10},
            ),
            ("ai", "Here it is."),
            ("user", "sorry, I meant INV-1001"),
        ],
        "invoice_pdf_link",
        {"invoice_id": "INV-1001"},
        [],
    ),
    (
        "slot",
        [("user", "set the PO on INV-1001"), ("ai", "What PO number should INV-1001 have?"), ("user", "ABC-777")],
        "update_po_number",
        {"invoice_id": "INV-1001", "po_number": "ABC-777"},
        [],
    ),
    (
        "slot",
        [
            ("user", "I need to change the purchase order number on inv 1003"),
            ("ai", "What PO number should INV-1003 have?"),
            ("user", "it should be 4500-77"),
        ],
        "update_po_number",
        {"invoice_id": "INV-1003", "po_number": "4500-77"},
        [],
    ),
    (
        "clarify",
        [
            ("user", "turn off auto renew"),
            ("tool", "list_contracts", {}, ALICE_CONTRACTS),
            ("ai", "Which contract should stop renewing automatically?"),
            ("user", "C-1001"),
        ],
        "disable_auto_renew",
        {"contract_id": "C-1001"},
        [],
    ),
    (
        "clarify",
        [
            ("user", "please stop our contract from renewing"),
            ("tool", "list_contracts", {}, ALICE_CONTRACTS),
            ("ai", "Which contract?"),
            ("user", "the second one"),
        ],
        "disable_auto_renew",
        {"contract_id": "C-1002"},
        [],
    ),
    (
        "pronoun",
        [
            ("user", "show me contract C-1001"),
            ("tool", "get_contract", {"contract_id": "C-1001"}, C_1001),
            ("ai", "C-1001: active."),
            ("user", "who has access to it?"),
        ],
        "list_contract_users",
        {"contract_id": "C-1001"},
        [],
    ),
    (
        "ordinal",
        [
            ("user", "who has access to C-1001"),
            ("tool", "list_contract_users", {"contract_id": "C-1001"}, USERS_1001),
            ("ai", "Users with access to C-1001: ..."),
            ("user", "remove the second one"),
        ],
        "remove_contract_access",
        {"email": "bob@acme.example", "contract_ids": ["C-1001"]},
        [],
    ),
    (
        "chain",
        [("user", "remove alice from C-1001"), ("tool", "list_contract_users", {"contract_id": "C-1001"}, USERS_1001)],
        "remove_contract_access",
        {"email": "alice@acme.example", "contract_ids": ["C-1001"]},
        [],
    ),
    (
        "chain",
        [("user", "remove bob@acme.example from all my contracts"), ("tool", "list_contracts", {}, ALICE_CONTRACTS)],
        "remove_contract_access",
        {"email": "bob@acme.example", "contract_ids": ["C-1001", "C-1002"]},
        [],
    ),
    (
        "offer",
        [
            ("user", "turn off auto renew for C-1002"),
            ("tool", "disable_auto_renew", {"contract_id": "C-1002"}, AUTO_RENEW_REFUSAL),
            ("user", "yes please"),
        ],
        "create_support_case",
        {"queue": "ae"},
        [],
    ),
    (
        "offer",
        [("user", "pay INV-1003"), ("tool", "pay_invoice", {"invoice_id": "INV-1003"}, PAY_REFUSAL), ("user", "ok")],
        "create_support_case",
        {"queue": "collector"},
        [],
    ),
    (
        "multi",
        [
            ("user", "pay INV-1001 and set its PO to X-9"),
            ("tool", "pay_invoice", {"invoice_id": "INV-1001"}, proposed("Pay USD 1,200.00 on INV-1001")),
            ("user", "yes"),
            ("ai", "Done: your payment ... Confirmation number: PAY-1."),
            ("user", "next"),
        ],
        "update_po_number",
        {"invoice_id": "INV-1001", "po_number": "X-9"},
        [],
    ),
    (
        "faq_answer",
        [("user", "how do I pay by card?"), ("tool", "search_knowledge", {"query": "how do I pay by card?"}, PASSAGES)],
        None,
        {},
        ["[1]", "Pay Now"],
    ),
    (
        "faq_answer",
        [
            ("user", "can I split a payment across two cards?"),
            ("tool", "search_knowledge", {"query": "can I split a payment across two cards?"}, PASSAGES),
        ],
        # Markers number the turn's citations, one per article (both passages are from paying-invoices.md).
        None,
        {},
        ["Partial payments", "[1]"],
    ),
    (
        "faq_answer",
        [
            ("user", "what is the refund policy for cancelled contracts?"),
            (
                "tool",
                "search_knowledge",
                {"query": "what is the refund policy for cancelled contracts?"},
                {"passages": []},
            ),
        ],
        None,
        {},
        ["don't know", "Customer Service"],
    ),
    (
        "handoff",
        [
            ("user", "remove alice@acme.example from C-1001"),
            ("tool", "remove_contract_access", {"email": "alice@acme.example", "contract_ids": ["C-1001"]}, PROTECTED),
            ("user", "ok then let me talk to a person"),
        ],
        "create_support_case",
        {"queue": "customer_service"},
        [],
    ),
    (
        "follow_up",
        [
            ("user", "what's the status of INV-2001?"),
            ("tool", "get_invoice", {"invoice_id": "INV-2001"}, INV_2001),
            ("ai", "INV-2001 is overdue."),
            ("user", "and INV-2002?"),
        ],
        "get_invoice",
        {"invoice_id": "INV-2002"},
        [],
    ),
    (
        "pronoun",
        [
            ("user", "show me INV-1001"),
            ("tool", "get_invoice", {"invoice_id": "INV-1001"}, INV_1001),
            ("ai", "INV-1001 is open."),
            ("user", "download it"),
        ],
        "invoice_pdf_link",
        {"invoice_id": "INV-1001"},
        [],
    ),
    (
        "small_talk",
        [
            ("user", "show me INV-1001"),
            ("tool", "get_invoice", {"invoice_id": "INV-1001"}, INV_1001),
            ("ai", "INV-1001 is open."),
            ("user", "thanks!"),
        ],
        None,
        {},
        ["welcome"],
    ),
    (
        "ordinal",
        [
            ("user", "list my contracts"),
            ("tool", "list_contracts", {}, ALICE_CONTRACTS),
            ("ai", "Your contracts."),
            ("user", "get the signed quote for the first one"),
        ],
        "signed_quote_link",
        {"contract_id": "C-1001"},
        [],
    ),
    (
        "no_contracts",
        [("user", "show my invoices"), ("tool", "list_invoices", {}, {"invoices": []})],
        None,
        {},
        ["Manage Users"],
    ),
    (
        "reseller",
        [
            ("user", "show my invoices"),
            (
                "tool",
                "list_invoices",
                {},
                refused("reseller", "forbidden", "The Billing Portal is not available to partners and resellers."),
            ),
        ],
        None,
        {},
        ["resellers"],
    ),
    # Several invoices, one of them payable: which one is asked, not guessed.
    (
        "chain",
        [("user", "pay my invoice"), ("tool", "list_invoices", {}, ALICE_INVOICES)],
        None,
        {},
        ["Which invoice would you like to pay?", "INV-1001"],
    ),
    (
        "chain",
        [
            ("user", "show me INV-9999"),
            (
                "tool",
                "get_invoice",
                {"invoice_id": "INV-9999"},
                refused("NotFound", "not_found", "No invoice INV-9999 was found."),
            ),
        ],
        "list_invoices",
        {},
        [],
    ),
    (
        "proposal",
        [
            ("user", "pay INV-1001"),
            (
                "tool",
                "pay_invoice",
                {"invoice_id": "INV-1001"},
                proposed("Pay USD 1,200.00 on INV-1001 with Visa ending 4242"),
            ),
        ],
        None,
        {},
        ["Pay USD 1,200.00 on INV-1001 with Visa ending 4242", "Nothing has changed yet", "confirm"],
    ),
    (
        "refusal",
        [
            ("user", "turn off auto renew for C-1002"),
            ("tool", "disable_auto_renew", {"contract_id": "C-1002"}, AUTO_RENEW_REFUSAL),
        ],
        None,
        {},
        ["20 days", "Morgan Avery"],
    ),
]


# -- held out -----------------------------------------------------------------------------------------
# Written after the planner was built and run once blind: 46/54 (85.2 %) on that first run. The planner was
# then fixed for what the misses showed (general rules, not these phrasings), so this set is no longer blind.
HELD_OUT: list[Case] = [
    ("list_invoices", "what bills have we got open right now?", "list_invoices", {}),
    ("list_invoices", "can i see every invoice on contract C-2001", "list_invoices", {"contract_id": "C-2001"}),
    ("list_invoices", "anything past due?", "list_invoices", {"status": "overdue"}),
    ("get_invoice", "how much is INV-2002", "get_invoice", {"invoice_id": "INV-2002"}),
    ("get_invoice", "why can't I pay INV-1004?", "get_invoice", {"invoice_id": "INV-1004"}),
    ("get_invoice", "what PO is on inv-1001", "get_invoice", {"invoice_id": "INV-1001"}),
    ("invoice_pdf", "I'd like to download INV-2002 please", "invoice_pdf_link", {"invoice_id": "INV-2002"}),
    ("invoice_pdf", "need a copy of invoice 1001 for our records", "invoice_pdf_link", {"invoice_id": "INV-1001"}),
    ("invoice_pdf", "link to the INV-1003 pdf?", "invoice_pdf_link", {"invoice_id": "INV-1003"}),
    (
        "signed_quote",
        "where can I download the signed quote for contract C-2001",
        "signed_quote_link",
        {"contract_id": "C-2001"},
    ),
    ("signed_quote", "send the quote we signed on c-1001", "signed_quote_link", {"contract_id": "C-1001"}),
    ("signed_quote", "pls get me signed quote Q-1001", "signed_quote_link", {"contract_id": "C-1001"}),
    ("pay", "I want to pay INV-2001 now", "pay_invoice", {"invoice_id": "INV-2001"}),
    ("pay", "go ahead and pay inv 1001 with the visa", "pay_invoice", {"invoice_id": "INV-1001"}),
    ("pay", "Pay Now on INV-2002 please", "pay_invoice", {"invoice_id": "INV-2002"}),
    ("po", "change PO for INV-1001 to 55-AX", "update_po_number", {"invoice_id": "INV-1001", "po_number": "55-AX"}),
    (
        "po",
        "the purchase order on INV-2001 should be GB/4411",
        "update_po_number",
        {"invoice_id": "INV-2001", "po_number": "GB/4411"},
    ),
    (
        "po",
        "please update the p.o. number of invoice INV-1003 to Q4-778",
        "update_po_number",
        {"invoice_id": "INV-1003", "po_number": "Q4-778"},
    ),
    (
        "address",
        "our billing address for C-1001 changed to 77 King Street, Seattle, WA 98104",
        "update_billing_address",
        {"contract_id": "C-1001", "line1": "77 King Street", "city": "Seattle", "region": "WA", "postal_code": "98104"},
    ),
    (
        "address",
        "set the zip code of C-1002 to 94110",
        "update_billing_address",
        {"contract_id": "C-1002", "postal_code": "94110"},
    ),
    (
        "address",
        "change the country on C-1001 to Canada",
        "update_billing_address",
        {"contract_id": "C-1001", "country": "CA"},
    ),
    (
        "contact",
        "please change the billing contact of C-1001 to Rita Ray, rita@acme.example",
        "update_billing_contact",
        {"contract_id": "C-1001", "name": "Rita Ray", "email": "rita@acme.example"},
    ),
    (
        "contact",
        "send the C-1002 invoices to billing@acme.example instead",
        "update_billing_contact",
        {"contract_id": "C-1002", "email": "billing@acme.example"},
    ),
    (
        "contact",
        "update the phone of the billing contact on C-2001 to +44 20 7946 0999",
        "update_billing_contact",
        {"contract_id": "C-2001", "phone": "+44 20 7946 0999"},
    ),
    ("card", "i want to use another credit card for C-1001", "card_update_form", {"contract_id": "C-1001"}),
    ("card", "update my payment method on contract C-2001", "card_update_form", {"contract_id": "C-2001"}),
    ("card", "new card for c-1001", "card_update_form", {"contract_id": "C-1001"}),
    ("auto_renew", "please make sure C-1001 doesn't auto renew", "disable_auto_renew", {"contract_id": "C-1001"}),
    ("auto_renew", "opt C-2001 out of auto-renewal", "disable_auto_renew", {"contract_id": "C-2001"}),
    ("auto_renew", "disable autorenewal c-1002", "disable_auto_renew", {"contract_id": "C-1002"}),
    ("list_users", "who can access contract C-1002", "list_contract_users", {"contract_id": "C-1002"}),
    ("list_users", "show users for C-1001", "list_contract_users", {"contract_id": "C-1001"}),
    ("list_users", "who's the primary billing contact on C-1001?", "list_contract_users", {"contract_id": "C-1001"}),
    (
        "add_user",
        "please invite Nora Quinn nora.quinn@acme.example to C-1001",
        "add_portal_user",
        {"name": "Nora Quinn", "email": "nora.quinn@acme.example", "contract_ids": ["C-1001"]},
    ),
    (
        "add_user",
        "add my colleague Pat Kim (pat.kim@acme.example) to contracts C-1001, C-1002",
        "add_portal_user",
        {"name": "Pat Kim", "email": "pat.kim@acme.example", "contract_ids": ["C-1001", "C-1002"]},
    ),
    (
        "add_user",
        "set up portal access for Omar Said, omar@acme.example, on C-1002",
        "add_portal_user",
        {"name": "Omar Said", "email": "omar@acme.example", "contract_ids": ["C-1002"]},
    ),
    (
        "grant",
        "give erin@acme.example access to C-1002 as well",
        "grant_contract_access",
        {"email": "erin@acme.example", "contract_ids": ["C-1002"]},
    ),
    (
        "grant",
        "add bob@acme.example to contract C-1002",
        "grant_contract_access",
        {"email": "bob@acme.example", "contract_ids": ["C-1002"]},
    ),
    (
        "grant",
        "bob@acme.example should also see c-1002",
        "grant_contract_access",
        {"email": "bob@acme.example", "contract_ids": ["C-1002"]},
    ),
    ("remove", "please remove bob from C-1001", "list_contract_users", {"contract_id": "C-1001"}),
    (
        "remove",
        "bob@acme.example no longer needs access to C-1001",
        "remove_contract_access",
        {"email": "bob@acme.example", "contract_ids": ["C-1001"]},
    ),
    (
        "remove_bulk",
        "remove erin@acme.example from both C-1001 and C-1002",
        "remove_contract_access",
        {"email": "erin@acme.example", "contract_ids": ["C-1001", "C-1002"]},
    ),
    ("handoff", "i need a human", "create_support_case", {"queue": "customer_service"}),
    ("handoff", "can somebody from your team call me about the renewal", "create_support_case", {"queue": "ae"}),
    ("handoff", "let me speak to my collector", "create_support_case", {"queue": "collector"}),
    ("faq", "how do I get a receipt after paying?", "search_knowledge", {}),
    ("faq", "what does processing mean on an invoice", "search_knowledge", {}),
    ("faq", "my colleague can see a contract but I can't - why?", "search_knowledge", {}),
    ("faq", "how do I reset my password", "search_knowledge", {}),
    ("faq", "can a suspended account still pay invoices?", "search_knowledge", {}),
    ("off_topic", "tell me a joke", None, {}),
    ("off_topic", "what's bitcoin trading at?", None, {}),
    ("small_talk", "hey", None, {}),
    ("small_talk", "cheers, bye", None, {}),
]
