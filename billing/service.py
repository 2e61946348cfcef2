"""`BillingService`: the one entry point to the domain for the agent's tools, the API, Slack and the CLI.

Each call runs in its own unit of work; the acting principal always comes from the caller's
authenticated channel.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

from billing.access import load_user
from billing.entities import ActionStatus, PendingAction, SupportCase
from billing.errors import ActionAlreadyDecided, DomainError
from billing.operations import actions, reads, support
from billing.operations.base import Ctx
from billing.ports import Clock, PaymentGateway, UnitOfWork, UnitOfWorkFactory
from billing.principal import Principal
from billing.settlement import SettlementReport, settle_due

T = TypeVar("T")


@dataclass
class BillingService:
    """Guarded billing operations: reads, propose/execute/reject, support cases, settlement."""

    uow_factory: UnitOfWorkFactory
    clock: Clock
    gateway: PaymentGateway
    action_ttl: dt.timedelta = dt.timedelta(minutes=15)

    # -- plumbing ------------------------------------------------------------------------------
    def _run(self, principal: Principal, fn: Callable[[Ctx], T], *, write: bool = False) -> T:
        with self.uow_factory(write=write) as uow:
            result = fn(self._ctx(uow, principal))
            if write:
                uow.commit()
            return result

    def _ctx(self, uow: UnitOfWork, principal: Principal) -> Ctx:
        return Ctx(uow.repo, principal, load_user(uow.repo, principal), self.clock, self.gateway)

    # -- reads -----------------------------------------------------------------------------------
    def require_user(self, p: Principal) -> None:
        """Raise `UnknownUser` unless the principal is a portal user (one query; `me` makes three)."""
        self._run(p, lambda ctx: None)

    def me(self, p: Principal) -> dict[str, Any]:
        return self._run(p, reads.me)

    def list_contracts(self, p: Principal) -> list[dict[str, Any]]:
        return self._run(p, reads.list_contracts)

    def get_contract(self, p: Principal, contract_id: str) -> dict[str, Any]:
        return self._run(p, lambda ctx: reads.get_contract(ctx, contract_id))

    def list_contract_users(self, p: Principal, contract_id: str) -> list[dict[str, Any]]:
        return self._run(p, lambda ctx: reads.list_contract_users(ctx, contract_id))

    def list_invoices(self, p: Principal, contract_id: str | None = None,
                      status: str | None = None) -> list[dict[str, Any]]:
        return self._run(p, lambda ctx: reads.list_invoices(ctx, contract_id, status))

    def get_invoice(self, p: Principal, invoice_id: str) -> dict[str, Any]:
        return self._run(p, lambda ctx: reads.get_invoice(ctx, invoice_id))

    def get_signed_quote(self, p: Principal, contract_id: str) -> dict[str, Any]:
        return self._run(p, lambda ctx: reads.get_signed_quote(ctx, contract_id))

    def pending_actions(self, p: Principal, conversation_id: str) -> list[PendingAction]:
        """The conversation's actions still awaiting a decision (expired ones are not)."""
        def fn(ctx: Ctx) -> list[PendingAction]:
            found = ctx.repo.find(PendingAction, user_email=ctx.user.email, conversation_id=conversation_id,
                                  status=ActionStatus.PENDING.value)
            return [a for a in found if a.expires_at > ctx.clock.now()]
        return self._run(p, fn)

    def get_action(self, p: Principal, action_id: str) -> PendingAction | None:
        def fn(ctx: Ctx) -> PendingAction | None:
            action = ctx.repo.get(PendingAction, action_id)
            return action if action and action.user_email == ctx.user.email else None
        return self._run(p, fn)

    # -- writes ----------------------------------------------------------------------------------
    def propose(self, p: Principal, conversation_id: str, operation: str, args: dict[str, Any]) -> PendingAction:
        """Validate and record a pending action; nothing changes until `execute`."""
        return self._run(p, lambda ctx: actions.propose(ctx, conversation_id, operation, args, self.action_ttl),
                         write=True)

    def execute(self, p: Principal, action_id: str, conversation_id: str | None = None) -> PendingAction:
        """Execute the user's pending action once. Returns it as executed, or as failed with the reason.

        Raises `ActionNotFound` (not theirs / unknown) or `ActionAlreadyDecided` (incl. expired).
        """
        with self.uow_factory(write=True) as uow:
            ctx = self._ctx(uow, p)
            action = actions.load_pending(ctx, action_id, conversation_id)
            if actions.expire_if_due(ctx, action):
                uow.commit()
                raise_decided(action)
            try:
                actions.execute(ctx, action)
                uow.commit()
                return action
            except DomainError as error:
                uow.rollback()
                failure = error
        return self._run(p, lambda ctx: actions.fail(ctx, actions.load_pending(ctx, action_id, None), failure),
                         write=True)

    def reject(self, p: Principal, action_id: str, conversation_id: str | None = None) -> PendingAction:
        """Reject the user's pending action; raises like `execute` when it is not pending any more."""
        with self.uow_factory(write=True) as uow:
            ctx = self._ctx(uow, p)
            action = actions.load_pending(ctx, action_id, conversation_id)
            if actions.expire_if_due(ctx, action):
                uow.commit()
                raise_decided(action)
            actions.reject(ctx, action)
            uow.commit()
            return action

    def create_support_case(self, p: Principal, conversation_id: str, queue: str, subject: str,
                            summary: str) -> SupportCase:
        return self._run(p, lambda ctx: support.create_case(ctx, conversation_id, queue, subject, summary),
                         write=True)

    def settle(self, *, everything: bool = False) -> SettlementReport:
        with self.uow_factory(write=True) as uow:
            report = settle_due(uow.repo, self.clock.now(), self.clock.today(), everything=everything)
            uow.commit()
            return report


def raise_decided(action: PendingAction) -> None:
    raise ActionAlreadyDecided(action.id, action.status.value, action.result)
