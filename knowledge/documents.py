"""Knowledge-base documents: markdown files with a YAML front matter block."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

DOCS_DIR = Path(__file__).parent / "docs"
SOURCE_PREFIX = "knowledge/docs"


class DocumentError(ValueError):
    """A knowledge document is malformed (no front matter, no title...)."""


@dataclass(frozen=True)
class Document:
    """One markdown document of the knowledge base."""

    source: str  # stable id and citation, e.g. "knowledge/docs/paying-invoices.md"
    title: str
    topic: str
    updated: str
    body: str
    content_hash: str  # sha256 of the whole file: drives incremental indexing


def parse_front_matter(text: str) -> tuple[dict[str, object], str]:
    """Split ``---``-delimited YAML front matter from the markdown body."""
    import yaml

    if not text.startswith("---"):
        return {}, text
    end = text.find("\n---", 3)
    if end < 0:
        raise DocumentError("front matter is not closed with ---")
    meta = yaml.safe_load(text[3:end]) or {}
    if not isinstance(meta, dict):
        raise DocumentError("front matter must be a mapping")
    return meta, text[end + 4 :].lstrip("\n")


def load_document(path: Path, source_prefix: str = SOURCE_PREFIX) -> Document:
    """Read and parse one markdown file."""
    raw = path.read_text(encoding="utf-8")
    meta, body = parse_front_matter(raw)
    if not meta.get("title"):
        raise DocumentError(f"{path.name}: front matter needs a title")
    return Document(
        source=f"{source_prefix}/{path.name}",
        title=str(meta["title"]),
        topic=str(meta.get("topic", "")),
        updated=str(meta.get("updated", "")),
        body=body,
        content_hash=hashlib.sha256(raw.encode("utf-8")).hexdigest(),
    )


def load_documents(docs_dir: Path = DOCS_DIR, source_prefix: str = SOURCE_PREFIX) -> list[Document]:
    """All ``*.md`` documents of ``docs_dir``, sorted by file name."""
    return [load_document(p, source_prefix) for p in sorted(Path(docs_dir).glob("*.md"))]
