"""`portal-agent relay`: deliver the e-mail outbox (receipts, notices) once, or every few seconds."""

from __future__ import annotations

import typer


def register_relay_command(app: typer.Typer) -> None:
    app.command("relay")(relay)


def relay(
    once: bool = typer.Option(False, "--once", help="Deliver what is due now and exit (for cron or a job runner)."),
    interval: float | None = typer.Option(
        None, "--interval", min=0.1, help="Seconds between runs (default PORTAL_RELAY_INTERVAL, 10)."
    ),
) -> None:
    """Deliver queued mail over SMTP (PORTAL_SMTP_URL), retrying failures with back-off. Without
    PORTAL_SMTP_URL (development) each mail is written to a file in the data dir instead. Several relays
    may run at once: each mail is claimed by one."""
    import signal
    import threading

    from bootstrap.container import get_container
    from service.logging import configure_logging
    from service.mail.relay import RelayNotConfigured, build_relay, delivery_note, run_forever, summary

    container = get_container()
    settings = container.settings
    try:
        outbox_relay = build_relay(container)
    except RelayNotConfigured as problem:
        typer.secho(f"Cannot start the outbox relay: {problem}", fg="red", err=True)
        raise typer.Exit(2) from None
    typer.echo(delivery_note(settings), err=True)
    if once:
        typer.echo(summary(outbox_relay.run_once()))
        return
    configure_logging(settings.portal_log_level)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        run_forever(outbox_relay, interval or settings.portal_relay_interval, stop)
    except KeyboardInterrupt:
        pass
