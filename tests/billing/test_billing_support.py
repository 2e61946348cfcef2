"""Hand-off to a person: support cases routed by topic to Customer Service, the Collector or the AE."""

from __future__ import annotations

import pytest
from billing_kit import ALICE, CAROL, DAVE, ERIN, audits, mails

from billing.entities import PendingAction, SupportCase
from billing.errors import InvalidInput


@pytest.mark.parametrize(
    ("who", "queue", "assignee", "mail_to"),
    [
        (ALICE, "customer_service", "Customer Service", "customer.service@billing.example"),
        (ALICE, "collector", "Casey Collins", "casey.collins@billing.example"),
        (ALICE, "ae", "Morgan Avery", "morgan.avery@billing.example"),
        (CAROL, "collector", "Priya Patel", "priya.patel@billing.example"),
        (CAROL, "ae", "Oliver Grant", "oliver.grant@billing.example"),
        (ERIN, "customer_service", "Customer Service", "customer.service@billing.example"),
        (DAVE, "customer_service", "Customer Service", "customer.service@billing.example"),
    ],
)
def test_case_routing(svc, store, who, queue, assignee, mail_to):
    case = svc.create_support_case(who, "conv-9", queue, "Need help", "Summary of the conversation.")
    assert (case.queue, case.assignee, case.requester_email, case.conversation_id) == (
        queue,
        assignee,
        who.email,
        "conv-9",
    )
    assert case.id.startswith("CS-")
    assert [c.id for c in store.all(SupportCase)] == [case.id]
    [mail] = mails(store, kind="support_case")
    assert (mail.to, mail.ref) == (mail_to, case.id) and "Summary of the conversation." in mail.body
    [audit] = audits(store, operation="create_support_case")
    assert (audit.outcome, audit.actor_email, audit.result) == (
        "created",
        who.email,
        {"case_id": case.id, "assignee": assignee},
    )
    assert store.all(PendingAction) == []  # no confirmation needed


@pytest.mark.parametrize(
    ("queue", "subject", "summary"),
    [
        ("billing_team", "Help", "x"),
        ("ae", "", "x"),
        ("ae", "Help", "   "),
        ("ae", "x" * 201, "x"),
    ],
)
def test_invalid_case_changes_nothing(svc, store, queue, subject, summary):
    with pytest.raises(InvalidInput):
        svc.create_support_case(ALICE, "conv-9", queue, subject, summary)
    assert store.all(SupportCase) == [] and mails(store) == [] and audits(store) == []
