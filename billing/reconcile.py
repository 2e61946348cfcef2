"""Reconciliation: card payments whose outcome was never recorded (a crash, a lost answer, a failed
commit) are completed from the gateway's own record, by idempotency key, exactly once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from billing.entities import OPEN_INTENT_STATES, PaymentIntent, PendingAction
from billing.ports import Repository

# Long enough for a request that is still talking to the gateway to finish (its client times out
# sooner), so reconciliation does not void a payment that was about to go through.
RECONCILE_AFTER = dt.timedelta(seconds=60)


@dataclass
class ReconcileReport:
    checked: int = 0
    succeeded: list[str] = field(default_factory=list)  # invoice ids: the charge went through, payment recorded
    declined: list[str] = field(default_factory=list)  # invoice ids: nothing was charged, the action failed
    unanswered: list[str] = field(default_factory=list)  # invoice ids: the gateway gave no answer yet
    completed_elsewhere: int = 0  # another process recorded the outcome first


def due_intents(repo: Repository, cutoff: dt.datetime) -> list[tuple[PaymentIntent, PendingAction]]:
    """Open intents created at or before `cutoff`, oldest first, each with its action."""
    due = sorted(
        (i for i in repo.find(PaymentIntent, state=list(OPEN_INTENT_STATES)) if i.created_at <= cutoff),
        key=lambda i: (i.created_at, i.id),
    )
    actions = {a.id: a for a in repo.find(PendingAction, id=[i.action_id for i in due])} if due else {}
    return [(i, actions[i.action_id]) for i in due]
