"""Spans of a turn and of a decision, through the OpenTelemetry API only.

Tracing is off unless the service installs an SDK provider (service/tracing.py, from the standard `OTEL_*`
settings); until then every span here is the API's non-recording span, and a turn pays for a handful of
no-op calls. Spans carry ids, names, counts and outcomes: never what anyone wrote (no message text, no
tool argument values beyond ids), so a card number typed in a message cannot reach a trace through them.

A turn is a generator that yields while it streams, and the consumer of those events (an SSE queue, Slack)
runs between two steps. `run_within` makes a span current only while the generator's own code runs, so
the spans started inside it (model requests, tool calls, domain operations) nest under it, and nothing the
consumer does is attributed to the turn.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from contextlib import contextmanager
from typing import TypeVar

from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind

from agent.events import DoneEvent, ReplaceEvent, TurnEvent
from agent.results import TurnResult
from billing.entities import PendingAction
from billing.tracing import Tracer, record_failure

TRACER = "portal_agent.agent"
AGENT_NAME = "portal-agent"
Y = TypeVar("Y")
R = TypeVar("R")


_tracer = Tracer(TRACER)


def tracer() -> trace.Tracer:
    """The agent's tracer from the provider installed now (billing/tracing.py says why not at import)."""
    return _tracer.get()


@contextmanager
def ending(span: Span) -> Iterator[Span]:
    """End `span` when the block ends; an exception is recorded by type (billing/tracing.py). The span is not
    made current here (see `run_within`), so the block may yield."""
    try:
        yield span
    except Exception as exc:
        record_failure(span, exc)
        raise
    finally:
        span.end()


@contextmanager
def active(span: Span) -> Iterator[Span]:
    """`span` current for the block (which must not yield) and ended after it; with tracing off, neither."""
    if not span.is_recording():  # a no-op span needs neither
        yield span
        return
    with ending(span), trace.use_span(span, record_exception=False, set_status_on_exception=False):
        yield span


def run_within(span: Span, steps: Generator[Y, None, R]) -> Generator[Y, None, R]:
    """`yield from steps`, with `span` current only while `steps` runs (not while its items are consumed)."""
    if not span.is_recording():  # tracing off: no context switch per step
        return (yield from steps)
    try:
        while True:
            with trace.use_span(span, record_exception=False, set_status_on_exception=False):
                try:
                    item = next(steps)
                except StopIteration as done:
                    value: R = done.value
                    return value
            yield item
    finally:
        with trace.use_span(span, record_exception=False, set_status_on_exception=False):
            steps.close()  # a consumer that stops early: the steps' own clean-up runs under the span too


def traced_turn(conversation_id: str, channel: str, events: Generator[TurnEvent, None, None]) -> Iterator[TurnEvent]:
    """A turn's events inside an `invoke_agent` span (GenAI semantic conventions), which records how the turn
    ended: who answered, whether it degraded, what it proposed or decided, what the output guard replaced."""
    span = tracer().start_span(
        f"invoke_agent {AGENT_NAME}",
        kind=SpanKind.INTERNAL,
        attributes={
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.agent.name": AGENT_NAME,
            "gen_ai.conversation.id": conversation_id,
            "portal.channel": channel,
        },
    )
    with ending(span):
        for event in run_within(span, events):
            if isinstance(event, DoneEvent):
                _record_turn(span, event.result)
            elif isinstance(event, ReplaceEvent) and span.is_recording():
                span.add_event("portal.reply_replaced", {"portal.reasons": list(event.reasons)})
            yield event


def _record_turn(span: Span, result: TurnResult) -> None:
    if not span.is_recording():
        return
    span.set_attributes(
        {
            "portal.turn.answered_by": result.model,
            "portal.turn.degraded": result.degraded,
            "portal.turn.tool_calls": len(result.tool_calls),
            "portal.turn.citations": len(result.citations),
            "portal.turn.guard": list(result.guard),
        }
    )
    if result.pending_action is not None:
        span.set_attributes(
            {
                "portal.action.id": result.pending_action["id"],
                "portal.operation.command": result.pending_action["tool"],
                "portal.action.status": "pending",
            }
        )
    if result.decided_action is not None:
        span.set_attributes(
            {"portal.action.id": result.decided_action["id"], "portal.action.status": result.decided_action["status"]}
        )
    if result.handoff is not None:
        span.set_attribute("portal.handoff.queue", result.handoff["queue"])


@contextmanager
def traced_decision(conversation_id: str, action_id: str, approve: bool) -> Iterator[Span]:
    """The button path (Confirm / Cancel): a span around the decision and the domain operation it runs."""
    span = tracer().start_span(
        "decide_action",
        kind=SpanKind.INTERNAL,
        attributes={
            "gen_ai.conversation.id": conversation_id,
            "portal.action.id": action_id,
            "portal.decision": "confirm" if approve else "reject",
        },
    )
    with active(span):
        yield span


def record_decision(span: Span, action: PendingAction) -> None:
    if span.is_recording():
        span.set_attributes({"portal.operation.command": action.operation, "portal.action.status": action.status.value})
