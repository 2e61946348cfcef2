"""The offline MiniLM embedder: shape, normalisation, meaning, checksums, lazy import."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from knowledge.embeddings import EmbeddingModelError, MiniLMEmbedder, get_embedder


def test_vectors_are_unit_length_and_384_wide(no_network: None) -> None:
    vectors = get_embedder().embed(["pay my invoice", "update the PO number", ""])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_similar_questions_are_closer_than_unrelated_ones() -> None:
    a, b, c = get_embedder().embed(
        ["how do I pay my bill by card", "paying an invoice with a credit card", "recipe for banana bread"]
    )
    assert a @ b > 0.6 > a @ c + 0.3


def test_batching_does_not_change_results() -> None:
    texts = ["short", "a much longer sentence about billing addresses and countries " * 5, "medium length text"]
    together = get_embedder().embed(texts)
    alone = np.vstack([get_embedder().embed([t]) for t in texts])
    assert np.allclose(together, alone, atol=1e-4)


def test_the_singleton_is_cached() -> None:
    assert get_embedder() is get_embedder()


def test_a_tampered_vocabulary_is_refused(tmp_path: Path) -> None:
    vocab = tmp_path / "vocab.txt"
    shutil.copy(MiniLMEmbedder().vocab_path, vocab)
    vocab.write_text(vocab.read_text(encoding="utf-8") + "extra\n", encoding="utf-8")
    with pytest.raises(EmbeddingModelError, match="sha256"):
        MiniLMEmbedder(vocab_path=vocab).embed(["x"])


def test_a_wrong_model_file_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "model.onnx"
    fake.write_bytes(b"not a model")
    with pytest.raises(EmbeddingModelError):
        MiniLMEmbedder(model_path=fake).embed(["x"])


def test_importing_is_cheap() -> None:
    code = (
        "import sys, knowledge.embeddings as e; e.get_embedder();"
        "print(any(m in sys.modules for m in ('onnxruntime', 'tokenizers', 'numpy', 'chromadb')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).parents[2], timeout=60
    )
    assert out.stdout.strip() == "False", out.stderr
