"""`portal-agent slack --socket` (Socket Mode runner) and Slack user linking."""

from __future__ import annotations

import typer

from service.cli_db import _container, _fail

slack_app = typer.Typer(invoke_without_command=True, no_args_is_help=False)


def register_slack_commands(app: typer.Typer) -> None:
    app.add_typer(slack_app, name="slack", help="Slack bot: Socket Mode runner and user links.")


@slack_app.callback()
def slack(
    ctx: typer.Context,
    socket: bool = typer.Option(
        False,
        "--socket",
        help="Run the bot over Socket Mode (no public URL needed; needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN).",
    ),
) -> None:
    """Slack bot. Over HTTP it is served by `portal-agent serve` at POST /slack/events."""
    if ctx.invoked_subcommand is not None:
        return
    if not socket:
        typer.echo(ctx.get_help())
        raise typer.Exit(0)
    import asyncio
    import logging

    from bootstrap.settings import get_settings
    from service.slack.mount import run_socket_mode
    from service.tracing import configure_tracing

    settings = get_settings()
    if not (settings.slack_bot_token and settings.slack_app_token):
        _fail("Socket Mode needs SLACK_BOT_TOKEN (xoxb-…) and SLACK_APP_TOKEN (xapp-…, scope connections:write).")
    container = _container()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    configure_tracing()  # this process runs turns too: traced when the OTEL_* settings ask, as `serve` is
    try:
        typer.echo("Connecting to Slack over Socket Mode (Ctrl-C to stop)…")
        asyncio.run(run_socket_mode(container))
    except KeyboardInterrupt:
        typer.echo("Stopped.")


@slack_app.command("link")
def link(
    slack_user_id: str = typer.Argument(..., help="Slack member ID, e.g. U012AB3CD."),
    email: str = typer.Argument(..., help="The portal user's e-mail."),
) -> None:
    """Let a Slack user act as a portal user (operator command; replaces any earlier link)."""
    from billing.errors import DomainError, UnknownUser
    from billing.principal import Principal
    from service.slack.identity import SlackLinks

    slack_user_id = slack_user_id.strip().upper()
    if slack_user_id[:1] not in ("U", "W") or not slack_user_id.isalnum():
        _fail(f"{slack_user_id!r} does not look like a Slack member ID (U… or W…).")
    container = _container()
    try:
        container.billing.me(Principal(email, "slack"))
    except UnknownUser as error:
        _fail(error.message)
    except DomainError:
        pass  # a known user without billing access (reseller) may still chat
    SlackLinks(container.engine).link(slack_user_id, email, "cli")
    typer.echo(f"Linked Slack user {slack_user_id} to {email.strip().lower()}.")


@slack_app.command("unlink")
def unlink(slack_user_id: str = typer.Argument(..., help="Slack member ID.")) -> None:
    """Remove a Slack user's link (they get linking instructions again, never data)."""
    from service.slack.identity import SlackLinks

    removed = SlackLinks(_container().engine).unlink(slack_user_id.strip().upper())
    typer.echo(f"Unlinked {slack_user_id}." if removed else f"{slack_user_id} was not linked.")


@slack_app.command("link-code")
def link_code(email: str = typer.Option(..., "--as", help="The portal user's e-mail.")) -> None:
    """Issue a one-time link code for a portal user (what the web widget will show); valid 10 minutes."""
    from service.slack.identity import issue_link_code

    typer.echo(issue_link_code(email, _container().engine))
