"""`portal-agent serve`: the HTTP service (FastAPI under uvicorn)."""
from __future__ import annotations

import typer


def register_serve_command(app: typer.Typer) -> None:
    app.command("serve")(serve)


def serve(host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
          port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
          workers: int = typer.Option(1, "--workers", min=1,
                                      help="Worker processes (rate limits and metrics are per worker)."),
          log_level: str = typer.Option("info", "--log-level", help="debug, info, warning or error.")) -> None:
    """Run the chat API, the portal reads and the widget (OpenAPI at /docs)."""
    import uvicorn

    import os

    from service.logging import configure_logging

    os.environ["PORTAL_LOG_LEVEL"] = log_level.upper()  # worker processes configure their own logging
    configure_logging(log_level.upper())
    typer.echo(f"Portal Agent listening on http://{host}:{port} (widget at /, API docs at /docs)", err=True)
    uvicorn.run("service.app:create_served_app", factory=True, host=host, port=port, workers=workers,
                log_config=None, access_log=False, log_level=log_level.lower(), proxy_headers=True)
