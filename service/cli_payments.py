"""`portal-agent payments ...`: card payments whose outcome must be completed from the gateway's records."""

from __future__ import annotations

import datetime as dt

import typer

payments_app = typer.Typer(no_args_is_help=True)


@payments_app.command("reconcile")
def reconcile(
    older_than: float = typer.Option(
        60.0, "--older-than", min=0, help="Only payments in progress for at least this many seconds."
    ),
) -> None:
    """Complete card payments still in progress (a crash, a lost gateway answer) from the gateway's
    record of each idempotency key. Safe to run from several processes at once."""
    from bootstrap.container import get_container

    report = get_container().billing.reconcile(older_than=dt.timedelta(seconds=older_than))
    typer.echo(
        f"Checked {report.checked} payment(s) in progress: "
        f"{len(report.succeeded)} went through ({', '.join(report.succeeded) or '-'}), "
        f"{len(report.declined)} did not ({', '.join(report.declined) or '-'}), "
        f"{len(report.unanswered)} still without an answer from the gateway "
        f"({', '.join(report.unanswered) or '-'})."
    )
    if report.completed_elsewhere:
        typer.echo(f"{report.completed_elsewhere} were completed by another process meanwhile.")
