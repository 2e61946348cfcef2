"""`portal-agent ask`, `confirm`, `reject` and `chat`: the agent from a terminal, same runner as every channel."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, TypeVar

import typer

from service.cli_db import _as_principal, _container, _fail

if TYPE_CHECKING:
    from agent.results import TurnResult

T = TypeVar("T")


def register_agent_commands(app: typer.Typer) -> None:
    app.command("ask")(ask)
    app.command("confirm")(confirm)
    app.command("reject")(reject)
    app.command("chat")(chat)


def _run(fn: Callable[[], T], as_json: bool = False) -> T:
    """Domain errors become a message (JSON with --json) and a non-zero exit."""
    from billing.errors import DomainError

    try:
        return fn()
    except DomainError as error:
        _fail(json.dumps(error.to_dict(), default=str) if as_json else error.message)


def ask(
    text: str = typer.Argument(..., help="What to ask."),
    email: str = typer.Option(..., "--as"),
    conversation: str = typer.Option(None, "--conversation", help="Continue this conversation."),
    as_json: bool = typer.Option(False, "--json", help="Print the turn result as JSON."),
) -> None:
    """Send one message to the agent (starts a conversation unless --conversation is given)."""
    runner, principal = _container().runner, _as_principal(email)
    conv_id = conversation or _run(lambda: runner.start_conversation(principal).id, as_json)
    result = _run(lambda: runner.run_turn(principal, conv_id, text), as_json)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), default=str))
        return
    _print_turn(result)
    if result.pending_action:
        typer.echo(f"\nTo confirm: portal-agent confirm --as {principal.email} --conversation {conv_id}")
        typer.echo(f"To cancel:  portal-agent reject --as {principal.email} --conversation {conv_id}")
    else:
        typer.echo(f"\n(conversation {conv_id})")


def _decide(email: str, conversation: str, action_id: str | None, approve: bool, as_json: bool) -> None:
    runner, principal = _container().runner, _as_principal(email)
    if not action_id:
        pending = _run(lambda: runner.billing.pending_actions(principal, conversation), as_json)
        if not pending:
            _fail("There is no pending action in that conversation.")
        action_id = pending[-1].id
    result = _run(lambda: runner.decide(principal, conversation, action_id, approve), as_json)
    typer.echo(json.dumps(result.to_dict(), default=str) if as_json else result.reply)


def confirm(
    email: str = typer.Option(..., "--as"),
    conversation: str = typer.Option(..., "--conversation"),
    action_id: str = typer.Argument(None),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Confirm the pending action of a conversation (executes it once)."""
    _decide(email, conversation, action_id, True, as_json)


def reject(
    email: str = typer.Option(..., "--as"),
    conversation: str = typer.Option(..., "--conversation"),
    action_id: str = typer.Argument(None),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Reject the pending action of a conversation (nothing changes)."""
    _decide(email, conversation, action_id, False, as_json)


def chat(email: str = typer.Option(..., "--as")) -> None:
    """Chat in the terminal; pending actions are confirmed with y/n. Empty line or Ctrl-D quits."""
    runner, principal = _container().runner, _as_principal(email)
    conv_id = _run(lambda: runner.start_conversation(principal).id)
    typer.echo(f"Chatting as {principal.email} (conversation {conv_id}). Empty line to quit.")
    while True:
        try:
            text = input("you> ").strip()
        except EOFError:
            break
        if not text:
            break
        result = _run(partial(runner.run_turn, principal, conv_id, text))
        _print_turn(result)
        if result.pending_action:
            approve = typer.confirm(f"Confirm: {result.pending_action['summary']}?", default=False)
            outcome = _run(partial(runner.decide, principal, conv_id, result.pending_action["id"], approve))
            typer.echo(f"agent> {outcome.reply}")


def _print_turn(result: TurnResult) -> None:
    typer.echo(f"agent> {result.reply}")
    for i, c in enumerate(result.citations, 1):
        typer.echo(f"  [{i}] {c['title']} ({c['source']})")
    for link in result.links:
        typer.echo(f"  link: {link['title']}: {link['url']}")
    if result.pending_action:
        typer.echo(f"  PENDING: {result.pending_action['summary']} (expires {result.pending_action['expires_at']})")
    if result.handoff:
        typer.echo(f"  Support case {result.handoff['case_id']} opened with {result.handoff['assignee']}.")
