"""Expiry job: pending actions past their `expires_at` are marked expired, and audited as the system's doing.

A confirm or reject of an action past its time already expires it on the spot (`actions.expire_if_due`);
this job does it for the actions nobody comes back to, so the database says what is still awaiting a
decision. Either way the action ends `expired` once, and a later confirm gets `ActionAlreadyDecided`.
"""

from __future__ import annotations

import datetime as dt

from billing.entities import ActionStatus, AuditEntry, PendingAction
from billing.operations.base import new_id
from billing.ports import Repository

EXPIRED_RESULT = {"reason": "expired"}  # what a confirm after the deadline records too


def due_for_expiry(repo: Repository, now: dt.datetime) -> list[str]:
    """Ids of the pending actions whose time ran out, oldest deadline first."""
    pending = repo.find(PendingAction, status=ActionStatus.PENDING.value)
    return [a.id for a in sorted(pending, key=lambda a: (a.expires_at, a.id)) if a.expires_at <= now]


def expire(repo: Repository, action_id: str, now: dt.datetime) -> bool:
    """Expire one action if it is still pending and past its time; False if it was decided meanwhile (a
    confirm, a reject, another expiry run: the conditional transition lets exactly one of them through)."""
    action = repo.get(PendingAction, action_id)
    if action is None or action.expires_at > now:
        return False
    if not repo.transition_action(action.id, ActionStatus.PENDING, ActionStatus.EXPIRED, now):
        return False
    action.status, action.result, action.decided_at = ActionStatus.EXPIRED, dict(EXPIRED_RESULT), now
    repo.update(action)
    repo.add(
        AuditEntry(
            new_id("aud"),
            now,
            "system",  # nobody asked: the deadline passed (the settlement job audits as the system too)
            "job",
            action.conversation_id,
            action.operation,
            action.args,
            ActionStatus.EXPIRED.value,
            dict(EXPIRED_RESULT),
            action.id,
        )
    )
    return True
