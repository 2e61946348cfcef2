"""Drives one conversation through the service's Runner and records every step with its effects on
the database (taken from snapshots before and after the step, not from what the runner says)."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from typing import cast

from agent.runner import Runner
from billing.errors import DomainError
from billing.principal import Principal
from evals.records import CitationView, DecidedView, PendingView, StepRecord, ToolCallView
from evals.scorers import is_bare_affirmative
from evals.world import BILLING_DATA, STARTED, TrialWorld, diff
from tools.context import Handoff

WATCHED = BILLING_DATA + ("pending_actions",)


class Session:
    """One user in one conversation: `say` a message or `press` Confirm/Reject on the action shown."""

    def __init__(self, world: TrialWorld, runner: Runner, principal: Principal) -> None:
        self.world, self.runner, self.principal = world, runner, principal
        self.conversation_id = runner.start_conversation(principal).id
        self.steps: list[StepRecord] = []
        self.offered: PendingView | None = None  # the action on screen, awaiting a decision
        self._last = world.snapshot(WATCHED)  # nothing happens between steps: the next step's "before"

    def say(self, text: str) -> StepRecord:
        rec = StepRecord(
            "say", text, offered=self._offered_id(), confirm_step=self.offered is not None and is_bare_affirmative(text)
        )
        return self._step(rec, lambda: self._turn(rec, text))

    def press(self, approve: bool) -> StepRecord:
        rec = StepRecord(
            "confirm" if approve else "reject",
            "",
            offered=self._offered_id(),
            confirm_step=approve and self.offered is not None,
        )
        if self.offered is None:
            rec.note = "no action was awaiting a decision, so there was no button to press"
            self.steps.append(rec)
            return rec
        return self._step(rec, lambda: self._decide(rec, approve))

    # -- internals --------------------------------------------------------------------------------
    def _offered_id(self) -> str | None:
        return self.offered["id"] if self.offered else None

    def _step(self, rec: StepRecord, run: Callable[[], None]) -> StepRecord:
        before = self._last
        started = time.perf_counter()
        try:
            run()
        except DomainError as error:  # what the API would answer with a 4xx: a plain message
            rec.reply = rec.reply or error.message
            rec.note = f"{type(error).__name__}: {error.message}"
        except Exception as exc:  # noqa: BLE001 - a crash is a scored failure, not a harness error
            rec.error = f"{type(exc).__name__}: {exc}"
            rec.note = traceback.format_exc(limit=6)
        rec.ms = round((time.perf_counter() - started) * 1000, 1)
        after = self._last = self.world.snapshot(WATCHED)
        changes = diff(before, after, BILLING_DATA)
        rec.changed = sorted(changes)
        rec.executed = sorted(
            k
            for k, row in after["pending_actions"].items()
            if row["status"] in STARTED and before["pending_actions"].get(k, {}).get("status") not in STARTED
        )
        if rec.decided and self.offered and rec.decided.get("id") == self.offered["id"]:
            rec.decided.setdefault("tool", self.offered.get("tool"))
        self.offered = (
            rec.pending if rec.pending else (None if rec.kind != "say" or rec.decided else self._still_pending())
        )
        self.steps.append(rec)
        return rec

    def _still_pending(self) -> PendingView | None:
        """After a message that proposed nothing, the earlier action stays on screen only if still pending."""
        if self.offered is None:
            return None
        row = self._last["pending_actions"].get(self.offered["id"])
        return self.offered if row and row["status"] == "pending" else None

    def _turn(self, rec: StepRecord, text: str) -> None:
        result = self.runner.run_turn(self.principal, self.conversation_id, text)
        # The turn result's JSON contracts (SPEC section 4), named with the shapes the scorers read.
        rec.reply = result.reply
        rec.tool_calls = cast("list[ToolCallView]", list(result.tool_calls))
        rec.citations = cast("list[CitationView]", list(result.citations))
        rec.pending = cast("PendingView | None", result.pending_action)
        rec.handoff, rec.links = cast("Handoff | None", result.handoff), list(result.links)
        rec.decided = cast("DecidedView", dict(result.decided_action)) if result.decided_action else None
        rec.model, rec.degraded, rec.guard = result.model, result.degraded, list(result.guard)
        usage = result.usage or {}
        rec.input_tokens, rec.output_tokens = int(usage.get("input_tokens", 0)), int(usage.get("output_tokens", 0))

    def _decide(self, rec: StepRecord, approve: bool) -> None:
        assert self.offered is not None
        result = self.runner.decide(self.principal, self.conversation_id, self.offered["id"], approve)
        rec.reply = result.reply
        rec.decided = {
            "id": result.action_id,
            "status": result.status,
            "result": result.result,
            "tool": self.offered.get("tool"),
        }
        rec.model = "service"
