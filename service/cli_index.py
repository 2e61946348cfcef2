"""`portal-agent index ...` (knowledge base index). Heavy imports stay inside the commands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

index_app = typer.Typer(no_args_is_help=True)

DATA_DIR_HELP = "Data directory (default: PORTAL_DATA_DIR or ./.portal); the index lives in <dir>/chroma."
CHROMA_URL_HELP = "Chroma server URL (default: PORTAL_CHROMA_URL; unset = embedded store)."


def resolve_location(data_dir: Path | None, chroma_url: str | None) -> tuple[Path, str | None]:
    """CLI options win; otherwise the service settings (environment / .env)."""
    from service.settings import get_settings

    settings = get_settings()
    return (data_dir or settings.portal_data_dir), (chroma_url or settings.portal_chroma_url)


def configured_embedder() -> Any:
    """The offline MiniLM embedder, or OpenAI's when PORTAL_EMBEDDINGS=openai and a key is set."""
    from knowledge.embeddings import get_embedder
    from service.settings import get_settings

    settings = get_settings()
    if settings.portal_embeddings == "openai" and settings.openai_api_key:
        from knowledge.openai_embeddings import OpenAIEmbedder

        base = settings.openai_base_url or "https://api.openai.com/v1"
        return OpenAIEmbedder(api_key=settings.openai_api_key, base_url=base)
    return get_embedder()


def build_index(
    data_dir: Path, chroma_url: str | None, embedder: Any, docs_dir: Path | None = None, quiet: bool = False
) -> tuple[Any, Any]:
    """Sync the knowledge collection with the docs (with a progress bar); returns (collection, report)."""
    from rich.progress import Progress

    from knowledge.chunking import MAX_CHUNK_TOKENS
    from knowledge.documents import DOCS_DIR, load_documents
    from knowledge.ingest import count_pending, sync_index
    from knowledge.store import open_client, open_collection

    collection = open_collection(open_client(None if chroma_url else str(data_dir), chroma_url), embedder)
    docs_dir = docs_dir or DOCS_DIR
    pending = count_pending(load_documents(docs_dir), collection, MAX_CHUNK_TOKENS, embedder.model_id)
    with Progress(disable=quiet, transient=True) as progress:
        task = progress.add_task("Embedding chunks", total=max(pending, 1))
        report = sync_index(collection, docs_dir, embedder=embedder, progress=lambda n: progress.advance(task, n))
    return collection, report


@index_app.command("build")
def build(
    data_dir: Path | None = typer.Option(None, "--data-dir", help=DATA_DIR_HELP),
    chroma_url: str | None = typer.Option(None, "--chroma-url", help=CHROMA_URL_HELP),
    docs_dir: Path | None = typer.Option(None, "--docs-dir", help="Markdown folder (default: knowledge/docs)."),
) -> None:
    """Build or update the knowledge index; only changed documents are re-embedded."""
    data_dir, chroma_url = resolve_location(data_dir, chroma_url)
    _, report = build_index(data_dir, chroma_url, configured_embedder(), docs_dir)
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
    passages = Retriever(None if chroma_url else data_dir, chroma_url, embedder=configured_embedder()).search(query, k)
    if not passages:
        typer.echo("No relevant passage (below the relevance threshold).")
    for p in passages:
        typer.echo(f"{p.score:.3f}  {p.source}  [{p.heading or p.title}]")
