"""Heading-aware chunking under a token budget (tokens counted with ``o200k_base``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from knowledge.documents import Document
from knowledge.tokens import count_tokens

MAX_CHUNK_TOKENS = 350
CHUNKER_VERSION = "1"  # bump when chunking changes so every document is re-embedded

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


@dataclass(frozen=True)
class Chunk:
    """A piece of a document small enough to embed, with its heading path as context."""

    source: str
    title: str
    heading: str  # the section heading ("" for the text before the first sub-heading)
    text: str  # the section text itself, shown to users and models

    @property
    def context_text(self) -> str:
        """What gets embedded: title and heading prepended so short sections keep their topic."""
        head = f"{self.title} — {self.heading}" if self.heading else self.title
        return f"{head}\n{self.text}"


def _sections(body: str) -> list[tuple[str, str]]:
    """Split markdown into (heading, text) pairs; the H1 title line itself is dropped."""
    sections: list[tuple[str, list[str]]] = [("", [])]
    for line in body.splitlines():
        match = _HEADING.match(line)
        if match and len(match.group(1)) == 1:
            continue  # the document title, already in the front matter
        if match:
            sections.append((match.group(2), []))
        else:
            sections[-1][1].append(line)
    return [(h, "\n".join(lines).strip()) for h, lines in sections if "\n".join(lines).strip()]


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def _split_oversized(piece: str, budget: int, count: Callable[[str], int]) -> list[str]:
    """Split a too-long paragraph on lines, then sentences, then words."""
    if count(piece) <= budget:
        return [piece]
    parts = piece.splitlines() if "\n" in piece else re.split(r"(?<=[.!?])\s+", piece)
    if len(parts) == 1:  # one giant sentence: cut on words
        words = piece.split()
        half = max(1, len(words) // 2)
        parts = [" ".join(words[:half]), " ".join(words[half:])]
    out: list[str] = []
    for part in parts:
        out.extend(_split_oversized(part, budget, count))
    return out


def _pack(pieces: list[str], budget: int, count: Callable[[str], int]) -> list[str]:
    """Greedily join pieces into blocks of at most ``budget`` tokens."""
    blocks: list[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current}\n\n{piece}" if current else piece
        if current and count(candidate) > budget:
            blocks.append(current)
            candidate = piece
        current = candidate
    if current:
        blocks.append(current)
    return blocks


def chunk_document(
    doc: Document, max_tokens: int = MAX_CHUNK_TOKENS, count: Callable[[str], int] = count_tokens
) -> list[Chunk]:
    """Chunks of ``doc``, one or more per section; each chunk's ``context_text`` fits ``max_tokens``."""
    chunks: list[Chunk] = []
    for heading, text in _sections(doc.body):
        overhead = count(Chunk(doc.source, doc.title, heading, "").context_text)
        budget = max(16, max_tokens - overhead)
        pieces = [p for para in _paragraphs(text) for p in _split_oversized(para, budget, count)]
        chunks.extend(Chunk(doc.source, doc.title, heading, block) for block in _pack(pieces, budget, count))
    return chunks
