"""Every write operation by name: the only mutations the portal, the agent and Slack can propose."""

from __future__ import annotations

from collections.abc import Mapping

from billing.commands import Command
from billing.errors import InvalidInput
from billing.operations.base import Operation
from billing.operations.contracts import (
    DISABLE_AUTO_RENEW,
    UPDATE_BILLING_ADDRESS,
    UPDATE_BILLING_CONTACT,
    UPDATE_CARD,
)
from billing.operations.invoices import UPDATE_PO_NUMBER
from billing.operations.payments import PAY_INVOICE
from billing.operations.users import ADD_PORTAL_USER, GRANT_CONTRACT_ACCESS, REMOVE_CONTRACT_ACCESS

OPERATIONS: dict[str, Operation[Command]] = {
    op.name: op
    for op in (
        PAY_INVOICE,
        UPDATE_PO_NUMBER,
        UPDATE_BILLING_ADDRESS,
        UPDATE_BILLING_CONTACT,
        UPDATE_CARD,
        DISABLE_AUTO_RENEW,
        ADD_PORTAL_USER,
        GRANT_CONTRACT_ACCESS,
        REMOVE_CONTRACT_ACCESS,
    )
}


def operation(name: str) -> Operation[Command]:
    try:
        return OPERATIONS[name]
    except KeyError:
        raise InvalidInput("operation", name, f"known operations are {', '.join(sorted(OPERATIONS))}") from None


def command(name: str, raw: Mapping[str, object]) -> Command:
    """Raw arguments (a form, a tool call) for the named operation, validated into its command."""
    return operation(name).clean(raw)
