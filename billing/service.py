"""`BillingService`: the one entry point to the domain for the agent's tools, the API, Slack and the CLI.

Each call runs in its own unit of work; the acting principal always comes from the caller's
authenticated channel.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from billing.access import load_user
from billing.commands import Command
from billing.entities import ActionStatus, IntentState, Payment, PaymentIntent, PendingAction, SupportCase
from billing.errors import ActionAlreadyDecided, DomainError
from billing.expiry import due_for_expiry, expire
from billing.operations import actions, payment_outcome, reads, support
from billing.operations.base import Ctx
from billing.ports import Clock, PaymentGateway, UnitOfWork, UnitOfWorkFactory
from billing.principal import Principal
from billing.reconcile import RECONCILE_AFTER, ReconcileReport, due_intents
from billing.settlement import SettlementReport, settle_reported
from billing.tracing import traced
from billing.views import ContractUserView, ContractView, InvoiceView, MeView, QuoteView

T = TypeVar("T")


@dataclass
class BillingService:
    """Guarded billing operations: reads, propose/execute/reject, support cases, reconciliation, settlement,
    expiry.

    Transactions are opened here, and the gateway is only ever called between them. Each public method is
    one domain operation and runs in a span of its own (`billing/tracing.py`; a no-op unless tracing is on)."""

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
    @traced
    def require_user(self, p: Principal) -> None:
        """Raise `UnknownUser` unless the principal is a portal user (one query; `me` makes three)."""
        self._run(p, lambda ctx: None)

    @traced
    def me(self, p: Principal) -> MeView:
        return self._run(p, reads.me)

    @traced
    def list_contracts(self, p: Principal) -> list[ContractView]:
        return self._run(p, reads.list_contracts)

    @traced
    def get_contract(self, p: Principal, contract_id: str) -> ContractView:
        return self._run(p, lambda ctx: reads.get_contract(ctx, contract_id))

    @traced
    def list_contract_users(self, p: Principal, contract_id: str) -> list[ContractUserView]:
        return self._run(p, lambda ctx: reads.list_contract_users(ctx, contract_id))

    @traced
    def list_invoices(
        self, p: Principal, contract_id: str | None = None, status: str | None = None
    ) -> list[InvoiceView]:
        return self._run(p, lambda ctx: reads.list_invoices(ctx, contract_id, status))

    @traced
    def get_invoice(self, p: Principal, invoice_id: str) -> InvoiceView:
        return self._run(p, lambda ctx: reads.get_invoice(ctx, invoice_id))

    @traced
    def get_signed_quote(self, p: Principal, contract_id: str) -> QuoteView:
        return self._run(p, lambda ctx: reads.get_signed_quote(ctx, contract_id))

    @traced
    def pending_actions(self, p: Principal, conversation_id: str) -> list[PendingAction]:
        """The conversation's actions still awaiting a decision (expired ones are not)."""

        def fn(ctx: Ctx) -> list[PendingAction]:
            found = ctx.repo.find(
                PendingAction,
                user_email=ctx.user.email,
                conversation_id=conversation_id,
                status=ActionStatus.PENDING.value,
            )
            return [a for a in found if a.expires_at > ctx.clock.now()]

        return self._run(p, fn)

    @traced
    def get_action(self, p: Principal, action_id: str) -> PendingAction | None:
        def fn(ctx: Ctx) -> PendingAction | None:
            action = ctx.repo.get(PendingAction, action_id)
            return action if action and action.user_email == ctx.user.email else None

        return self._run(p, fn)

    # -- writes ----------------------------------------------------------------------------------
    @traced
    def propose(self, p: Principal, conversation_id: str, command: Command) -> PendingAction:
        """Check a command and record it as a pending action; nothing changes until `execute`."""
        return self._run(p, lambda ctx: actions.propose(ctx, conversation_id, command, self.action_ttl), write=True)

    @traced
    def execute(self, p: Principal, action_id: str, conversation_id: str | None = None) -> PendingAction:
        """Execute the user's pending action once. Returns it as executed, or as failed with the reason.

        A payment returns executed or failed once the gateway answered, or `in_progress` when its
        answer was lost (reconciliation completes it). Raises `ActionNotFound` (not theirs /
        unknown) or `ActionAlreadyDecided` (incl. expired).
        """
        failure: DomainError | None = None
        with self.uow_factory(write=True) as uow:
            ctx = self._ctx(uow, p)
            action = actions.load_pending(ctx, action_id, conversation_id)
            if actions.expire_if_due(ctx, action):
                uow.commit()
                raise_decided(action)
            try:
                actions.execute(ctx, action)
                uow.commit()
            except DomainError as error:
                uow.rollback()
                failure = error
        if failure is not None:
            refused = failure
            return self._run(
                p, lambda ctx: actions.fail(ctx, actions.load_pending(ctx, action_id, None), refused), write=True
            )
        if action.status == ActionStatus.IN_PROGRESS:
            return self._pay(p, action)
        return action

    def _pay(self, p: Principal, action: PendingAction) -> PendingAction:
        """Steps 2 and 3 of a payment whose intent is committed: no transaction is open during the call."""
        with self.uow_factory() as uow:
            [intent] = uow.repo.find(PaymentIntent, action_id=action.id)
        answer = payment_outcome.charge(self.gateway, intent)
        return self._record_outcome(p, intent, answer, "payment") or self._stored(p, action.id)

    def _record_outcome(
        self, p: Principal, intent: PaymentIntent, answer: payment_outcome.GatewayAnswer, via: str
    ) -> PendingAction | None:
        return self._run(p, lambda ctx: payment_outcome.record_outcome(ctx, intent.id, answer, via), write=True)

    def _stored(self, p: Principal, action_id: str) -> PendingAction:
        """The action as recorded (by whoever completed it)."""
        found = self.get_action(p, action_id)
        assert found is not None
        return found

    @traced
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

    @traced
    def create_support_case(
        self, p: Principal, conversation_id: str, queue: str, subject: str, summary: str
    ) -> SupportCase:
        return self._run(p, lambda ctx: support.create_case(ctx, conversation_id, queue, subject, summary), write=True)

    # -- jobs ------------------------------------------------------------------------------------
    @traced
    def reconcile(self, *, older_than: dt.timedelta = RECONCILE_AFTER) -> ReconcileReport:
        """Complete every payment still pending or unknown after `older_than` from the gateway's record.

        Safe to run in several processes at once: each outcome is recorded by one of them only."""
        report = ReconcileReport()
        with self.uow_factory() as uow:
            due = due_intents(uow.repo, self.clock.now() - older_than)
        for intent, action in due:
            report.checked += 1
            answer = payment_outcome.ask(self.gateway, intent)  # outside any transaction
            if answer.state == IntentState.UNKNOWN:
                report.unanswered.append(intent.invoice_id)
                continue
            decided = self._record_outcome(
                Principal(action.user_email, action.channel), intent, answer, "reconciliation"
            )
            if decided is None:
                report.completed_elsewhere += 1
            else:
                won = report.succeeded if answer.state == IntentState.SUCCEEDED else report.declined
                won.append(intent.invoice_id)
        return report

    @traced
    def expire_actions(self) -> list[str]:
        """Mark expired every pending action past its time; returns their ids.

        One short transaction per action: a user confirming one of them at the same moment waits for one
        row at most, and whichever commits first decides it (a confirm after that gets `expired`)."""
        with self.uow_factory() as uow:
            due = due_for_expiry(uow.repo, self.clock.now())
        expired = []
        for action_id in due:
            with self.uow_factory(write=True) as uow:
                if expire(uow.repo, action_id, self.clock.now()):
                    uow.commit()
                    expired.append(action_id)
        return expired

    @traced
    def settle(self, *, everything: bool = False) -> SettlementReport:
        """Processing payments become paid once the gateway reports their charge settled.

        `everything` first asks the gateway to settle every open charge now (a batch close)."""
        if everything:
            self.gateway.close_batch()
        with self.uow_factory() as uow:
            charge_ids = [p.gateway_charge_id for p in uow.repo.find(Payment, status="processing")]
        settled = self.gateway.settlement_report(charge_ids) if charge_ids else []
        with self.uow_factory(write=True) as uow:
            report = settle_reported(uow.repo, settled, self.clock.now(), self.clock.today())
            uow.commit()
            return report


def raise_decided(action: PendingAction) -> None:
    raise ActionAlreadyDecided(action.id, action.status.value, action.result)
