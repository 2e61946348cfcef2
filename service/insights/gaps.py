"""Knowledge gaps: the questions the knowledge base could not answer, grouped by meaning.

A gap question is a turn that searched the articles and could not answer from them (`turns.unanswered`), or
one that searched and whose reply a user rated thumbs-down. Questions with the same normalised text are one
question asked several times. The distinct questions are embedded with the knowledge base's own offline
embedder (knowledge/embeddings.py) and grouped by average-linkage agglomerative clustering on cosine
similarity: the two closest groups are merged while their average pairwise similarity is at least
GROUP_THRESHOLD. The result does not depend on the order the questions were asked in, and ties are broken by
the questions' text, so the same rows always give the same groups.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from service.insights.query import RatingRow, TurnRow
from service.insights.resolution import normalised

if TYPE_CHECKING:  # numpy loads with the embedder, on the first report that has gaps
    import numpy as np

# Measured with the offline MiniLM on 29 questions no article answers, in 7 topics (bitcoin, refunds, languages,
# an API, personal data, tax exemption, single sign-on): at 0.5, 97 % of the questions are grouped with their own
# topic only and 66 % with most of their topic; at 0.45, 86 % and 72 %. A group that mixes two topics misleads,
# a topic split in two only repeats itself, hence 0.5. Some paraphrases stay apart ("does the portal take
# bitcoin" scores 0.44 against "is cryptocurrency accepted for payments").
GROUP_THRESHOLD = 0.5
MAX_QUESTIONS = 1000  # the most recently asked distinct questions: merging is quadratic in them
EXAMPLES = 3

Embed = Callable[[list[str]], "np.ndarray"]


@dataclass(frozen=True)
class GapQuestion:
    """One asking of a question the articles did not answer (masked, as recorded)."""

    text: str
    at: dt.datetime


@dataclass(frozen=True)
class Gap:
    """A group of questions with one meaning: how often it was asked, a few ways it was put, and when last."""

    count: int
    examples: tuple[str, ...]
    last_asked: dt.datetime


@dataclass(frozen=True)
class KnowledgeGaps:
    """How many gap questions were asked in the window, and their groups, most asked first."""

    questions: int
    groups: tuple[Gap, ...]


@dataclass(frozen=True)
class _Distinct:
    key: str
    text: str  # how it was last put
    count: int
    last_asked: dt.datetime


def gap_questions(turns: Sequence[TurnRow], ratings: Sequence[RatingRow]) -> list[GapQuestion]:
    down = {(r.conversation_id, r.message_seq) for r in ratings if r.rating < 0}
    return [
        GapQuestion(t.question, t.at)
        for t in turns
        if t.unanswered or (t.searched and (t.conversation_id, t.message_seq) in down)
    ]


def knowledge_gaps(questions: Sequence[GapQuestion], embed: Embed, threshold: float = GROUP_THRESHOLD) -> KnowledgeGaps:
    """The gap questions in groups of one meaning, most asked first (the embedder runs only if there are any)."""
    distinct = _distinct(questions)
    if not distinct:
        return KnowledgeGaps(len(questions), ())
    groups = [
        _gap([distinct[i] for i in members]) for members in clusters(embed([d.text for d in distinct]), threshold)
    ]
    ranked = sorted(groups, key=lambda g: (-g.count, -g.last_asked.timestamp(), g.examples))
    return KnowledgeGaps(len(questions), tuple(ranked))


def _distinct(questions: Sequence[GapQuestion]) -> list[_Distinct]:
    by_key: dict[str, list[GapQuestion]] = {}
    for q in questions:
        if key := normalised(q.text):
            by_key.setdefault(key, []).append(q)
    distinct = [
        _Distinct(k, max(qs, key=lambda q: q.at).text, len(qs), max(q.at for q in qs)) for k, qs in by_key.items()
    ]
    recent = sorted(distinct, key=lambda d: (d.last_asked, d.key), reverse=True)[:MAX_QUESTIONS]
    return sorted(recent, key=lambda d: d.key)


def _gap(members: list[_Distinct]) -> Gap:
    ranked = sorted(members, key=lambda d: (-d.count, -d.last_asked.timestamp(), d.key))
    return Gap(
        sum(d.count for d in members),
        tuple(d.text for d in ranked[:EXAMPLES]),
        max(d.last_asked for d in members),
    )


def clusters(vectors: np.ndarray, threshold: float) -> list[list[int]]:
    """Average-linkage groups of unit vectors (indices of the rows), merged while similar enough."""
    import numpy as np

    n = len(vectors)
    similarity = (vectors @ vectors.T).astype(np.float64)
    np.fill_diagonal(similarity, -np.inf)
    members = [[i] for i in range(n)]
    while n > 1:
        i, j = sorted(divmod(int(np.argmax(similarity)), n))
        if similarity[i, j] < threshold:
            break
        a, b = len(members[i]), len(members[j])
        merged = (a * similarity[i] + b * similarity[j]) / (a + b)  # the average over every pair (Lance-Williams)
        similarity[i, :], similarity[:, i] = merged, merged
        similarity[j, :], similarity[:, j] = -np.inf, -np.inf
        similarity[i, i] = -np.inf
        members[i], members[j] = members[i] + members[j], []
    return [m for m in members if m]
