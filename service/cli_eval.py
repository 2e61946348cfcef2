"""`portal-agent eval ...` (evaluations).

`portal-agent eval [--suite S] [--trials K] [--model offline|openai] [--report DIR]` runs the
scenario suites (evals/suites) and is the group's default; `portal-agent eval retrieval` scores
the knowledge retriever.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from service.cli_index import CHROMA_URL_HELP, DATA_DIR_HELP

if TYPE_CHECKING:  # the evaluations load only when a command runs
    from evals.records import TrialResult
    from evals.variants import Variant

eval_app = typer.Typer()

# The targets; `--check` turns a shortfall into a non-zero exit (for CI).
TARGETS = {"recall_at_1": 0.85, "recall_at_3": 0.95, "off_topic_rejection": 0.9}


@eval_app.command("retrieval")
def retrieval(
    report: Path | None = typer.Option(None, "--report", help="Directory for retrieval-report.json."),
    data_dir: Path | None = typer.Option(None, "--data-dir", help=DATA_DIR_HELP),
    chroma_url: str | None = typer.Option(None, "--chroma-url", help=CHROMA_URL_HELP),
    threshold: float | None = typer.Option(None, "--threshold", help="Override the relevance threshold."),
    term_boost: float = typer.Option(0.0, "--term-boost", help="Exact-term boost (0 = off)."),
    check: bool = typer.Option(False, "--check", help="Exit 1 if a figure is below the targets."),
) -> None:
    """Score the knowledge retriever on the labelled questions (recall@1/3, MRR, off-topic rejection)."""
    from bootstrap.index import build_index, configured_embedder
    from bootstrap.settings import get_settings
    from evals.retrieval.metrics import evaluate, load_questions
    from knowledge.retriever import DEFAULT_THRESHOLD, Retriever
    from service.cli_index import resolve_location

    data_dir, chroma_url = resolve_location(data_dir, chroma_url)
    settings = get_settings()
    embedder = configured_embedder(settings)
    collection, _ = build_index(data_dir, chroma_url, embedder, chroma_timeout=settings.portal_chroma_timeout)
    used = DEFAULT_THRESHOLD if threshold is None else threshold
    retriever = Retriever(collection=collection, embedder=embedder, threshold=used, term_boost=term_boost)
    result = evaluate(retriever, *load_questions())
    result.settings = {"threshold": used, "term_boost": term_boost, "model": embedder.model_id}
    _print(result)
    if report:
        report.mkdir(parents=True, exist_ok=True)
        path = report / "retrieval-report.json"
        path.write_text(json.dumps(result.as_dict(), indent=2), encoding="utf-8")
        typer.echo(f"Report written to {path}")
    if check and any(getattr(result, k) < v for k, v in TARGETS.items()):
        raise typer.Exit(1)


def _print(result: object) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Retrieval eval")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name in ("questions", "off_topic_questions", "recall_at_1", "recall_at_3", "mrr", "off_topic_rejection"):
        value = getattr(result, name)
        table.add_row(name, f"{value:.3f}" if isinstance(value, float) else str(value))
    Console().print(table)


@eval_app.callback(invoke_without_command=True)
def scenarios(
    ctx: typer.Context,
    suite: list[str] | None = typer.Option(None, "--suite", "-s", help="Suite(s) to run (default: all)."),
    trials: int = typer.Option(1, "--trials", "-k", min=1, help="Trials per scenario (pass^k uses k = trials)."),
    model: str = typer.Option(
        "offline", "--model", help="offline | openai (OPENAI_API_KEY, OPENAI_BASE_URL, PORTAL_MODEL)."
    ),
    report: Path | None = typer.Option(None, "--report", help="Directory for report.json/.md/.html."),
    workers: int | None = typer.Option(
        None,
        "--workers",
        "-j",
        min=1,
        help="Trials run in parallel (threads; default 1 offline, CPU-bound; 4 for a remote model).",
    ),
    scenario: list[str] | None = typer.Option(None, "--scenario", help="Only these scenario ids."),
    user_model: str | None = typer.Option(
        None, "--user-model", help="Model of the simulated user (openai only; default: PORTAL_MODEL)."
    ),
    scripted_users: bool = typer.Option(
        False,
        "--scripted-users",
        help="With --model openai, replay the scripted turns instead of simulating users with goals.",
    ),
    check: bool = typer.Option(False, "--check", help="Exit 1 if a suite is below its floor (evals/floors.py)."),
) -> None:
    """Run the scenario suites: each trial on a fresh demo database, scored on its end state and replies."""
    if ctx.invoked_subcommand is not None:
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from evals.floors import below_floor
    from evals.harness import evaluate
    from evals.report import print_tables, write_reports
    from evals.scenarios import load_suites

    suites = load_suites(list(suite or []))
    if scenario:
        suites = {n: [s for s in ss if s.id in scenario] for n, ss in suites.items()}
        suites = {n: ss for n, ss in suites.items() if ss}
    if not suites:
        typer.secho("No scenario matches.", fg="red", err=True)
        raise typer.Exit(2)
    variant = _variant(model, user_model, scripted_users)
    workers = workers or (1 if model == "offline" else 4)
    total = sum(len(ss) for ss in suites.values()) * trials
    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[failed]} failed"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, transient=True) as progress:
        task = progress.add_task(f"Scenarios ({variant.name})", total=total, failed=0)
        failed = 0

        def advance(result: TrialResult) -> None:
            nonlocal failed
            failed += not result.passed
            progress.update(task, advance=1, failed=failed)

        run = evaluate(variant, suites, trials=trials, workers=workers, progress=advance)
    run.settings = {"model": model, "suites": list(suites), "workers": workers}
    print_tables(run)
    if report:
        paths = write_reports(run, report)
        typer.echo("Reports: " + ", ".join(str(p) for p in paths.values()))
    if check:
        shortfalls = below_floor(run)
        for line in shortfalls:
            typer.secho(line, fg="red", err=True)
        if shortfalls:
            raise typer.Exit(1)


def _variant(model: str, user_model: str | None, scripted_users: bool) -> Variant:
    import dataclasses

    from bootstrap.container import model_config
    from bootstrap.settings import get_settings
    from evals.variants import offline_variant, openai_variant

    if model == "offline":
        return offline_variant()
    if model == "openai":
        settings = get_settings()
        if not settings.openai_api_key and not settings.openai_base_url:
            typer.secho(
                "--model openai needs OPENAI_API_KEY (and/or OPENAI_BASE_URL for a compatible server).",
                fg="red",
                err=True,
            )
            raise typer.Exit(2)
        cfg = dataclasses.replace(model_config(settings), llm="openai")
        return openai_variant(cfg, user_model, simulate_users=not scripted_users)
    typer.secho(f"--model must be offline or openai, not {model!r}", fg="red", err=True)
    raise typer.Exit(2)


@eval_app.command("understanding")
def understanding(
    report: Path | None = typer.Option(
        None, "--report", help="Markdown file for the figures and the confusion matrices."
    ),
    check: bool = typer.Option(False, "--check", help="Exit 1 below 0.97 act / 0.95 intent."),
) -> None:
    """Score the understanding model on the corpus's held-out split (never used for training or tuning)."""
    from evals.understanding import held_out_report

    text, act, intent = held_out_report()
    typer.echo(text)
    if report:
        report.write_text(text, encoding="utf-8")
        typer.echo(f"Written to {report}", err=True)
    if check and (act < 0.97 or intent < 0.95):
        raise typer.Exit(1)


