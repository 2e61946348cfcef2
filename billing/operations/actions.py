"""The two-phase protocol: propose (validate, record a pending action) and decide (execute once or reject)."""

from __future__ import annotations

import datetime as dt

from billing.commands import Command
from billing.entities import ActionStatus, AuditEntry, PendingAction
from billing.errors import ActionAlreadyDecided, ActionNotFound, DomainError
from billing.json_types import JsonObject
from billing.operations.base import Ctx, Proposal, new_id
from billing.operations.registry import operation


def propose(ctx: Ctx, conversation_id: str, command: Command, ttl: dt.timedelta) -> PendingAction:
    """Check everything now; record the action. An identical pending proposal is returned as is."""
    op = operation(command.operation)
    proposal = op.check(ctx, command)
    args = command.to_json()
    pending = ctx.repo.find(
        PendingAction, user_email=ctx.user.email, conversation_id=conversation_id, status=ActionStatus.PENDING.value
    )
    now = ctx.clock.now()
    for old in pending:
        if old.expires_at <= now:
            _decide(ctx, old, ActionStatus.EXPIRED, {"reason": "expired"})
        elif _same_proposal(old, op.name, args, proposal):
            return old
        else:
            _decide(ctx, old, ActionStatus.REJECTED, {"reason": "superseded"})  # one pending action per conversation
    action = PendingAction(
        new_id("act"),
        ctx.user.email,
        conversation_id,
        ctx.principal.channel,
        op.name,
        args,
        proposal.summary,
        ActionStatus.PENDING,
        now,
        now + ttl,
        bound=proposal.bound,
    )
    ctx.repo.add(action)
    return action


def _same_proposal(old: PendingAction, op_name: str, args: JsonObject, proposal: Proposal) -> bool:
    """Same operation and arguments *and* the same facts shown to the user (amount, card)."""
    return (old.operation, old.args, old.summary, old.bound) == (op_name, args, proposal.summary, proposal.bound)


def load_pending(ctx: Ctx, action_id: str, conversation_id: str | None) -> PendingAction:
    """The user's own action, locked; anyone else's looks like no action at all."""
    action = ctx.repo.get(PendingAction, action_id, for_update=True)
    if (
        action is None
        or action.user_email != ctx.user.email
        or (conversation_id is not None and action.conversation_id != conversation_id)
    ):
        raise ActionNotFound(action_id)
    if action.status != ActionStatus.PENDING:
        raise ActionAlreadyDecided(action.id, action.status.value, action.result)
    return action


def expire_if_due(ctx: Ctx, action: PendingAction) -> bool:
    if action.expires_at > ctx.clock.now():
        return False
    _decide(ctx, action, ActionStatus.EXPIRED, {"reason": "expired"})
    return True


def execute(ctx: Ctx, action: PendingAction) -> PendingAction:
    """Claim the action (single use even across processes), then perform it in this transaction.

    An external operation is only begun here: the action is `in_progress` until `finish` records
    its outcome, and it is audited then, once."""
    op = operation(action.operation)
    status = ActionStatus.IN_PROGRESS if op.external else ActionStatus.EXECUTED
    if not ctx.repo.transition_action(action.id, ActionStatus.PENDING, status, ctx.clock.now()):
        raise ActionAlreadyDecided(action.id, "decided")
    result = op.apply(ctx, op.clean(action.args), action)  # stored arguments pass the same validation
    _record(ctx, action, status, result, audit=not op.external)
    return action


def finish(ctx: Ctx, action: PendingAction, status: ActionStatus, result: JsonObject) -> PendingAction:
    """Record an in-progress action's outcome and audit it; only from `in_progress`, so only once."""
    if not ctx.repo.transition_action(action.id, ActionStatus.IN_PROGRESS, status, ctx.clock.now()):
        raise ActionAlreadyDecided(action.id, action.status.value, action.result)
    _record(ctx, action, status, result)
    return action


def note_progress(ctx: Ctx, action: PendingAction, result: JsonObject) -> None:
    """Update what an in-progress action shows (e.g. the gateway did not answer); not an outcome."""
    action.result = result
    ctx.repo.update(action)


def fail(ctx: Ctx, action: PendingAction, error: DomainError) -> PendingAction:
    """The rules no longer hold (or the gateway declined): the action ends as failed, nothing changed."""
    _decide(ctx, action, ActionStatus.FAILED, error.to_dict())
    return action


def reject(ctx: Ctx, action: PendingAction) -> PendingAction:
    _decide(ctx, action, ActionStatus.REJECTED, {"reason": "rejected by user"})
    return action


def _decide(ctx: Ctx, action: PendingAction, status: ActionStatus, result: JsonObject) -> None:
    if not ctx.repo.transition_action(action.id, ActionStatus.PENDING, status, ctx.clock.now()):
        raise ActionAlreadyDecided(action.id, "decided")
    _record(ctx, action, status, result)


def _record(ctx: Ctx, action: PendingAction, status: ActionStatus, result: JsonObject, audit: bool = True) -> None:
    action.status, action.result, action.decided_at = status, result, ctx.clock.now()
    ctx.repo.update(action)
    if audit:
        ctx.repo.add(
            AuditEntry(
                new_id("aud"),
                ctx.clock.now(),
                ctx.user.email,
                ctx.principal.channel,
                action.conversation_id,
                action.operation,
                action.args,
                status.value,
                result,
                action.id,
            )
        )
