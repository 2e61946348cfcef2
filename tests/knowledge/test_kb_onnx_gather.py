"""The embedder's graph rewrite: its tables gathered as int8, its vectors the packaged graph's bit for bit."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

from knowledge.embeddings import MiniLMEmbedder, _default_model_path, _verify, get_embedder, session_model
from knowledge.onnx_gather import (
    OnnxRewriteError,
    _fields,
    _one_scale_per_row,
    _parse_node,
    gather_before_dequantising,
)

ROOT = Path(__file__).parents[2]
# The rewrite of the pinned packaged model (MODEL_SHA256). It is deterministic: a change of these bytes is a
# change of the rewrite, to be checked against the vectors below and then pinned again.
SESSION_MODEL_SHA256 = "4e464b12f5ef0b8db710e0b7a94f7076d34baa03d0614b81657cd02d5b89e05d"


@lru_cache(maxsize=1)
def _packaged() -> bytes:
    from knowledge.embeddings import MODEL_SHA256

    return _verify(_default_model_path(), MODEL_SHA256)


def _nodes(model: bytes) -> list[tuple[str, tuple[str, ...]]]:
    graph = next(f for f in _fields(memoryview(model)) if f.number == 7)
    assert isinstance(graph.value, memoryview)
    return [(n.op_type, n.inputs) for n in (_parse_node(f) for f in _fields(graph.value) if f.number == 1)]


def _varied_texts() -> list[str]:
    """Help articles whole (cut at 256 tokens) and by paragraph, customers' messages, and odd inputs."""
    texts = []
    for path in sorted((ROOT / "knowledge" / "docs").glob("*.md")):
        article = path.read_text(encoding="utf-8")
        texts += [article, *(p.strip() for p in article.split("\n\n")[:4] if p.strip())]
    for path in sorted((ROOT / "evals" / "customers").glob("batch-*.yaml"))[:4]:
        said = re.findall(r'^\s*-?\s*user:\s*"(.+)"\s*$', path.read_text(encoding="utf-8"), flags=re.M)
        texts += said[::5]
    return [*texts, "", "a", "INV-2024-0042", "ÄÖÜ façade naïve 日本語 😀", "refund " * 300]


def test_the_rewrite_is_pinned_and_deterministic() -> None:
    rewritten = session_model(_packaged())
    assert hashlib.sha256(rewritten).hexdigest() == SESSION_MODEL_SHA256
    assert session_model(_packaged()) == rewritten


def test_the_tables_are_gathered_as_int8_and_dequantised_after() -> None:
    before, after = _nodes(_packaged()), _nodes(session_model(_packaged()))
    word = "inner.embeddings.word_embeddings.weight_q"
    assert ("Cast", (word,)) in before and ("Cast", (word,)) not in after  # no float copy of the table to fold
    gathers = [inputs for op, inputs in after if op == "Gather"]
    assert (word, "input_ids") in gathers
    assert ("inner.embeddings.word_embeddings.weight_scale", "input_ids") in gathers
    assert len(after) == len(before) + 2 * (4 - 3)  # two tables: Cast, Mul, Gather each became four nodes


def test_only_a_scale_per_row_is_gathered() -> None:
    assert _one_scale_per_row((30522, 384), (30522, 1))
    # one scale per column (the MatMul weights' kind), one for all, a table of other rank: left as they are
    assert not _one_scale_per_row((30522, 384), (1, 384))
    assert not _one_scale_per_row((30522, 384), ())
    assert not _one_scale_per_row((30522, 384), (30522,))
    assert not _one_scale_per_row((2, 30522, 384), (2, 1))
    assert not _one_scale_per_row(None, (30522, 1))


def test_a_second_rewrite_changes_nothing() -> None:
    rewritten = session_model(_packaged())
    assert gather_before_dequantising(rewritten) == (rewritten, 0)


def test_a_truncated_model_is_refused() -> None:
    with pytest.raises(OnnxRewriteError):
        gather_before_dequantising(_packaged()[:-1000])


def test_the_vectors_are_the_packaged_graphs_bit_for_bit() -> None:
    texts = _varied_texts()
    assert len(texts) > 150
    packaged = MiniLMEmbedder(gather_first=False).embed(texts)
    rewritten = get_embedder().embed(texts)
    assert np.array_equal(packaged, rewritten)  # not close: equal (the classifier and the index were built on them)


def test_the_session_keeps_no_copy_of_the_model() -> None:
    session = get_embedder()._loaded()[0]
    # onnxruntime's wrapper keeps the bytes a session was made from (23 MB); a session made from a path keeps none.
    assert getattr(session, "_model_bytes", None) is None
