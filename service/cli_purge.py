"""`portal-agent purge`: the retention purge once, by hand (the `purge` background job runs it daily)."""

from __future__ import annotations

import typer


def register_purge_command(app: typer.Typer) -> None:
    app.command("purge")(purge)


def purge(
    dry_run: bool = typer.Option(False, "--dry-run", help="Count what would be deleted; delete nothing."),
) -> None:
    """Delete the conversations (messages, turns, ratings) nobody touched for PORTAL_RETENTION_DAYS (default
    365), in batches. Kept: a conversation in use or with an action still open, the audit log, pending actions
    and every billing record. Safe beside the job and the service."""
    from agent.retention import purge as purge_conversations
    from bootstrap.container import get_container

    container = get_container()
    report = purge_conversations(container.engine, container.settings.portal_retention_days, dry_run=dry_run)
    typer.echo(
        report.summary()
        or f"Nothing to purge: no conversation was last active before {report.cutoff:%Y-%m-%d %H:%M} UTC."
    )
