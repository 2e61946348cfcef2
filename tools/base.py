"""The one way a tool calls the domain and reports back to the model."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

from langchain_core.tools import BaseTool, tool

from billing.commands import Command
from billing.errors import DomainError
from billing.rules.cards import mask_cards
from tools import grounding
from tools.context import AgentContext, Runtime, ToolCallRecord

# What a tool does: reads; proposes a change that waits for the user's confirmation; or hands the
# conversation to a person at once (a support case: audited, changes no billing data).
READ, PROPOSE, HANDOFF = "read", "propose", "handoff"


def portal_tool(kind: str) -> Callable[[Callable[..., str]], BaseTool]:
    """`@tool`, tagged with its kind (READ, PROPOSE or HANDOFF; the runner and tests rely on the tag)."""

    def wrap(fn: Callable[..., str]) -> BaseTool:
        made = tool(fn)
        made.metadata, made.tags = {"kind": kind}, [kind]
        made.description = " ".join(made.description.split())  # docstring indentation costs tokens
        return made

    return wrap


def ctx_of(runtime: Runtime) -> AgentContext:
    return runtime.context


def to_json(data: object) -> str:
    """Compact JSON: models read it well and it costs few tokens."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False, default=str)


def run_tool(runtime: Runtime, name: str, args: Mapping[str, object], fn: Callable[[], str]) -> str:
    """Run `fn`, record the call, and turn a domain refusal into a short explanation with its reason."""
    ctx = ctx_of(runtime)
    # Recorded arguments reach turn results and traces: no card number among them, whatever the model sent.
    clean_args = {k: _masked(v) for k, v in args.items() if v not in (None, "", [])}
    try:
        text = fn()
    except DomainError as error:
        ctx.turn.tool_calls.append(ToolCallRecord(name, clean_args, False, error.code))
        return refusal(error)
    ctx.turn.tool_calls.append(ToolCallRecord(name, clean_args, True))
    ctx.seen.append(text)
    return text


def _masked(value: object) -> object:
    if isinstance(value, str):
        return mask_cards(value)
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value


def refusal(error: DomainError) -> str:
    handoff = {"queue": error.queue} if error.queue else {}
    return to_json({"ok": False, "error": error.code, "kind": error.kind, "message": error.message, **handoff})


def propose(runtime: Runtime, command: type[Command], args: Mapping[str, object]) -> str:
    """Write tools only propose: the model's arguments become the domain's command (its validation),
    the domain checks it and records a pending action; nothing changes.

    A value the user never gave (a made-up PO number, a guessed e-mail) is not proposed: the model is
    told to ask for it."""
    ctx = ctx_of(runtime)
    operation = command.operation

    def do() -> str:
        missing = grounding.check(operation, args, ctx.said, ctx.seen)
        if missing is not None:
            ctx.turn.ungrounded.append(missing.field)
            raise grounding.NotGivenByUser(missing.field)
        action = ctx.billing.propose(ctx.principal, ctx.conversation_id, command.clean(args))
        ctx.turn.pending = action
        return to_json(
            {
                "ok": True,
                "proposed": True,
                "action_id": action.id,
                "summary": action.summary,
                "note": "Nothing has changed yet. Show the user this summary and ask them to confirm "
                "(they can reply yes or press Confirm).",
            }
        )

    return run_tool(runtime, operation, args, do)
