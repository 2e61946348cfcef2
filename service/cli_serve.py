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
        1, "--workers", min=1, help="Worker processes (rate limits and metrics are per worker)."
    ),
    log_level: str = typer.Option("info", "--log-level", help="debug, info, warning or error."),
) -> None:
    """Run the chat API, the portal reads and the widget (OpenAPI at /docs)."""
    import os

    import uvicorn

    from bootstrap.settings import get_settings
    from service.logging import configure_logging

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

    os.environ["PORTAL_LOG_LEVEL"] = log_level.upper()  # worker processes configure their own logging
    get_settings.cache_clear()  # a single worker runs in this process: it reads the settings again
    configure_logging(log_level.upper())
    scheduler = _start_jobs()
    typer.echo(f"Portal Agent listening on http://{host}:{port} (widget at /, API docs at /docs)", err=True)
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
