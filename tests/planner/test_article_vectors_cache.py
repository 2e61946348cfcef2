"""The offline planner's help-article vectors kept between starts (faq.warm_up with a cache directory)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from agent.planner import faq


class _Counting:
    """The real embedder, counting the texts it is asked for."""

    def __init__(self, real: Any) -> None:
        self.real, self.texts = real, 0

    def embed(self, texts: list[str]) -> Any:
        self.texts += len(texts)
        return self.real.embed(texts)


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> _Counting:
    import knowledge.embeddings as embeddings

    counter = _Counting(embeddings.get_embedder())
    monkeypatch.setattr(embeddings, "get_embedder", lambda: counter)
    monkeypatch.setattr(faq, "_vectors", {})
    return counter


def test_a_second_start_reads_the_vectors_the_first_wrote(counting: _Counting, tmp_path: Path) -> None:
    faq.warm_up(tmp_path)
    (written,) = tmp_path.glob("planner-articles-*.npz")
    first, embedded = dict(faq._vectors), counting.texts
    assert embedded >= len(first) > 100

    faq._vectors.clear()
    faq.warm_up(tmp_path)
    assert counting.texts == embedded  # nothing embedded again
    assert faq._vectors.keys() == first.keys()
    assert all(np.allclose(faq._vectors[t], first[t]) for t in first)
    assert list(tmp_path.iterdir()) == [written]  # no stray temporary file


def test_vectors_of_other_articles_or_a_damaged_file_are_not_used(counting: _Counting, tmp_path: Path) -> None:
    faq.warm_up(tmp_path)
    (written,) = tmp_path.glob("planner-articles-*.npz")
    texts = list(faq._vectors)
    with np.load(written) as data:
        vectors = data["vectors"]
    np.savez(written, texts=np.array(texts[:-1] + ["a sentence the articles are no longer cut into"]), vectors=vectors)
    faq._vectors.clear()
    before = counting.texts
    faq.warm_up(tmp_path)  # the articles cut otherwise than the kept texts: embedded again
    assert counting.texts - before >= len(texts)

    written.write_bytes(b"not a numpy file")
    faq._vectors.clear()
    before = counting.texts
    faq.warm_up(tmp_path)
    assert counting.texts - before >= len(texts)  # embedded again, and the file rewritten whole
    with np.load(written) as data:
        assert data["vectors"].shape == (len(texts) + 1, 384)  # a row per text, then the centroid
        assert list(data["texts"]) == texts


def test_a_read_only_cache_directory_only_costs_the_embedding(
    counting: _Counting, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("")
    faq.warm_up(blocked / "cache")
    assert len(faq._vectors) > 100 and "could not keep" in caplog.text


def test_the_service_keeps_them_in_its_data_directory(tmp_path: Path) -> None:
    from agent.models import build_models
    from bootstrap.container import model_config
    from bootstrap.settings import Settings

    cfg = model_config(Settings(_env_file=None, portal_data_dir=tmp_path))
    primary, _ = build_models(cfg)
    assert cfg.cache_dir == tmp_path / "cache" and getattr(primary, "cache_dir", None) == tmp_path / "cache"


def test_a_planner_reads_what_was_kept_before_its_first_answer(counting: _Counting, tmp_path: Path) -> None:
    faq.warm_up(tmp_path)
    faq._vectors.clear()
    faq._TRIED.discard(tmp_path)
    before = counting.texts
    assert faq.read_cache(tmp_path) and len(faq._vectors) > 100 and counting.texts == before
    assert not faq.read_cache(tmp_path)  # tried once per process
    assert not faq.read_cache(tmp_path / "elsewhere")  # nothing kept there: nothing read, nothing embedded
    assert counting.texts == before


def test_reading_what_was_kept_cuts_no_articles_into_chunks(
    counting: _Counting, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Cutting the articles counts tokens (tiktoken, ~0.35 s and 71 MB): a one-off `ask` reads the kept texts instead.
    faq.warm_up(tmp_path)
    faq._vectors.clear()
    faq._TRIED.discard(tmp_path)

    def cut(*_: Any, **__: Any) -> Any:
        raise AssertionError("the articles were cut into chunks")

    monkeypatch.setattr("knowledge.chunking.chunk_document", cut)
    assert faq.read_cache(tmp_path) and len(faq._vectors) > 100
