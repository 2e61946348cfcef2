"""The retrieval eval floors of issue 3, measured honestly on the labelled questions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evals.retrieval.metrics import LabelledQuestion, evaluate, load_questions
from knowledge.documents import load_documents
from knowledge.retriever import Passage, Retriever


@pytest.fixture(scope="module")
def report(kb_collection: Any) -> Any:
    return evaluate(Retriever(collection=kb_collection), *load_questions())


def test_the_question_set_is_big_enough_and_labels_exist() -> None:
    labelled, off_topic = load_questions()
    sources = {d.source for d in load_documents()}
    assert len(labelled) >= 80 and len(off_topic) >= 15
    assert {q.source for q in labelled} == sources  # every document is asked about
    assert len({q.text for q in labelled}) == len(labelled)


def test_recall_and_rejection_floors(report: Any) -> None:
    assert report.recall_at_3 >= 0.95, report.misses
    assert report.recall_at_1 >= 0.85, report.misses
    assert report.off_topic_rejection >= 0.9, report.false_accepts
    assert report.mrr >= report.recall_at_1


def test_metrics_arithmetic() -> None:
    class Fixed:
        def search(self, query: str, k: int = 4) -> list[Passage]:
            order = {"a": ["x", "y"], "b": ["y", "x", "x"], "c": ["z", "w", "x"], "d": []}[query]
            return [Passage("t", s, "", "", 0.5) for s in order]

    questions = [LabelledQuestion(q, "x") for q in "abc"]
    result = evaluate(Fixed(), questions, ["a", "d"])
    assert (result.recall_at_1, result.recall_at_3) == (1 / 3, 1.0)
    assert result.mrr == pytest.approx((1 + 1 / 2 + 1 / 3) / 3)
    assert result.off_topic_rejection == 0.5


def test_cli_eval_retrieval_writes_a_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from bootstrap.settings import get_settings
    from service.cli import app

    monkeypatch.delenv("PORTAL_CHROMA_URL", raising=False)
    get_settings.cache_clear()
    result = CliRunner().invoke(
        app, ["eval", "retrieval", "--data-dir", str(tmp_path / "d"), "--report", str(tmp_path / "out"), "--check"]
    )
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "out" / "retrieval-report.json").read_text())
    assert data["questions"] >= 80 and data["recall_at_3"] >= 0.95
    assert "recall_at_1" in result.output
