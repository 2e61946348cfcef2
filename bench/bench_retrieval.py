"""Retrieval benchmark (not a test): query latency and index build throughput.

    .venv/bin/python bench/bench_retrieval.py [--synthetic 10000] [--queries 200] [--no-write]

Measures, with the offline MiniLM embedder and an embedded Chroma store in a temp dir:
the median latency of `Retriever.search` (query embedding + vector search) over the
knowledge base and over a synthetic corpus, and build throughput (chunks embedded and
stored per second). Prints the figures and appends a table to BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evals.retrieval.metrics import load_questions  # noqa: E402
from knowledge.chunking import chunk_document  # noqa: E402
from knowledge.documents import load_documents  # noqa: E402
from knowledge.embeddings import get_embedder  # noqa: E402
from knowledge.ingest import sync_index  # noqa: E402
from knowledge.retriever import Retriever  # noqa: E402
from knowledge.store import open_client, open_collection  # noqa: E402

if TYPE_CHECKING:  # pragma: no cover
    from chromadb.api.models.Collection import Collection


def _queries(n: int) -> list[str]:
    labelled, off_topic = load_questions()
    pool = [q.text for q in labelled] + off_topic
    return [pool[i % len(pool)] for i in range(n)]


def median_latency_ms(retriever: Retriever, queries: list[str]) -> float:
    """Median wall time of one `search` call, after a warm-up."""
    for q in queries[:5]:
        retriever.search(q)
    times = []
    for q in queries:
        start = time.perf_counter()
        retriever.search(q)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def build_kb(data_dir: Path) -> tuple[Collection, float]:
    """Full build of the knowledge base from scratch; returns (collection, chunks/s)."""
    collection = open_collection(open_client(str(data_dir)))
    get_embedder().load()  # model load is start-up cost, not throughput
    start = time.perf_counter()
    report = sync_index(collection)
    return collection, report.chunks_embedded / (time.perf_counter() - start)


def synthetic_texts(n: int, seed: int = 7) -> list[str]:
    """Plausible chunk texts: sentences of the knowledge base shuffled into new passages."""
    sentences = [
        s.strip()
        for d in load_documents()
        for c in chunk_document(d)
        for s in c.text.replace("\n", " ").split(". ")
        if len(s.split()) > 4
    ]
    rng = random.Random(seed)
    return [". ".join(rng.sample(sentences, 4)) + f" (ref {i})" for i in range(n)]


def build_synthetic(data_dir: Path, n: int, embed_limit: int | None = None) -> tuple[Collection, float]:
    """Embed and store ``n`` synthetic chunks; returns (collection, chunks/s).

    With ``embed_limit`` < n (keeps `make bench` under its time budget), only the first
    ``embed_limit`` chunks are embedded (the throughput figure is theirs); the rest get a
    re-normalised, slightly jittered copy of an embedded chunk's vector, so the index still holds
    ``n`` distinct vectors for the query-latency figure.
    """
    import numpy as np

    embedder = get_embedder()
    collection = open_collection(open_client(str(data_dir)))
    texts = synthetic_texts(n)
    limit = n if embed_limit is None else min(n, embed_limit)
    vectors: list = []
    start = time.perf_counter()
    for i in range(0, n, 256):
        batch = texts[i : i + 256]
        if i < limit:
            embedded = embedder.embed(batch[: limit - i])
            vectors += [np.asarray(v, dtype=np.float32) for v in embedded]
            batch_vectors = vectors[i : i + len(embedded)] + _jittered(vectors, len(batch) - len(embedded), i)
        else:
            batch_vectors = _jittered(vectors, len(batch), i)
        if i + 256 >= limit > i:
            rate = limit / (time.perf_counter() - start)
        collection.add(
            ids=[f"syn-{i + j}" for j in range(len(batch))],
            embeddings=batch_vectors,
            documents=batch,
            metadatas=[
                {"source": f"synthetic/{(i + j) % 500}.md", "title": "Synthetic", "heading": "", "text": t}
                for j, t in enumerate(batch)
            ],
        )
    return collection, rate


def _jittered(vectors: list, count: int, seed: int) -> list:
    import numpy as np

    rng = np.random.default_rng(seed)
    out = []
    for k in rng.integers(0, len(vectors), count):
        v = vectors[k] + rng.normal(0, 0.02, vectors[k].shape).astype(np.float32)
        out.append(v / np.linalg.norm(v))
    return out


def _commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout
        return (out.stdout.strip() or "no-commit") + ("+dirty" if dirty.strip() else "")
    except OSError:
        return "unknown"


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}"
    )


def append_table(rows: list[tuple[str, str]], command: str) -> None:
    """Append one dated table to BENCHMARKS.md."""
    path = ROOT / "BENCHMARKS.md"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    head = (
        f"\n### Retrieval benchmark, {dt.date.today().isoformat()}\n\n"
        f"Command: `{command}` · commit `{_commit()}` · machine: {_machine()}\n\n"
        "| figure | value |\n|---|---|\n"
    )
    path.write_text(text.rstrip("\n") + "\n" + head + "".join(f"| {k} | {v} |\n" for k, v in rows), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic", type=int, default=10_000, help="synthetic corpus size (chunks)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument(
        "--embed-limit",
        type=int,
        default=None,
        help="embed only this many synthetic chunks; the rest reuse jittered vectors (faster)",
    )
    parser.add_argument("--no-write", action="store_true", help="print only, do not touch BENCHMARKS.md")
    args = parser.parse_args()
    queries = _queries(args.queries)
    with tempfile.TemporaryDirectory() as tmp:
        kb, kb_rate = build_kb(Path(tmp) / "kb")
        kb_ms = median_latency_ms(Retriever(collection=kb), queries)
        syn, syn_rate = build_synthetic(Path(tmp) / "syn", args.synthetic, args.embed_limit)
        embedded = min(args.synthetic, args.embed_limit or args.synthetic)
        syn_ms = median_latency_ms(Retriever(collection=syn, threshold=0.0), queries)
        rows = [
            (f"median query latency, knowledge base ({kb.count()} chunks, {len(queries)} queries)", f"{kb_ms:.1f} ms"),
            (
                f"median query latency, synthetic corpus ({syn.count()} chunks, {len(queries)} queries)",
                f"{syn_ms:.1f} ms",
            ),
            ("index build throughput, knowledge base (chunk + embed + store)", f"{kb_rate:.0f} chunks/s"),
            (
                f"index build throughput, synthetic corpus ({embedded} chunks embedded, embed + store)",
                f"{syn_rate:.0f} chunks/s",
            ),
        ]
    for name, value in rows:
        print(f"{name}: {value}")
    if not args.no_write:
        append_table(rows, "python " + " ".join(["bench/bench_retrieval.py", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
