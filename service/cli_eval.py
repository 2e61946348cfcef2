"""`portal-agent eval ...` (evaluation suites).

Each suite is a subcommand (`eval retrieval`). The scenario runner can later become the
group's default (`portal-agent eval [--suite S] [--trials K]`) through a
`@eval_app.callback(invoke_without_command=True)` without touching the subcommands.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from service.cli_index import CHROMA_URL_HELP, DATA_DIR_HELP

eval_app = typer.Typer(no_args_is_help=True)

# The targets; `--check` turns a shortfall into a non-zero exit (for CI).
TARGETS = {"recall_at_1": 0.85, "recall_at_3": 0.95, "off_topic_rejection": 0.9}


@eval_app.command("retrieval")
def retrieval(report: Optional[Path] = typer.Option(None, "--report", help="Directory for retrieval-report.json."),
              data_dir: Optional[Path] = typer.Option(None, "--data-dir", help=DATA_DIR_HELP),
              chroma_url: Optional[str] = typer.Option(None, "--chroma-url", help=CHROMA_URL_HELP),
              threshold: Optional[float] = typer.Option(None, "--threshold", help="Override the relevance threshold."),
              term_boost: float = typer.Option(0.0, "--term-boost", help="Exact-term boost (0 = off)."),
              check: bool = typer.Option(False, "--check", help="Exit 1 if a figure is below the targets.")) -> None:
    """Score the knowledge retriever on the labelled questions (recall@1/3, MRR, off-topic rejection)."""
    from evals.retrieval.metrics import load_questions, evaluate
    from knowledge.retriever import DEFAULT_THRESHOLD, Retriever
    from service.cli_index import build_index, configured_embedder, resolve_location

    data_dir, chroma_url = resolve_location(data_dir, chroma_url)
    embedder = configured_embedder()
    collection, _ = build_index(data_dir, chroma_url, embedder, quiet=True)
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
