"""`portal-agent serve`: the HTTP service (FastAPI under uvicorn).

Development mode (the default, with its published secret and the demo token route) serves this machine
only: `serve` refuses a non-loopback `--host` unless PORTAL_ENV=production, and the app itself refuses
requests from other hosts in development (service/middleware.py), however it is started.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from service.net import is_loopback_host

if TYPE_CHECKING:
    from service.jobs.scheduler import Scheduler

# uvicorn (h11) buffers at most this many bytes of an incomplete request (the request line and headers);
# larger headers are refused before the app sees them. The app checks the parsed headers too.
MAX_HEADER_BYTES = 32 * 1024


def register_serve_command(app: typer.Typer) -> None:
    app.command("serve")(serve)


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    workers: int = typer.Option(
        1,
        "--workers",
        min=1,
        help="Worker processes. /metrics adds up all of them; rate limits hold across them with PORTAL_REDIS_URL.",
    ),
    log_level: str = typer.Option("info", "--log-level", help="debug, info, warning or error."),
) -> None:
    """Run the chat API, the portal reads and the widget (OpenAPI at /docs)."""
    import os

    import uvicorn

    from bootstrap.settings import get_settings
    from service.logging import configure_logging
    from service.tracing import TracingConfigError, exporters_wanted

    if get_settings().is_development and not is_loopback_host(host):
        typer.secho(
            f"Refusing to serve development mode on {host}: PORTAL_ENV=development (the default) signs "
            "tokens with a published secret and offers demo sign-in, so it listens on this machine only "
            "(--host 127.0.0.1). To serve other hosts set PORTAL_ENV=production and a random "
            "PORTAL_SECRET_KEY of at least 32 characters.",
            fg="red",
            err=True,
        )
        raise typer.Exit(2)

    try:  # each worker sets its tracing up from these (service/tracing.py): a setting it cannot honour stops here
        tracing = exporters_wanted(os.environ)
    except TracingConfigError as bad:
        typer.secho(f"Refusing to start: {bad}", fg="red", err=True)
        raise typer.Exit(2) from None

    os.environ["PORTAL_LOG_LEVEL"] = log_level.upper()  # worker processes configure their own logging
    _scale_out(workers)  # before uvicorn imports the app: prometheus_client reads its mode on import
    get_settings.cache_clear()  # a single worker runs in this process: it reads the settings again
    configure_logging(log_level.upper())
    scheduler = _start_jobs()
    typer.echo(f"Portal Agent listening on http://{host}:{port} (widget at /, API docs at /docs)", err=True)
    if tracing:
        typer.echo(f"Tracing on: spans exported with {', '.join(tracing)} (OTEL_* settings)", err=True)
    try:
        uvicorn.run(
            "service.app:create_served_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_config=None,
            access_log=False,
            log_level=log_level.lower(),
            proxy_headers=True,
            h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        )
    finally:
        if scheduler is not None:
            scheduler.stop()


def _scale_out(workers: int) -> None:
    """Multiprocess metrics for several workers (or a configured directory), and say how limits hold."""
    from bootstrap.settings import get_settings
    from service.metrics_multiproc import directory_for, prepare

    settings = get_settings()
    directory = directory_for(settings.prometheus_multiproc_dir, settings.portal_data_dir, workers)
    if directory is not None:
        typer.echo(f"Metrics: /metrics adds up every worker's (multiprocess files in {prepare(directory)})", err=True)
    if settings.portal_redis_url:
        from service.ratelimit_redis import redacted

        typer.echo(f"Rate limits: shared by every worker in Redis at {redacted(settings.portal_redis_url)}", err=True)
    elif workers > 1:
        typer.secho(
            f"Rate limits: per worker, so up to {workers} times the configured limits; set PORTAL_REDIS_URL to "
            "share them",
            fg="yellow",
            err=True,
        )


def _start_jobs() -> Scheduler | None:
    """PORTAL_JOBS=serve: the background jobs run in this process, beside uvicorn. With --workers N this is
    uvicorn's supervisor, so N workers still make one scheduler, and a worker uvicorn restarts does not
    start another; with one worker it is the serving process itself."""
    from bootstrap.container import get_container
    from bootstrap.settings import get_settings
    from service.jobs.background import start_in_serve

    if get_settings().portal_jobs != "serve":
        typer.echo("Background jobs are off here (PORTAL_JOBS=off): run portal-agent worker.", err=True)
        return None
    scheduler, notes = start_in_serve(get_container())
    for note in notes:
        typer.echo(note, err=True)
    return scheduler
