"""The retriever and its LangChain adapter over the real, indexed knowledge base."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from knowledge.langchain import KnowledgeRetriever
from knowledge.retriever import Passage, Retriever


def test_returns_cited_passages_best_first(no_network: None, kb_collection: Any) -> None:
    passages = Retriever(collection=kb_collection).search("can I still pay if our account is suspended?", k=3)
    assert 1 <= len(passages) <= 3
    assert passages[0].source == "knowledge/docs/suspended-accounts.md"
    assert passages[0].title == "Paying while your account is suspended"
    assert passages[0].heading and passages[0].text
    scores = [p.score for p in passages]
    assert scores == sorted(scores, reverse=True) and all(0.0 <= s <= 1.0 for s in scores)
    assert passages[0].citation() == {
        "title": passages[0].title,
        "source": passages[0].source,
        "score": round(passages[0].score, 3),
    }


def test_off_topic_and_empty_queries_return_nothing(kb_collection: Any) -> None:
    retriever = Retriever(collection=kb_collection)
    assert retriever.search("what is a good recipe for lasagna") == []
    assert retriever.search("   ") == []
    assert retriever.search("how do I update the PO number", k=0) == []


def test_the_threshold_filters(kb_collection: Any) -> None:
    query = "how do I update the PO number"
    assert Retriever(collection=kb_collection, threshold=0.0).search(query, k=4)
    assert Retriever(collection=kb_collection, threshold=0.99).search(query, k=4) == []


def test_opening_by_location_is_cached(tmp_path: Path) -> None:
    from knowledge.ingest import sync_index

    first = Retriever(data_dir=tmp_path)
    sync_index(first.collection, Path(__file__).parents[2] / "knowledge" / "docs")
    second = Retriever(data_dir=tmp_path)
    assert second.collection is first.collection
    assert second.search("download a signed quote")[0].source == "knowledge/docs/signed-quotes.md"


def test_langchain_adapter_returns_documents_with_metadata(kb_collection: Any) -> None:
    tool_retriever = KnowledgeRetriever(retriever=Retriever(collection=kb_collection), k=2)
    docs = tool_retriever.invoke("where do I change the billing address")
    assert 1 <= len(docs) <= 2
    assert docs[0].metadata["source"] == "knowledge/docs/billing-address.md"
    assert set(docs[0].metadata) == {"title", "source", "heading", "score"}
    assert docs[0].page_content
    assert tool_retriever.invoke("tell me a joke about cats") == []


@pytest.mark.parametrize("boost", [0.0, 0.1])
def test_term_boost_keeps_scores_in_range(kb_collection: Any, boost: float) -> None:
    passages = Retriever(collection=kb_collection, term_boost=boost, threshold=0.0).search("PO number", k=5)
    assert all(isinstance(p, Passage) and 0.0 <= p.score <= 1.0 for p in passages)
