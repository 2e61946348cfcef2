"""Scores a retriever on the labelled questions: recall@k, MRR, off-topic rejection."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypedDict

if TYPE_CHECKING:  # pragma: no cover
    from knowledge.retriever import Passage

QUESTIONS_PATH = Path(__file__).parent / "questions.yaml"
SOURCE_PREFIX = "knowledge/docs"
_DEPTH = 10  # passages requested per question; ranks are over distinct documents


class SearchesPassages(Protocol):
    def search(self, query: str, k: int = 4) -> list[Passage]: ...


class Miss(TypedDict):
    """An on-topic question whose document was not ranked first."""

    question: str
    expected: str
    rank: int | None
    got: list[str]  # the first three sources returned


class FalseAccept(TypedDict):
    """An off-topic question that still got a passage above the threshold."""

    question: str
    got: str
    score: float


@dataclass(frozen=True)
class LabelledQuestion:
    """A customer question and the source that answers it."""

    text: str
    source: str


@dataclass
class RetrievalReport:
    """Aggregate figures plus the per-question detail needed to debug misses."""

    questions: int
    off_topic_questions: int
    recall_at_1: float
    recall_at_3: float
    mrr: float
    off_topic_rejection: float
    misses: list[Miss] = field(default_factory=list)
    false_accepts: list[FalseAccept] = field(default_factory=list)
    settings: dict[str, object] = field(default_factory=dict)  # threshold, term boost, model used

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return asdict(self)


def load_questions(path: Path = QUESTIONS_PATH) -> tuple[list[LabelledQuestion], list[str]]:
    """The labelled on-topic questions and the off-topic ones."""
    import yaml

    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    labelled = [LabelledQuestion(q, f"{SOURCE_PREFIX}/{doc}") for doc, qs in data["on_topic"].items() for q in qs]
    return labelled, list(data["off_topic"])


def _rank(retriever: SearchesPassages, question: LabelledQuestion) -> tuple[int | None, list[str]]:
    """1-based rank of the expected document among the distinct sources returned."""
    sources: list[str] = []
    for passage in retriever.search(question.text, k=_DEPTH):
        if passage.source not in sources:
            sources.append(passage.source)
    rank = sources.index(question.source) + 1 if question.source in sources else None
    return rank, sources


def evaluate(retriever: SearchesPassages, labelled: list[LabelledQuestion], off_topic: list[str]) -> RetrievalReport:
    """Run every question once through ``retriever.search`` (threshold included)."""
    ranks: list[int | None] = []
    misses: list[Miss] = []
    for question in labelled:
        rank, sources = _rank(retriever, question)
        ranks.append(rank)
        if rank != 1:
            misses.append({"question": question.text, "expected": question.source, "rank": rank, "got": sources[:3]})
    accepted = [(q, retriever.search(q, k=1)) for q in off_topic]
    false_accepts: list[FalseAccept] = [
        {"question": q, "got": p[0].source, "score": round(p[0].score, 3)} for q, p in accepted if p
    ]
    n = len(ranks) or 1
    return RetrievalReport(
        questions=len(ranks),
        off_topic_questions=len(off_topic),
        recall_at_1=sum(r == 1 for r in ranks) / n,
        recall_at_3=sum(r is not None and r <= 3 for r in ranks) / n,
        mrr=statistics.fmean(1 / r if r else 0.0 for r in ranks) if ranks else 0.0,
        off_topic_rejection=1 - len(false_accepts) / (len(off_topic) or 1),
        misses=misses,
        false_accepts=false_accepts,
    )
