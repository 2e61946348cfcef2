"""The knowledge index in a Chroma server (`PORTAL_CHROMA_URL`), against a real `chroma run` on 127.0.0.1.

One server for the module: `portal-agent index build` fills it; the service's retriever, and a second
service process, answer from it exactly as from the embedded index; a rebuild is incremental; a restarted
server, a re-made collection and a hung server are each survived or reported in time; nothing leaves the
machine. Skips, saying why, only when `chroma run` cannot start here.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import httpx
import pytest
from chroma_kit import ChromaServer, chroma_cli, free_port, remote_peers
from chroma_worker import answers
from typer.testing import CliRunner, Result

from bootstrap.container import LazyKnowledge
from bootstrap.index import build_index, open_retriever
from bootstrap.settings import Settings, get_settings
from knowledge.documents import DOCS_DIR, load_documents
from knowledge.embeddings import get_embedder
from knowledge.ingest import IndexReport
from knowledge.retriever import Passage, Retriever
from knowledge.server import ChromaUnavailable
from knowledge.store import collection_name, open_client
from service.cli import app, main

ROOT = Path(__file__).resolve().parents[2]
SCORE_TOLERANCE = 1e-5  # float32 distances, computed by two HNSW indexes over the same vectors
QUESTIONS = [
    "can I still pay if our account is suspended?",
    "how do I update the PO number on an invoice?",
    "where do I change the billing address",
    "how can I download a signed quote",
    "how do I turn off auto-renewal?",
    "how do I add a new user to the portal?",
    "why can't I pay this invoice with my card?",
    "what is a good recipe for lasagna",  # off-topic: nothing, on both
]
ASKED = QUESTIONS[:3] + QUESTIONS[-1:]  # also asked in a chat turn (a turn costs a second or two)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    cli = chroma_cli()
    if cli is None:
        pytest.skip("the `chroma` CLI (installed with chromadb) is not on this machine")
    base = tmp_path_factory.mktemp("chroma-server")
    chroma = ChromaServer(cli, base / "store", base / "server.log")
    try:
        chroma.start()
    except RuntimeError as reason:
        chroma.stop()
        print(f"\nSKIP Chroma server: {reason}")
        pytest.skip(f"`chroma run` cannot start on this machine: {reason}")
    yield chroma
    chroma.stop()


def _settings(data_dir: Path, chroma_url: str | None, **extra: Any) -> Settings:
    """Settings for one side of the comparison, nothing read from the environment or a `.env` file."""
    values: dict[str, Any] = {"portal_data_dir": data_dir, "portal_chroma_url": chroma_url, **extra}
    return Settings(_env_file=None, portal_llm="offline", portal_embeddings="local", **values)


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, IndexReport]:
    """The default: the index embedded in the data dir."""
    data_dir = tmp_path_factory.mktemp("embedded")
    _, report = build_index(data_dir, None, get_embedder())
    return _settings(data_dir, None), report


@contextmanager
def _environment(workdir: Path, **settings: str) -> Iterator[None]:
    """Exactly these PORTAL_* settings for a command run in this process, from a directory with no `.env`."""
    with pytest.MonkeyPatch.context() as env:
        env.chdir(workdir)
        for name in [k for k in os.environ if k.startswith("PORTAL_")]:
            env.delenv(name)
        for name, value in settings.items():
            env.setenv(name, value)
        get_settings.cache_clear()
        try:
            yield
        finally:
            get_settings.cache_clear()


def _index_build(workdir: Path, **settings: str) -> Result:
    """`portal-agent index build` with these settings."""
    with _environment(workdir, **settings):
        return CliRunner().invoke(app, ["index", "build"])


@pytest.fixture(scope="module")
def built(server: ChromaServer, tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, str]:
    """`portal-agent index build` with PORTAL_CHROMA_URL set: (the service's settings, what it printed)."""
    data_dir = tmp_path_factory.mktemp("served")
    result = _index_build(data_dir, PORTAL_CHROMA_URL=server.url, PORTAL_DATA_DIR=str(data_dir))
    assert result.exit_code == 0, result.output
    return _settings(data_dir, server.url), result.output


class CountingEmbedder:
    """The offline embedder under another model id (so its own collection), counting the texts it embeds."""

    def __init__(self, model_id: str) -> None:
        self.inner, self.model_id = get_embedder(), model_id
        self.dimension = self.inner.dimension
        self.texts: list[str] = []

    def embed(self, texts: list[str]) -> Any:
        self.texts.extend(texts)
        return self.inner.embed(texts)


def _same_passages(got: list[Passage] | list[dict[str, Any]], want: list[Passage]) -> None:
    rows = [p if isinstance(p, dict) else asdict(p) for p in got]
    assert [(r["source"], r["heading"], r["text"]) for r in rows] == [(p.source, p.heading, p.text) for p in want]
    for row, passage in zip(rows, want):
        assert math.isclose(row["score"], passage.score, abs_tol=SCORE_TOLERANCE), (row, passage)


def test_index_build_fills_the_server_and_not_the_data_dir(
    server: ChromaServer, embedded: tuple[Settings, IndexReport], built: tuple[Settings, str]
) -> None:
    (settings, output), report = built, embedded[1]
    documents = len(load_documents())
    assert f"{documents} added, 0 updated, 0 removed, 0 unchanged" in output
    assert f"chunks in index: {report.chunks_total}" in output
    assert not (settings.portal_data_dir / "chroma").exists()  # nothing embedded beside it
    client = open_client(None, server.url)
    assert client.get_settings().anonymized_telemetry is False
    collection = client.get_collection(collection_name(get_embedder()))
    assert collection.count() == report.chunks_total
    assert collection.configuration["hnsw"]["space"] == "cosine"  # scores are cosine similarities, as embedded
    assert _readiness(settings) == "ok"
    unreachable = settings.model_copy(update={"portal_chroma_url": f"http://127.0.0.1:{free_port()}"})
    assert _readiness(unreachable).startswith("failed: ChromaUnavailable: no Chroma server answers at")


def _readiness(settings: Settings) -> str:
    """What `/readyz` says of the knowledge index."""
    from bootstrap.container import build_container
    from service.health import knowledge_index, run_checks

    container = build_container(settings)
    try:
        return run_checks(container, {"knowledge_index": knowledge_index})["knowledge_index"]
    finally:
        container.engine.dispose()


def test_the_services_retriever_answers_as_the_embedded_index(
    embedded: tuple[Settings, IndexReport], built: tuple[Settings, str]
) -> None:
    baseline = open_retriever(embedded[0])
    service = LazyKnowledge(built[0])  # what the service's runner searches with
    served = open_retriever(built[0])
    assert served.collection.name == baseline.collection.name
    for question in QUESTIONS:
        want = baseline.search(question)
        _same_passages(list(service.search(question)), want)
        _same_passages(served.score_candidates(question), baseline.score_candidates(question))
        assert bool(want) == ("lasagna" not in question)


def test_a_second_service_process_sees_the_same_index_and_answers_the_same(
    tmp_path: Path, embedded: tuple[Settings, IndexReport], built: tuple[Settings, str]
) -> None:
    questions = tmp_path / "questions.json"
    questions.write_text(json.dumps({"search": QUESTIONS, "ask": ASKED}))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env |= {
        "PORTAL_DATA_DIR": str(tmp_path / "worker"),
        "PORTAL_CHROMA_URL": str(built[0].portal_chroma_url),
        "PORTAL_LLM": "offline",
        "PYTHONPATH": os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]),  # this checkout's code
    }
    worker = [sys.executable, str(Path(__file__).with_name("chroma_worker.py")), str(questions)]
    with subprocess.Popen(
        worker, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as run:
        # Meanwhile, the same turns in this process over the embedded index: the baseline.
        baseline_dir = tmp_path / "baseline"
        want = answers(_settings(baseline_dir, None, portal_data_dir=embedded[0].portal_data_dir), [], ASKED)
        stdout, stderr = run.communicate(timeout=240)
    assert run.returncode == 0, stderr[-3000:]
    second = json.loads(stdout.splitlines()[-1])
    assert second["chroma_url"] == built[0].portal_chroma_url and second["network_violations"] == []
    assert not (tmp_path / "worker" / "chroma").exists()  # it answered from the server, not a store of its own

    baseline = open_retriever(embedded[0])
    for question in QUESTIONS:
        _same_passages(second["answers"]["passages"][question], baseline.search(question))
    for question in ASKED:
        got, expected = second["answers"]["turns"][question], want["turns"][question]
        assert got["reply"] == expected["reply"]
        assert [(c["source"], c["heading"]) for c in got["citations"]] == [
            (c["source"], c["heading"]) for c in expected["citations"]
        ]
        # Citations carry scores rounded to 3 places: equal, or one rounding step apart at most.
        for mine, theirs in zip(got["citations"], expected["citations"]):
            assert math.isclose(mine["score"], theirs["score"], abs_tol=0.0011)
    assert all(want["turns"][q]["citations"] for q in ASKED[:-1])  # answered from the help articles
    assert not want["turns"][ASKED[-1]]["citations"]  # and the off-topic one from none


def _sync_both(
    stores: dict[str, tuple[Path, str | None]], embedder: CountingEmbedder, docs: Path
) -> dict[str, tuple[dict[str, int], int, list[str]]]:
    """Sync both stores with `docs`: per store, the report's counts, the chunks embedded, and the texts."""
    outcome = {}
    for name, (data_dir, url) in stores.items():
        embedder.texts.clear()
        _, report = build_index(data_dir, url, embedder, docs)
        outcome[name] = (report.counts(), report.chunks_embedded, sorted(embedder.texts))
    return outcome


def test_rebuilding_is_incremental_as_embedded(
    server: ChromaServer, built: tuple[Settings, str], tmp_path: Path
) -> None:
    data_dir = built[0].portal_data_dir
    again = _index_build(data_dir, PORTAL_CHROMA_URL=server.url, PORTAL_DATA_DIR=str(data_dir))
    assert again.exit_code == 0, again.output
    assert f"0 added, 0 updated, 0 removed, {len(load_documents())} unchanged" in again.output
    assert "Chunks embedded: 0;" in again.output

    # Change by change, on a few articles in a collection of their own (another model id), the server
    # re-embeds exactly what the embedded store re-embeds.
    counting_embedder = CountingEmbedder("incremental-check")
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("paying-invoices.md", "signed-quotes.md", "billing-address.md"):
        shutil.copy(DOCS_DIR / name, docs / name)
    stores = {"embedded": (tmp_path / "embedded", None), "server": (tmp_path / "unused", server.url)}
    first = _sync_both(stores, counting_embedder, docs)
    assert first["server"] == first["embedded"] and first["server"][0]["added"] == 3
    unchanged = _sync_both(stores, counting_embedder, docs)
    assert unchanged["server"] == unchanged["embedded"] == ({**first["server"][0], "added": 0, "unchanged": 3}, 0, [])
    quotes = docs / "signed-quotes.md"
    quotes.write_text(quotes.read_text() + "\n## Quotes in other languages\n\nAsk for a translated quote.\n")
    (docs / "billing-address.md").unlink()
    changed = _sync_both(stores, counting_embedder, docs)
    assert changed["server"] == changed["embedded"]
    assert changed["server"][0] == {"added": 0, "updated": 1, "removed": 1, "unchanged": 1}
    assert all(text.startswith("Downloading a signed quote") for text in changed["server"][2])
    assert not (tmp_path / "unused").exists()


def test_a_restarted_server_and_a_re_made_collection_are_answered_without_restarting_the_service(
    server: ChromaServer, embedded: tuple[Settings, IndexReport], built: tuple[Settings, str], tmp_path: Path
) -> None:
    question = QUESTIONS[1]
    want = open_retriever(embedded[0]).search(question)
    service = LazyKnowledge(built[0])
    _same_passages(list(service.search(question)), want)
    server.restart()  # same store and port: the service's pooled connections are gone
    _same_passages(list(service.search(question)), want)

    # A server restarted on an empty volume, then re-indexed: the collection is made again, with a new id
    # (shown on an index of one article, in a collection of its own, to keep the test short).
    docs, small = tmp_path / "docs", CountingEmbedder("remade-check")
    docs.mkdir()
    shutil.copy(DOCS_DIR / "purchase-order-numbers.md", docs)
    build_index(tmp_path, server.url, small, docs)
    retriever = Retriever(chroma_url=server.url, embedder=small)
    before = retriever.search(question)
    assert before and before[0].source == "knowledge/docs/purchase-order-numbers.md"
    open_client(None, server.url).delete_collection(collection_name(small))
    build_index(tmp_path, server.url, small, docs)
    _same_passages(retriever.search(question), before)


def test_a_hung_or_absent_server_fails_in_time_with_a_clear_error(
    server: ChromaServer, built: tuple[Settings, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    retriever = Retriever(chroma_url=server.url, chroma_timeout=1.0)
    assert retriever.search(QUESTIONS[0])
    with server.paused():
        started = time.monotonic()
        with pytest.raises(httpx.TimeoutException):
            retriever.search(QUESTIONS[0])
        assert time.monotonic() - started < 5
        with pytest.raises(ChromaUnavailable, match="no Chroma server answers at http://127.0.0.1"):
            open_client.__wrapped__(None, server.url, 1.0)  # a new client (not the cached one) asks for a heartbeat
    assert retriever.search(QUESTIONS[0])  # and carries on once the server does

    nobody = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ChromaUnavailable, match=f"no Chroma server answers at {nobody}"):
        Retriever(chroma_url=nobody)
    with _environment(tmp_path, PORTAL_CHROMA_URL=nobody), pytest.MonkeyPatch.context() as env:
        env.setattr(sys, "argv", ["portal-agent", "index", "build"])
        with pytest.raises(SystemExit) as exited:
            main()  # the console entry point: a message and exit status 1, not a traceback
    assert exited.value.code == 1
    assert f"no Chroma server answers at {nobody}" in capsys.readouterr().err


def test_the_server_talks_to_nobody_but_this_machine(server: ChromaServer, built: tuple[Settings, str]) -> None:
    """The client side runs under the tests' network guard (any other address fails the test); the
    server's side: every socket the `chroma run` process holds is on the loopback interface."""
    assert server.process is not None
    LazyKnowledge(built[0]).search(QUESTIONS[0])
    peers = remote_peers(server.process.pid)
    loopback = {"127.0.0.1", "::1", "::ffff:127.0.0.1", "0.0.0.0", "::"}  # "0.0.0.0": a listening socket's peer
    assert peers and peers <= loopback
