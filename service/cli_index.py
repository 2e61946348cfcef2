"""`portal-agent index ...` (knowledge base index): thin commands over `bootstrap.index`. Heavy imports stay inside."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from bootstrap.index import build_index, configured_embedder
from bootstrap.settings import get_settings

if TYPE_CHECKING:
    from knowledge.ingest import IndexReport

index_app = typer.Typer(no_args_is_help=True)

DATA_DIR_HELP = "Data directory (default: PORTAL_DATA_DIR or ./.portal); the index lives in <dir>/chroma."
CHROMA_URL_HELP = "Chroma server URL (default: PORTAL_CHROMA_URL; unset = embedded store)."


def resolve_location(data_dir: Path | None, chroma_url: str | None) -> tuple[Path, str | None]:
    """CLI options win; otherwise the settings (environment / .env)."""
    from knowledge.server import server_base

    settings = get_settings()
    if chroma_url:
        try:
            server_base(chroma_url)
        except ValueError as problem:
            raise typer.BadParameter(str(problem), param_hint="--chroma-url") from None
    return (data_dir or settings.portal_data_dir), (chroma_url or settings.portal_chroma_url)


def build_with_progress(data_dir: Path, chroma_url: str | None, docs_dir: Path | None = None) -> IndexReport:
    """`build_index` with the configured embedder and a progress bar on the terminal."""
    from rich.progress import Progress, TaskID

    with Progress(transient=True) as bar:
        task: TaskID | None = None

        def advance(chunks: int, total: int) -> None:
            nonlocal task
            if task is None:
                task = bar.add_task("Embedding chunks", total=max(total, 1))
            bar.advance(task, chunks)

        settings = get_settings()
        embedder = configured_embedder(settings)
        timeout = settings.portal_chroma_timeout
        _, report = build_index(data_dir, chroma_url, embedder, docs_dir, advance, chroma_timeout=timeout)
    return report


@index_app.command("build")
def build(
    data_dir: Path | None = typer.Option(None, "--data-dir", help=DATA_DIR_HELP),
    chroma_url: str | None = typer.Option(None, "--chroma-url", help=CHROMA_URL_HELP),
    docs_dir: Path | None = typer.Option(None, "--docs-dir", help="Markdown folder (default: knowledge/docs)."),
) -> None:
    """Build or update the knowledge index; only changed documents are re-embedded."""
    data_dir, chroma_url = resolve_location(data_dir, chroma_url)
    report = build_with_progress(data_dir, chroma_url, docs_dir)
    counts = report.counts()
    typer.echo("Documents: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    typer.echo(f"Chunks embedded: {report.chunks_embedded}; chunks in index: {report.chunks_total}")


@index_app.command("search")
def search(
    query: str = typer.Argument(..., help="A question, as a customer would ask it."),
    k: int = typer.Option(4, "-k", min=1, max=20),
    data_dir: Path | None = typer.Option(None, "--data-dir", help=DATA_DIR_HELP),
    chroma_url: str | None = typer.Option(None, "--chroma-url", help=CHROMA_URL_HELP),
) -> None:
    """Show the passages the retriever returns for QUERY (nothing when off-topic)."""
    from knowledge.retriever import Retriever

    data_dir, chroma_url = resolve_location(data_dir, chroma_url)
    settings = get_settings()
    passages = Retriever(
        data_dir, chroma_url, embedder=configured_embedder(settings), chroma_timeout=settings.portal_chroma_timeout
    ).search(query, k)
    if not passages:
        typer.echo("No relevant passage (below the relevance threshold).")
    for p in passages:
        typer.echo(f"{p.score:.3f}  {p.source}  [{p.heading or p.title}]")