@eval_app.command("customers")
def customers(
    batch: Path = typer.Argument(..., exists=True, help="A customer batch (YAML, evals/README.md)."),
    today: str = typer.Option("2026-06-15", "--today", help="The demo world's date."),
    report: Path | None = typer.Option(None, "--report", help="JSON file with every turn's result."),
    fold: Path | None = typer.Option(
        None,
        "--fold",
        help="Write the batch as corpus items (YAML) to fold it into agent/planner/corpus/ after its blind score.",
    ),
) -> None:
    """Run a batch of customer conversations through the offline planner and score every turn."""
    import dataclasses
    import datetime as dt

    import yaml

    from evals.customers import corpus_items, score_batch, summary

    scores = score_batch(batch, dt.date.fromisoformat(today))
    figures = summary(scores)
    typer.echo(json.dumps(figures, indent=2))
    if report:
        report.write_text(
            json.dumps({"summary": figures, "turns": [dataclasses.asdict(s) for s in scores]}, indent=2, default=str),
            encoding="utf-8",
        )
        typer.echo(f"Written to {report}", err=True)
    if fold:
        header = (
            f"# {batch.name}: written from the product description alone, scored once as a blind batch "
            "(EVALS.md), then folded in.\n"
        )
        fold.write_text(
            header + yaml.safe_dump(corpus_items(scores), sort_keys=False, allow_unicode=True, width=120),
            encoding="utf-8",
        )
        typer.echo(f"Corpus items written to {fold}", err=True)
