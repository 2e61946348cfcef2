"""Labelled example requests per intent: the nearest neighbours the classifier compares against.

Ids are written as placeholders-free natural text; slots are extracted by rules, so the
examples only need to carry *what* is asked, in the many ways customers ask it.
"""
from __future__ import annotations

EXEMPLARS: dict[str, list[str]] = {
    "list_invoices": [
        "list my invoices", "what invoices do I have", "show all invoices", "which invoices are still unpaid",
        "my open invoices", "what do I owe", "how much do we owe in total", "overview of our bills",
        "show the invoices of this contract", "any overdue invoices?", "what bills are due soon",
        "display my invoice list", "which invoices can I pay now", "outstanding balance on my account",
        "are there any unpaid bills", "give me a list of invoices", "what's still open on our account",
        "show paid invoices", "list invoices for the contract",
    ],
    "get_invoice": [
        "show invoice", "what is the balance of this invoice", "when is the invoice due",
        "what's the status of the invoice", "how much is left to pay on that invoice", "invoice details",
        "is this invoice paid", "what's the amount of invoice", "can this invoice be paid by card",
        "why can't I pay this invoice", "tell me about the invoice", "what PO is on the invoice",
        "is the invoice overdue", "look up invoice", "due date of the invoice", "what is the total on the invoice",
        "is the invoice disputed",
    ],
    "list_contracts": [
        "list my contracts", "what contracts do I have access to", "show all my contracts",
        "which agreements are on my account", "my contracts please", "overview of our contracts",
        "which contracts can I see",
    ],
    "get_contract": [
        "show the contract", "when does the contract expire", "is auto renew on for the contract",
        "which card is on file for the contract", "what address is on the contract", "contract details",
        "who is the billing contact on the contract", "what's the end date of our contract",
        "is the contract active", "what currency is the contract in",
    ],
    "invoice_pdf": [
        "download the invoice", "get the invoice pdf", "send me a copy of the invoice", "I need the invoice document",
        "pdf of the invoice please", "can I download that bill", "export the invoice as pdf",
        "give me a link to the invoice file", "print the invoice", "I want a copy of my bill",
        "email me the invoice", "invoice copy for our records",
    ],
    "signed_quote": [
        "download the signed quote", "get the signed quote", "copy of the quote we signed", "where is my signed quote",
        "send me the signed quote document", "the signed order form please", "quote pdf", "I need our signed proposal",
        "signed quote for the contract", "link to the signed quote",
    ],
    "pay": [
        "pay the invoice", "pay this invoice now", "I want to pay my bill", "settle the invoice", "make a payment",
        "pay it with the card on file", "charge my card for the invoice", "pay now", "process a payment for the invoice",
        "pay off the balance", "use my credit card to pay the invoice", "I'd like to pay the outstanding invoice",
        "go ahead and pay that invoice", "submit payment for the bill", "pay the overdue invoices",
    ],
    "po": [
        "set the PO number", "change the purchase order number", "update the PO on the invoice",
        "add a PO number to the invoice", "the invoice needs our purchase order reference",
        "put our PO on the invoice", "correct the PO number", "replace the purchase order number",
        "our PO reference should be different", "update purchase order",
    ],
    "address": [
        "change the billing address", "update our billing address", "we moved offices, new address",
        "new address for billing", "fix the street address on the contract", "change the postal code",
        "update the zip code", "change the city of the billing address", "the billing address is wrong",
        "update address line 2", "move the billing address to another country", "change billing country",
        "our invoices should show a new address", "change the state in the address",
    ],
    "contact": [
        "change the billing contact", "update the billing contact email", "new billing contact person",
        "change the phone number of the billing contact", "invoices should be sent to another email",
        "make someone else the billing contact", "update contact name", "replace the billing contact",
        "change where invoices are emailed", "billing contact details are outdated",
    ],
    "card": [
        "update the credit card", "change the card on file", "replace my card", "add a new credit card",
        "my card expired", "use a different card", "new card details", "update payment method",
        "change the card used for payments", "card on file is wrong", "I got a new credit card",
        "remove the old card and add a new one",
    ],
    "auto_renew": [
        "turn off auto renew", "disable auto-renewal", "stop the contract from renewing", "cancel the auto renewal",
        "I don't want the contract to renew", "switch off automatic renewal", "opt out of auto renew",
        "prevent the renewal", "don't renew our contract", "end the contract at its end date instead of renewing",
        "deactivate auto-renew",
    ],
    "list_users": [
        "who has access to the contract", "list users", "show the portal users", "who can see the contract",
        "list the billing contacts", "which users are on this contract", "who is the primary billing contact",
        "who is the card holder", "show me the people with access", "users of the contract",
    ],
    "add_user": [
        "add a new user", "invite a colleague to the portal", "create a login for my coworker",
        "add someone to the portal", "give a new employee access to the billing portal", "set up a new portal user",
        "invite a user", "add a teammate", "register a new user for the contract", "onboard a new billing user",
    ],
    "grant": [
        "give access to the contract", "grant access", "let my colleague see another contract",
        "add an existing user to another contract", "share the contract with a user", "allow a user to view contract",
        "give permission for the contract", "extend access to more contracts", "add contract access for a user",
    ],
    "remove": [
        "remove a user", "remove access", "take someone off the contract", "revoke access", "delete a user",
        "they left the company, remove them", "remove the user from the contracts", "unassign a user",
        "drop a colleague from the contract", "remove someone from several contracts", "kick a user off the portal",
        "remove from all contracts",
    ],
    "handoff": [
        "talk to a person", "speak to a human", "I want a real person", "connect me to support", "get me an agent",
        "call me back", "escalate", "open a support case", "I need to speak with customer service",
        "transfer me to someone", "let me talk to a representative", "contact my account executive",
        "have the collector contact me", "I sent an email about this before and got no answer",
        "follow up on my previous request", "open a ticket", "I need human help",
    ],
    "faq": [
        "how do I log in", "how does pay now work", "what is a signed quote", "how do I get access to the portal",
        "where do I find my invoices", "how do I change my password", "what does overdue mean",
        "why is my account suspended", "can I pay part of an invoice", "how long does settlement take",
        "what are the rules for turning off auto renew", "who can remove a primary billing contact",
        "what is the card payment limit", "which currencies can I pay in", "how do I add users in manage users",
        "why does the pdf not show my payment", "what is a trailblazer account", "can partners use the portal",
        "how do I update my billing information", "what is the portal agent", "how do PO numbers work",
        "what happens after I pay", "how do I get a receipt", "what does processing mean",
        "why is pay now not available", "is my card data safe", "how do I dispute an invoice",
        "what is the billing portal", "where is manage users", "how do I unsuspend my account",
        "why can't I see my contract", "can I pay several invoices at once", "what can the support team do",
        "how do I download invoices", "how do I update the card on file", "how do I change the billing address",
        "can I turn auto renew back on", "how do I remove a user", "is there a fee for paying by card",
        "what payment methods are accepted",
    ],
    "off_topic": [
        "what's the weather today", "tell me a joke", "who is the president", "write a story", "translate this to french",
        "what's a good movie", "how tall is mount everest", "what time is it in tokyo", "sports scores",
        "book me a flight", "what is the meaning of life", "recommend a restaurant", "solve this math problem",
        "write code for me", "what stocks should I buy", "play some music", "how do I bake bread",
        "who won the election", "explain quantum physics", "what's the news",
    ],
    "hello": ["hi", "hello", "hey", "good morning", "good afternoon", "hi there", "greetings", "hey there, how are you"],
    "thanks": ["thanks", "thank you", "thanks a lot", "many thanks", "cheers", "great, thanks", "perfect thank you",
               "that's helpful, thanks", "awesome", "appreciate it"],
    "bye": ["bye", "goodbye", "see you", "that's all", "have a nice day", "nothing else", "I'm done", "bye for now"],
    "capabilities": ["what can you do", "help", "what are you", "who are you", "how can you help me",
                     "what can I ask you", "are you a bot", "what do you do"],
    "next": ["next", "continue", "go on", "now the next one", "do the other one", "and the rest",
             "now the second request", "ok, next please", "what's next"],
}
