"""The `portal-agent` command line. Heavy imports live inside the commands (cold start)."""

from __future__ import annotations

import typer

from service.cli_agent import register_agent_commands
from service.cli_db import db_app, register_data_commands
from service.cli_eval import eval_app
from service.cli_index import index_app
from service.cli_insights import register_insights_command
from service.cli_payments import payments_app
from service.cli_planner import planner_app
from service.cli_purge import register_purge_command
from service.cli_relay import register_relay_command
from service.cli_serve import register_serve_command
from service.cli_slack import register_slack_commands
from service.cli_worker import register_worker_command

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Portal Agent: billing portal assistant.")
app.add_typer(db_app, name="db", help="Database: schema and demo world.")
app.add_typer(index_app, name="index", help="Knowledge base index.")
app.add_typer(eval_app, name="eval", help="Evaluations.")
app.add_typer(planner_app, name="planner", help="The offline planner's understanding model.")
app.add_typer(payments_app, name="payments", help="Card payments: reconciliation with the gateway.")
register_data_commands(app)
register_agent_commands(app)
register_serve_command(app)
register_slack_commands(app)
register_relay_command(app)
register_worker_command(app)
register_purge_command(app)
register_insights_command(app)


def main() -> None:
    """The console entry point: settings the service refuses to start with, and a Chroma server that does not
    answer, are a message, not a traceback."""
    from bootstrap.settings import InvalidSettings
    from knowledge.server import ChromaUnavailable

    try:
        app()
    except InvalidSettings as problem:
        typer.secho(str(problem), fg="red", err=True)
        raise SystemExit(2) from None
    except ChromaUnavailable as problem:
        typer.secho(
            f"{problem}. Start it (`chroma run --path DIR --port N`) or unset PORTAL_CHROMA_URL.", fg="red", err=True
        )
        raise SystemExit(1) from None


if __name__ == "__main__":  # pragma: no cover
    main()
