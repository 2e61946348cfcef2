"""Extractive answers: the few sentences of the retrieved passages closest to the question, cited [n].

Only text from the passages is used, so the answer can never state a policy the knowledge base
does not. Sentence vectors are memoised: the same passages come back for similar questions.
"""
from __future__ import annotations

import re
from typing import Any

MAX_UNITS = 4
_MARKUP = re.compile(r"\*\*|__|`|\*(?=\S)|(?<=\S)\*")
_vectors: dict[str, Any] = {}


def _units(text: str) -> list[tuple[str, bool]]:
    """(sentence, is_list_item) in document order."""
    out: list[tuple[str, bool]] = []
    for line in text.splitlines():
        line = _MARKUP.sub("", line).strip()
        if not line or line.startswith("#") or line.startswith("|"):
            continue
        item = bool(re.match(r"^(?:\d+\.|[-*•])\s+", line))
        if item:
            out.append((line, True))
            continue
        for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z(])", line):
            if len(sentence.split()) >= 3:
                out.append((sentence.strip(), False))
    return out


def _embed(texts: list[str]) -> Any:
    from knowledge.embeddings import get_embedder

    todo = [t for t in dict.fromkeys(texts) if t not in _vectors]
    if todo:
        for text, vector in zip(todo, get_embedder().embed(todo)):
            _vectors[text] = vector
        if len(_vectors) > 20000:
            _vectors.clear()
    return [_vectors[t] for t in texts]


_STOP = set("""
what when where which while with would could should about after again their there these those this that have does
your yours from into than then them they will can how why the and for are our ours you not any all was were been
""".split())


def _stems(text: str) -> set[str]:
    return {w[:4] for w in re.findall(r"[a-z]+", text.lower()) if len(w) >= 4 and w not in _STOP}


def answer(question: str, passages: list[dict[str, Any]]) -> str:
    from agent.planner.intents import embed_one

    rows: list[tuple[int, int, str, bool]] = []  # passage n, position, text, is list item
    for p in passages:
        for pos, (unit, item) in enumerate(_units(str(p.get("text", "")))):
            rows.append((int(p.get("n", 1)), pos, unit, item))
    if not rows:
        return ""
    q = embed_one(question)
    asked = _stems(question)
    procedure = bool(re.match(r"\s*(?:how (?:do|can|should) (?:i|we)|how to|what are the steps|where do i)\b", question, re.I))
    # Meaning first, then the retriever's own ranking and shared word stems ("part" ~ "partial").
    scores = [float(v @ q) + {1: 0.06, 2: 0.03}.get(r[0], 0.0)
              + (0.15 * len(asked & _stems(r[2])) / len(asked) if asked else 0.0) + (0.05 if procedure and r[3] else 0.0)
              for v, r in zip(_embed([r[2] for r in rows]), rows)]
    rank = sorted(range(len(rows)), key=lambda i: (-scores[i], i))
    best, top = scores[rank[0]], rows[rank[0]][0]
    chosen = [rank[0]]
    # Context from the best passage, the closest sentences of the others, and the retriever's first passage.
    chosen += [i for i in rank[1:] if rows[i][0] == top and scores[i] >= best - 0.3][:2]
    chosen += [i for i in rank[1:] if rows[i][0] != top and scores[i] >= best - 0.08][:max(0, MAX_UNITS - len(chosen))]
    lead = next((i for i in rank if rows[i][0] == 1), None)
    if lead is not None and lead not in chosen and scores[lead] >= best - 0.15:
        chosen.append(lead)
    if rows[chosen[0]][3] and (procedure or re.match(r"^\d+\.", rows[chosen[0]][2])):
        # A step of a procedure: give the whole list, and at most its own lead-in.
        n = rows[chosen[0]][0]
        lead = [i for i in chosen if rows[i][0] == n and not rows[i][3]][:1]
        chosen = lead + [i for i, r in enumerate(rows) if r[0] == n and r[3]][:8]
    first = rows[chosen[0]][0]
    chosen.sort(key=lambda i: (rows[i][0] != first, rows[i][0], rows[i][1]))
    lines, prose = [], []
    for i in chosen:
        n, _, text, item = rows[i]
        (lines if item else prose).append(f"{text} [{n}]")
    body = " ".join(prose)
    if lines:
        body = (body + "\n" if body else "") + "\n".join(lines)
    return body
