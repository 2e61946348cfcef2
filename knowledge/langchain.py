"""LangChain adapter: the knowledge retriever as a ``BaseRetriever`` (for agent tools)."""

from __future__ import annotations

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from knowledge.retriever import Passage, Retriever


def passage_to_document(passage: Passage) -> Document:
    """A LangChain ``Document`` whose metadata carries title, source, heading and score."""
    return Document(
        page_content=passage.text,
        metadata={"title": passage.title, "source": passage.source, "heading": passage.heading, "score": passage.score},
    )


class KnowledgeRetriever(BaseRetriever):
    """Returns the top ``k`` knowledge passages above the relevance threshold as Documents."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    retriever: Retriever  # a plain class: pydantic checks only that it is one (arbitrary types)
    k: int = 4

    @classmethod
    def from_location(
        cls, data_dir: str | None = None, chroma_url: str | None = None, k: int = 4
    ) -> KnowledgeRetriever:
        """Build on the cached Chroma collection at ``data_dir`` or ``chroma_url``."""
        return cls(retriever=Retriever(data_dir, chroma_url), k=k)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [passage_to_document(p) for p in self.retriever.search(query, k=self.k)]
