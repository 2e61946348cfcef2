"""`portal-agent worker`: the background jobs (settlement, expiry, reconciliation, the outbox relay, the
retention purge) in a loop, or each once with --once."""

from __future__ import annotations

import typer

from service.jobs.job import JOB_NAMES


def register_worker_command(app: typer.Typer) -> None:
    app.command("worker")(worker)


def worker(
    once: bool = typer.Option(False, "--once", help="Run each job once now and exit (for cron or a job runner)."),
    jobs: str = typer.Option(",".join(JOB_NAMES), "--jobs", help="Comma-separated jobs to run."),
) -> None:
    """Run the background jobs: settle payments the gateway settled, expire pending actions past their time,
    reconcile payments whose outcome was lost, deliver the outbox, purge conversations past
    PORTAL_RETENTION_DAYS. Intervals: PORTAL_SETTLE_INTERVAL, PORTAL_EXPIRE_INTERVAL, PORTAL_RECONCILE_INTERVAL,
    PORTAL_RELAY_INTERVAL, PORTAL_PURGE_INTERVAL (seconds). On PostgreSQL run as many workers as you like: each
    tick of each job runs once. SQLite is one host: run one."""
    import signal

    from bootstrap.container import get_container
    from service.jobs.background import describe
    from service.jobs.catalog import build_jobs
    from service.jobs.job import Status
    from service.jobs.scheduler import Scheduler
    from service.logging import configure_logging
    from service.mail.relay import RelayNotConfigured, delivery_note

    container = get_container()
    names = [name.strip() for name in jobs.split(",") if name.strip()]
    try:
        selected = build_jobs(container, names)
    except ValueError as problem:
        typer.secho(str(problem), fg="red", err=True)
        raise typer.Exit(2) from None
    except RelayNotConfigured as problem:  # a worker that quietly never sends mail would be worse
        typer.secho(f"Cannot start the outbox relay: {problem}", fg="red", err=True)
        raise typer.Exit(2) from None
    typer.echo(describe(selected, container.engine.dialect.name), err=True)
    if "relay" in names:
        typer.echo(delivery_note(container.settings), err=True)
    scheduler = Scheduler(container.engine, selected)
    if once:
        outcomes = [scheduler.run_now(job) for job in selected]
        for outcome in outcomes:
            said = outcome.summary or ("nothing to do" if outcome.status == Status.RAN else "")
            typer.echo(f"{outcome.job}: {outcome.status}" + (f": {said}" if said else ""))
        if any(o.status == Status.FAILED for o in outcomes):
            raise typer.Exit(1)
        return
    configure_logging(container.settings.portal_log_level)
    signal.signal(signal.SIGTERM, lambda *_: scheduler.request_stop())
    scheduler.start()
    try:
        scheduler.wait()
    except KeyboardInterrupt:
        pass
    finally:
        scheduler.stop()
