"""`portal-agent db ...`, `settle`, `token` and readable views of the data (`me`, `contracts`, `invoices`)."""

from __future__ import annotations

from collections.abc import Callable, Sized
from typing import TYPE_CHECKING, NoReturn, TypeVar

import typer

if TYPE_CHECKING:  # the CLI starts fast: these load when a command runs
    from rich.table import Table

    from billing.principal import Principal
    from bootstrap.container import Container
    from bootstrap.settings import Settings

T = TypeVar("T")

db_app = typer.Typer(no_args_is_help=True)
NO_CONTRACTS = (
    "You are not a billing contact on any contract yet: an existing portal user can add you through Manage Users."
)


def _settings() -> Settings:
    from bootstrap.settings import get_settings

    return get_settings()  # InvalidSettings is reported by service.cli.main


def _container() -> Container:
    from bootstrap.container import get_container

    return get_container()


def _fail(message: str, code: int = 1) -> NoReturn:
    typer.secho(message, fg="red", err=True)
    raise typer.Exit(code)


def _as_principal(email: str) -> Principal:
    from billing.principal import Principal

    return Principal(email, "cli")


def _guarded(fn: Callable[[], T]) -> T:
    """Domain errors become a readable message and a non-zero exit, never a traceback."""
    from billing.errors import DomainError

    try:
        return fn()
    except DomainError as error:
        _fail(error.message)


@db_app.command("init")
def db_init(
    demo: bool = typer.Option(False, "--demo", help="Seed the demo world (SPEC section 3)."),
    scale: int = typer.Option(0, "--scale", min=0, help="Also add N synthetic accounts."),
    reset: bool = typer.Option(False, "--reset", help="Drop all data first (SQLite file only)."),
) -> None:
    """Create or migrate the schema; optionally seed the demo world and synthetic data."""
    from bootstrap.settings import get_settings

    settings = get_settings()
    if reset and settings.database_url.startswith("sqlite:///"):
        from pathlib import Path

        Path(settings.database_url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    container = _container()
    typer.echo(f"Schema is up to date ({_safe_url(settings.database_url)}).")
    if demo:
        _seed_demo(container, scale)


def _seed_demo(container: Container, scale: int) -> None:
    from rich.progress import Progress

    from billing.demo import seed_demo, seed_scale

    clock = container.billing.clock
    created = seed_demo(container.billing.uow_factory, clock.today(), clock.now())
    typer.echo("Demo world created." if created else "Demo world already present; left as it is.")
    if scale:
        with Progress() as progress:
            task = progress.add_task("Synthetic accounts", total=scale)
            added = seed_scale(
                container.billing.uow_factory, scale, clock.today(), clock.now(), lambda n: progress.advance(task, n)
            )
        typer.echo(f"Added {added} synthetic accounts ({scale - added} already there).")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def register_data_commands(app: typer.Typer) -> None:
    """Top-level commands that read or move the data."""
    app.command("settle")(settle)
    app.command("token")(token)
    app.command("me")(me)
    app.command("contracts")(contracts)
    app.command("invoices")(invoices)


def settle(
    everything: bool = typer.Option(
        False, "--all", help="Have the gateway settle every open charge now (a batch close), then settle."
    ),
) -> None:
    """Settlement job: processing payments whose charges the gateway reports settled (24 h after the
    charge) become paid; accounts are un-suspended."""
    report = _container().billing.settle(everything=everything)
    typer.echo(
        f"Settled {len(report.settled)} payment(s): {', '.join(report.settled) or '-'}; "
        f"un-suspended: {', '.join(report.unsuspended) or '-'}."
    )
    if report.mismatched:
        typer.secho(f"Not settled, the gateway reports another amount: {', '.join(report.mismatched)}.", fg="red")


def token(email: str = typer.Option(..., "--as", help="A portal user's e-mail, or an operator's.")) -> None:
    """Print a bearer token for the API (HS256, signed with PORTAL_SECRET_KEY). An operator's (an e-mail in
    PORTAL_OPERATOR_EMAILS, portal user or not) opens the insights; the API refuses anyone else's that names no
    portal user."""
    from service.auth import tokens_for

    typer.echo(tokens_for(_settings()).issue(email))


def me(email: str = typer.Option(..., "--as")) -> None:
    """Who the portal thinks you are."""
    data = _guarded(lambda: _container().billing.me(_as_principal(email))).to_json()
    for key, value in data.items():
        typer.echo(f"{key}: {value}")


def contracts(email: str = typer.Option(..., "--as")) -> None:
    """Contracts where you are a billing contact."""
    from rich.table import Table

    rows = _guarded(lambda: _container().billing.list_contracts(_as_principal(email)))
    table = Table("Contract", "Status", "Auto-renew", "Ends", "Currency", "Card")
    for c in rows:
        card = f"{c.card.brand} ending {c.card.last4}" if c.card else "-"
        table.add_row(c.id, c.status, "on" if c.auto_renew else "off", c.end_date.isoformat(), c.currency, card)
    _show(table, rows, NO_CONTRACTS)


def invoices(
    email: str = typer.Option(..., "--as"), contract: str = typer.Option(None, "--contract", help="Only this contract.")
) -> None:
    """Invoices of your contracts, with whether each can be paid by card."""
    from rich.table import Table

    from billing.money import amount_str

    rows = _guarded(lambda: _container().billing.list_invoices(_as_principal(email), contract))
    table = Table("Invoice", "Contract", "Status", "Amount", "Balance", "Due", "PO", "Pay Now")
    for view in rows:
        i = view.invoice
        pay = "yes" if view.payable else f"no ({view.not_payable_reason})"
        table.add_row(
            i.id,
            i.contract_id,
            view.status,
            f"{i.currency} {amount_str(i.amount)}",
            f"{i.currency} {amount_str(i.balance)}",
            i.due_date.isoformat(),
            i.po_number or "-",
            pay,
        )
    no_contracts = not rows and not _guarded(lambda: _container().billing.me(_as_principal(email))).contracts
    _show(table, rows, NO_CONTRACTS if no_contracts else "No invoices to show.")


def _show(table: Table, rows: Sized, empty: str) -> None:
    from rich.console import Console

    if rows:
        Console(width=max(Console().width, 120)).print(table)
    else:
        typer.echo(empty)
