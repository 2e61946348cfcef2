"""`portal-agent insights`: the operators' figures of a period, as tables, JSON, an HTML page or gaps as CSV."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:  # the CLI starts fast: these load when the command runs
    from rich.console import Console

    from service.insights.report import Report


def register_insights_command(app: typer.Typer) -> None:
    app.command("insights")(insights)


def insights(
    since: str = typer.Option("7d", "--since", help="How far back: Nd, Nh or an ISO date or time (UTC)."),
    until: str = typer.Option(None, "--until", help="End of the period, excluded (default: now)."),
    html: Path = typer.Option(None, "--html", help="Write the insights page (self-contained HTML) to FILE."),
    csv: Path = typer.Option(None, "--csv", help="Write the knowledge gaps to FILE as CSV."),
    as_json: bool = typer.Option(False, "--json", help="Print every figure as JSON instead of tables."),
) -> None:
    """Resolution, hand-offs, proposals, refusals, reply time, satisfaction and knowledge gaps of a period."""
    report = _report(since, until)
    if html:
        from service.insights.page import report_page

        _write(html, report_page(report, since), "insights page")
    if csv:
        from service.insights.export import gaps_csv

        _write(csv, gaps_csv(report.knowledge_gaps.groups), "knowledge gaps")
    if as_json:
        import json

        from service.insights.export import report_json

        typer.echo(json.dumps(report_json(report), indent=2, ensure_ascii=False))
    elif not (html or csv):
        _summary(report)


def _report(since: str, until: str | None) -> Report:
    from bootstrap.container import get_container
    from service.insights.report import report_for
    from service.insights.window import InvalidWindow

    container = get_container()
    try:
        return report_for(container.engine, since, until, container.billing.clock.now())
    except InvalidWindow as problem:
        typer.secho(str(problem), fg="red", err=True)
        raise typer.Exit(2) from None


def _write(path: Path, text: str, what: str) -> None:
    path.write_text(text, encoding="utf-8")
    typer.echo(f"Wrote the {what} to {path}.", err=True)  # stderr: --json output stays parseable


def _summary(report: Report) -> None:
    from rich.console import Console

    console = Console(width=max(Console().width, 120))
    w, r, lat, s = report.window, report.resolution, report.latency, report.satisfaction
    console.print(f"[bold]Insights[/] {w.since:%Y-%m-%d %H:%M} to {w.until:%Y-%m-%d %H:%M} UTC")
    console.print(
        f"Conversations {r.conversations}, resolved {r.resolved} ({_percent(r.rate)}): handed off {r.handed_off}, "
        f"thumbs down {r.thumbs_down}, repeated {r.repeated}. Reply time p50 {lat.p50_ms} ms, p95 {lat.p95_ms} ms. "
        f"Ratings {s.ratings}, thumbs up {_percent(s.up_share)}. Degraded turns {report.quality.degraded} "
        f"of {report.quality.agent_turns}."
    )
    _counts(console, "Turns per day", {d.day.isoformat(): d.turns for d in report.days})
    _counts(console, "Hand-offs by queue", report.handoffs.by_queue)
    _counts(console, "Hand-offs by reason", report.handoffs.by_reason)
    _counts(console, "Proposals by outcome", report.proposals)
    _counts(console, "Refusals by reason", report.refusals)
    _counts(console, "Output-guard interventions", report.quality.guard)
    _gaps(console, report)


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{share * 100:.0f} %"


def _counts(console: Console, title: str, counts: dict[str, int]) -> None:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    table.add_column("")
    table.add_column("Count", justify="right")
    for key, count in counts.items():
        table.add_row(key, str(count))
    console.print(table if counts else f"{title}: none.")


def _gaps(console: Console, report: Report) -> None:
    from rich.table import Table

    gaps = report.knowledge_gaps
    table = Table("Asked", "Examples", "Last asked", title=f"Knowledge gaps ({gaps.questions} questions)")
    for gap in gaps.groups:
        table.add_row(str(gap.count), "\n".join(gap.examples), f"{gap.last_asked:%Y-%m-%d %H:%M}")
    console.print(table if gaps.groups else "Knowledge gaps: none.")
